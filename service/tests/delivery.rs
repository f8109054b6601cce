//! Event delivery end to end: the real service on 127.0.0.1:0, driven by the generated client,
//! delivering to an in-process receiver on loopback that verifies every signature and fails,
//! times out, throttles or redirects on demand. Runs on SQLite and, when a server answers, on
//! PostgreSQL in a schema of its own.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use webhooks_client::Client;
use webhooks_client::types::{
    ActivateWebhook, CreateAccountWebhook, CreateAccountWebhookScope, CreateITwinWebhook,
    CreateITwinWebhookScope, CreateWebhook, PublishEvent, RotateWebhookSecret,
};
use webhooks_server::types::WebhookScope;
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::delivery::DeliveryConfig;
use webhooks_service::delivery::queue::{CANCELLED, DELIVERED, FAILED};
use webhooks_service::delivery::retry::RetryPolicy;
use webhooks_service::store::Store;
use webhooks_service::{Config, Running};

use support::receiver::{Answer, Hit, Receiver};
use webhooks_verify::{Scheme, Secret, Verifier, VerifyError};

const SCOPES: &[&str] = &["webhooks:read", "webhooks:modify", "webhooks:publish"];
const T: &str = "iModels.iModelDeleted.v1";
const ITWIN_X: uuid::Uuid = uuid::uuid!("2d9a6c5e-1f3b-4c8e-9a7d-6b0e4f1c2a33");
const ITWIN_Y: uuid::Uuid = uuid::uuid!("9c1d7e3a-5b2f-4a8c-b6d0-1e4f7a9c3b25");
const WAITS_MS: [u64; 3] = [300, 600, 900];
const JITTER: f64 = 0.1;

fn delivery_config() -> DeliveryConfig {
    DeliveryConfig {
        poll_interval: Duration::from_millis(100),
        request_timeout: Duration::from_secs(1),
        lease: Duration::from_secs(5),
        retry: RetryPolicy {
            schedule: WAITS_MS
                .iter()
                .map(|ms| Duration::from_millis(*ms))
                .collect(),
            jitter: JITTER,
        },
        allow_callback_cidrs: vec!["127.0.0.1/32".parse().expect("cidr")],
        ..DeliveryConfig::default()
    }
}

async fn start(url: &str, key_path: &Path) -> Running {
    let key = DevKey::load_or_create(key_path).expect("dev key");
    let config = Config {
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
    };
    webhooks_service::start(config)
        .await
        .expect("service starts")
}

fn client(running: &Running, key_path: &Path, client_id: &str) -> Client {
    let key = DevKey::load_or_create(key_path).expect("dev key");
    let token = key
        .mint(
            client_id,
            SCOPES,
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

/// Creates a webhook for receiver hook `name`, answering as `plan`, and activates it unless
/// `active` is false.
async fn hook(
    api: &Client,
    receiver: &Receiver,
    name: &str,
    scope_id: Option<uuid::Uuid>,
    event_types: &[&str],
    active: bool,
    plan: Vec<Answer>,
) -> uuid::Uuid {
    receiver.expect(name, &secret(name), plan);
    let created = api
        .create_webhook(&match scope_id {
            Some(itwin) => CreateWebhook::CreateITwinWebhook(CreateITwinWebhook {
                scope: CreateITwinWebhookScope::ITwin,
                scope_id: itwin,
                callback_url: receiver.url(name),
                event_types: event_types.iter().map(|t| (*t).to_owned()).collect(),
                secret: Some(secret(name)),
            }),
            None => CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
                scope: CreateAccountWebhookScope::Account,
                callback_url: receiver.url(name),
                event_types: event_types.iter().map(|t| (*t).to_owned()).collect(),
                secret: Some(secret(name)),
            }),
        })
        .await
        .expect("create webhook");
    if active {
        api.activate_webhook(&created.id, None)
            .await
            .expect("activate");
    }
    created.id
}

