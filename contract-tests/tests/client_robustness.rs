//! The generated client against a server that misbehaves: whatever comes back, the client
//! answers with a typed value that keeps the status, and never panics.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use contract_tests::serve;
use webhooks_client::types::ErrorCode;
use webhooks_client::*;

/// Each webhook id (`Uuid::from_u128(n)`) selects one kind of misbehaviour.
async fn misbehave(Path(id): Path<uuid::Uuid>) -> Response {
    let json = [("content-type", "application/json")];
    match id.as_u128() {
        1 => (
            StatusCode::NOT_FOUND,
            [("content-type", "text/plain")],
            "oops",
        )
            .into_response(),
        2 => (StatusCode::NOT_FOUND, json, r#"{"error": null}"#).into_response(),
        3 => (StatusCode::NOT_FOUND, json, "{}").into_response(),
        4 => (
            StatusCode::NOT_FOUND,
            json,
            r#"{"error": {"code": "SomethingNew", "message": null, "details": null}}"#,
        )
            .into_response(),
        5 => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
        6 => (
            StatusCode::TOO_MANY_REQUESTS,
            json,
            r#"{"error": {"code": "TooManyRequests"}}"#,
        )
            .into_response(),
        7 => (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("content-type", "application/json"),
                ("retry-after", "soon"),
            ],
            "{}",
        )
            .into_response(),
        8 => (StatusCode::OK, json, r#"{"id": "not a webhook"}"#).into_response(),
        9 => StatusCode::OK.into_response(),
        // Error statuses with an empty body: declared (404, 500) and not (502).
        11 => StatusCode::NOT_FOUND.into_response(),
        12 => (StatusCode::INTERNAL_SERVER_ERROR, json, "").into_response(),
        13 => StatusCode::BAD_GATEWAY.into_response(),
        // Slower than any client timeout in these tests.
        14 => {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            (StatusCode::OK, json, "{}").into_response()
        }
        _ => (StatusCode::IM_A_TEAPOT, "short and stout").into_response(),
    }
}

async fn client() -> Client {
    let app = axum::Router::new().route("/webhooks/{id}", axum::routing::get(misbehave));
    let addr = serve(app).await.expect("bind loopback");
    Client::new(&format!("http://{addr}"))
        .expect("url")
        .with_bearer_token("t")
}

fn id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

async fn get(client: &Client, n: u128) -> Result<types::Webhook, Error<GetWebhookError>> {
    client.get_webhook(&id(n)).await
}

#[tokio::test]
async fn misbehaving_answers_become_typed_errors() {
    let client = client().await;

    match get(&client, 1).await {
        Err(Error::Unexpected(r)) => {
            assert_eq!(r.status.as_u16(), 404);
            assert_eq!(&r.body[..], b"oops");
            assert!(r.decode_error.is_some());
        }
        other => panic!("text 404: {other:?}"),
    }
    for n in [2, 3] {
        match get(&client, n).await {
            Err(Error::Api(GetWebhookError::NotFound(body))) => assert!(body.error.is_none()),
            other => panic!("case {n}: {other:?}"),
        }
    }
    match get(&client, 4).await {
        Err(Error::Api(GetWebhookError::NotFound(body))) => {
            let error = body.error.expect("error");
            assert_eq!(error.code, Some(ErrorCode::Unknown("SomethingNew".into())));
            assert_eq!(error.message, None);
        }
        other => panic!("unknown code: {other:?}"),
    }
    match get(&client, 5).await {
        Err(e @ Error::Unexpected(_)) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(502))
        }
        other => panic!("html 502: {other:?}"),
    }
    match get(&client, 6).await {
        Err(Error::Api(GetWebhookError::TooManyRequests { retry_after, body })) => {
            assert_eq!(retry_after, None);
            assert_eq!(
                body.error.and_then(|e| e.code),
                Some(ErrorCode::TooManyRequests)
            );
        }
        other => panic!("429 without retry-after: {other:?}"),
    }
    match get(&client, 7).await {
        Err(Error::Api(GetWebhookError::TooManyRequests { retry_after, .. })) => {
            assert_eq!(retry_after, None)
        }
        other => panic!("429 with a bad retry-after: {other:?}"),
    }
    for n in [8, 9] {
        match get(&client, n).await {
            Err(Error::Unexpected(r)) => {
                assert_eq!(r.status.as_u16(), 200);
                assert!(r.decode_error.is_some(), "case {n} says why");
            }
            other => panic!("case {n}: {other:?}"),
        }
    }
    match get(&client, 10).await {
        Err(Error::Unexpected(r)) => {
            assert_eq!(r.status.as_u16(), 418);
            assert_eq!(
                r.decode_error, None,
                "an undocumented status is unexpected as a whole"
            );
        }
        other => panic!("418: {other:?}"),
    }
}

