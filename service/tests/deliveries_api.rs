//! The owner's side of delivery, end to end (issue 15): the deliveries API (list, get with every
//! attempt, resend, recover), pagination of every list, and idempotent publishing. The real
//! service on 127.0.0.1:0, driven by the generated client, delivering to an in-process receiver
//! on loopback; on SQLite and, when a server answers, on PostgreSQL in a schema of its own.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use webhooks_client::params::{
    ListWebhookDeliveriesParams, ListWebhooksParams, PublishEventParams,
};
use webhooks_client::types::{
    CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, DeliveryAttemptErrorKind,
    DeliveryState, ErrorCode, ErrorResponse, PublishEvent, RecoverDeliveries,
};
use webhooks_client::{
    Client, Error, GetWebhookDeliveryError, ListWebhookDeliveriesError, ListWebhooksError,
    PublishEventError, RecoverWebhookDeliveriesError, ResendWebhookDeliveryError,
};
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::delivery::DeliveryConfig;
use webhooks_service::delivery::retry::RetryPolicy;
use webhooks_service::store::Store;
use webhooks_service::{Config, Running};

use support::receiver::{Answer, Receiver};

const SCOPES: &[&str] = &["webhooks:read", "webhooks:modify", "webhooks:publish"];
const T: &str = "iModels.iModelDeleted.v1";

