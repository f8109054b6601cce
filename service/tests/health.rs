//! Endpoint health (issue 15), end to end: a callback answering `410 Gone` deactivates its
//! webhook at once, one failing for longer than `disable_after` is deactivated too, the owner
//! sees why and since when through the generated client, and activating clears it. The failing
//! window itself (a success resets it) is checked on the store with explicit times. On SQLite
//! and, when a server answers, on PostgreSQL in a schema of its own.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use webhooks_client::Client;
use webhooks_client::types::{
    CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, DeliveryState, PublishEvent,
    WebhookDeactivationReason,
};
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::delivery::DeliveryConfig;
use webhooks_service::delivery::health::{self, DeactivationReason};
use webhooks_service::delivery::queue::{NewEvent, Outcome};
use webhooks_service::delivery::retry::RetryPolicy;
use webhooks_service::metrics::Metrics;
use webhooks_service::store::{self, Store, StoredWebhook};
use webhooks_service::{Config, Running};

use support::receiver::{Answer, Receiver};

const T: &str = "iModels.iModelDeleted.v1";
const OWNER: &str = "health-owner";

/// Short retries, and a failing window shorter than the schedule.
fn delivery_config() -> DeliveryConfig {
    DeliveryConfig {
        poll_interval: Duration::from_millis(50),
        request_timeout: Duration::from_secs(1),
        lease: Duration::from_secs(5),
        retry: RetryPolicy {
            schedule: vec![Duration::from_millis(150); 20],
            jitter: 0.0,
        },
        allow_callback_cidrs: vec!["127.0.0.1/32".parse().expect("cidr")],
        disable_after: Duration::from_millis(800),
        ..DeliveryConfig::default()
    }
}

async fn start(url: &str, key_path: &Path) -> Running {
    let key = DevKey::load_or_create(key_path).expect("dev key");
    webhooks_service::start(Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: url.to_owned(),
        db_max_connections: webhooks_service::store::DEFAULT_MAX_CONNECTIONS,
        allow_insecure_callbacks: true,
        rate_limit_per_minute: 0,
        rate_limit_burst: None,
        redis_url: None,
        key_source: KeySource::Dev(key),
        secret_key: webhooks_service::secrets::SecretKey::from_bytes([7; 32]),
        read_cache_ttl: None,
        auth: AuthConfig::default(),
        body_limit: None,
        delivery: delivery_config(),
    })
    .await
    .expect("service starts")
}

fn client(running: &Running, key_path: &Path) -> Client {
    let key = DevKey::load_or_create(key_path).expect("dev key");
    let token = key
        .mint(
            OWNER,
            &["webhooks:read", "webhooks:modify", "webhooks:publish"],
            true,
            Duration::from_secs(600),
            &AuthConfig::default(),
        )
        .expect("token");
    Client::new(&format!("http://{}", running.addr()))
        .expect("client")
        .with_bearer_token(token)
}

fn secret(name: &str) -> String {
    format!("secret-of-{name}-0123456789abcdefghijklmnopqrstuvwxyz")
}

async fn hook(api: &Client, receiver: &Receiver, name: &str, plan: Vec<Answer>) -> uuid::Uuid {
    receiver.expect(name, &secret(name), plan);
    let created = api
        .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
            scope: CreateAccountWebhookScope::Account,
            callback_url: receiver.url(name),
            event_types: vec![T.to_owned()],
            secret: Some(secret(name)),
        }))
        .await
        .expect("create webhook");
    assert_eq!(created.deactivation_reason, None);
    assert_eq!(created.deactivated_date_time, None);
    api.activate_webhook(&created.id, None)
        .await
        .expect("activate");
    created.id
}

fn event() -> PublishEvent {
    PublishEvent {
        event_type: T.to_owned(),
        i_twin_id: None,
        content: BTreeMap::new(),
    }
}

