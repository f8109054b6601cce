//! The webhook scope at the database boundary: rows hold the same text as before the store took
//! the generated enum (`Account`, `iTwin`), so existing data needs no migration, and a row
//! holding any other text is a store error, never a panic. Runs on SQLite and, when a server
//! answers, on PostgreSQL.

mod support;

use sqlx::Connection as _;
use webhooks_client::types::WebhookScope;
use webhooks_service::store::{self, Store, StoreError, StoredWebhook};

fn hook(owner: &str, scope: WebhookScope, scope_id: Option<&str>) -> StoredWebhook {
    let now = store::now();
    StoredWebhook {
        id: uuid::Uuid::new_v4(),
        owner: owner.to_owned(),
        scope,
        scope_id: scope_id.map(str::to_owned),
        active: false,
        callback_url: "https://hooks.example.com/x".to_owned(),
        event_types: vec!["a.b.v1".to_owned()],
        secret: "s".repeat(32),
        created: now,
        modified: now,
        expiration_date_time: None,
        previous_secret: None,
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
    let store = Store::connect(url).await.unwrap();

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
