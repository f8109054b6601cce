//! At `serve`'s start: check that the key opens the secrets already sealed, then seal the ones
//! still stored in plain text (rows from before sealing existed, or written meanwhile by an
//! instance of an older version).
//!
//! Rows are sealed in batches, each batch in one transaction, and each row only if it still
//! holds the plain text that was read (a conditional `UPDATE`), so a concurrent change is never
//! overwritten and a run stopped half-way simply continues at the next start: rows already
//! sealed are not selected again.

use sqlx::Row as _;

use super::{SEALED, SecretError};
use crate::store::{Store, StoreError, uuid_column};

/// What [`seal_plain_secrets`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SealReport {
    /// Rows whose secrets were sealed now.
    pub sealed: u64,
    /// Rows still plain because they changed under every attempt (sealed at the next start).
    pub left: u64,
}

/// Rounds in a row that seal nothing (every row changed meanwhile) before giving up for now.
const MAX_IDLE_ROUNDS: u32 = 3;

/// Refuses a key that does not open a secret already sealed, then seals every plain secret,
/// `batch` rows per transaction.
pub async fn seal_plain_secrets(store: &Store, batch: i64) -> Result<SealReport, StoreError> {
    check_key(store).await?;
    let mut report = SealReport::default();
    let mut idle_rounds = 0;
    loop {
        let rows = sqlx::query(
            "SELECT id, secret, previous_secret FROM webhooks \
             WHERE substr(secret, 1, 7) <> $1 \
             OR (previous_secret IS NOT NULL AND substr(previous_secret, 1, 7) <> $2) \
             ORDER BY id LIMIT $3",
        )
        .bind(SEALED)
        .bind(SEALED)
        .bind(batch.max(1))
        .fetch_all(&store.pool)
        .await?;
        if rows.is_empty() {
            return Ok(report);
        }
        let mut tx = store.begin_write().await?;
        let mut sealed_now = 0;
        for row in &rows {
            let id = uuid_column(row, "id")?;
            let secret: String = row.try_get("secret")?;
            let previous: Option<String> = row.try_get("previous_secret")?;
            let seal = |text: &str| -> Result<String, SecretError> {
                if super::is_sealed(text) {
                    Ok(text.to_owned())
                } else {
                    store.secrets.seal(id, text)
                }
            };
            let new_secret = seal(&secret)?;
            let new_previous = previous.as_deref().map(seal).transpose()?;
            // Only if the row still holds what was read.
            let done = match &previous {
                Some(previous) => {
                    sqlx::query(
                        "UPDATE webhooks SET secret = $1, previous_secret = $2 \
                         WHERE id = $3 AND secret = $4 AND previous_secret = $5",
                    )
                    .bind(new_secret)
                    .bind(new_previous)
                    .bind(id.to_string())
                    .bind(secret.clone())
                    .bind(previous.clone())
                    .execute(&mut **tx)
                    .await?
                }
                None => {
                    sqlx::query(
                        "UPDATE webhooks SET secret = $1 \
                         WHERE id = $2 AND secret = $3 AND previous_secret IS NULL",
                    )
                    .bind(new_secret)
                    .bind(id.to_string())
                    .bind(secret.clone())
                    .execute(&mut **tx)
                    .await?
                }
            };
            sealed_now += done.rows_affected();
        }
        tx.commit().await?;
        report.sealed += sealed_now;
        if sealed_now == 0 {
            idle_rounds += 1;
            if idle_rounds >= MAX_IDLE_ROUNDS {
                report.left = rows.len() as u64;
                return Ok(report);
            }
        } else {
            idle_rounds = 0;
        }
    }
}

/// Opens one sealed secret, if there is one: a key other than the one the store's secrets were
/// sealed with stops the start here, before it seals anything under the wrong key.
async fn check_key(store: &Store) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT id, secret FROM webhooks WHERE substr(secret, 1, 7) = $1 ORDER BY id LIMIT 1",
    )
    .bind(SEALED)
    .fetch_optional(&store.pool)
    .await?;
    if let Some(row) = row {
        let id = uuid_column(&row, "id")?;
        let secret: String = row.try_get("secret")?;
        store.secrets.open(id, &secret)?;
    }
    Ok(())
}
