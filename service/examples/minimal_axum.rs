//! The yardstick for `bench/load.sh`: the least an axum server does for one route with a small
//! JSON body (no authentication, no store, no middleware), so the service's `GET /webhooks/{id}`
//! can be reported as a fraction of what axum and tokio themselves reach on the same core.
//!
//! ```sh
//! cargo run --release -p webhooks-service --example minimal_axum -- 127.0.0.1:18081
//! ```

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};

/// About the size of a webhook's JSON.
#[derive(serde::Serialize)]
struct Thing {
    id: String,
    scope: &'static str,
    active: bool,
    callback_url: &'static str,
    event_types: [&'static str; 1],
}

async fn thing(Path(id): Path<String>) -> Json<Thing> {
    Json(Thing {
        id,
        scope: "Account",
        active: true,
        callback_url: "https://receiver.example.com/hook",
        event_types: ["iModels.iModelCreated.v1"],
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let app = Router::new().route("/things/{id}", get(thing));
    axum::serve(listener, app).await
}
