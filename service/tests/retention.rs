//! Retention (issue 15): a pass deletes delivered, failed and cancelled deliveries that finished
//! before the cutoff, with their attempts, and events enqueued before it that have no delivery
//! left; recent finished rows, pending deliveries and the events they belong to stay. Small
//! batches, so that several are needed. On SQLite and, when a server answers, on PostgreSQL.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Connection as _;
use webhooks_client::types::WebhookScope;
use webhooks_service::delivery::history::AttemptReport;
use webhooks_service::delivery::queue::{NewEvent, Outcome};
use webhooks_service::retention::{self, RetentionConfig};
use webhooks_service::store::{self, Store, StoredWebhook};

const T: &str = "a.b.v1";

async fn webhook(store: &Store, owner: &str, scope_id: Option<&str>) -> uuid::Uuid {
    let now = store::now();
    let id = uuid::Uuid::new_v4();
    store
        .insert(&StoredWebhook {
            id,
            owner: owner.to_owned(),
            scope: if scope_id.is_some() {
                WebhookScope::ITwin
            } else {
                WebhookScope::Account
            },
            scope_id: scope_id.map(str::to_owned),
            active: true,
            callback_url: "https://hooks.example.com/r".to_owned(),
            event_types: vec![T.to_owned()],
            secret: "s".repeat(32),
            created: now,
            modified: now,
            expiration_date_time: Some(now + chrono::Duration::days(90)),
            previous_secret: None,
            health: Default::default(),
        })
        .await
        .expect("insert");
    id
}

/// Publishes an event (enqueued at `at`) as `publisher`, for its Account webhooks, or for the
/// iTwin's webhooks; returns its id.
async fn publish(
    store: &Store,
    publisher: &str,
    itwin: Option<&str>,
    at: DateTime<Utc>,
) -> uuid::Uuid {
    let event = NewEvent {
        id: uuid::Uuid::new_v4(),
        publisher: publisher.to_owned(),
        event_type: T.to_owned(),
        itwin_id: itwin.map(str::to_owned),
        content: BTreeMap::new(),
        enqueued: at,
    };
    store.publish(&event).await.expect("publish");
    event.id
}

