//! The benchmark is fair only if both routers do the same work: the same request, sent to the
//! generated router and to the hand-written one, must get the same status, the same
//! `Content-Type` and the same body (ids and timestamps the store makes aside).

use std::net::SocketAddr;
use std::sync::Arc;

use overhead_bench::TOKEN;
use overhead_bench::store::{Store, seeded_id};
use serde_json::Value;

const LIMIT: usize = 4096;

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

struct Pair {
    http: reqwest::Client,
    generated: SocketAddr,
    handwritten: SocketAddr,
}

/// One request as the test describes it.
struct Req<'a> {
    method: &'a str,
    path: String,
    auth: Option<&'a str>,
    accept: Option<&'a str>,
    content_type: Option<&'a str>,
    body: Vec<u8>,
}

fn req(method: &str, path: impl Into<String>) -> Req<'_> {
    Req {
        method,
        path: path.into(),
        auth: Some("Bearer overhead-bench-token"),
        accept: None,
        content_type: None,
        body: Vec::new(),
    }
}

impl<'a> Req<'a> {
    fn auth(mut self, value: Option<&'a str>) -> Self {
        self.auth = value;
        self
    }

    fn accept(mut self, value: &'a str) -> Self {
        self.accept = Some(value);
        self
    }

    fn json(mut self, body: &str) -> Self {
        self.content_type = Some("application/json");
        self.body = body.as_bytes().to_vec();
        self
    }

    fn typed(mut self, content_type: &'a str, body: &[u8]) -> Self {
        self.content_type = Some(content_type);
        self.body = body.to_vec();
        self
    }
}

/// Status, content type and body, with what the store makes up (ids, times, secrets) blanked.
type Answer = (u16, Option<String>, Value);

impl Pair {
    async fn new() -> Self {
        let generated = serve(overhead_bench::generated::router(
            Arc::new(Store::seeded(4)),
            LIMIT,
        ))
        .await;
        let handwritten = serve(overhead_bench::handwritten::router(
            Arc::new(Store::seeded(4)),
            LIMIT,
        ))
        .await;
        webhooks_client::install_crypto_provider();
        Pair {
            http: reqwest::Client::new(),
            generated,
            handwritten,
        }
    }

    async fn send(&self, addr: SocketAddr, r: &Req<'_>) -> Answer {
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, format!("http://{addr}{}", r.path))
            .body(r.body.clone());
        if let Some(auth) = r.auth {
            request = request.header("authorization", auth);
        }
        if let Some(accept) = r.accept {
            request = request.header("accept", accept);
        }
        if let Some(content_type) = r.content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.expect("body");
        let mut body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "{} {} answered a body that is not JSON: {:?}",
                    r.method,
                    r.path,
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        if let Value::Object(fields) = &mut body {
            for volatile in ["id", "created", "modified", "secret", "eventId"] {
                if let Some(value) = fields.get_mut(volatile) {
                    *value = Value::String("..".into());
                }
            }
        }
        (status, content_type, body)
    }

    /// Sends `r` to both routers; both answers must be the same, and the status `expected`.
    async fn same(&self, r: Req<'_>, expected: u16) -> Value {
        let generated = self.send(self.generated, &r).await;
        let handwritten = self.send(self.handwritten, &r).await;
        assert_eq!(
            generated, handwritten,
            "{} {}: generated (left) and hand-written (right) differ",
            r.method, r.path
        );
        assert_eq!(
            generated.0, expected,
            "{} {}: {generated:?}",
            r.method, r.path
        );
        generated.2
    }
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

const NEW: &str = r#"{"scope":"Account","callbackUrl":"https://receiver.example.com/hook","eventTypes":["iModels.iModelCreated.v1"]}"#;

