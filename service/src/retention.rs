//! Retention: delivered, failed and cancelled deliveries (with their attempts) are deleted once
//! they finished longer than `--retention` ago, and events once they were enqueued that long
//! ago and have no delivery left. Pending deliveries, and so their events, are never deleted.
//!
//! It must never hold up publishing or claiming: each batch finds its rows with a read (no
//! lock), then deletes them by primary key in one short transaction, and the task pauses
//! between batches. On SQLite that transaction holds the database's one write lock, which is
//! why batches are small there: writers queue for it in turn (`write_gate`), so a publish or
//! claim waits for at most the batch in front of it, never for the next batch too.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::delivery::state::{CANCELLED, DELIVERED, FAILED};
use crate::store::{Store, StoreError, placeholders, timestamp};

/// How long finished deliveries and their events are kept, unless configured.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How retention runs.
#[derive(Debug, Clone)]
pub struct RetentionConfig {
    /// Rows finished (deliveries) or enqueued (events) longer ago than this are deleted.
    pub after: Duration,
    /// Rows deleted by one transaction on SQLite, which has one writer at a time.
    pub sqlite_batch: usize,
    /// Rows deleted by one transaction on PostgreSQL (row locks: nobody waits on them).
    pub postgres_batch: usize,
    /// The pause after each batch, which lets other writers in.
    pub pause: Duration,
    /// The time from the end of one pass to the start of the next.
    pub interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        // Measured with bench/retention.sh (BENCHMARKS.md, "Retention"): with SQLite's writers
        // taking turns, 100-row batches kept every publish and claim under 100 ms on a loaded
        // machine (20,000 rows); SQLite at 1,000,000 rows is still to be measured, see there.
        RetentionConfig {
            after: DEFAULT_RETENTION,
            sqlite_batch: 100,
            postgres_batch: 500,
            pause: Duration::from_millis(20),
            interval: Duration::from_secs(600),
        }
    }
}

impl RetentionConfig {
    fn batch(&self, store: &Store) -> usize {
        let batch = if store.postgres {
            self.postgres_batch
        } else {
            self.sqlite_batch
        };
        batch.max(1)
    }
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Deliveries deleted (their attempts went with them).
    pub deliveries: u64,
    pub events: u64,
    /// Delete transactions made.
    pub batches: u64,
    /// The longest of them, from asking for the write turn (SQLite) to its commit.
    pub longest_batch: Duration,
    /// All of them together (the pass's time less its reads and pauses).
    pub batch_time: Duration,
}

impl PassReport {
    fn batch(&mut self, took: Duration) {
        self.batches += 1;
        self.longest_batch = self.longest_batch.max(took);
        self.batch_time += took;
    }
}