fn delivery_config() -> DeliveryConfig {
    DeliveryConfig {
        poll_interval: Duration::from_millis(100),
        // Short, so that the receiver's 1.5 s sleep is a timeout.
        request_timeout: Duration::from_secs(1),
        lease: Duration::from_secs(5),
        retry: RetryPolicy {
            schedule: [200, 300, 400].map(Duration::from_millis).to_vec(),
            jitter: 0.0,
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

fn account_webhook(callback_url: String, secret: Option<String>) -> CreateWebhook {
    CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
        scope: CreateAccountWebhookScope::Account,
        callback_url,
        event_types: vec![T.to_owned()],
        secret,
    })
}

/// An active Account webhook for receiver hook `name`, answering as `plan`.
async fn hook(api: &Client, receiver: &Receiver, name: &str, plan: Vec<Answer>) -> uuid::Uuid {
    receiver.expect(name, &secret(name), plan);
    let created = api
        .create_webhook(&account_webhook(receiver.url(name), Some(secret(name))))
        .await
        .expect("create webhook");
    api.activate_webhook(&created.id, None)
        .await
        .expect("activate");
    created.id
}

fn event(n: i64) -> PublishEvent {
    let mut content = BTreeMap::new();
    content.insert("n".to_owned(), serde_json::json!(n));
    PublishEvent {
        event_type: T.to_owned(),
        i_twin_id: None,
        content,
    }
}

fn keyed(key: &str) -> PublishEventParams {
    PublishEventParams {
        idempotency_key: Some(key.to_owned()),
    }
}

/// A detail's code and target.
type Detail = (Option<ErrorCode>, Option<String>);

/// The outer code and the details' (code, target) of an error body.
fn codes(body: &ErrorResponse) -> (Option<ErrorCode>, Vec<Detail>) {
    let error = body.error.as_ref().expect("error");
    let details = error
        .details
        .iter()
        .flatten()
        .map(|d| (d.code.clone(), d.target.clone()))
        .collect();
    (error.code.clone(), details)
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn filter(state: Option<DeliveryState>) -> ListWebhookDeliveriesParams {
    ListWebhookDeliveriesParams {
        state,
        ..Default::default()
    }
}

/// The attempts of one delivery after a receiver that fails (500), times out, then succeeds:
/// all three, in order, each with what was seen; then a resend adds a fourth attempt of the
/// same message with the same body bytes.
async fn attempts_and_resend(api: &Client, receiver: &Receiver) {
    let id = hook(
        api,
        receiver,
        "flaky",
        vec![
            Answer::Body(500, "boom: database down".to_owned()),
            Answer::Sleep(Duration::from_millis(1500)),
            Answer::Ok,
        ],
    )
    .await;
    let published = api
        .publish_event(&Default::default(), &event(1))
        .await
        .expect("publish");
    assert_eq!(published.deliveries, 1);
    let mut delivery_id = None;
    wait_for("the delivery to be delivered", async || {
        let page = api
            .list_webhook_deliveries(&id, &filter(Some(DeliveryState::Delivered)))
            .await
            .expect("list");
        delivery_id = page.deliveries.first().map(|d| d.id);
        delivery_id.is_some()
    })
    .await;
    let delivery_id = delivery_id.expect("delivered");
    let detail = api
        .get_webhook_delivery(&id, &delivery_id)
        .await
        .expect("get");
    assert_eq!(detail.state, DeliveryState::Delivered);
    assert_eq!(detail.attempt_count, 3);
    assert_eq!(detail.attempts.len(), 3, "{:?}", detail.attempts);
    let [failed, timed_out, succeeded] = &detail.attempts[..] else {
        unreachable!()
    };
    assert_eq!(failed.status, Some(500));
    assert_eq!(failed.error_kind, Some(DeliveryAttemptErrorKind::Status));
    assert_eq!(failed.response.as_deref(), Some("boom: database down"));
    assert_eq!(timed_out.status, None);
    assert_eq!(
        timed_out.error_kind,
        Some(DeliveryAttemptErrorKind::Timeout)
    );
    assert!(timed_out.latency_ms >= 1000, "{}", timed_out.latency_ms);
    assert_eq!(timed_out.response, None);
    assert_eq!(succeeded.status, Some(204));
    assert_eq!(succeeded.error_kind, None);
    assert_eq!(succeeded.error, None);
    assert!(failed.attempted < timed_out.attempted);
    assert!(timed_out.attempted < succeeded.attempted);
    assert_eq!(receiver.count("flaky"), 3);

    // A resend: the same row back to pending, a fourth attempt of the same message.
    let resent = api
        .resend_webhook_delivery(&id, &delivery_id)
        .await
        .expect("resend");
    assert_eq!(resent.id, delivery_id);
    wait_for("the resent attempt", async || receiver.count("flaky") == 4).await;
    let hits = receiver.hits("flaky");
    assert_eq!(hits[3].body, hits[0].body, "the same body bytes");
    assert_eq!(
        hits[3].event.as_ref().map(|e| e.message_id),
        Some(delivery_id)
    );
    wait_for("the resend to be recorded", async || {
        let detail = api
            .get_webhook_delivery(&id, &delivery_id)
            .await
            .expect("get");
        detail.state == DeliveryState::Delivered && detail.attempts.len() == 4
    })
    .await;
}

/// Failed deliveries recovered since a time; the time bounds are kept.
async fn recover(api: &Client, receiver: &Receiver) {
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    // Four failures per delivery (the schedule has three waits): two deliveries fail for good.
    let id = hook(
        api,
        receiver,
        "down",
        (0..8).map(|_| Answer::Status(503)).collect(),
    )
    .await;
    for n in 0..2 {
        api.publish_event(&Default::default(), &event(10 + n))
            .await
            .expect("publish");
    }
    wait_for("both deliveries to fail", async || {
        let page = api
            .list_webhook_deliveries(&id, &filter(Some(DeliveryState::Failed)))
            .await
            .expect("list");
        page.deliveries.len() == 2
    })
    .await;
    assert_eq!(receiver.count("down"), 8);
    // `until` before `since` is refused; a range before the deliveries recovers none.
    let backwards = RecoverDeliveries {
        since: before,
        until: Some(before - chrono::Duration::hours(1)),
    };
    match api.recover_webhook_deliveries(&id, &backwards).await {
        Err(Error::Api(RecoverWebhookDeliveriesError::UnprocessableEntity(body))) => {
            assert_eq!(
                codes(&body),
                (
                    Some(ErrorCode::InvalidRecoverWebhookDeliveriesRequest),
                    vec![(
                        Some(ErrorCode::InvalidRequestBody),
                        Some("until".to_owned())
                    )]
                )
            );
        }
        other => panic!("expected 422, got {other:?}"),
    }
    let earlier = RecoverDeliveries {
        since: before - chrono::Duration::hours(2),
        until: Some(before),
    };
    let none = api
        .recover_webhook_deliveries(&id, &earlier)
        .await
        .expect("recover");
    assert_eq!(none.deliveries, 0);
    // The receiver is back (its plan is used up: it answers 2xx).
    let recovered = api
        .recover_webhook_deliveries(
            &id,
            &RecoverDeliveries {
                since: before,
                until: None,
            },
        )
        .await
        .expect("recover");
    assert_eq!(recovered.deliveries, 2);
    wait_for("the recovered deliveries", async || {
        let page = api
            .list_webhook_deliveries(&id, &filter(Some(DeliveryState::Delivered)))
            .await
            .expect("list");
        page.deliveries.len() == 2
    })
    .await;
    let page = api
        .list_webhook_deliveries(&id, &filter(None))
        .await
        .expect("list");
    for delivery in &page.deliveries {
        let detail = api
            .get_webhook_delivery(&id, &delivery.id)
            .await
            .expect("get");
        assert_eq!(detail.attempts.len(), 5, "four failures, then the recovery");
        assert_eq!(detail.attempts[4].status, Some(204));
    }
    // Nothing failed is left.
    let again = api
        .recover_webhook_deliveries(
            &id,
            &RecoverDeliveries {
                since: before,
                until: None,
            },
        )
        .await
        .expect("recover");
    assert_eq!(again.deliveries, 0);
}

/// Listing: newest first, filters, pages, and the refusals of bad parameters.
async fn listing(api: &Client, other: &Client, receiver: &Receiver) {
    let id = hook(api, receiver, "lister", Vec::new()).await;
    let start = chrono::Utc::now();
    for n in 0..5 {
        api.publish_event(&Default::default(), &event(100 + n))
            .await
            .expect("publish");
    }
    wait_for("five deliveries", async || {
        receiver.acknowledged_ids().len() >= 5 && receiver.count("lister") == 5
    })
    .await;
    // The receiver has answered before the worker records the outcome: wait for the records,
    // so the state filter below sees all five (under load the last one lagged behind).
    wait_for("five deliveries recorded", async || {
        api.list_webhook_deliveries(&id, &filter(Some(DeliveryState::Delivered)))
            .await
            .is_ok_and(|page| page.deliveries.len() == 5)
    })
    .await;
    let all = api
        .list_webhook_deliveries(&id, &filter(None))
        .await
        .expect("list");
    assert_eq!(all.deliveries.len(), 5);
    assert!(all.links.next.is_none());
    let created: Vec<_> = all.deliveries.iter().map(|d| d.created).collect();
    let mut newest_first = created.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, newest_first, "newest first");
    // Pages of two: 2 + 2 + 1, the same rows in the same order.
    let mut walked = Vec::new();
    let mut params = ListWebhookDeliveriesParams {
        top: Some(2),
        ..Default::default()
    };
    loop {
        let page = api
            .list_webhook_deliveries(&id, &params)
            .await
            .expect("page");
        walked.extend(page.deliveries.iter().map(|d| d.id));
        let Some(next) = page.links.next else { break };
        assert!(
            next.href
                .starts_with(&format!("/webhooks/{id}/deliveries?"))
        );
        params.continuation_token = Some(token_of(&next.href));
    }
    let ids: Vec<_> = all.deliveries.iter().map(|d| d.id).collect();
    assert_eq!(walked, ids);
    // Filters.
    let later = ListWebhookDeliveriesParams {
        since: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..Default::default()
    };
    let page = api
        .list_webhook_deliveries(&id, &later)
        .await
        .expect("list");
    assert!(page.deliveries.is_empty());
    let window = ListWebhookDeliveriesParams {
        since: Some(start - chrono::Duration::seconds(1)),
        until: Some(chrono::Utc::now() + chrono::Duration::seconds(1)),
        state: Some(DeliveryState::Delivered),
        ..Default::default()
    };
    let page = api
        .list_webhook_deliveries(&id, &window)
        .await
        .expect("list");
    assert_eq!(page.deliveries.len(), 5);
    let page = api
        .list_webhook_deliveries(&id, &filter(Some(DeliveryState::Failed)))
        .await
        .expect("list");
    assert!(page.deliveries.is_empty());

    // Refusals: each a 422 whose detail names the parameter.
    let first = api
        .list_webhook_deliveries(
            &id,
            &ListWebhookDeliveriesParams {
                top: Some(2),
                ..Default::default()
            },
        )
        .await
        .expect("page");
    let token = token_of(&first.links.next.expect("next").href);
    let mut altered = token.clone().into_bytes();
    let at = altered.len() / 3;
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("ascii");
    let cases: Vec<(ListWebhookDeliveriesParams, ErrorCode, &str)> = vec![
        (
            ListWebhookDeliveriesParams {
                top: Some(0),
                ..Default::default()
            },
            ErrorCode::InvalidTop,
            "$top",
        ),
        (
            ListWebhookDeliveriesParams {
                top: Some(1001),
                ..Default::default()
            },
            ErrorCode::InvalidTop,
            "$top",
        ),
        (
            ListWebhookDeliveriesParams {
                continuation_token: Some("garbage".to_owned()),
                ..Default::default()
            },
            ErrorCode::InvalidContinuationToken,
            "$continuationToken",
        ),
        (
            ListWebhookDeliveriesParams {
                continuation_token: Some(altered),
                ..Default::default()
            },
            ErrorCode::InvalidContinuationToken,
            "$continuationToken",
        ),
        // The token is bound to the filters it was made with.
        (
            ListWebhookDeliveriesParams {
                continuation_token: Some(token.clone()),
                state: Some(DeliveryState::Delivered),
                ..Default::default()
            },
            ErrorCode::InvalidContinuationToken,
            "$continuationToken",
        ),
    ];
    for (params, code, target) in cases {
        match api.list_webhook_deliveries(&id, &params).await {
            Err(Error::Api(ListWebhookDeliveriesError::UnprocessableEntity(body))) => {
                assert_eq!(
                    codes(&body),
                    (
                        Some(ErrorCode::InvalidListDeliveriesRequest),
                        vec![(Some(code), Some(target.to_owned()))]
                    ),
                    "{params:?}"
                );
            }
            other => panic!("{params:?}: expected 422, got {other:?}"),
        }
    }
    // A deliveries token is not a webhooks token.
    let params = ListWebhooksParams {
        top: None,
        continuation_token: Some(token.clone()),
    };
    match api.list_webhooks(&params).await {
        Err(Error::Api(ListWebhooksError::UnprocessableEntity(body))) => {
            assert_eq!(
                codes(&body).1,
                vec![(
                    Some(ErrorCode::InvalidContinuationToken),
                    Some("$continuationToken".to_owned())
                )]
            );
        }
        other => panic!("expected 422, got {other:?}"),
    }

    // Another owner sees none of it: 404 as for getWebhook.
    let delivery = all.deliveries[0].id;
    match other.list_webhook_deliveries(&id, &filter(None)).await {
        Err(Error::Api(ListWebhookDeliveriesError::NotFound(body))) => {
            assert_eq!(codes(&body).0, Some(ErrorCode::WebhookNotFound))
        }
        other => panic!("expected 404, got {other:?}"),
    }
    match other.get_webhook_delivery(&id, &delivery).await {
        Err(Error::Api(GetWebhookDeliveryError::NotFound(body))) => {
            assert_eq!(codes(&body).0, Some(ErrorCode::WebhookNotFound))
        }
        other => panic!("expected 404, got {other:?}"),
    }
    match other.resend_webhook_delivery(&id, &delivery).await {
        Err(Error::Api(ResendWebhookDeliveryError::NotFound(body))) => {
            assert_eq!(codes(&body).0, Some(ErrorCode::WebhookNotFound))
        }
        other => panic!("expected 404, got {other:?}"),
    }
    let everything = RecoverDeliveries {
        since: start - chrono::Duration::days(1),
        until: None,
    };
    match other.recover_webhook_deliveries(&id, &everything).await {
        Err(Error::Api(RecoverWebhookDeliveriesError::NotFound(body))) => {
            assert_eq!(codes(&body).0, Some(ErrorCode::WebhookNotFound))
        }
        other => panic!("expected 404, got {other:?}"),
    }
    // The owner's own webhook without that delivery.
    let missing = uuid::Uuid::new_v4();
    match api.get_webhook_delivery(&id, &missing).await {
        Err(Error::Api(GetWebhookDeliveryError::NotFound(body))) => {
            assert_eq!(codes(&body).0, Some(ErrorCode::DeliveryNotFound))
        }
        other => panic!("expected 404, got {other:?}"),
    }
    match api.resend_webhook_delivery(&id, &missing).await {
        Err(Error::Api(ResendWebhookDeliveryError::NotFound(body))) => {
            assert_eq!(codes(&body).0, Some(ErrorCode::DeliveryNotFound))
        }
        other => panic!("expected 404, got {other:?}"),
    }
}

/// The `$continuationToken` of a next link.
fn token_of(href: &str) -> String {
    let query = href.split_once('?').expect("query").1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "$continuationToken")
        .map(|(_, v)| v.into_owned())
        .expect("token")
}

