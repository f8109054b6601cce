//! A minimal webhook receiver, as a downstream team would write one: it checks the `Signature`
//! header against the raw body before trusting anything in it, drops duplicates by `messageId`,
//! and answers 2xx quickly (the platform waits 5 seconds at most, then sends again).
//!
//! ```sh
//! WEBHOOK_SECRET='the secret createWebhook returned' \
//!   cargo run -p webhooks-service --example receiver -- 127.0.0.1:9000
//! ```
//!
//! Point a webhook at `http://127.0.0.1:9000/` and serve with `--allow-insecure-callbacks
//! --allow-callback-cidr 127.0.0.1/32` to try it locally; in production the callback is https
//! behind your usual TLS termination.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhooks_client::types::DeliveredEvent;

struct Receiver {
    secret: Vec<u8>,
    /// Message ids already handled. A real receiver keeps these in its database, with the
    /// effect of the event, in one transaction.
    seen: Mutex<HashSet<uuid::Uuid>>,
}

/// Whether `header` (`sha256=<lowercase hex>`) is the HMAC-SHA256 of `body` under `secret`.
fn signature_matches(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_mac) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_mac) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    // verify_slice compares in constant time: timing tells a forger nothing.
    mac.verify_slice(&expected).is_ok()
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get("signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // Check the raw bytes as received: re-serializing the JSON would change them.
    if !signature_matches(&receiver.secret, &body, signature) {
        eprintln!("dropped: bad signature");
        return StatusCode::UNAUTHORIZED;
    }
    let event: DeliveredEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("dropped: signed, but not an event: {e}");
            return StatusCode::BAD_REQUEST;
        }
    };
    let first_time = match receiver.seen.lock() {
        Ok(mut seen) => seen.insert(event.message_id),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
    };
    if first_time {
        println!(
            "{} {} webhook={} iTwin={} content={}",
            event.enqueued_date_time,
            event.event_type,
            event.webhook_id,
            event.i_twin_id.as_deref().unwrap_or("-"),
            serde_json::Value::Object(event.content.into_iter().collect()),
        );
    } else {
        // A retry of something already handled (our 2xx was lost): acknowledge it again.
        eprintln!("duplicate {}", event.message_id);
    }
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".to_owned());
    let secret = std::env::var("WEBHOOK_SECRET")
        .map_err(|_| "set WEBHOOK_SECRET to the webhook's secret")?;
    let receiver = Arc::new(Receiver {
        secret: secret.into_bytes(),
        seen: Mutex::new(HashSet::new()),
    });
    let app = axum::Router::new()
        .route("/", axum::routing::post(receive))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("receiving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
