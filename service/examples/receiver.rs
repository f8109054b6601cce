//! A minimal webhook receiver, as a downstream team would write one: `webhooks-verify` checks
//! each delivery's signature against the raw body before the handler trusts anything in it,
//! duplicates are dropped by `messageId`, and the answer is a quick 2xx (the platform waits 5
//! seconds at most, then sends again).
//!
//! ```sh
//! WEBHOOK_SECRET='the secret createWebhook returned' \
//!   cargo run -p webhooks-service --example receiver -- 127.0.0.1:9000
//! ```
//!
//! Deliveries carry two signatures and either is accepted: the Standard Webhooks headers
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature`; preferred, they also refuse a
//! delivery replayed more than 5 minutes later) and, from senders that only send it, the legacy
//! `Signature` header. Set `WEBHOOK_STANDARD_ONLY=1` to refuse deliveries without the Standard
//! Webhooks headers, once every sender sends them.
//!
//! Rotating the secret without losing a delivery: call `rotateWebhookSecret`, put the new secret
//! on a line of its own in `WEBHOOK_SECRET` beside the old one and restart; during the grace
//! period deliveries are signed with both, so this receiver accepts them before and after its
//! restart. Drop the old line once the grace period is over (or after
//! `deletePreviousWebhookSecret`).
//!
//! Point a webhook at `http://127.0.0.1:9000/` and serve with `--allow-insecure-callbacks
//! --allow-callback-cidr 127.0.0.1/32` to try it locally; in production the callback is https
//! behind your usual TLS termination.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use webhooks_client::types::DeliveredEvent;
use webhooks_verify::{Secret, VerifiedBody, Verifier};

#[derive(Clone)]
struct Receiver {
    /// The secrets deliveries may be signed with; `VerifiedBody` takes it from the state.
    verifier: Verifier,
    /// Message ids already handled. A real receiver keeps these in its database, with the
    /// effect of the event, in one transaction.
    seen: Arc<Mutex<HashSet<uuid::Uuid>>>,
}

impl FromRef<Receiver> for Verifier {
    fn from_ref(receiver: &Receiver) -> Verifier {
        receiver.verifier.clone()
    }
}

/// Runs only for verified deliveries: the extractor answered 401 to anything else, and 413 to
/// bodies over axum's limit.
async fn receive(State(receiver): State<Receiver>, delivery: VerifiedBody) -> StatusCode {
    // Parse the bytes that were verified, never a re-serialization of them.
    let event: DeliveredEvent = match serde_json::from_slice(&delivery.body) {
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
            "{} {} webhook={} iTwin={} verified={:?} content={}",
            event.enqueued_date_time,
            event.event_type,
            event.webhook_id,
            event.i_twin_id.as_deref().unwrap_or("-"),
            delivery.scheme,
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
    let secrets = std::env::var("WEBHOOK_SECRET")
        .map_err(|_| "set WEBHOOK_SECRET to the webhook's secret (one per line while rotating)")?;
    let secrets: Vec<Secret> = secrets
        .lines()
        .filter(|line| !line.is_empty())
        .map(Secret::new)
        .collect();
    if secrets.is_empty() {
        return Err("WEBHOOK_SECRET holds no secret".into());
    }
    let count = secrets.len();
    let mut verifier = Verifier::new(secrets);
    if std::env::var_os("WEBHOOK_STANDARD_ONLY").is_some_and(|v| v == "1") {
        verifier = verifier.standard_only();
    }
    let receiver = Receiver {
        verifier,
        seen: Arc::new(Mutex::new(HashSet::new())),
    };
    let app = axum::Router::new()
        .route("/", axum::routing::post(receive))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!(
        "receiving on http://{}/ with {count} secret(s)",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