/// Idempotent publishing: a retry answers the first answer and stores nothing; concurrent
/// duplicates store one event; a different body is refused; keys are per publisher.
async fn idempotency(api: &Client, other: &Client, receiver: &Receiver, store: &Store) {
    let id = hook(api, receiver, "idem", Vec::new()).await;
    let first = api
        .publish_event(&keyed("order-1"), &event(1000))
        .await
        .expect("publish");
    let again = api
        .publish_event(&keyed("order-1"), &event(1000))
        .await
        .expect("publish again");
    assert_eq!(again, first, "the same answer");
    match api.publish_event(&keyed("order-1"), &event(1001)).await {
        Err(Error::Api(PublishEventError::UnprocessableEntity(body))) => {
            assert_eq!(
                codes(&body),
                (
                    Some(ErrorCode::InvalidPublishEventRequest),
                    vec![(
                        Some(ErrorCode::IdempotencyKeyReused),
                        Some("Idempotency-Key".to_owned())
                    )]
                )
            );
        }
        other => panic!("expected 422, got {other:?}"),
    }
    for bad in ["has space", "", &"k".repeat(256)] {
        match api.publish_event(&keyed(bad), &event(1002)).await {
            Err(Error::Api(PublishEventError::UnprocessableEntity(body))) => {
                assert_eq!(
                    codes(&body).1,
                    vec![(
                        Some(ErrorCode::InvalidIdempotencyKey),
                        Some("Idempotency-Key".to_owned())
                    )],
                    "{bad:?}"
                );
            }
            other => panic!("{bad:?}: expected 422, got {other:?}"),
        }
    }
    // Another publisher's key of the same text is its own.
    let theirs = other
        .publish_event(&keyed("order-1"), &event(1000))
        .await
        .expect("other publisher");
    assert_ne!(theirs.event_id, first.event_id);

    // Concurrent duplicates: one event, one delivery.
    let answers = futures_join(
        (0..8)
            .map(|_| {
                let api = api.clone();
                tokio::spawn(
                    async move { api.publish_event(&keyed("order-2"), &event(2000)).await },
                )
            })
            .collect(),
    )
    .await;
    let ids: HashSet<uuid::Uuid> = answers.iter().map(|a| a.event_id).collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    wait_for("the keyed deliveries", async || receiver.count("idem") >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.count("idem"),
        2,
        "one delivery per distinct request"
    );
    let page = api
        .list_webhook_deliveries(&id, &filter(None))
        .await
        .expect("list");
    assert_eq!(page.deliveries.len(), 2);

    // Past its window a key is deleted, and the same request is new again.
    let deleted = store
        .delete_expired_idempotency_keys(chrono::Utc::now() + chrono::Duration::days(2), 1)
        .await
        .expect("delete");
    assert_eq!(deleted, 1, "one batch of one");
    let deleted = store
        .delete_expired_idempotency_keys(chrono::Utc::now() + chrono::Duration::days(2), 1000)
        .await
        .expect("delete");
    assert!(deleted >= 2, "{deleted}");
    let fresh = api
        .publish_event(&keyed("order-1"), &event(1000))
        .await
        .expect("publish after expiry");
    assert_ne!(fresh.event_id, first.event_id);
}