impl Store {
    /// Up to `limit` ids of deliveries in the finished `state` that finished before `before`,
    /// oldest first. A finished delivery's `next_attempt_at` is its finish time, so this is a
    /// range of the claim's index (state, next_attempt_at).
    async fn finished_before(
        &self,
        state: &str,
        before: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM deliveries WHERE state = $1 AND next_attempt_at < $2 \
             AND finished < $2 ORDER BY next_attempt_at LIMIT $3",
        )
        .bind(state.to_owned())
        .bind(before.to_owned())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>("id")?))
            .collect()
    }

    /// Deletes the deliveries `ids` that are still in `state` and finished before `before` (one
    /// resent meanwhile is pending again and stays), and their attempts, in one transaction.
    async fn delete_deliveries(
        &self,
        ids: &[String],
        state: &str,
        before: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        // A write first: on SQLite it takes the write lock at once (see `publish_in`).
        let sql = format!(
            "DELETE FROM deliveries WHERE id IN ({}) AND state = $1 AND finished < $2 \
             RETURNING id",
            placeholders(3, ids.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(state.to_owned())
            .bind(before.to_owned());
        for id in ids {
            query = query.bind(id.clone());
        }
        let deleted: Vec<String> = query
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| row.try_get::<String, _>("id"))
            .collect::<Result<_, _>>()?;
        if !deleted.is_empty() {
            let sql = format!(
                "DELETE FROM delivery_attempts WHERE delivery_id IN ({})",
                placeholders(1, deleted.len())
            );
            let mut query = sqlx::query(&sql);
            for id in &deleted {
                query = query.bind(id.clone());
            }
            query.execute(&mut **tx).await?;
        }
        tx.commit().await?;
        Ok(deleted.len() as u64)
    }

    /// Up to `limit` events enqueued before `before`, after `after` in (enqueued, id) order,
    /// with or without deliveries: the caller's position moves past the ones that must stay.
    async fn events_before(
        &self,
        before: &str,
        after: Option<&(String, String)>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = match after {
            None => {
                sqlx::query(
                    "SELECT id, enqueued FROM events WHERE enqueued < $1 \
                     ORDER BY enqueued, id LIMIT $2",
                )
                .bind(before.to_owned())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            Some((enqueued, id)) => {
                sqlx::query(
                    "SELECT id, enqueued FROM events WHERE enqueued < $1 \
                     AND (enqueued > $2 OR (enqueued = $2 AND id > $3)) \
                     ORDER BY enqueued, id LIMIT $4",
                )
                .bind(before.to_owned())
                .bind(enqueued.clone())
                .bind(id.clone())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("enqueued")?,
                    row.try_get::<String, _>("id")?,
                ))
            })
            .collect()
    }

    /// Deletes the events `ids` that have no delivery left. An old event never gets a new
    /// delivery (they are made with the event), so the check cannot go stale.
    async fn delete_orphan_events(&self, ids: &[String]) -> Result<u64, StoreError> {
        let sql = format!(
            "DELETE FROM events WHERE id IN ({}) AND NOT EXISTS \
             (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id.clone());
        }
        Ok(query
            .execute(&mut *self.write_conn().await?)
            .await?
            .rows_affected())
    }
}

/// One pass: deletes every delivery finished before `before` and then every event enqueued
/// before it with no delivery left, a batch at a time with `config.pause` between batches.
/// `metrics`, when given, counts the rows.
pub async fn pass(
    store: &Store,
    before: DateTime<Utc>,
    config: &RetentionConfig,
    metrics: Option<&crate::metrics::Metrics>,
) -> Result<PassReport, StoreError> {
    let before = timestamp(before);
    let batch = config.batch(store);
    let mut report = PassReport::default();
    for state in [DELIVERED, FAILED, CANCELLED] {
        loop {
            let ids = store.finished_before(state, &before, batch).await?;
            if ids.is_empty() {
                break;
            }
            let started = Instant::now();
            let deleted = store.delete_deliveries(&ids, state, &before).await?;
            report.batch(started.elapsed());
            report.deliveries += deleted;
            if let Some(metrics) = metrics {
                metrics.retention_deleted("deliveries", deleted);
            }
            tokio::time::sleep(config.pause).await;
            if ids.len() < batch {
                break;
            }
        }
    }
    let mut position = None;
    loop {
        let found = store
            .events_before(&before, position.as_ref(), batch)
            .await?;
        let Some(last) = found.last().cloned() else {
            break;
        };
        let ids: Vec<String> = found.iter().map(|(_, id)| id.clone()).collect();
        let started = Instant::now();
        let deleted = store.delete_orphan_events(&ids).await?;
        report.batch(started.elapsed());
        report.events += deleted;
        if let Some(metrics) = metrics {
            metrics.retention_deleted("events", deleted);
        }
        tokio::time::sleep(config.pause).await;
        if found.len() < batch {
            break;
        }
        position = Some(last);
    }
    Ok(report)
}

/// The background task: a pass at start and then every `config.interval`, forever (the
/// service aborts it when it stops). A failed pass is logged and tried again at the next.
pub async fn run(
    store: Store,
    config: RetentionConfig,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) {
    loop {
        let window = chrono::Duration::from_std(config.after).unwrap_or(chrono::Duration::MAX);
        let now = crate::store::now();
        if let Some(before) = now.checked_sub_signed(window) {
            let started = Instant::now();
            match pass(&store, before, &config, Some(&metrics)).await {
                Ok(report) if report.deliveries + report.events > 0 => tracing::info!(
                    deliveries = report.deliveries,
                    events = report.events,
                    batches = report.batches,
                    longest_batch = ?report.longest_batch,
                    took = ?started.elapsed(),
                    "retention pass"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
        }
        tokio::time::sleep(config.interval).await;
    }
}
