//! Prompt delivery across instances: two `serve`s on one PostgreSQL, events published (and a
//! delivery resent) on one that runs no delivery worker, delivered by the other well inside its
//! 30-second poll, which only its LISTEN on the NOTIFY the publishing transaction sent can
//! explain. The control: with LISTEN off, the same publish waits for the poll. Skipped (and
//! says so) without a PostgreSQL server.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use webhooks_client::Client;
use webhooks_client::types::{
    CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, PublishEvent,
};
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::delivery::DeliveryConfig;
use webhooks_service::{Config, Running};

use support::receiver::Receiver;

const EVENT_TYPE: &str = "iModels.changesReady.v1";
const SECRET: &str = "secret-of-cross-instance-0123456789abcdefghijklmnop";
/// Far longer than any wait below: a prompt delivery cannot be the poll's doing.
const POLL: Duration = Duration::from_secs(30);
/// "Prompt": the most a delivery may take here (typically a few milliseconds).
const PROMPT: Duration = Duration::from_secs(2);

/// An instance on `url`: a delivering one (`Some(listen)`) or one that runs no worker.
async fn start(url: &str, key: &Path, worker: Option<bool>) -> Running {
    webhooks_service::start(Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: url.to_owned(),
        db_max_connections: 4,
        allow_insecure_callbacks: true,
        rate_limit_per_minute: 0,
        rate_limit_burst: None,
        redis_url: None,
        key_source: KeySource::Dev(DevKey::load_or_create(key).expect("dev key")),
        // Both instances seal and open webhook secrets with the same key, as a fleet must.
        secret_key: webhooks_service::secrets::SecretKey::from_bytes([7; 32]),
        read_cache_ttl: None,
        auth: AuthConfig::default(),
        body_limit: None,
        delivery: DeliveryConfig {
            enabled: worker.is_some(),
            listen: worker.unwrap_or(false),
            poll_interval: POLL,
            allow_callback_cidrs: vec!["127.0.0.1/32".parse().expect("cidr")],
            ..DeliveryConfig::default()
        },
    })
    .await
    .expect("service starts")
}

fn client(running: &Running, key: &Path) -> Client {
    let token = DevKey::load_or_create(key)
        .expect("dev key")
        .mint(
            "publisher",
            &["webhooks:read", "webhooks:modify", "webhooks:publish"],
            false,
            Duration::from_secs(600),
            &AuthConfig::default(),
        )
        .expect("token");
    Client::new(&format!("http://{}", running.addr()))
        .expect("client")
        .with_bearer_token(token)
}

async fn publish(api: &Client, n: i64) {
    let mut content = std::collections::BTreeMap::new();
    content.insert("n".to_owned(), serde_json::json!(n));
    let event = PublishEvent {
        event_type: EVENT_TYPE.to_owned(),
        i_twin_id: None,
        content,
    };
    let published = api
        .publish_event(&Default::default(), &event)
        .await
        .expect("publish");
    assert_eq!(published.deliveries, 1);
}

/// Ends every delivery listener's connection to the database (those of tests running beside
/// this one too: they reconnect as well); returns how many.
async fn terminate_listeners(url: &str) -> i64 {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1) AS ended",
    )
    .bind(webhooks_service::delivery::notify::APPLICATION_NAME)
    .fetch_one(&mut conn)
    .await
    .expect("terminate");
    let _ = conn.close().await;
    ended
}

/// How long until the receiver has `count` requests, if within `limit`.
async fn arrival(receiver: &Receiver, count: usize, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    receiver
        .wait_until(limit, |r| r.count("a") >= count)
        .await
        .then(|| started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delivery_published_on_one_instance_is_delivered_by_another_at_once() {
    let Some(schema) = support::postgres::Schema::create("cross_instance").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("dev.key");
    let receiver = Receiver::start().await;
    receiver.expect("a", SECRET, Vec::new());

    let publisher = start(&schema.url, &key, None).await;
    let deliverer = start(&schema.url, &key, Some(true)).await;
    let api = client(&publisher, &key);
    let hook = api
        .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
            scope: CreateAccountWebhookScope::Account,
            callback_url: receiver.url("a"),
            event_types: vec![EVENT_TYPE.to_owned()],
            secret: Some(SECRET.to_owned()),
        }))
        .await
        .expect("create webhook");
    api.activate_webhook(&hook.id, None)
        .await
        .expect("activate");
    // Let the deliverer's worker make its first claim and go to sleep on its long poll.
    tokio::time::sleep(Duration::from_millis(500)).await;

    for n in 1..=5 {
        publish(&api, n).await;
        let took = arrival(&receiver, n as usize, PROMPT).await;
        eprintln!("event {n}: delivered by the other instance after {took:?}");
        assert!(
            took.is_some(),
            "event {n} was not delivered within {PROMPT:?}"
        );
    }

    // A resend on the publishing instance: the same.
    let first = receiver.hits("a")[0]
        .event
        .as_ref()
        .expect("an envelope")
        .message_id;
    api.resend_webhook_delivery(&hook.id, &first)
        .await
        .expect("resend");
    let took = arrival(&receiver, 6, PROMPT).await;
    eprintln!("resent delivery: delivered by the other instance after {took:?}");
    assert!(
        took.is_some(),
        "the resent delivery was not delivered within {PROMPT:?}"
    );
    assert_eq!(receiver.bad_signatures(), 0);

    // The listener's connection dies (as in a failover): it reconnects, and catches up on
    // what was announced meanwhile.
    let killed = terminate_listeners(&schema.url).await;
    assert!(killed >= 1, "no listener connection to end");
    publish(&api, 6).await;
    let took = arrival(&receiver, 7, PROMPT).await;
    eprintln!("after the listener's connection was ended: delivered after {took:?}");
    assert!(
        took.is_some(),
        "not delivered within {PROMPT:?} after a reconnect"
    );

    // The control: a deliverer that does not listen leaves the next publish to its poll.
    deliverer.stop().await.expect("deliverer stops");
    let polling = start(&schema.url, &key, Some(false)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    publish(&api, 7).await;
    assert_eq!(
        arrival(&receiver, 8, PROMPT).await,
        None,
        "without LISTEN, delivery waits for the poll"
    );

    polling.stop().await.expect("polling instance stops");
    publisher.stop().await.expect("publisher stops");
    schema.drop().await;
}
