//! Webhook secrets at rest: the columns hold sealed values, never the secret; a value moved to
//! another row, or read with another key, is a clear error; a store without a key refuses; and
//! rows written in plain text before sealing existed are sealed at start, in batches, once.
//! Runs on SQLite and, when a server answers, on PostgreSQL.

mod support;

use sqlx::Connection as _;
use webhooks_service::secrets::{self, SEALED_V1, SealReport, SecretError, SecretKey, Secrets};
use webhooks_service::store::{self, Changes, PreviousSecret, Store, StoreError, StoredWebhook};

fn secrets(byte: u8) -> Secrets {
    Secrets::new(&SecretKey::from_bytes([byte; 32]))
}

fn hook(owner: &str, secret: &str) -> StoredWebhook {
    StoredWebhook {
        secret: secret.to_owned(),
        ..support::stored::webhook(owner)
    }
}

async fn raw(url: &str) -> sqlx::AnyConnection {
    sqlx::AnyConnection::connect(&store::normalize_url(url))
        .await
        .unwrap()
}

/// The `secret` and `previous_secret` columns of row `id`, read past the store.
async fn stored(url: &str, id: uuid::Uuid) -> (String, Option<String>) {
    let mut conn = raw(url).await;
    let row: (String, Option<String>) =
        sqlx::query_as("SELECT secret, previous_secret FROM webhooks WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    row
}

/// Writes both secret columns of row `id` as given, past the store.
async fn write_stored(url: &str, id: uuid::Uuid, secret: &str, previous: Option<&str>) {
    let mut conn = raw(url).await;
    let until = previous.map(|_| store::timestamp(store::now() + chrono::Duration::hours(1)));
    sqlx::query(
        "UPDATE webhooks SET secret = $1, previous_secret = $2, previous_secret_until = $3 \
         WHERE id = $4",
    )
    .bind(secret.to_owned())
    .bind(previous.map(str::to_owned))
    .bind(until)
    .bind(id.to_string())
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

fn assert_sealed(value: &str, secret: &str) {
    assert!(value.starts_with(SEALED_V1), "{value}");
    assert!(!value.contains(secret), "{value}");
}

async fn sealed_at_rest(url: &str) {
    let store = Store::connect(url).await.unwrap().with_secrets(secrets(1));
    let now = store::now();

    // Written sealed, read back as written.
    let mut written = hook("alice", &"s".repeat(40));
    written.previous_secret = Some(PreviousSecret {
        secret: "p".repeat(40),
        until: now + chrono::Duration::hours(1),
    });
    store.insert(&written).await.unwrap();
    let (secret, previous) = stored(url, written.id).await;
    assert_sealed(&secret, &"s".repeat(40));
    assert_sealed(&previous.unwrap(), &"p".repeat(40));
    assert_eq!(
        store.get("alice", written.id).await.unwrap(),
        Some(written.clone())
    );

    // A PATCH of the secret and a rotation seal too; the rotated secret moves sealed.
    let changes = Changes {
        secret: Some("u".repeat(40)),
        ..Changes::default()
    };
    let updated = store
        .update("alice", written.id, &changes, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.secret, "u".repeat(40));
    assert_sealed(&stored(url, written.id).await.0, &"u".repeat(40));
    let until = now + chrono::Duration::hours(2);
    let rotated = store
        .rotate_secret("alice", written.id, &"r".repeat(40), Some(until), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rotated.signing_secrets(now).collect::<Vec<_>>(),
        [&*"r".repeat(40), &*"u".repeat(40)]
    );
    let (secret, previous) = stored(url, written.id).await;
    assert_sealed(&secret, &"r".repeat(40));
    assert_sealed(previous.as_deref().unwrap(), &"u".repeat(40));
    assert_eq!(store.list("alice").await.unwrap(), vec![rotated.clone()]);

    // A sealed value copied into another row does not open there.
    let other = hook("bob", &"b".repeat(40));
    store.insert(&other).await.unwrap();
    write_stored(url, other.id, &secret, None).await;
    let error = store.get("bob", other.id).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Secret(SecretError::WrongKey { webhook, .. }) if webhook == other.id),
        "{error:?}"
    );
    assert!(store.delete("bob", other.id).await.unwrap());

    // Another key: every read of a sealed secret fails with what to check, and the start-up
    // check refuses it before sealing anything with it.
    let wrong = Store::connect(url).await.unwrap().with_secrets(secrets(2));
    let error = wrong.get("alice", written.id).await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, StoreError::Secret(SecretError::WrongKey { .. })),
        "{error:?}"
    );
    assert!(message.contains("WEBHOOKS_SECRET_KEY"), "{message}");
    let plain = hook("carol", "c");
    store.insert(&plain).await.unwrap();
    write_stored(url, plain.id, &"c".repeat(40), None).await;
    let error = secrets::seal_plain_secrets(&wrong, 10).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Secret(SecretError::WrongKey { .. })),
        "{error:?}"
    );
    assert_eq!(stored(url, plain.id).await.0, "c".repeat(40));
    wrong.close().await;

    // Without a key nothing is read or written.
    let keyless = Store::connect(url).await.unwrap();
    let error = keyless.get("alice", written.id).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Secret(SecretError::NoKey)),
        "{error:?}"
    );
    let error = keyless
        .insert(&hook("dave", &"d".repeat(40)))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Secret(SecretError::NoKey)),
        "{error:?}"
    );
    assert_eq!(keyless.list("dave").await.unwrap(), Vec::new());
    keyless.close().await;
    store.delete("carol", plain.id).await.unwrap();
    store.close().await;
}

