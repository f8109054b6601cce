//! An in-process webhook receiver on loopback for the delivery tests: it verifies both
//! signatures of every request with `webhooks-verify` (the receivers' crate), records every
//! request, and answers each one as its hook's plan says.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use webhooks_client::types::DeliveredEvent;
use webhooks_verify::{Secret, Verifier};

/// How to answer one request.
#[derive(Debug, Clone)]
#[allow(dead_code)] // Each test binary uses some of them.
pub enum Answer {
    Ok,
    Status(u16),
    /// 429 with `retry-after` in seconds.
    TooMany(u64),
    /// Sleep this long, then 200.
    Sleep(Duration),
    /// 302 to another hook of this receiver.
    Redirect(String),
    /// This status with this body.
    Body(u16, String),
}

/// One request as received.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Hit {
    pub at: Instant,
    pub body: Vec<u8>,
    /// The request's headers, for tests that check the signatures themselves.
    pub headers: HeaderMap,
    /// Both the legacy `Signature` and the Standard Webhooks headers verify with the hook's
    /// secret (the timestamp within the default tolerance).
    pub signature_ok: bool,
    pub event: Option<DeliveredEvent>,
}

#[derive(Default)]
struct Inner {
    secrets: HashMap<String, String>,
    plans: HashMap<String, VecDeque<Answer>>,
    hits: HashMap<String, Vec<Hit>>,
    /// Message ids answered 2xx, with how often.
    acknowledged: HashMap<uuid::Uuid, u32>,
}

/// Serves `app` on a loopback port of its own, in the background; its address.
#[allow(dead_code)]
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let addr = listener.local_addr().expect("receiver address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

#[allow(dead_code)]
impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/hook/{name}", axum::routing::post(receive))
            .with_state(Arc::clone(&inner));
        let addr = serve(app).await;
        Receiver { addr, inner }
    }

    /// The callback URL of hook `name`.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/hook/{name}", self.addr)
    }

    /// Registers hook `name` with its secret and the answers to its first requests (200 after
    /// them).
    pub fn expect(&self, name: &str, secret: &str, plan: Vec<Answer>) {
        let mut inner = self.inner.lock().expect("receiver lock");
        inner.secrets.insert(name.to_owned(), secret.to_owned());
        inner.plans.insert(name.to_owned(), plan.into());
    }

    pub fn hits(&self, name: &str) -> Vec<Hit> {
        let inner = self.inner.lock().expect("receiver lock");
        inner.hits.get(name).cloned().unwrap_or_default()
    }

    pub fn count(&self, name: &str) -> usize {
        self.hits(name).len()
    }

    /// Every hit on any hook with a bad signature.
    pub fn bad_signatures(&self) -> usize {
        let inner = self.inner.lock().expect("receiver lock");
        inner
            .hits
            .values()
            .flatten()
            .filter(|h| !h.signature_ok)
            .count()
    }

    /// Distinct message ids answered 2xx, and 2xx answers in all.
    pub fn acknowledged(&self) -> (usize, u64) {
        let inner = self.inner.lock().expect("receiver lock");
        let total = inner.acknowledged.values().map(|n| u64::from(*n)).sum();
        (inner.acknowledged.len(), total)
    }

    /// The distinct message ids answered 2xx.
    pub fn acknowledged_ids(&self) -> Vec<uuid::Uuid> {
        let inner = self.inner.lock().expect("receiver lock");
        inner.acknowledged.keys().copied().collect()
    }

    /// Waits until `done` holds, polling; false on timeout.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&Receiver) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if done(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        done(self)
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let answer = {
        let mut inner = inner.lock().expect("receiver lock");
        let secret = inner.secrets.get(&name).cloned().unwrap_or_default();
        let verifier = Verifier::new([Secret::new(&secret)]);
        let legacy_ok = headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|header| verifier.verify_legacy(header, &body).is_ok());
        let standard_ok = verifier
            .clone()
            .standard_only()
            .verify(&headers, &body, SystemTime::now())
            .is_ok();
        let signature_ok = legacy_ok && standard_ok;
        let event = serde_json::from_slice::<DeliveredEvent>(&body).ok();
        let answer = if signature_ok {
            inner
                .plans
                .get_mut(&name)
                .and_then(VecDeque::pop_front)
                .unwrap_or(Answer::Ok)
        } else {
            // As a real receiver would: drop what it cannot verify.
            Answer::Status(401)
        };
        let message_id = event.as_ref().map(|e| e.message_id);
        inner.hits.entry(name).or_default().push(Hit {
            at,
            body: body.to_vec(),
            headers: headers.clone(),
            signature_ok,
            event,
        });
        if let (Answer::Ok, Some(id)) = (&answer, message_id) {
            *inner.acknowledged.entry(id).or_default() += 1;
        }
        answer
    };
    match answer {
        Answer::Ok => StatusCode::NO_CONTENT.into_response(),
        Answer::Status(code) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Answer::TooMany(seconds) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", seconds.to_string())],
        )
            .into_response(),
        Answer::Sleep(wait) => {
            tokio::time::sleep(wait).await;
            StatusCode::OK.into_response()
        }
        Answer::Redirect(to) => {
            (StatusCode::FOUND, [("location", format!("/hook/{to}"))]).into_response()
        }
        Answer::Body(code, body) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        )
            .into_response(),
    }
}
