//! Requests the `request` fuzz target (fuzz/fuzz_targets/request.rs) stopped on, minimised with
//! `cargo fuzz tmin`, replayed over loopback against the generated router.
//!
//! None of them found a bug in the router: each showed where the fuzz target's model was wrong
//! (a `{id}` matches an empty segment in the middle of a path but not at its end; `//` at the
//! start of a path is no known path; event types have a pattern). They stay here because the
//! answers they pin are what the fuzz target's oracle now relies on, and each is a status the
//! spec declares with the spec's error body.

use contract_tests::serve_scripted;

async fn send(method: &str, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    webhooks_client::install_crypto_provider();
    let addr = serve_scripted(webhooks_server::Config::default())
        .await
        .expect("bind loopback");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = reqwest::Client::new().request(method, format!("http://{addr}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/json", "{path}: not JSON");
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

fn code(body: &serde_json::Value) -> &str {
    body.pointer("/error/code")
        .and_then(|c| c.as_str())
        .unwrap_or_default()
}

/// crash-25d6b60697aa16522f7a103c2b7da04af863a96e: `PROPFIND ///webhooks`.
#[tokio::test]
async fn leading_empty_segments_are_an_unknown_path() {
    let (status, body) = send("PROPFIND", "///webhooks", None).await;
    assert_eq!(status, 404);
    assert_eq!(code(&body), "ResourceNotFound");
}

/// crash-4263e6e4b12987afc0161753b68073fa701f3832: `PUT /webhooks//deactivate`. The empty id
/// matches `{id}`, so the path is known and PUT is the wrong method.
#[tokio::test]
async fn an_empty_id_in_the_middle_matches_the_route() {
    let (status, body) = send("PUT", "/webhooks//deactivate", None).await;
    assert_eq!(status, 405);
    assert_eq!(code(&body), "MethodNotAllowed");
    // With the right method, the handler refuses the id it cannot parse with the operation's
    // declared 404.
    let (status, body) = send("POST", "/webhooks//deactivate", Some("status-202")).await;
    assert_eq!(status, 404);
    assert_eq!(code(&body), "WebhookNotFound");
}

/// The third stop, once the model allowed empty ids: `PURGE /webhooks/`. An empty id at the end
/// of a path does not match `{id}`.
#[tokio::test]
async fn an_empty_id_at_the_end_is_an_unknown_path() {
    let (status, body) = send("PURGE", "/webhooks/", None).await;
    assert_eq!(status, 404);
    assert_eq!(code(&body), "ResourceNotFound");
}

/// crash-4c81d0611cb63a2fdec4fe64c0450120b96c0171: a create whose event types include empty
/// strings. The fuzz target still thought any string was a valid event type; the spec had
/// meanwhile given the items a pattern, and the router was right to answer 422 with one detail
/// per bad item.
#[tokio::test]
async fn empty_event_types_are_one_detail_each() {
    webhooks_client::install_crypto_provider();
    let addr = serve_scripted(webhooks_server::Config::default())
        .await
        .expect("bind loopback");
    let body = serde_json::json!({
        "scope": "iTwin",
        "scopeId": "w\u{5}\0\0\0\0\0\0\0w",
        "callbackUrl": "http://hooks.example.com/abc",
        "eventTypes": ["", "", "", "abc.Def.v65"],
    });
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks"))
        .header("authorization", "bearer status-48896")
        .header("accept", "text/html, application/json;q=0.9")
        .header("accept-encoding", "")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(code(&body), "InvalidCreateWebhookRequest");
    let targets: Vec<&str> = body
        .pointer("/error/details")
        .and_then(|d| d.as_array())
        .map(|d| d.iter().filter_map(|e| e["target"].as_str()).collect())
        .unwrap_or_default();
    // The scopeId became a uuid in the spec since; the event types are still one detail each.
    assert_eq!(
        targets,
        ["scopeId", "eventTypes[0]", "eventTypes[1]", "eventTypes[2]"]
    );
}