/// Rows as an older version wrote them: secrets in plain text, some with a previous secret
/// (plain, or already sealed by a newer instance's rotation), one fully sealed.
async fn plain_rows_are_sealed_at_start(url: &str) {
    let store = Store::connect(url).await.unwrap().with_secrets(secrets(1));
    let mut plain = Vec::new();
    for n in 0..7 {
        let hook = hook("erin", &format!("{n}").repeat(40));
        store.insert(&hook).await.unwrap();
        let previous = match n % 3 {
            0 => None,
            1 => Some(format!("previous-{n}-").repeat(4)),
            _ => Some(secrets(1).seal(hook.id, &"q".repeat(40)).unwrap()),
        };
        write_stored(url, hook.id, &hook.secret, previous.as_deref()).await;
        plain.push(hook);
    }
    let sealed = hook("erin", &"z".repeat(40));
    store.insert(&sealed).await.unwrap();
    let before = stored(url, sealed.id).await;

    // Three rows a transaction: three batches.
    let report = secrets::seal_plain_secrets(&store, 3).await.unwrap();
    assert_eq!(report, SealReport { sealed: 7, left: 0 });
    for (n, hook) in plain.iter().enumerate() {
        let (secret, previous) = stored(url, hook.id).await;
        assert_sealed(&secret, &hook.secret);
        if let Some(previous) = &previous {
            assert!(previous.starts_with(SEALED_V1), "{previous}");
        }
        let read = store.get("erin", hook.id).await.unwrap().unwrap();
        assert_eq!(read.secret, hook.secret);
        let expected_previous = match n % 3 {
            0 => None,
            1 => Some(format!("previous-{n}-").repeat(4)),
            _ => Some("q".repeat(40)),
        };
        assert_eq!(read.previous_secret.map(|p| p.secret), expected_previous);
    }
    // The sealed row was left as it was, and a second run finds nothing to do.
    assert_eq!(stored(url, sealed.id).await, before);
    let again = secrets::seal_plain_secrets(&store, 3).await.unwrap();
    assert_eq!(again, SealReport::default());
    store.close().await;
}

#[tokio::test]
async fn sqlite_secrets_are_sealed_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("secrets.db").display());
    sealed_at_rest(&url).await;
    // The database's files themselves (the write-ahead log too) never held the secrets.
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["s", "p", "u", "r"] {
            assert!(!text.contains(&secret.repeat(40)), "{secret}");
        }
        files += 1;
    }
    assert!(files >= 1);
}

#[tokio::test]
async fn postgres_secrets_are_sealed_at_rest() {
    let Some(schema) = support::postgres::Schema::create("secrets").await else {
        return;
    };
    sealed_at_rest(&schema.url).await;
    schema.drop().await;
}

#[tokio::test]
async fn sqlite_plain_rows_are_sealed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plain.db").display());
    plain_rows_are_sealed_at_start(&url).await;
}

#[tokio::test]
async fn postgres_plain_rows_are_sealed_at_start() {
    let Some(schema) = support::postgres::Schema::create("seal").await else {
        return;
    };
    plain_rows_are_sealed_at_start(&schema.url).await;
    schema.drop().await;
}

/// The service itself: started with another key than the one the stored secrets were sealed
/// with, it does not start, and says why; started with the right one, it seals plain rows.
async fn serve_checks_the_key(url: &str, dir: &std::path::Path) {
    let config = |key: u8| webhooks_service::Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: url.to_owned(),
        db_max_connections: 2,
        allow_insecure_callbacks: false,
        rate_limit_per_minute: 0,
        rate_limit_burst: None,
        redis_url: None,
        key_source: webhooks_service::auth::KeySource::Dev(
            webhooks_service::auth::DevKey::load_or_create(&dir.join("dev.key")).unwrap(),
        ),
        secret_key: SecretKey::from_bytes([key; 32]),
        read_cache_ttl: None,
        auth: webhooks_service::auth::AuthConfig::default(),
        body_limit: None,
        delivery: webhooks_service::delivery::DeliveryConfig {
            enabled: false,
            ..Default::default()
        },
    };
    let store = Store::connect(url).await.unwrap().with_secrets(secrets(4));
    let sealed = hook("frank", &"f".repeat(40));
    store.insert(&sealed).await.unwrap();
    let plain = hook("frank", "g");
    store.insert(&plain).await.unwrap();
    write_stored(url, plain.id, &"g".repeat(40), None).await;

    let refused = webhooks_service::start(config(5))
        .await
        .err()
        .expect("refused");
    let message = refused.to_string();
    assert!(
        message.contains(&sealed.id.to_string()) && message.contains("WEBHOOKS_SECRET_KEY"),
        "{message}"
    );
    assert_eq!(stored(url, plain.id).await.0, "g".repeat(40));

    let running = webhooks_service::start(config(4)).await.expect("starts");
    assert_sealed(&stored(url, plain.id).await.0, &"g".repeat(40));
    let read = store.get("frank", plain.id).await.unwrap().unwrap();
    assert_eq!(read.secret, "g".repeat(40));
    running.stop().await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn sqlite_serve_checks_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    serve_checks_the_key(&url, dir.path()).await;
}

#[tokio::test]
async fn postgres_serve_checks_the_key() {
    let Some(schema) = support::postgres::Schema::create("sealkey").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    serve_checks_the_key(&schema.url, dir.path()).await;
    schema.drop().await;
}