#[tokio::test]
async fn empty_error_bodies_keep_their_status() {
    let client = client().await;
    for (n, status) in [(11, 404), (12, 500), (13, 502)] {
        match get(&client, n).await {
            Err(Error::Unexpected(r)) => {
                assert_eq!(r.status.as_u16(), status, "case {n}");
                assert!(r.body.is_empty(), "case {n}");
                // A declared status whose body is not the declared schema says why; an
                // undeclared one is unexpected as a whole.
                assert_eq!(r.decode_error.is_some(), status != 502, "case {n}");
            }
            other => panic!("case {n}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_a_transport_error() {
    let app = axum::Router::new().route("/webhooks/{id}", axum::routing::get(misbehave));
    let addr = serve(app).await.expect("bind loopback");
    install_crypto_provider();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .expect("reqwest client");
    let client = Client::with_http_client(&format!("http://{addr}"), http)
        .expect("url")
        .with_bearer_token("t");
    let started = std::time::Instant::now();
    // The test's own bound: the client must give up by itself, long before this.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(2), get(&client, 14))
        .await
        .expect("the client gave up within 2 s");
    let took = started.elapsed();
    match answer {
        Err(ref e @ Error::Transport(ref inner)) => {
            assert!(
                inner.is_timeout(),
                "a timeout, not another failure: {inner:?}"
            );
            assert_eq!(e.status(), None, "no answer, so no status");
            assert!(e.to_string().contains("getWebhook"), "{e}");
        }
        other => panic!("slow answer: {other:?}"),
    }
    assert!(
        took >= std::time::Duration::from_millis(200) && took < std::time::Duration::from_secs(1),
        "gave up after {took:?}"
    );
}

#[tokio::test]
async fn transport_failures_are_typed() {
    // Bind and drop a listener so the port is closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::new(&format!("http://{addr}")).expect("url");
    match client.get_webhook(&id(1)).await {
        Err(e @ Error::Transport(_)) => assert_eq!(e.status(), None),
        other => panic!("closed port: {other:?}"),
    }
}

#[tokio::test]
async fn a_failing_token_source_is_a_request_error() {
    let client = client().await.with_token_source(token_fn(|| async {
        Err::<String, BoxError>("vault is sealed".into())
    }));
    match client.get_webhook(&id(1)).await {
        Err(Error::Request(e)) => assert!(e.to_string().contains("vault is sealed")),
        other => panic!("token failure: {other:?}"),
    }
}

#[test]
fn unusable_base_urls_are_errors() {
    assert!(Client::new("not a url").is_err());
    assert!(Client::new("mailto:someone@example.com").is_err());
}

#[tokio::test]
async fn https_is_built_in_and_fails_as_a_value() {
    // A closed loopback port behind an https URL: the TLS stack (rustls with ring) is set up
    // without panicking, and the failure arrives as a transport error.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::new(&format!("https://{addr}")).expect("url");
    assert!(matches!(
        client.get_webhook(&id(1)).await,
        Err(Error::Transport(_))
    ));
}

/// A server that answers 429 (`retry-after: 0`) to the first `busy` requests of each kind, then
/// what the operation normally answers; it counts every request it gets.
async fn busy_server(busy: usize) -> (Client, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let answer = move |seen: std::sync::Arc<AtomicUsize>, ok: Response| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if n < busy {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("content-type", "application/json"), ("retry-after", "0")],
                "{}",
            )
                .into_response()
        } else {
            ok
        }
    };
    let get_seen = seen.clone();
    let post_seen = seen.clone();
    let app = axum::Router::new()
        .route(
            "/webhooks/{id}",
            axum::routing::get(move |Path(id): Path<uuid::Uuid>| {
                let seen = get_seen.clone();
                async move {
                    let body =
                        serde_json::to_string(&contract_tests::sample_webhook(id)).expect("json");
                    answer(
                        seen,
                        ([("content-type", "application/json")], body).into_response(),
                    )
                }
            }),
        )
        .route(
            "/webhooks/{id}/activate",
            axum::routing::post(move || {
                let seen = post_seen.clone();
                async move { answer(seen, StatusCode::ACCEPTED.into_response()) }
            }),
        );
    let addr = serve(app).await.expect("bind loopback");
    let client = Client::new(&format!("http://{addr}"))
        .expect("url")
        .with_bearer_token("t");
    (client, seen)
}

