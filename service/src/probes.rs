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
    let migrated = matches!(store.migrations, Some((applied, known)) if applied == known);
    let migrations = match store.migrations {
        Some((applied, known)) if !migrated => format!("{applied} of {known} applied"),
        Some(_) => "ok".to_owned(),
        None => "unknown".to_owned(),
    };
    let worker_alive = probes
        .worker
        .as_ref()
        .map(|alive| alive.load(Ordering::Acquire));
    let worker = match worker_alive {
        None => "disabled",
        Some(true) => "running",
        Some(false) => "stopped",
    };
    let ready = store.reachable && migrated && worker_alive != Some(false);
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
                "database": if store.reachable { "ok" } else { "unreachable" },
                "migrations": migrations,
                "deliveryWorker": worker,
            },
        })),
    )
}
