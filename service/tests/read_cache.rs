//! The owner's read of one webhook from memory (`Store::get_for_read`): every write this
//! process makes is read back at once, whichever store method made it; another process's write
//! is read within the time to live; another owner never reads the row. On SQLite and, when a
//! server answers, on PostgreSQL.

mod support;

use std::time::{Duration, Instant};

use support::stored::{secrets, webhook};
use webhooks_service::store::{self, Activation, Changes, Store};
use webhooks_service::webhook_health::DeactivationReason;

async fn suite(url: &str) {
    // A time to live far longer than the test: only forgetting can make a read see a write.
    let store = Store::connect(url)
        .await
        .unwrap()
        .with_secrets(secrets())
        .with_read_cache(Duration::from_secs(3600));
    let written = webhook("alice");
    store.insert(&written).await.unwrap();
    let id = written.id;
    let read = |store: Store| async move {
        store
            .get_for_read("alice", id)
            .await
            .unwrap()
            .map(|hook| (*hook).clone())
    };
    assert_eq!(read(store.clone()).await.as_ref(), Some(&written));
    assert!(store.get_for_read("bob", id).await.unwrap().is_none());

    let changes = Changes {
        callback_url: Some("https://hooks.example.com/changed".to_owned()),
        ..Changes::default()
    };
    store
        .update("alice", id, &changes, store::now())
        .await
        .unwrap();
    let after = read(store.clone()).await.unwrap();
    assert_eq!(after.callback_url, "https://hooks.example.com/changed");

    store
        .rotate_secret(
            "alice",
            id,
            &"r".repeat(32),
            Some(store::now() + chrono::Duration::hours(1)),
            store::now(),
        )
        .await
        .unwrap();
    let after = read(store.clone()).await.unwrap();
    assert_eq!(after.secret, "r".repeat(32));
    assert!(after.previous_secret.is_some());

    assert!(
        store
            .end_previous_secret("alice", id, store::now())
            .await
            .unwrap()
    );
    assert!(read(store.clone()).await.unwrap().previous_secret.is_none());

    store.mark_failing(id, store::now()).await.unwrap();
    assert!(
        read(store.clone())
            .await
            .unwrap()
            .health
            .failing_since
            .is_some()
    );
    store.clear_failing(id).await.unwrap();
    assert!(
        read(store.clone())
            .await
            .unwrap()
            .health
            .failing_since
            .is_none()
    );

    store
        .deactivate_unhealthy(id, DeactivationReason::Gone, None, store::now())
        .await
        .unwrap()
        .expect("deactivated");
    let after = read(store.clone()).await.unwrap();
    assert!(!after.active);
    assert_eq!(
        after.health.deactivation_reason,
        Some(DeactivationReason::Gone)
    );

    let activate = Changes {
        activation: Some(Activation::Activate {
            expires: store::now() + chrono::Duration::days(1),
        }),
        ..Changes::default()
    };
    store
        .update("alice", id, &activate, store::now())
        .await
        .unwrap()
        .expect("activated");
    let after = read(store.clone()).await.unwrap();
    assert!(after.active);
    assert_eq!(after.health.deactivation_reason, None);

    // Another process on the same database: its write reaches a store with a short time to
    // live once the time has passed, and never before the row is read again.
    let short = Store::connect(url)
        .await
        .unwrap()
        .with_secrets(secrets())
        .with_read_cache(Duration::from_millis(200));
    assert!(read(short.clone()).await.unwrap().active);
    let other = Store::connect(url).await.unwrap().with_secrets(secrets());
    let deactivate = Changes {
        activation: Some(Activation::Deactivate),
        ..Changes::default()
    };
    other
        .update("alice", id, &deactivate, store::now())
        .await
        .unwrap()
        .expect("deactivated");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if !read(short.clone()).await.unwrap().active {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other process's write was never read"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert!(store.delete("alice", id).await.unwrap());
    assert!(read(store.clone()).await.is_none());
}

#[tokio::test]
async fn sqlite_reads_its_own_writes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cache.db").display());
    suite(&url).await;
}

#[tokio::test]
async fn postgres_reads_its_own_writes() {
    let Some(schema) = support::postgres::Schema::create("read_cache").await else {
        return;
    };
    suite(&schema.url).await;
    schema.drop().await;
}
