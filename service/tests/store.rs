//! The webhook scope at the database boundary: rows hold the same text as before the store took
//! the generated enum (`Account`, `iTwin`), so existing data needs no migration, and a row
//! holding any other text is a store error, never a panic. And a database created before secret
//! rotation migrates, its webhooks reading as without a previous secret. Runs on SQLite and, when
//! a server answers, on PostgreSQL.

mod support;

use sqlx::Connection as _;
use support::stored::secrets;
use webhooks_client::types::WebhookScope;
use webhooks_service::store::{self, Store, StoreError, StoredWebhook};

fn hook(owner: &str, scope: WebhookScope, scope_id: Option<&str>) -> StoredWebhook {
    StoredWebhook {
        scope,
        scope_id: scope_id.map(str::to_owned),
        active: false,
        ..support::stored::webhook(owner)
    }
}

/// The `scope` column of row `id`, read past the store.
async fn stored_scope(url: &str, id: uuid::Uuid) -> String {
    let mut conn = sqlx::AnyConnection::connect(&store::normalize_url(url))
        .await
        .unwrap();
    let scope: String = sqlx::query_scalar("SELECT scope FROM webhooks WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    scope
}

/// Writes a row the store itself would never write.
async fn insert_raw(url: &str, id: uuid::Uuid, owner: &str, scope: &str) {
    let mut conn = sqlx::AnyConnection::connect(&store::normalize_url(url))
        .await
        .unwrap();
    let now = store::timestamp(store::now());
    sqlx::query(
        "INSERT INTO webhooks (id, owner, scope, scope_id, active, callback_url, event_types, \
         secret, created, modified, expiration_date_time) \
         VALUES ($1, $2, $3, NULL, 0, 'https://hooks.example.com/x', '[]', 'secret', $4, $4, NULL)",
    )
    .bind(id.to_string())
    .bind(owner.to_owned())
    .bind(scope.to_owned())
    .bind(now)
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

async fn suite(url: &str) {
    let store = Store::connect(url).await.unwrap().with_secrets(secrets());

    // Each scope round-trips, stored as the spec's text.
    for (scope, scope_id, text) in [
        (WebhookScope::Account, None, "Account"),
        (WebhookScope::ITwin, Some("itwin-1"), "iTwin"),
    ] {
        let written = hook("alice", scope, scope_id);
        store.insert(&written).await.unwrap();
        assert_eq!(stored_scope(url, written.id).await, text);
        let read = store.get("alice", written.id).await.unwrap();
        assert_eq!(read, Some(written));
    }

    // A scope the store does not keep is refused before anything is written.
    let unknown = hook("bob", WebhookScope::from("Team"), None);
    let error = store.insert(&unknown).await.unwrap_err();
    assert!(matches!(error, StoreError::Unstorable(_)), "{error:?}");
    assert!(error.to_string().contains("Team"), "{error}");
    assert_eq!(store.list("bob").await.unwrap(), Vec::new());

    // A row holding other text (or another spelling) reads as a corrupt row.
    for text in ["Team", "itwin", ""] {
        let owner = format!("carol-{text}");
        let id = uuid::Uuid::new_v4();
        insert_raw(url, id, &owner, text).await;
        let error = store.get(&owner, id).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt(_)),
            "{text:?}: {error:?}"
        );
        assert!(error.to_string().contains("scope"), "{error}");
        let error = store.list(&owner).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt(_)),
            "{text:?}: {error:?}"
        );
    }
    store.close().await;
}

#[tokio::test]
async fn sqlite_scope_column() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    suite(&url).await;
}

#[tokio::test]
async fn postgres_scope_column() {
    let Some(schema) = support::postgres::Schema::create("store").await else {
        return;
    };
    suite(&schema.url).await;
    schema.drop().await;
}

/// The migration that added secret rotation's columns.
const ROTATION_MIGRATION: &str = "20260401000000_secret_rotation.sql";

/// A database as it was before secret rotation (every migration before it, from the same files,
/// so the later run finds their checksums unchanged) with one webhook in it; then the store
/// connects, applies the rest, reads that webhook and rotates its secret.
async fn migrates_from_before_rotation(url: &str) {
    let older = tempfile::tempdir().unwrap();
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&all)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.as_str() < ROTATION_MIGRATION)
        .collect();
    names.sort();
    assert!(names.len() >= 2, "{names:?}");
    for name in &names {
        std::fs::copy(all.join(name), older.path().join(name)).unwrap();
    }
    sqlx::any::install_default_drivers();
    let migrator = sqlx::migrate::Migrator::new(older.path()).await.unwrap();
    let pool = sqlx::AnyPool::connect(&store::normalize_url(url))
        .await
        .unwrap();
    migrator.run(&pool).await.unwrap();
    pool.close().await;
    let id = uuid::Uuid::new_v4();
    insert_raw(url, id, "dave", "Account").await;

    let store = Store::connect(url).await.unwrap().with_secrets(secrets());
    let read = store.get("dave", id).await.unwrap().expect("the old row");
    assert_eq!(read.secret, "secret");
    assert_eq!(read.previous_secret, None);
    let now = store::now();
    let until = now + chrono::Duration::hours(1);
    let rotated = store
        .rotate_secret("dave", id, &"n".repeat(32), Some(until), now)
        .await
        .unwrap()
        .expect("rotated");
    let previous = rotated.previous_secret.clone().expect("a previous secret");
    assert_eq!(
        (previous.secret.as_str(), previous.until),
        ("secret", until)
    );
    assert_eq!(
        rotated.signing_secrets(now).collect::<Vec<_>>(),
        [&*"n".repeat(32), "secret"]
    );
    assert!(store.end_previous_secret("dave", id, now).await.unwrap());
    assert!(!store.end_previous_secret("dave", id, now).await.unwrap());
    store.close().await;
}

#[tokio::test]
async fn sqlite_migrates_from_before_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    migrates_from_before_rotation(&url).await;
}

#[tokio::test]
async fn postgres_migrates_from_before_rotation() {
    let Some(schema) = support::postgres::Schema::create("migrate").await else {
        return;
    };
    migrates_from_before_rotation(&schema.url).await;
    schema.drop().await;
}

#[tokio::test]
async fn the_pool_size_is_the_one_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("pool.db").display());
    let store = Store::connect_with(&url, 3).await.expect("store");
    assert_eq!(store.max_connections(), 3);
    store.close().await;
    let store = Store::connect(&url).await.expect("store");
    assert_eq!(
        store.max_connections(),
        webhooks_service::store::DEFAULT_MAX_CONNECTIONS
    );
    store.close().await;
}
