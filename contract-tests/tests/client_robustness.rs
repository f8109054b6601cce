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

async fn get(client: &Client, n: u128) -> Result<types::Webhook, GetWebhookError> {
    client.get_webhook(&id(n)).await
}

#[tokio::test]
async fn misbehaving_answers_become_typed_errors() {
    let client = client().await;

    match get(&client, 1).await {
        Err(GetWebhookError::Unexpected(r)) => {
            assert_eq!(r.status.as_u16(), 404);
            assert_eq!(&r.body[..], b"oops");
            assert!(r.decode_error.is_some());
        }
        other => panic!("text 404: {other:?}"),
    }
    for n in [2, 3] {
        match get(&client, n).await {
            Err(GetWebhookError::NotFound(body)) => assert!(body.error.is_none()),
            other => panic!("case {n}: {other:?}"),
        }
    }
    match get(&client, 4).await {
        Err(GetWebhookError::NotFound(body)) => {
            let error = body.error.expect("error");
            assert_eq!(error.code, Some(ErrorCode::Unknown("SomethingNew".into())));
            assert_eq!(error.message, None);
        }
        other => panic!("unknown code: {other:?}"),
    }
    match get(&client, 5).await {
        Err(e @ GetWebhookError::Unexpected(_)) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(502))
        }
        other => panic!("html 502: {other:?}"),
    }
    match get(&client, 6).await {
        Err(GetWebhookError::TooManyRequests { retry_after, body }) => {
            assert_eq!(retry_after, None);
            assert_eq!(
                body.error.and_then(|e| e.code),
                Some(ErrorCode::TooManyRequests)
            );
        }
        other => panic!("429 without retry-after: {other:?}"),
    }
    match get(&client, 7).await {
        Err(GetWebhookError::TooManyRequests { retry_after, .. }) => assert_eq!(retry_after, None),
        other => panic!("429 with a bad retry-after: {other:?}"),
    }
    for n in [8, 9] {
        match get(&client, n).await {
            Err(GetWebhookError::Unexpected(r)) => {
                assert_eq!(r.status.as_u16(), 200);
                assert!(r.decode_error.is_some(), "case {n} says why");
            }
            other => panic!("case {n}: {other:?}"),
        }
    }
    match get(&client, 10).await {
        Err(GetWebhookError::Unexpected(r)) => {
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
async fn transport_failures_are_typed() {
    // Bind and drop a listener so the port is closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::new(&format!("http://{addr}")).expect("url");
    match client.get_webhook(&id(1)).await {
        Err(e @ GetWebhookError::Transport(_)) => assert_eq!(e.status(), None),
        other => panic!("closed port: {other:?}"),
    }
}

#[tokio::test]
async fn a_failing_token_source_is_a_request_error() {
    let client = client().await.with_token_source(token_fn(|| async {
        Err::<String, BoxError>("vault is sealed".into())
    }));
    match client.get_webhook(&id(1)).await {
        Err(GetWebhookError::Request(e)) => assert!(e.to_string().contains("vault is sealed")),
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
        Err(GetWebhookError::Transport(_))
    ));
}