#[tokio::test]
async fn retries_are_off_unless_asked_for() {
    let (client, seen) = busy_server(2).await;
    match client.get_webhook(&id(1)).await {
        Err(Error::Api(GetWebhookError::TooManyRequests { retry_after, .. })) => {
            assert_eq!(retry_after, Some(0))
        }
        other => panic!("expected the 429: {other:?}"),
    }
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn idempotent_operations_are_retried_after_retry_after() {
    let (client, seen) = busy_server(2).await;
    let client = client.with_retry_policy(RetryPolicy::attempts(3));
    let hook = client
        .get_webhook(&id(1))
        .await
        .expect("the third attempt succeeds");
    assert_eq!(hook.id, id(1));
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_attempt_cap_returns_the_last_429() {
    let (client, seen) = busy_server(10).await;
    let client = client.with_retry_policy(RetryPolicy::attempts(3));
    assert!(matches!(
        client.get_webhook(&id(1)).await,
        Err(Error::Api(GetWebhookError::TooManyRequests { .. }))
    ));
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn post_is_retried_only_when_the_caller_says_so() {
    let (client, seen) = busy_server(1).await;
    let cautious = client.clone().with_retry_policy(RetryPolicy::attempts(3));
    assert!(matches!(
        cautious.activate_webhook(&id(1), None).await,
        Err(Error::Api(ActivateWebhookError::TooManyRequests { .. }))
    ));
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    let bold = client.with_retry_policy(RetryPolicy::attempts(3).with_retry_non_idempotent(true));
    bold.activate_webhook(&id(1), None)
        .await
        .expect("the retry succeeds");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let mut headers = reqwest::header::HeaderMap::new();
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(specfirst_runtime::client::retry_after(&headers, now), None);
    headers.insert("retry-after", "120".parse().expect("value"));
    assert_eq!(
        specfirst_runtime::client::retry_after(&headers, now),
        Some(Duration::from_secs(120))
    );
    headers.insert(
        "retry-after",
        "Sun, 06 Nov 1994 08:50:07 GMT".parse().expect("value"),
    );
    assert_eq!(
        specfirst_runtime::client::retry_after(&headers, now),
        Some(Duration::from_secs(30))
    );
    headers.insert(
        "retry-after",
        "Sun, 06 Nov 1994 08:00:00 GMT".parse().expect("value"),
    );
    assert_eq!(
        specfirst_runtime::client::retry_after(&headers, now),
        Some(Duration::ZERO),
        "a date in the past: now"
    );
    headers.insert("retry-after", "soon".parse().expect("value"));
    assert_eq!(
        specfirst_runtime::client::retry_after(&headers, SystemTime::now()),
        None
    );
}