fn report(at: DateTime<Utc>, status: Option<u16>) -> AttemptReport {
    AttemptReport {
        attempted: at,
        status,
        error_kind: None,
        error: None,
        latency_ms: 3,
        response: None,
        response_truncated: false,
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    let mut conn = sqlx::AnyConnection::connect(&store::normalize_url(url))
        .await
        .expect("connect");
    let n: i64 = sqlx::query_scalar(sql)
        .fetch_one(&mut conn)
        .await
        .expect("count");
    conn.close().await.expect("close");
    n
}

async fn exists(url: &str, table: &str, id: uuid::Uuid) -> bool {
    let mut conn = sqlx::AnyConnection::connect(&store::normalize_url(url))
        .await
        .expect("connect");
    let row = sqlx::query(&format!("SELECT id FROM {table} WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut conn)
        .await
        .expect("select");
    conn.close().await.expect("close");
    row.is_some()
}

async fn pass_keeps_what_it_must(url: &str) {
    let store = Store::connect(url).await.expect("store").with_secrets(
        webhooks_service::secrets::Secrets::new(&webhooks_service::secrets::SecretKey::from_bytes(
            [3; 32],
        )),
    );
    let now = store::now();
    let old = now - chrono::Duration::days(40);
    let recent = now - chrono::Duration::days(1);

    // One webhook per case; Account events go to their publisher's webhooks.
    let delivered_old = webhook(&store, "delivered-old", None).await;
    let failed_old = webhook(&store, "failed-old", None).await;
    let pending_old = webhook(&store, "pending-old", None).await;
    let delivered_recent = webhook(&store, "delivered-recent", None).await;
    let cancelled_old = webhook(&store, "cancelled-old", None).await;
    // Two iTwin webhooks on one event: one delivery finished long ago, one still pending.
    let mixed_done = webhook(&store, "mixed", Some("itwin-x")).await;
    let mixed_pending = webhook(&store, "mixed", Some("itwin-x")).await;

    let e_delivered_old = publish(&store, "delivered-old", None, old).await;
    let e_failed_old = publish(&store, "failed-old", None, old).await;
    let e_pending_old = publish(&store, "pending-old", None, old).await;
    let e_delivered_recent = publish(&store, "delivered-recent", None, old).await;
    let e_cancelled_old = publish(&store, "cancelled-old", None, old).await;
    let e_mixed = publish(&store, "anyone", Some("itwin-x"), old).await;
    // Events no webhook received: one old, one recent.
    let e_orphan_old = publish(&store, "nobody", None, old).await;
    let e_orphan_recent = publish(&store, "nobody", None, recent).await;

    // Every due delivery attempted once, its outcome as each case needs.
    let claimed = store
        .claim(Duration::from_secs(300), 100, 100)
        .await
        .expect("claim")
        .claimed;
    assert_eq!(claimed.len(), 7);
    for c in &claimed {
        let retry = Outcome::Retry {
            wait: Duration::from_secs(3600),
            status: Some(500),
            error: "callback answered 500".to_owned(),
        };
        let (outcome, at) = match c.webhook_id {
            id if id == delivered_old || id == mixed_done => {
                (Outcome::Delivered { status: 204 }, old)
            }
            id if id == failed_old => (
                Outcome::Failed {
                    status: Some(500),
                    error: "callback answered 500".to_owned(),
                },
                old,
            ),
            id if id == delivered_recent => (Outcome::Delivered { status: 204 }, recent),
            id if id == pending_old || id == mixed_pending || id == cancelled_old => (retry, old),
            other => panic!("unexpected webhook {other}"),
        };
        let status = match &outcome {
            Outcome::Delivered { status } => Some(*status),
            _ => Some(500),
        };
        assert!(
            store
                .record_attempt(c, &outcome, Some(&report(at, status)), at)
                .await
                .expect("record")
        );
    }
    // Cancelled long ago, as a deactivation does.
    assert_eq!(
        store
            .cancel_pending(cancelled_old, "webhook deactivated", old)
            .await
            .expect("cancel"),
        1
    );
    assert_eq!(
        count(url, "SELECT COUNT(*) FROM delivery_attempts").await,
        7
    );

    let config = RetentionConfig {
        sqlite_batch: 2,
        postgres_batch: 2,
        pause: Duration::ZERO,
        ..RetentionConfig::default()
    };
    let cutoff = now - chrono::Duration::days(30);
    let done = retention::pass(&store, cutoff, &config, None)
        .await
        .expect("pass");
    assert_eq!(done.deliveries, 4, "{done:?}");
    assert_eq!(done.events, 4, "{done:?}");
    assert!(done.batches >= 4, "small batches: {done:?}");

    // What stays: the recent delivery, the pending ones, their events, the recent orphan.
    let remaining = store.list_deliveries(None, 100).await.expect("list");
    let mut kept: Vec<uuid::Uuid> = remaining.iter().map(|d| d.webhook_id).collect();
    kept.sort();
    let mut expected = vec![pending_old, delivered_recent, mixed_pending];
    expected.sort();
    assert_eq!(kept, expected);
    assert!(
        remaining
            .iter()
            .filter(|d| d.webhook_id != delivered_recent)
            .all(|d| d.state == "pending")
    );
    for (event, stays) in [
        (e_delivered_old, false),
        (e_failed_old, false),
        (e_cancelled_old, false),
        (e_orphan_old, false),
        (e_pending_old, true),
        (e_delivered_recent, true),
        (e_mixed, true),
        (e_orphan_recent, true),
    ] {
        assert_eq!(exists(url, "events", event).await, stays, "event {event}");
    }
    // The attempts of deleted deliveries went with them; the others' stay.
    assert_eq!(
        count(url, "SELECT COUNT(*) FROM delivery_attempts").await,
        3
    );
    assert_eq!(
        count(
            url,
            "SELECT COUNT(*) FROM delivery_attempts a WHERE NOT EXISTS \
             (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)"
        )
        .await,
        0
    );

    // A second pass finds nothing more.
    let again = retention::pass(&store, cutoff, &config, None)
        .await
        .expect("pass");
    assert_eq!((again.deliveries, again.events), (0, 0));
    store.close().await;
}

#[tokio::test]
async fn sqlite_pass_keeps_what_it_must() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("retention.db").display());
    pass_keeps_what_it_must(&url).await;
}

#[tokio::test]
async fn postgres_pass_keeps_what_it_must() {
    let Some(schema) = support::postgres::Schema::create("retention").await else {
        return;
    };
    pass_keeps_what_it_must(&schema.url).await;
    schema.drop().await;
}