#[tokio::test]
async fn both_routers_answer_the_same() {
    let pair = Pair::new().await;
    let one = format!("/webhooks/{}", seeded_id(1));
    let two = format!("/webhooks/{}", seeded_id(2));

    // Reads.
    pair.same(req("GET", "/webhooks"), 200).await;
    pair.same(req("GET", one.clone()), 200).await;
    let body = pair
        .same(req("GET", format!("/webhooks/{}", seeded_id(99))), 404)
        .await;
    assert_eq!(error_code(&body), "WebhookNotFound");
    let body = pair.same(req("GET", "/webhooks/not-a-uuid"), 404).await;
    assert_eq!(error_code(&body), "WebhookNotFound");

    // Credentials.
    let body = pair.same(req("GET", one.clone()).auth(None), 401).await;
    assert_eq!(error_code(&body), "HeaderNotFound");
    for bad in [
        "Basic abc",
        "Bearer wrong",
        "Bearer ",
        "overhead-bench-token",
    ] {
        let body = pair
            .same(req("GET", one.clone()).auth(Some(bad)), 401)
            .await;
        assert_eq!(error_code(&body), "InvalidToken", "{bad}");
    }
    pair.same(
        req("GET", one.clone()).auth(Some(&format!("bearer {TOKEN}"))),
        200,
    )
    .await;

    // Content negotiation.
    for ok in [
        "*/*",
        "application/json",
        "application/vnd.bentley.itwin-platform.v1+json",
        "text/html, application/*;q=0.5",
    ] {
        pair.same(req("GET", one.clone()).accept(ok), 200).await;
    }
    // An empty Accept is an empty list: nothing is acceptable.
    for refused in ["text/html", "application/json;q=0", "application/xml", ""] {
        let body = pair
            .same(req("GET", one.clone()).accept(refused), 406)
            .await;
        assert_eq!(error_code(&body), "NotAcceptable", "{refused}");
    }
    pair.same(req("POST", "/webhooks").accept("text/plain").json(NEW), 406)
        .await;

    // Routing.
    let body = pair.same(req("GET", "/nothing/here"), 404).await;
    assert_eq!(error_code(&body), "ResourceNotFound");
    let body = pair.same(req("PUT", "/webhooks"), 405).await;
    assert_eq!(error_code(&body), "MethodNotAllowed");

    // Bodies.
    pair.same(req("POST", "/webhooks").json(NEW), 201).await;
    pair.same(
        req("POST", "/webhooks").typed(
            "application/vnd.bentley.itwin-platform.v1+json",
            NEW.as_bytes(),
        ),
        201,
    )
    .await;
    pair.same(
        req("POST", "/webhooks").typed("application/json; charset=utf-8", NEW.as_bytes()),
        201,
    )
    .await;
    let body = pair
        .same(
            req("POST", "/webhooks").typed("text/plain", NEW.as_bytes()),
            415,
        )
        .await;
    assert_eq!(error_code(&body), "UnsupportedMediaType");
    let body = pair.same(req("POST", "/webhooks"), 422).await;
    assert_eq!(error_code(&body), "InvalidCreateWebhookRequest");
    let big = format!(
        r#"{{"scope":"Account","callbackUrl":"https://x","eventTypes":["{}"]}}"#,
        "a".repeat(LIMIT)
    );
    let body = pair.same(req("POST", "/webhooks").json(&big), 413).await;
    assert_eq!(error_code(&body), "PayloadTooLarge");
    for (bad, target) in [
        ("{", None),
        ("[]", None),
        (
            r#"{"scope":"Account","eventTypes":["a.b.v1"]}"#,
            Some("callbackUrl"),
        ),
        (
            r#"{"scope":"Account","callbackUrl":"https://x","eventTypes":[1]}"#,
            Some("eventTypes[0]"),
        ),
        (
            r#"{"scope":"Account","callbackUrl":"https://x","eventTypes":["a.b.v1"],"id":"x"}"#,
            None,
        ),
        (
            r#"{"scope":"Account","callbackUrl":"https://x","eventTypes":["a.b.v1"]} trailing"#,
            None,
        ),
        (
            r#"{"scope":"Account","callbackUrl":"http://insecure","eventTypes":["a.b.v1"]}"#,
            Some("callbackUrl"),
        ),
    ] {
        let body = pair.same(req("POST", "/webhooks").json(bad), 422).await;
        assert_eq!(error_code(&body), "InvalidCreateWebhookRequest", "{bad}");
        if let Some(target) = target {
            assert_eq!(body["error"]["details"][0]["target"], target, "{bad}");
        }
    }

    // Changes.
    pair.same(req("POST", format!("{one}/activate")), 202).await;
    let body = pair.same(req("POST", format!("{one}/activate")), 422).await;
    assert_eq!(error_code(&body), "InvalidChange");
    pair.same(req("POST", format!("{one}/deactivate")), 202)
        .await;
    // Deactivating an inactive webhook is a 202 as well (it changes nothing).
    pair.same(req("POST", format!("{one}/deactivate")), 202)
        .await;
    let body = pair
        .same(
            req("POST", format!("{one}/activate")).json(r#"{"expirationDateTime":"soon"}"#),
            422,
        )
        .await;
    assert_eq!(body["error"]["details"][0]["code"], "InvalidValue");
    pair.same(
        req("POST", format!("{one}/activate"))
            .json(r#"{"expirationDateTime":"2099-01-01T00:00:00Z"}"#),
        202,
    )
    .await;
    pair.same(
        req("PATCH", two.clone()).json(r#"{"callbackUrl":"https://elsewhere.example.com"}"#),
        200,
    )
    .await;
    pair.same(req("PATCH", two.clone()).json(r#"{"active":"yes"}"#), 422)
        .await;
    pair.same(req("DELETE", two.clone()), 204).await;
    pair.same(req("DELETE", two.clone()), 404).await;

    // Events: seeded webhooks 1 (activated above) and 4 are live and subscribed.
    let body = pair
        .same(
            req("POST", "/events")
                .json(r#"{"eventType":"iModels.iModelCreated.v1","content":{"a":1}}"#),
            202,
        )
        .await;
    assert_eq!(body["deliveries"], 2);
    for (bad, target) in [
        (r#"{"eventType":"x","content":{}}"#, "eventType"),
        (
            r#"{"eventType":"a.b.v1","content":{},"iTwinId":""}"#,
            "iTwinId",
        ),
        (r#"{"eventType":"a.b.v1"}"#, "content"),
    ] {
        let body = pair.same(req("POST", "/events").json(bad), 422).await;
        assert_eq!(body["error"]["details"][0]["target"], target, "{bad}");
    }
    let secret =
        r#"{"scope":"Account","callbackUrl":"https://x","eventTypes":["a.b.v1"],"secret":"short"}"#;
    let body = pair.same(req("POST", "/webhooks").json(secret), 422).await;
    assert_eq!(body["error"]["details"][0]["target"], "secret");
    let types =
        r#"{"scope":"Account","callbackUrl":"https://x","eventTypes":["a.b.v1","nope","a.b.c"]}"#;
    let body = pair.same(req("POST", "/webhooks").json(types), 422).await;
    assert_eq!(body["error"]["details"][1]["target"], "eventTypes[2]");
    let rules = r#"{"scope":"Account","callbackUrl":"not a uri","eventTypes":[]}"#;
    let body = pair.same(req("POST", "/webhooks").json(rules), 422).await;
    let targets: Vec<&str> = body["error"]["details"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["target"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(targets, ["callbackUrl", "eventTypes"]);
    // The scope chooses the member: an unknown one, or a scopeId on an Account webhook, is
    // refused by name.
    for (bad, target) in [
        (
            r#"{"scope":"Elsewhere","callbackUrl":"https://x","eventTypes":["a.b.v1"]}"#,
            "scope",
        ),
        (
            r#"{"scope":"Account","scopeId":"0","callbackUrl":"https://x","eventTypes":["a.b.v1"]}"#,
            "scopeId",
        ),
    ] {
        let body = pair.same(req("POST", "/webhooks").json(bad), 422).await;
        assert_eq!(body["error"]["details"][0]["target"], target, "{bad}");
    }
}

/// The one difference the hand-written router keeps: serde stops at the first wrong type, while
/// the generated router lists every problem of the body.
#[tokio::test]
async fn only_the_generated_router_lists_every_type_error() {
    let pair = Pair::new().await;
    let bad = req("POST", "/events").json(r#"{"eventType":"x"}"#);
    let generated = pair.send(pair.generated, &bad).await;
    let handwritten = pair.send(pair.handwritten, &bad).await;
    assert_eq!((generated.0, handwritten.0), (422, 422));
    let count = |body: &Value| body["error"]["details"].as_array().map_or(0, Vec::len);
    assert_eq!(count(&generated.2), 2, "{:?}", generated.2);
    assert_eq!(count(&handwritten.2), 1, "{:?}", handwritten.2);
}