async fn wait_inactive(api: &Client, id: uuid::Uuid) -> webhooks_client::types::Webhook {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let hook = api.get_webhook(&id).await.expect("get");
        if !hook.active {
            return hook;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {id} to be deactivated"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn end_to_end(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("dev.key");
    let running = start(url, &key_path).await;
    let api = client(&running, &key_path);
    let receiver = Receiver::start().await;
    let store = Store::connect(url).await.expect("store").with_secrets(
        webhooks_service::secrets::Secrets::new(&webhooks_service::secrets::SecretKey::from_bytes(
            [7; 32],
        )),
    );

    // 410: deactivated at once, the reason visible to the owner, nothing delivered after.
    let gone = hook(&api, &receiver, "gone", vec![Answer::Status(410)]).await;
    let before = chrono::Utc::now();
    api.publish_event(&Default::default(), &event())
        .await
        .expect("publish");
    let seen = wait_inactive(&api, gone).await;
    assert_eq!(
        seen.deactivation_reason,
        Some(WebhookDeactivationReason::Gone)
    );
    let at = seen.deactivated_date_time.expect("deactivatedDateTime");
    assert!(at >= before - chrono::Duration::seconds(1), "{at}");
    assert_eq!(seen.expiration_date_time, None);
    assert_eq!(receiver.count("gone"), 1, "one attempt, no retry after 410");
    let deliveries = api
        .list_webhook_deliveries(&gone, &Default::default())
        .await
        .expect("deliveries");
    assert_eq!(deliveries.deliveries.len(), 1);
    assert_eq!(deliveries.deliveries[0].state, DeliveryState::Cancelled);
    let published = api
        .publish_event(&Default::default(), &event())
        .await
        .expect("publish");
    assert_eq!(published.deliveries, 0, "an inactive webhook gets nothing");
    // The list shows the same.
    let listed = api.list_webhooks(&Default::default()).await.expect("list");
    let listed = listed
        .webhooks
        .iter()
        .find(|h| h.id == gone)
        .expect("listed");
    assert_eq!(
        listed.deactivation_reason,
        Some(WebhookDeactivationReason::Gone)
    );

    // Activating again clears the reason and the time; the callback gets events again.
    api.activate_webhook(&gone, None)
        .await
        .expect("activate again");
    let again = api.get_webhook(&gone).await.expect("get");
    assert!(again.active);
    assert_eq!(again.deactivation_reason, None);
    assert_eq!(again.deactivated_date_time, None);
    api.publish_event(&Default::default(), &event())
        .await
        .expect("publish");
    assert!(
        receiver
            .wait_until(Duration::from_secs(20), |r| r.acknowledged().0 == 1)
            .await,
        "delivered after activation"
    );

    // Failing past the window (800 ms; attempts every 150 ms, all 500): deactivated as
    // Failing, and activation clears the failing mark too.
    let failing = hook(&api, &receiver, "failing", vec![Answer::Status(500); 40]).await;
    api.publish_event(&Default::default(), &event())
        .await
        .expect("publish");
    let seen = wait_inactive(&api, failing).await;
    assert_eq!(
        seen.deactivation_reason,
        Some(WebhookDeactivationReason::Failing)
    );
    assert!(seen.deactivated_date_time.is_some());
    let attempts = receiver.count("failing");
    assert!(
        (3..20).contains(&attempts),
        "{attempts} attempts before deactivation"
    );
    let stored = store.get(OWNER, failing).await.expect("get").expect("row");
    assert!(stored.health.failing_since.is_some());
    api.activate_webhook(&failing, None)
        .await
        .expect("activate");
    let stored = store.get(OWNER, failing).await.expect("get").expect("row");
    assert_eq!(stored.health, health::Health::default());

    // The owner's deactivation has a time but no reason.
    api.deactivate_webhook(&failing).await.expect("deactivate");
    let seen = api.get_webhook(&failing).await.expect("get");
    assert!(!seen.active);
    assert_eq!(seen.deactivation_reason, None);
    assert!(seen.deactivated_date_time.is_some());

    store.close().await;
    running.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("health.db").display());
    end_to_end(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_end_to_end() {
    let Some(schema) = support::postgres::Schema::create("health").await else {
        return;
    };
    end_to_end(&schema.url).await;
    schema.drop().await;
}

/// One attempt's outcome applied as the worker does, at `now`, with the row read afresh.
async fn apply(
    store: &Store,
    id: uuid::Uuid,
    outcome: Outcome,
    now: chrono::DateTime<chrono::Utc>,
) {
    let metrics = Metrics::new(None);
    let hook = store.get(OWNER, id).await.expect("get").expect("row");
    health::after_attempt(
        store,
        &metrics,
        &hook,
        &outcome,
        Duration::from_secs(5 * 86400),
        now,
    )
    .await
    .expect("health");
}

fn failure() -> Outcome {
    Outcome::Retry {
        wait: Duration::from_secs(60),
        status: Some(503),
        error: "callback answered 503".to_owned(),
    }
}

/// The failing window with the default five days: it starts at the first failure, a success
/// clears it, and only failures for the whole window deactivate; a pending delivery is
/// cancelled with the webhook.
async fn window(url: &str) {
    let store = Store::connect(url).await.expect("store").with_secrets(
        webhooks_service::secrets::Secrets::new(&webhooks_service::secrets::SecretKey::from_bytes(
            [7; 32],
        )),
    );
    let t0 = store::now();
    let day = chrono::Duration::days(1);
    let id = uuid::Uuid::new_v4();
    store
        .insert(&StoredWebhook {
            id,
            owner: OWNER.to_owned(),
            scope: webhooks_client::types::WebhookScope::Account,
            scope_id: None,
            active: true,
            callback_url: "https://hooks.example.com/window".to_owned(),
            event_types: vec![T.to_owned()],
            secret: secret("window"),
            created: t0,
            modified: t0,
            expiration_date_time: Some(t0 + day * 365),
            previous_secret: None,
            health: Default::default(),
        })
        .await
        .expect("insert");
    let read = async || store.get(OWNER, id).await.expect("get").expect("row");

    apply(&store, id, failure(), t0).await;
    assert_eq!(read().await.health.failing_since, Some(t0));
    // A later failure keeps the first one's time.
    apply(&store, id, failure(), t0 + day * 4).await;
    assert_eq!(read().await.health.failing_since, Some(t0));
    assert!(read().await.active);
    // A success resets the window...
    apply(
        &store,
        id,
        Outcome::Delivered { status: 200 },
        t0 + day * 4 + chrono::Duration::hours(1),
    )
    .await;
    assert_eq!(read().await.health.failing_since, None);
    // ...so failures from day 6 on are a new window: still active on day 10.
    apply(&store, id, failure(), t0 + day * 6).await;
    apply(&store, id, failure(), t0 + day * 10).await;
    let hook = read().await;
    assert!(hook.active, "only four days of failures");
    assert_eq!(hook.health.failing_since, Some(t0 + day * 6));
    assert_eq!(hook.health.deactivation_reason, None);

    // A pending delivery, cancelled when the webhook is deactivated.
    let event = NewEvent {
        id: uuid::Uuid::new_v4(),
        publisher: OWNER.to_owned(),
        event_type: T.to_owned(),
        itwin_id: None,
        content: BTreeMap::new(),
        enqueued: store::now(),
    };
    assert_eq!(store.publish(&event).await.expect("publish"), 1);

    // Five days and a second after the window began: deactivated as Failing.
    let end = t0 + day * 11 + chrono::Duration::seconds(1);
    apply(&store, id, failure(), end).await;
    let hook = read().await;
    assert!(!hook.active);
    assert_eq!(
        hook.health.deactivation_reason,
        Some(DeactivationReason::Failing)
    );
    assert_eq!(hook.health.deactivated, Some(end));
    assert_eq!(hook.expiration_date_time, None);
    let counts = store.delivery_counts().await.expect("counts");
    assert_eq!(counts.get("pending"), None, "{counts:?}");
    assert_eq!(counts.get("cancelled"), Some(&1), "{counts:?}");
    // Deactivated once: another failure changes nothing (a late attempt in flight).
    apply(&store, id, failure(), end + day).await;
    assert_eq!(read().await.health.deactivated, Some(end));

    // A webhook that no longer exists: nothing to deactivate.
    let missing = store
        .deactivate_unhealthy(uuid::Uuid::new_v4(), DeactivationReason::Gone, None, end)
        .await
        .expect("deactivate");
    assert!(missing.is_none());
    store.close().await;
}

#[tokio::test]
async fn sqlite_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("window.db").display());
    window(&url).await;
}

#[tokio::test]
async fn postgres_window() {
    let Some(schema) = support::postgres::Schema::create("health_window").await else {
        return;
    };
    window(&schema.url).await;
    schema.drop().await;
}
