//! What operators and orchestrators see: the probes, and the request id on every answer. The
//! real service on 127.0.0.1:0, on SQLite (a temporary file) and, when one answers, PostgreSQL.

use std::path::Path;

use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::{Config, Running};

mod support;

async fn start(url: &str, key_path: &Path, rate_limit_per_minute: u32, worker: bool) -> Running {
    let key = DevKey::load_or_create(key_path).expect("dev key");
    webhooks_service::start(Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: url.to_owned(),
        db_max_connections: webhooks_service::store::DEFAULT_MAX_CONNECTIONS,
        allow_insecure_callbacks: false,
        rate_limit_per_minute,
        rate_limit_burst: None,
        redis_url: None,
        key_source: KeySource::Dev(key),
        secret_key: webhooks_service::secrets::SecretKey::from_bytes([7; 32]),
        read_cache_ttl: None,
        auth: AuthConfig::default(),
        body_limit: None,
        delivery: webhooks_service::delivery::DeliveryConfig {
            enabled: worker,
            ..Default::default()
        },
    })
    .await
    .expect("service starts")
}

/// The body as JSON (reqwest's `json` feature is not on here).
async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn get(base: &str, path: &str, request_id: Option<&str>) -> reqwest::Response {
    webhooks_service::outbound::install_crypto_provider();
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    request.send().await.expect("request")
}

async fn probes_and_request_ids(url: &str, key_path: &Path) {
    // A limit of one request a minute: probes must not count against it.
    let running = start(url, key_path, 1, true).await;
    let base = format!("http://{}", running.addr());

    for _ in 0..3 {
        let health = get(&base, "/healthz", None).await;
        assert_eq!(health.status(), 200);
        let body = json(health).await;
        assert_eq!(body["status"], "ok");

        let ready = get(&base, "/readyz", None).await;
        assert_eq!(ready.status(), 200);
        let body = json(ready).await;
        assert_eq!(body["status"], "ready", "{body}");
        assert_eq!(body["checks"]["database"], "ok", "{body}");
        assert_eq!(body["checks"]["migrations"], "ok", "{body}");
        assert_eq!(body["checks"]["deliveryWorker"], "running", "{body}");
    }

    // A caller's id is kept, on an error answer too (no token: 401 with the spec's body).
    let answer = get(&base, "/webhooks", Some("trace-me-42")).await;
    assert_eq!(answer.status(), 401);
    assert_eq!(answer.headers()["x-request-id"], "trace-me-42");
    let body = json(answer).await;
    assert!(body["error"]["code"].is_string(), "{body}");

    // Without one, each answer gets a fresh uuid.
    let first = get(&base, "/healthz", None).await;
    let second = get(&base, "/nowhere", None).await;
    assert_eq!(second.status(), 404);
    let id = |r: &reqwest::Response| {
        let text = r.headers()["x-request-id"]
            .to_str()
            .expect("text")
            .to_owned();
        uuid::Uuid::parse_str(&text).expect("a uuid")
    };
    assert_ne!(id(&first), id(&second));

    running.stop().await.expect("stops");

    // Without a worker in this process, readiness says so and is still ready.
    let running = start(url, key_path, 0, false).await;
    let base = format!("http://{}", running.addr());
    let body = json(get(&base, "/readyz", None).await).await;
    assert_eq!(body["checks"]["deliveryWorker"], "disabled", "{body}");
    running.stop().await.expect("stops");
}

#[tokio::test]
async fn probes_and_request_ids_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("ops.db").display());
    probes_and_request_ids(&url, &dir.path().join("dev.key")).await;
}

#[tokio::test]
async fn probes_and_request_ids_on_postgres() {
    let Some(schema) = support::postgres::Schema::create("ops").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    probes_and_request_ids(&schema.url, &dir.path().join("dev.key")).await;
    schema.drop().await;
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("gone.db").display());
    let running = start(&url, &dir.path().join("dev.key"), 0, false).await;
    let base = format!("http://{}", running.addr());
    // The migrations' record disappears: the database answers, the schema is not what the
    // service needs.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connect");
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&mut conn)
        .await
        .expect("delete");
    let answer = get(&base, "/readyz", None).await;
    assert_eq!(answer.status(), 503);
    let body = json(answer).await;
    assert_eq!(body["status"], "not ready", "{body}");
    assert_eq!(body["checks"]["database"], "ok", "{body}");
    assert!(
        body["checks"]["migrations"]
            .as_str()
            .is_some_and(|m| m.starts_with("0 of ")),
        "{body}"
    );
    // Liveness is only about the process.
    assert_eq!(get(&base, "/healthz", None).await.status(), 200);
    running.stop().await.expect("stops");
}

#[tokio::test]
async fn the_contract_is_served_as_generated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    // A limit of one request a minute: the contract must not count against it.
    let running = start(&url, &dir.path().join("dev.key"), 1, false).await;
    let base = format!("http://{}", running.addr());
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/webhooks.yaml"),
    )
    .expect("the spec");

    for _ in 0..2 {
        let yaml = get(&base, "/openapi.yaml", None).await;
        assert_eq!(yaml.status(), 200);
        assert_eq!(yaml.headers()["content-type"], "application/yaml");
        assert_eq!(
            yaml.text().await.expect("body"),
            spec,
            "the document as written"
        );

        let answer = get(&base, "/openapi.json", None).await;
        assert_eq!(answer.headers()["content-type"], "application/json");
        let tree = json(answer).await;
        let paths = tree["paths"].as_object().expect("paths");
        for op in webhooks_server::document::OPERATIONS {
            let method = op.method.to_ascii_lowercase();
            assert_eq!(
                paths[op.route][method.as_str()]["operationId"],
                op.id,
                "{op:?}"
            );
        }

        let docs = get(&base, "/docs", None).await;
        assert_eq!(docs.status(), 200);
        assert_eq!(docs.headers()["content-type"], "text/html; charset=utf-8");
        let policy = docs.headers()["content-security-policy"]
            .to_str()
            .expect("text")
            .to_owned();
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        let page = docs.text().await.expect("body");
        for op in webhooks_server::document::OPERATIONS {
            assert!(
                page.contains(&format!("data-operation-id=\"{}\"", op.id)),
                "{} is missing from /docs",
                op.id
            );
        }
    }
    running.stop().await.expect("stops");
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_read_the_queue() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("metrics.db").display());
    let running = start(&url, &dir.path().join("dev.key"), 1, true).await;
    let base = format!("http://{}", running.addr());
    // Two refusals before the implementation (no token), and a probe outside the API.
    for _ in 0..2 {
        assert_eq!(get(&base, "/webhooks", None).await.status(), 401);
    }
    assert_eq!(get(&base, "/healthz", None).await.status(), 200);

    let answer = get(&base, "/metrics", None).await;
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.expect("body");
    for line in [
        "webhooks_http_requests_total{operation=\"listWebhooks\",status=\"401\"} 2",
        "webhooks_http_requests_total{operation=\"none\",status=\"200\"} 1",
        "webhooks_http_request_duration_seconds_count{operation=\"listWebhooks\"} 2",
        "webhooks_deliveries{state=\"pending\"} 0",
        "webhooks_db_pool_connections{state=\"max\"} 8",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // Scrapes, like probes, are outside a caller's rate limit and need no token.
    assert_eq!(get(&base, "/metrics", None).await.status(), 200);
    running.stop().await.expect("stops");
}