async fn futures_join<T: std::fmt::Debug, E: std::fmt::Debug>(
    tasks: Vec<tokio::task::JoinHandle<Result<T, E>>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("task").expect("answer"));
    }
    out
}

async fn suite(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("dev.key");
    let receiver = Receiver::start().await;
    let running = start(url, &key_path).await;
    let alice = client(&running, &key_path, "alice");
    let bob = client(&running, &key_path, "bob");
    let store = Store::connect(url).await.expect("store");
    let carol = client(&running, &key_path, "carol");
    let dave = client(&running, &key_path, "dave");
    let erin = client(&running, &key_path, "erin");
    tokio::join!(
        attempts_and_resend(&alice, &receiver),
        recover(&carol, &receiver),
        listing(&dave, &bob, &receiver),
        idempotency(&erin, &bob, &receiver, &store),
    );
    assert_eq!(receiver.bad_signatures(), 0);
    store.close().await;
    running.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_deliveries_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("deliveries.db").display());
    suite(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_deliveries_api() {
    let Some(schema) = support::postgres::Schema::create("deliveries_api").await else {
        return;
    };
    suite(&schema.url).await;
    schema.drop().await;
}

/// A walk over `GET /webhooks` a page at a time while other webhooks are created and deleted
/// all along: every webhook that existed for the whole walk comes exactly once, and no webhook
/// comes twice.
async fn walk_while_changing(url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("dev.key");
    let running = start(url, &key_path).await;
    let api = client(&running, &key_path, "walker");
    let callback = |n: usize| format!("https://hooks.example.com/walk/{n}");
    let mut stable = HashSet::new();
    let mut doomed = Vec::new();
    for n in 0..60 {
        let created = api
            .create_webhook(&account_webhook(callback(n), None))
            .await
            .expect("create");
        // Every third one is deleted during the walk.
        if n % 3 == 0 {
            doomed.push(created.id);
        } else {
            stable.insert(created.id);
        }
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let api = api.clone();
        let stop = std::sync::Arc::clone(&stop);
        tokio::spawn(async move {
            let mut n = 1000;
            let mut made = Vec::new();
            // Bounded, so that the walk (which also meets the rows made after its position)
            // reaches the end.
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 1060 {
                let created = api
                    .create_webhook(&account_webhook(callback(n), None))
                    .await
                    .expect("create during the walk");
                made.push(created.id);
                if let Some(id) = doomed.pop() {
                    api.delete_webhook(&id)
                        .await
                        .expect("delete during the walk");
                }
                if n % 2 == 0
                    && let Some(id) = made.first().copied()
                {
                    made.remove(0);
                    api.delete_webhook(&id).await.expect("delete a new one");
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut seen: HashMap<uuid::Uuid, usize> = HashMap::new();
    let mut params = ListWebhooksParams {
        top: Some(4),
        continuation_token: None,
    };
    let mut pages = 0;
    loop {
        let page = api.list_webhooks(&params).await.expect("page");
        assert!(page.webhooks.len() <= 4);
        for hook in &page.webhooks {
            *seen.entry(hook.id).or_default() += 1;
        }
        pages += 1;
        // Give the churn time to change the list between pages.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let Some(next) = page.links.next else { break };
        params.continuation_token = Some(token_of(&next.href));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.await.expect("churn");
    assert!(pages >= 10, "{pages} pages");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "returned twice: {twice:?}");
    let missing: Vec<_> = stable.iter().filter(|id| !seen.contains_key(id)).collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    // Default page size: everything fits in one page of 100 now; and the link says so.
    let all = api.list_webhooks(&Default::default()).await.expect("list");
    assert!(all.webhooks.len() <= 100);
    assert_eq!(all.links.self_.href, "/webhooks?$top=100");
    running.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_walk_while_changing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("walk.db").display());
    walk_while_changing(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_walk_while_changing() {
    let Some(schema) = support::postgres::Schema::create("walk").await else {
        return;
    };
    walk_while_changing(&schema.url).await;
    schema.drop().await;
}
