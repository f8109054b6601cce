//! The extractor inside a real Router: a good delivery reaches the handler, a bad one gets 401.
#![cfg(feature = "axum")]

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use tower::ServiceExt as _;
use webhooks_verify::{Scheme, Secret, VerifiedBody, Verifier, sign_legacy, sign_standard};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"eventType":"iModels.iModelDeleted.v1"}"#;

async fn receive(delivery: VerifiedBody) -> String {
    let scheme = match delivery.scheme {
        Scheme::Standard => "standard",
        Scheme::Legacy => "legacy",
    };
    format!("{scheme}:{}", String::from_utf8_lossy(&delivery.body))
}

fn app() -> Router {
    Router::new()
        .route("/webhooks", post(receive))
        .with_state(Verifier::new([Secret::new(SECRET)]))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

fn standard_request(timestamp: i64, signature: &str, body: &str) -> Request<Body> {
    Request::post("/webhooks")
        .header("webhook-id", "msg_1")
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn call(app: Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let text = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(text.to_vec()).unwrap())
}

#[tokio::test]
async fn good_standard_signature_passes() {
    let ts = now();
    let signature = sign_standard(&Secret::new(SECRET), "msg_1", ts, BODY.as_bytes());
    let (status, text) = call(app(), standard_request(ts, &signature, BODY)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, format!("standard:{BODY}"));
}

#[tokio::test]
async fn good_legacy_signature_passes() {
    let request = Request::post("/webhooks")
        .header(
            "Signature",
            sign_legacy(&Secret::new(SECRET), BODY.as_bytes()),
        )
        .body(Body::from(BODY))
        .unwrap();
    let (status, text) = call(app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, format!("legacy:{BODY}"));
}

#[tokio::test]
async fn bad_signature_is_401() {
    let ts = now();
    let signature = sign_standard(&Secret::new(SECRET), "msg_1", ts, BODY.as_bytes());
    let (status, text) = call(app(), standard_request(ts, &signature, "{}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(text, "webhook verification failed: no signature matches");
}

#[tokio::test]
async fn replay_is_401() {
    let ts = now() - 3600;
    let signature = sign_standard(&Secret::new(SECRET), "msg_1", ts, BODY.as_bytes());
    let (status, text) = call(app(), standard_request(ts, &signature, BODY)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("in the past"), "{text}");
}

#[tokio::test]
async fn unsigned_is_401() {
    let request = Request::post("/webhooks").body(Body::from(BODY)).unwrap();
    let (status, text) = call(app(), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        text,
        "webhook verification failed: missing header webhook-signature"
    );
}

#[tokio::test]
async fn oversized_body_is_413_before_verification() {
    let app = app().layer(DefaultBodyLimit::max(16));
    let ts = now();
    let signature = sign_standard(&Secret::new(SECRET), "msg_1", ts, BODY.as_bytes());
    let (status, _) = call(app, standard_request(ts, &signature, BODY)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}
