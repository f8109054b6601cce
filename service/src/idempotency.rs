//! Idempotent publishing: `POST /events` with an `Idempotency-Key`. The key's row is written in
//! the publish's own transaction, so the event and its deliveries exist exactly when the key
//! does; two concurrent requests with one key meet on the table's primary key, and the second
//! (which waits for the first to commit) answers the first's answer and stores nothing.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::delivery::queue::{NewEvent, publish_in};
use crate::store::{Store, StoreError, integer, timestamp, uuid_column};

/// How long a key answers with its first answer.
pub const WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// How often expired keys are deleted.
pub const CLEANUP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

/// Keys deleted by one statement.
pub const CLEANUP_BATCH: i64 = 1000;

/// The most characters a key may have.
pub const MAX_KEY_LENGTH: usize = 255;

/// Whether `key` is a valid `Idempotency-Key`: 1 to 255 printable ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LENGTH).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The digest that tells a retry (the same request) from another request with the same key:
/// SHA-256 of the event type, the iTwin and the content as JSON.
pub fn request_digest(event: &NewEvent) -> String {
    let canonical = serde_json::json!([event.event_type, event.itwin_id, event.content]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a publish with a key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Stored now: the event's id (the one given) and its deliveries.
    New { deliveries: i64 },
    /// The key's first request already stored this event; nothing new was stored.
    Replayed {
        event_id: uuid::Uuid,
        deliveries: i64,
    },
    /// The key was used, within the window, for a different request.
    KeyReused,
}

impl Store {
    /// Publishes `event` under the publisher's `key` (with the request's `digest`): stores it
    /// unless the key already has a live first answer, all in one transaction.
    pub async fn publish_idempotent(
        &self,
        event: &NewEvent,
        key: &str,
        digest: &str,
    ) -> Result<Published, StoreError> {
        let now = event.enqueued;
        let mut tx = self.begin_write().await?;
        // A write first (SQLite's write lock, as in `publish`): a key past its window is
        // forgotten, so the request below counts as new.
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE publisher = $1 AND idempotency_key = $2 \
             AND created < $3",
        )
        .bind(event.publisher.clone())
        .bind(key.to_owned())
        .bind(timestamp(now - WINDOW))
        .execute(&mut **tx)
        .await?;
        // On PostgreSQL a concurrent insert of the same key makes this wait for that
        // transaction; when it commits, this inserts nothing.
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (publisher, idempotency_key, request_hash, event_id, \
             deliveries, created) VALUES ($1, $2, $3, $4, 0, $5) \
             ON CONFLICT (publisher, idempotency_key) DO NOTHING",
        )
        .bind(event.publisher.clone())
        .bind(key.to_owned())
        .bind(digest.to_owned())
        .bind(event.id.to_string())
        .bind(timestamp(now))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            let row = sqlx::query(
                "SELECT request_hash, event_id, deliveries FROM idempotency_keys \
                 WHERE publisher = $1 AND idempotency_key = $2",
            )
            .bind(event.publisher.clone())
            .bind(key.to_owned())
            .fetch_one(&mut **tx)
            .await?;
            tx.rollback().await?;
            let stored: String = row.try_get("request_hash")?;
            if stored != digest {
                return Ok(Published::KeyReused);
            }
            return Ok(Published::Replayed {
                event_id: uuid_column(&row, "event_id")?,
                deliveries: integer(&row, "deliveries")?,
            });
        }
        let deliveries = publish_in(&mut tx, event, &self.secrets).await?;
        sqlx::query(
            "UPDATE idempotency_keys SET deliveries = $1 WHERE publisher = $2 \
             AND idempotency_key = $3",
        )
        .bind(deliveries)
        .bind(event.publisher.clone())
        .bind(key.to_owned())
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(Published::New { deliveries })
    }

    /// Deletes at most `limit` keys stored before `before` (those past their window when
    /// `before` is now less 24 hours); returns how many. Small batches keep each statement
    /// short, so publishing never waits long on it.
    pub async fn delete_expired_idempotency_keys(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE (publisher, idempotency_key) IN \
             (SELECT publisher, idempotency_key FROM idempotency_keys WHERE created < $1 \
             ORDER BY created LIMIT $2)",
        )
        .bind(timestamp(before))
        .bind(limit)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(done.rows_affected())
    }
}

/// Every `every`, deletes the keys past their window, [`CLEANUP_BATCH`] at a time. Runs until
/// aborted.
pub async fn forget_expired_keys(store: Store, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        loop {
            let before = crate::store::now() - WINDOW;
            match store
                .delete_expired_idempotency_keys(before, CLEANUP_BATCH)
                .await
            {
                Ok(deleted) if deleted >= CLEANUP_BATCH as u64 => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot delete expired idempotency keys");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_printable_ascii_up_to_255() {
        assert!(valid_key("a"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("has space"));
        assert!(!valid_key("tab\t"));
        assert!(!valid_key("é"));
    }

    #[test]
    fn the_digest_follows_the_request() {
        let event = |content: serde_json::Value| NewEvent {
            id: uuid::Uuid::new_v4(),
            publisher: "p".to_owned(),
            event_type: "a.b.v1".to_owned(),
            itwin_id: None,
            content: serde_json::from_value(content).unwrap(),
            enqueued: crate::store::now(),
        };
        let one = event(serde_json::json!({"x": 1}));
        // A new id and time (a retry) do not change it; the content does.
        assert_eq!(
            request_digest(&one),
            request_digest(&event(serde_json::json!({"x": 1})))
        );
        assert_ne!(
            request_digest(&one),
            request_digest(&event(serde_json::json!({"x": 2})))
        );
        let mut other_type = one.clone();
        other_type.event_type = "a.c.v1".to_owned();
        assert_ne!(request_digest(&one), request_digest(&other_type));
    }
}