fn event(event_type: &str, itwin: Option<&str>, n: i64) -> PublishEvent {
    let mut content = BTreeMap::new();
    content.insert("n".to_owned(), serde_json::json!(n));
    content.insert("imodelId".to_owned(), serde_json::json!("0b2e6a4c"));
    PublishEvent {
        event_type: event_type.to_owned(),
        i_twin_id: itwin.map(str::to_owned),
        content,
    }
}

async fn publish(api: &Client, event_type: &str, itwin: Option<&str>, n: i64) -> i64 {
    api.publish_event(&Default::default(), &event(event_type, itwin, n))
        .await
        .expect("publish")
        .deliveries
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The gaps between consecutive hits on `name`.
fn gaps(receiver: &Receiver, name: &str) -> Vec<Duration> {
    let hits = receiver.hits(name);
    hits.windows(2).map(|w| w[1].at - w[0].at).collect()
}

/// Whether `gap` fits the wait `planned_ms`: at least the jittered minimum (strict: a gap only
/// grows under load), and no later than the jittered maximum plus the worker's poll interval
/// and generous slack for a loaded machine.
fn fits(gap: Duration, planned_ms: u64) -> bool {
    let low = planned_ms as f64 * (1.0 - JITTER) - 20.0;
    let high = planned_ms as f64 * (1.0 + JITTER) + 1000.0;
    let gap = gap.as_millis() as f64;
    gap >= low && gap <= high
}

async fn state_of(store: &Store, webhook: uuid::Uuid) -> Vec<(String, i64, Option<String>)> {
    store
        .list_deliveries(None, 10_000)
        .await
        .expect("list deliveries")
        .into_iter()
        .filter(|d| d.webhook_id == webhook)
        .map(|d| (d.state, d.attempts, d.last_error))
        .collect()
}

/// The state of `webhook`'s one delivery once it is `expected` (or after 2 s, whatever it is).
async fn settle(store: &Store, webhook: uuid::Uuid, expected: &str) -> String {
    let mut state = String::new();
    for _ in 0..100 {
        state = state_of(store, webhook)
            .await
            .first()
            .map(|d| d.0.clone())
            .unwrap_or_default();
        if state == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    state
}

async fn suite(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("dev.key");
    let running = start(url, &key_path).await;
    // The key the service seals secrets with (see `start_service`), so rows written here
    // sign as the service's own.
    let store = Store::connect(url).await.expect("store").with_secrets(
        webhooks_service::secrets::Secrets::new(&webhooks_service::secrets::SecretKey::from_bytes(
            [7; 32],
        )),
    );
    let receiver = Receiver::start().await;
    let acme = client(&running, &key_path, "acme");
    let other = client(&running, &key_path, "other");
    let r = &receiver;

    // Who gets what.
    let active = hook(&acme, r, "active", None, &[T], true, vec![]).await;
    hook(&acme, r, "inactive", None, &[T], false, vec![]).await;
    let expired = hook(&acme, r, "expired", None, &[T], false, vec![]).await;
    acme.activate_webhook(
        &expired,
        Some(&ActivateWebhook {
            expiration_date_time: Some(chrono::Utc::now() + chrono::Duration::milliseconds(600)),
        }),
    )
    .await
    .expect("activate briefly");
    // Activated with an expiration that has passed: expired at once, it receives nothing.
    let expired_at_once = hook(&acme, r, "expired-at-once", None, &[T], false, vec![]).await;
    acme.activate_webhook(
        &expired_at_once,
        Some(&ActivateWebhook {
            expiration_date_time: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
        }),
    )
    .await
    .expect("activate with a past expiration");
    let deleted = hook(&acme, r, "deleted", None, &[T], true, vec![]).await;
    acme.delete_webhook(&deleted).await.expect("delete");
    let deactivated = hook(&acme, r, "deactivated", None, &[T], true, vec![]).await;
    acme.deactivate_webhook(&deactivated)
        .await
        .expect("deactivate");
    hook(
        &acme,
        r,
        "other-type",
        None,
        &["iModels.iModelCreated.v1"],
        true,
        vec![],
    )
    .await;
    let itwin = hook(&acme, r, "itwin", Some(ITWIN_X), &[T], true, vec![]).await;
    hook(&acme, r, "other-itwin", Some(ITWIN_Y), &[T], true, vec![]).await;
    hook(&other, r, "other-owner", None, &[T], true, vec![]).await;
    let both = hook(
        &acme,
        r,
        "two-types",
        None,
        &["iModels.iModelCreated.v1", T],
        true,
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await; // `expired` expires.

    // Retries, each on an event type of its own so the matching above is not disturbed.
    let flaky = hook(
        &acme,
        r,
        "flaky",
        None,
        &["test.flaky.v1"],
        true,
        vec![Answer::Status(500), Answer::Status(503), Answer::Ok],
    )
    .await;
    hook(
        &acme,
        r,
        "throttled",
        None,
        &["test.throttled.v1"],
        true,
        vec![Answer::TooMany(2), Answer::Ok],
    )
    .await;
    hook(
        &acme,
        r,
        "slow",
        None,
        &["test.slow.v1"],
        true,
        vec![Answer::Sleep(Duration::from_secs(3)), Answer::Ok],
    )
    .await;
    let down = hook(
        &acme,
        r,
        "down",
        None,
        &["test.down.v1"],
        true,
        vec![Answer::Status(500); 4],
    )
    .await;
    let stopped = hook(
        &acme,
        r,
        "stopped",
        None,
        &["test.stopped.v1"],
        true,
        vec![Answer::Status(500); 10],
    )
    .await;
    hook(
        &acme,
        r,
        "redirect",
        None,
        &["test.redirect.v1"],
        true,
        vec![Answer::Redirect("redirect-target".to_owned()), Answer::Ok],
    )
    .await;
    receiver.expect("redirect-target", &secret("redirect"), vec![]);
    // An address the rules refuse: create refuses it at the door, and one stored before that
    // rule (written here straight into the store) is never contacted: the attempt fails with
    // the reason.
    let metadata_url = "http://169.254.169.254/latest/meta-data";
    let refused = acme
        .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
            scope: CreateAccountWebhookScope::Account,
            callback_url: metadata_url.to_owned(),
            event_types: vec!["test.metadata.v1".to_owned()],
            secret: Some(secret("metadata")),
        }))
        .await;
    assert!(
        matches!(
            refused,
            Err(webhooks_client::Error::Api(
                webhooks_client::CreateWebhookError::UnprocessableEntity(_)
            ))
        ),
        "{refused:?}"
    );
    let now = webhooks_service::store::now();
    let metadata = uuid::Uuid::new_v4();
    store
        .insert(&webhooks_service::store::StoredWebhook {
            id: metadata,
            owner: "acme".to_owned(),
            scope: WebhookScope::Account,
            scope_id: None,
            active: false,
            callback_url: metadata_url.to_owned(),
            event_types: vec!["test.metadata.v1".to_owned()],
            secret: secret("metadata"),
            previous_secret: None,
            health: Default::default(),
            created: now,
            modified: now,
            expiration_date_time: None,
        })
        .await
        .expect("store metadata webhook");
    acme.activate_webhook(&metadata, None)
        .await
        .expect("activate");

    // Account event of acme: `active` and `two-types` only.
    assert_eq!(publish(&acme, T, None, 1).await, 2);
    // iTwin event of itwin-x: `itwin` only.
    assert_eq!(publish(&acme, T, Some(&ITWIN_X.to_string()), 2).await, 1);
    // Nobody subscribes to this one.
    assert_eq!(publish(&acme, "iModels.changesReady.v1", None, 3).await, 0);
    for (event_type, n) in [
        ("test.flaky.v1", 4),
        ("test.throttled.v1", 5),
        ("test.slow.v1", 6),
        ("test.down.v1", 7),
        ("test.stopped.v1", 8),
        ("test.redirect.v1", 9),
        ("test.metadata.v1", 10),
    ] {
        assert_eq!(publish(&acme, event_type, None, n).await, 1, "{event_type}");
    }

    // stopped: deactivated after its first failure; no attempt after that.
    assert!(
        r.wait_until(Duration::from_secs(5), |r| r.count("stopped") >= 1)
            .await
    );
    acme.deactivate_webhook(&stopped).await.expect("deactivate");
    let attempts_then = r.count("stopped");
    assert_eq!(state_of(&store, stopped).await[0].0, CANCELLED);

    // Publishing needs the `webhooks:publish` scope.
    let token = DevKey::load_or_create(&key_path)
        .expect("dev key")
        .mint(
            "acme",
            &["webhooks:read", "webhooks:modify"],
            true,
            Duration::from_secs(600),
            &AuthConfig::default(),
        )
        .expect("token");
    let unscoped = Client::new(&format!("http://{}", running.addr()))
        .expect("client")
        .with_bearer_token(token);
    let refused = unscoped
        .publish_event(&Default::default(), &event(T, None, 0))
        .await
        .expect_err("publish without the scope");
    assert!(
        matches!(
            refused,
            webhooks_client::Error::Api(webhooks_client::PublishEventError::Unauthorized(_))
        ),
        "{refused:?}"
    );

    // Invalid events are refused with the spec's 422.
    let refused = acme
        .publish_event(&Default::default(), &event("not a type", None, 0))
        .await
        .expect_err("bad event type");
    assert!(
        matches!(
            refused,
            webhooks_client::Error::Api(webhooks_client::PublishEventError::UnprocessableEntity(_))
        ),
        "{refused:?}"
    );

    let ok = r
        .wait_until(Duration::from_secs(10), |r| {
            r.count("active") == 1 && r.count("two-types") == 1 && r.count("itwin") == 1
        })
        .await;
    assert!(ok, "matching webhooks got their events");
    let envelope = r.hits("active")[0].event.clone().expect("envelope decodes");
    assert_eq!(envelope.event_type, T);
    assert_eq!(envelope.webhook_id, active);
    assert_eq!(envelope.i_twin_id, None);
    assert_eq!(envelope.content.get("n"), Some(&serde_json::json!(1)));
    let envelope = r.hits("itwin")[0].event.clone().expect("envelope decodes");
    assert_eq!(envelope.webhook_id, itwin);
    assert_eq!(
        envelope.i_twin_id.as_deref(),
        Some(ITWIN_X.to_string().as_str())
    );
    assert_eq!(
        r.hits("two-types")[0].event.as_ref().map(|e| e.webhook_id),
        Some(both)
    );

    // flaky: 500, 503, then 200, with the schedule's waits in between.
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("flaky") == 3)
            .await,
        "flaky: {} hits",
        r.count("flaky")
    );
    let flaky_gaps = gaps(r, "flaky");
    assert!(fits(flaky_gaps[0], WAITS_MS[0]), "{flaky_gaps:?}");
    assert!(fits(flaky_gaps[1], WAITS_MS[1]), "{flaky_gaps:?}");
    let flaky_hits = r.hits("flaky");
    assert!(
        flaky_hits.iter().all(|h| h.body == flaky_hits[0].body),
        "every attempt sends the same bytes"
    );
    let ids: Vec<_> = flaky_hits
        .iter()
        .map(|h| h.event.as_ref().map(|e| e.message_id))
        .collect();
    assert!(
        ids.iter().all(|id| id.is_some() && *id == ids[0]),
        "{ids:?}"
    );
    // The receiver counts a hit before the worker writes the outcome of its answer.
    assert_eq!(settle(&store, flaky, DELIVERED).await, DELIVERED);

    // throttled: 429 with retry-after 2 s, though the schedule says 300 ms.
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("throttled") == 2)
            .await
    );
    let throttled = gaps(r, "throttled")[0];
    assert!(
        throttled >= Duration::from_millis(1980) && throttled < Duration::from_millis(3500),
        "retry-after honoured: {throttled:?}"
    );

    // slow: the first answer takes 3 s, longer than the 1 s timeout: retried.
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("slow") == 2)
            .await
    );
    let slow = gaps(r, "slow")[0];
    let low = 1000 + WAITS_MS[0] * 9 / 10;
    assert!(
        ms(slow) >= low - 20 && ms(slow) < low + 1500,
        "slow: {slow:?}"
    );

    // down: four failures (one attempt more than three waits), then failed; replay delivers.
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("down") == 4)
            .await
    );
    let mut down_state = Vec::new();
    for _ in 0..100 {
        down_state = state_of(&store, down).await;
        if down_state[0].0 == FAILED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(down_state[0].0, FAILED, "{down_state:?}");
    assert_eq!(down_state[0].1, 4);
    let down_gaps = gaps(r, "down");
    for (gap, planned) in down_gaps.iter().zip(WAITS_MS) {
        assert!(fits(*gap, planned), "{down_gaps:?}");
    }
    let failed = store
        .list_deliveries(Some(FAILED), 100)
        .await
        .expect("list failed");
    assert!(failed.iter().any(|d| d.webhook_id == down));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(r.count("down"), 4, "nothing after the last attempt");
    let down_id = failed
        .iter()
        .find(|d| d.webhook_id == down)
        .map(|d| d.id)
        .expect("down's delivery");
    assert_eq!(
        webhooks_service::replay_deliveries(url, Some(down_id))
            .await
            .expect("replay"),
        1
    );
    assert!(
        r.wait_until(Duration::from_secs(5), |r| r.count("down") == 5)
            .await
    );
    let replayed = r.hits("down");
    assert_eq!(
        replayed[4].event.as_ref().map(|e| e.message_id),
        Some(down_id),
        "a replay keeps the messageId"
    );

    // redirect: the 302 is a failure, not followed; the retry is delivered.
    assert!(
        r.wait_until(Duration::from_secs(5), |r| r.count("redirect") == 2)
            .await
    );
    assert_eq!(r.count("redirect-target"), 0);

    // metadata: refused before any connection.
    let mut metadata_state = Vec::new();
    for _ in 0..100 {
        metadata_state = state_of(&store, metadata).await;
        if metadata_state[0].2.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reason = metadata_state[0].2.clone().unwrap_or_default();
    assert!(
        reason.contains("169.254.169.254") && reason.contains("refused"),
        "{reason}"
    );

    // Nothing reached those that should get nothing, even after the others' retries.
    for name in [
        "inactive",
        "expired",
        "expired-at-once",
        "deleted",
        "deactivated",
        "other-type",
        "other-itwin",
        "other-owner",
    ] {
        assert_eq!(r.count(name), 0, "{name} got an event");
    }
    assert_eq!(r.count("active"), 1);
    assert_eq!(r.count("itwin"), 1);
    assert_eq!(
        r.count("stopped"),
        attempts_then,
        "nothing after deactivation"
    );
    assert_eq!(r.bad_signatures(), 0, "every signature verifies");
    for id in [expired, expired_at_once, deleted, deactivated] {
        assert!(
            state_of(&store, id).await.is_empty(),
            "{id} got a delivery row"
        );
    }

    store.close().await;
    running.stop().await.expect("service stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_delivery() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("delivery.db").display());
    suite(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_delivery() {
    let Some(schema) = support::postgres::Schema::create("delivery").await else {
        return;
    };
    suite(&schema.url).await;
    schema.drop().await;
}

/// The `webhook-signature` entries of `hit`, in order.
fn entries(hit: &Hit) -> Vec<String> {
    header(hit, "webhook-signature")
        .split(' ')
        .map(str::to_owned)
        .collect()
}

fn header(hit: &Hit, name: &str) -> String {
    hit.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_owned()
}

/// Whether the Standard Webhooks headers of `hit`, with `webhook-signature` replaced by
/// `signature`, verify with `secret` alone at the receiver's clock now.
fn standard_verifies(hit: &Hit, signature: &str, secret: &str) -> bool {
    let mut headers = hit.headers.clone();
    headers.insert(
        "webhook-signature",
        signature.parse().expect("header value"),
    );
    Verifier::new([Secret::new(secret)]).standard_only().verify(
        &headers,
        &hit.body,
        std::time::SystemTime::now(),
    ) == Ok(Scheme::Standard)
}

fn legacy_verifies(hit: &Hit, secret: &str) -> bool {
    Verifier::new([Secret::new(secret)])
        .verify_legacy(&header(hit, "signature"), &hit.body)
        .is_ok()
}

/// Rotation as receivers see it: two `v1` signatures during the grace period, each verifying
/// with its own secret, the legacy header on the new secret; one after the grace period is
/// ended; a fresh timestamp per attempt on the same body; and a replay refused.
async fn rotation(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("dev.key");
    let running = start(url, &key_path).await;
    let receiver = Receiver::start().await;
    let api = client(&running, &key_path, "acme");
    let r = &receiver;
    let event_type = "test.rotation.v1";
    let old = secret("rotating");
    let id = hook(&api, r, "rotating", None, &[event_type], true, vec![]).await;

    // Before any rotation: one entry, and the legacy header, both on the only secret.
    assert_eq!(publish(&api, event_type, None, 0).await, 1);
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("rotating") == 1)
            .await
    );
    let hit = &r.hits("rotating")[0];
    assert!(hit.signature_ok, "both schemes verify with the secret");
    assert_eq!(entries(hit).len(), 1);
    let event = hit.event.as_ref().expect("an event");
    assert_eq!(header(hit, "webhook-id"), event.message_id.to_string());
    let timestamp: i64 = header(hit, "webhook-timestamp")
        .parse()
        .expect("Unix seconds");
    assert!(
        (chrono::Utc::now().timestamp() - timestamp).abs() <= 5,
        "{timestamp}"
    );

    // Rotate: a generated secret, the old one signing for the default day.
    let rotated = api.rotate_webhook_secret(&id, None).await.expect("rotate");
    let new = rotated.secret.clone();
    assert!(new.starts_with("whsec_"), "{new}");
    assert!(rotated.previous_secret_expiration_date_time.is_some());
    // The receiver's own check (both schemes) now uses the new secret.
    r.expect("rotating", &new, vec![]);
    assert_eq!(publish(&api, event_type, None, 1).await, 1);
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("rotating") == 2)
            .await
    );
    let hit = &r.hits("rotating")[1];
    assert!(hit.signature_ok, "the new secret verifies both schemes");
    let during = entries(hit);
    assert_eq!(
        during.len(),
        2,
        "two v1 signatures during the grace period: {during:?}"
    );
    assert!(
        standard_verifies(hit, &during[0], &new),
        "the new secret's comes first"
    );
    assert!(!standard_verifies(hit, &during[0], &old));
    assert!(
        standard_verifies(hit, &during[1], &old),
        "then the previous secret's"
    );
    assert!(!standard_verifies(hit, &during[1], &new));
    // A receiver still on the old secret accepts the whole header as sent.
    assert!(standard_verifies(
        hit,
        &header(hit, "webhook-signature"),
        &old
    ));
    assert!(legacy_verifies(hit, &new), "Signature uses the new secret");
    assert!(!legacy_verifies(hit, &old), "and only the new secret");

    // Retries during the grace period: the same body, each attempt timed and signed afresh.
    r.expect("rotating", &new, vec![Answer::TooMany(2), Answer::Ok]);
    assert_eq!(publish(&api, event_type, None, 2).await, 1);
    assert!(
        r.wait_until(Duration::from_secs(15), |r| r.count("rotating") == 4)
            .await
    );
    let hits = r.hits("rotating");
    let (first, retry) = (&hits[2], &hits[3]);
    assert_eq!(first.body, retry.body, "retries are byte-identical");
    assert_eq!(header(first, "webhook-id"), header(retry, "webhook-id"));
    let t1: i64 = header(first, "webhook-timestamp").parse().expect("seconds");
    let t2: i64 = header(retry, "webhook-timestamp").parse().expect("seconds");
    assert!(
        t2 >= t1 + 2,
        "the retry is timed when it is sent: {t1} then {t2}"
    );
    assert_ne!(entries(first), entries(retry), "and signed again");
    assert_eq!(header(first, "signature"), header(retry, "signature"));
    for hit in [first, retry] {
        assert!(hit.signature_ok);
        assert_eq!(entries(hit).len(), 2);
    }

    // A replay of a real delivery after the tolerance is refused, even though its signature
    // is genuine.
    let replayed_at = std::time::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(t2).expect("after 1970"))
        + webhooks_verify::DEFAULT_TOLERANCE
        + Duration::from_secs(1);
    let verifier = Verifier::new([Secret::new(&new)]);
    assert!(matches!(
        verifier.verify(&retry.headers, &retry.body, replayed_at),
        Err(VerifyError::TimestampTooOld { .. })
    ));
    assert_eq!(
        verifier.verify(
            &retry.headers,
            &retry.body,
            replayed_at - Duration::from_secs(2)
        ),
        Ok(Scheme::Standard),
        "within the tolerance the same delivery is accepted"
    );

    // End the grace period early: one entry, the new secret's.
    api.delete_previous_webhook_secret(&id)
        .await
        .expect("end the grace period");
    assert_eq!(publish(&api, event_type, None, 3).await, 1);
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("rotating") == 5)
            .await
    );
    let hit = &r.hits("rotating")[4];
    assert!(hit.signature_ok);
    let after = entries(hit);
    assert_eq!(after.len(), 1, "one v1 signature after the end: {after:?}");
    assert!(standard_verifies(hit, &after[0], &new));
    assert!(!standard_verifies(hit, &after[0], &old));
    assert!(legacy_verifies(hit, &new));

    // A caller-given plain secret with a grace period: the plain one keys both schemes with
    // its UTF-8 bytes, the `whsec_` one (now previous) with its decoded bytes.
    let plain = "a plain caller-given secret for the rotation test";
    api.rotate_webhook_secret(
        &id,
        Some(&RotateWebhookSecret {
            secret: Some(plain.to_owned()),
            grace_period_seconds: Some(60),
        }),
    )
    .await
    .expect("rotate to a given secret");
    r.expect("rotating", plain, vec![]);
    assert_eq!(publish(&api, event_type, None, 4).await, 1);
    assert!(
        r.wait_until(Duration::from_secs(10), |r| r.count("rotating") == 6)
            .await
    );
    let hit = &r.hits("rotating")[5];
    assert!(hit.signature_ok);
    let pair = entries(hit);
    assert_eq!(pair.len(), 2);
    assert!(standard_verifies(hit, &pair[0], plain));
    assert!(standard_verifies(hit, &pair[1], &new));
    assert!(legacy_verifies(hit, plain));

    assert_eq!(r.bad_signatures(), 0, "every delivery verified");
    running.stop().await.expect("service stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("rotation.db").display());
    rotation(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_rotation() {
    let Some(schema) = support::postgres::Schema::create("rotation").await else {
        return;
    };
    rotation(&schema.url).await;
    schema.drop().await;
}
