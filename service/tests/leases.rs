//! Leases and due times follow the database's clock, not the process's: the host times the
//! store is handed here are deliberately wrong (ten minutes ahead or behind, as on a host whose
//! clock drifted), and still a new delivery is due at once, a lease holds until it runs out and
//! then frees the row, and a retry waits the planned time. Runs on SQLite and, when a server
//! answers, on PostgreSQL.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use webhooks_service::delivery::queue::{NewEvent, Outcome, ReplayFilter};
use webhooks_service::store::{self, Store, StoredWebhook};

const EVENT_TYPE: &str = "a.b.v1";

fn skewed(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    store::now() + chrono::Duration::minutes(minutes)
}

fn hook(owner: &str) -> StoredWebhook {
    StoredWebhook {
        event_types: vec![EVENT_TYPE.to_owned()],
        expiration_date_time: Some(store::now() + chrono::Duration::days(1)),
        ..support::stored::webhook(owner)
    }
}

/// Publishes one event as a host whose clock runs `skew` minutes off.
async fn publish(store: &Store, owner: &str, skew: i64) {
    let event = NewEvent {
        id: uuid::Uuid::new_v4(),
        publisher: owner.to_owned(),
        event_type: EVENT_TYPE.to_owned(),
        itwin_id: None,
        content: BTreeMap::new(),
        enqueued: skewed(skew),
    };
    assert_eq!(store.publish(&event).await.expect("publish"), 1);
}

async fn suite(url: &str) {
    let store = Store::connect(url)
        .await
        .expect("store")
        .with_secrets(support::stored::secrets());
    store.insert(&hook("acme")).await.expect("insert hook");

    // Published by a host ten minutes ahead: due now all the same (with its own time, the row
    // would wait ten minutes).
    publish(&store, "acme", 10).await;
    let first = store
        .claim(Duration::from_secs(60), 10, 10)
        .await
        .expect("claim")
        .claimed;
    assert_eq!(first.len(), 1, "a new delivery is due at once");

    // Leased for a minute: nobody else gets it, whatever their clock.
    assert!(
        store
            .claim(Duration::from_secs(60), 10, 10)
            .await
            .unwrap()
            .claimed
            .is_empty()
    );
    assert!(store.next_due_in().await.unwrap().unwrap() > Duration::from_secs(50));

    // A retry recorded by a host ten minutes behind waits the planned second (with its own
    // time, the row would have been due ten minutes ago, so at once).
    let retry = Outcome::Retry {
        wait: Duration::from_secs(1),
        status: Some(500),
        error: "callback answered 500".to_owned(),
    };
    assert!(store.record(&first[0], &retry, skewed(-10)).await.unwrap());
    assert!(
        store
            .claim(Duration::from_secs(60), 10, 10)
            .await
            .unwrap()
            .claimed
            .is_empty()
    );
    let wait = store.next_due_in().await.unwrap().expect("a pending row");
    assert!(wait <= Duration::from_secs(1), "{wait:?}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = store
        .claim(Duration::from_secs(1), 10, 10)
        .await
        .unwrap()
        .claimed;
    assert_eq!(second.len(), 1, "due after the planned wait");
    assert_eq!(second[0].id, first[0].id);

    // A one-second lease holds for its second, then the row is anyone's again; the worker that
    // lost it can no longer record an outcome.
    assert!(
        store
            .claim(Duration::from_secs(60), 10, 10)
            .await
            .unwrap()
            .claimed
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let third = store
        .claim(Duration::from_secs(60), 10, 10)
        .await
        .unwrap()
        .claimed;
    assert_eq!(third.len(), 1, "the lease ran out");
    let delivered = Outcome::Delivered { status: 204 };
    assert!(
        !store
            .record(&second[0], &delivered, skewed(10))
            .await
            .unwrap()
    );

    // Failed by a host ahead, replayed: due at once.
    let failed = Outcome::Failed {
        status: Some(410),
        error: "gone".to_owned(),
    };
    assert!(store.record(&third[0], &failed, skewed(10)).await.unwrap());
    let filter = ReplayFilter {
        id: Some(third[0].id),
        ..ReplayFilter::default()
    };
    assert_eq!(store.replay(&filter).await.unwrap(), 1);
    assert_eq!(store.next_due_in().await.unwrap(), Some(Duration::ZERO));
    let fourth = store
        .claim(Duration::from_secs(60), 10, 10)
        .await
        .unwrap()
        .claimed;
    assert_eq!(fourth.len(), 1, "a replayed delivery is due at once");
    store.close().await;
}

#[tokio::test]
async fn sqlite_leases_follow_the_database_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    suite(&format!(
        "sqlite://{}",
        dir.path().join("leases.db").display()
    ))
    .await;
}

#[tokio::test]
async fn postgres_leases_follow_the_database_clock() {
    let Some(schema) = support::postgres::Schema::create("leases").await else {
        return;
    };
    suite(&schema.url).await;
    schema.drop().await;
}
