//! Liveness and readiness for orchestrators: `GET /healthz` answers while the process serves;
//! `GET /readyz` answers 200 only when the database is reachable, every migration is applied and
//! the delivery worker (when this process runs one) is running, else 503 naming what is not.
//! Neither needs a token nor counts against a caller's rate limit: they are routed beside the
//! generated API, not through it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use crate::store::Store;

/// What `/readyz` looks at.
#[derive(Clone)]
pub struct Probes {
    store: Store,
    /// Set while the delivery worker's loop runs; `None` when this process runs no worker.
    worker: Option<Arc<AtomicBool>>,
}

impl Probes {
    pub fn new(store: Store, worker: Option<Arc<AtomicBool>>) -> Self {
        Probes { store, worker }
    }
}

/// The two routes, to merge into the service's router.
pub fn router(probes: Probes) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(probes)
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(probes): State<Probes>) -> (StatusCode, Json<Value>) {
    let store = probes.store.readiness().await;
    let database = if store.reachable {
        "ok".to_owned()
    } else {
        "unreachable".to_owned()
    };
    let migrations = match store.migrations {
        Some((applied, known)) if applied == known => "ok".to_owned(),
        Some((applied, known)) => format!("{applied} of {known} applied"),
        None => "unknown".to_owned(),
    };
    let worker = match &probes.worker {
        None => "disabled",
        Some(alive) if alive.load(Ordering::Acquire) => "running",
        Some(_) => "stopped",
    };
    let ready = database == "ok" && migrations == "ok" && worker != "stopped";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "not ready" },
            "checks": {
                "database": database,
                "migrations": migrations,
                "deliveryWorker": worker,
            },
        })),
    )
}
