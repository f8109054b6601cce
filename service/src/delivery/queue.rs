//! The delivery outbox in the store: publishing (event and deliveries in one transaction),
//! claiming due deliveries under a lease, and recording each attempt's outcome.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::Row;
use webhooks_client::types::{DeliveredEvent, WebhookScope};

use super::{db_clock, notify};
use crate::store::{
    Store, StoreError, StoredWebhook, integer, optional_integer, parse_timestamp, placeholders,
    scope_text, time_column, timestamp, uuid_column,
};

pub use super::state::{CANCELLED, DELIVERED, FAILED, PENDING};

/// An event to store, as the publisher sent it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: uuid::Uuid,
    /// The publisher's client id; account events go to its Account webhooks.
    pub publisher: String,
    pub event_type: String,
    pub itwin_id: Option<String>,
    pub content: BTreeMap<String, serde_json::Value>,
    pub enqueued: DateTime<Utc>,
}

/// Whether `hook` should receive `event` at `now`: active, not expired, subscribed to the type,
/// and of the event's scope (an iTwin webhook gets its iTwin's events; an Account webhook gets
/// the account events its owner publishes).
pub fn matches(hook: &StoredWebhook, event: &NewEvent, now: DateTime<Utc>) -> bool {
    let scope_fits = match &event.itwin_id {
        Some(itwin) => {
            hook.scope == WebhookScope::ITwin && hook.scope_id.as_deref() == Some(itwin.as_str())
        }
        None => hook.scope == WebhookScope::Account && hook.owner == event.publisher,
    };
    scope_fits && hook.is_active_at(now) && hook.event_types.contains(&event.event_type)
}

/// The exact body of a delivery: built once at publish time and stored, so every attempt sends
/// (and signs) the same bytes.
pub fn envelope(
    event: &NewEvent,
    message_id: uuid::Uuid,
    webhook_id: uuid::Uuid,
) -> Result<String, StoreError> {
    let delivered = DeliveredEvent {
        content: event.content.clone(),
        event_type: event.event_type.clone(),
        enqueued_date_time: event.enqueued,
        i_twin_id: event.itwin_id.clone(),
        message_id,
        webhook_id,
    };
    serde_json::to_string(&delivered).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Stores `event` and one pending delivery per matching webhook in one transaction, and
    /// returns how many deliveries it made.
    pub async fn publish(&self, event: &NewEvent) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let count = publish_in(&mut tx, event, &self.secrets).await?;
        tx.commit().await?;
        Ok(count)
    }
}

/// [`Store::publish`] inside `tx`, for callers that write more in the same transaction.
pub(crate) async fn publish_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event: &NewEvent,
    secrets: &crate::secrets::Secrets,
) -> Result<i64, StoreError> {
    {
        let content = serde_json::to_string(&event.content)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let enqueued = timestamp(event.enqueued);
        // The write comes first: on SQLite it takes the write lock at once (waiting on
        // busy_timeout), where a read first would fail to upgrade if another writer went ahead.
        sqlx::query(
            "INSERT INTO events (id, publisher, event_type, itwin_id, content, enqueued) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.id.to_string())
        .bind(event.publisher.clone())
        .bind(event.event_type.clone())
        .bind(event.itwin_id.clone())
        .bind(content)
        .bind(enqueued.clone())
        .execute(&mut **tx)
        .await?;
        let columns = crate::store::COLUMNS;
        let candidates = match &event.itwin_id {
            Some(itwin) => {
                sqlx::query(&format!(
                    "SELECT {columns} FROM webhooks WHERE scope_id = $1 AND scope = $2 \
                     AND active = 1"
                ))
                .bind(itwin.clone())
                .bind(scope_text(&WebhookScope::ITwin)?)
                .fetch_all(&mut **tx)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {columns} FROM webhooks WHERE owner = $1 AND scope = $2 \
                     AND active = 1"
                ))
                .bind(event.publisher.clone())
                .bind(scope_text(&WebhookScope::Account)?)
                .fetch_all(&mut **tx)
                .await?
            }
        };
        // Due now by the database's clock, whatever the publishing host's clock says.
        let postgres = tx.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME;
        let insert = format!(
            "INSERT INTO deliveries (id, event_id, webhook_id, state, attempts, \
             next_attempt_at, body, created) VALUES ($1, $2, $3, $4, 0, {}, $5, $6)",
            db_clock::time_sql(postgres, None)
        );
        let mut count = 0i64;
        for row in &candidates {
            let hook = crate::store::decode(row, secrets)?;
            if !matches(&hook, event, event.enqueued) {
                continue;
            }
            let message_id = uuid::Uuid::new_v4();
            let body = envelope(event, message_id, hook.id)?;
            sqlx::query(&insert)
                .bind(message_id.to_string())
                .bind(event.id.to_string())
                .bind(hook.id.to_string())
                .bind(PENDING)
                .bind(body)
                .bind(enqueued.clone())
                .execute(&mut **tx)
                .await?;
            count += 1;
        }
        if count > 0 {
            notify::announce(&mut *tx).await?;
        }
        Ok(count)
    }
}

/// A delivery a worker holds the lease on.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery's id, also the envelope's `messageId`.
    pub id: uuid::Uuid,
    pub webhook_id: uuid::Uuid,
    /// Attempts finished before this one.
    pub attempts: i64,
    /// The exact body to send and sign.
    pub body: String,
    /// The lease's token: only its holder may record the outcome.
    pub token: String,
}

/// What became of one attempt.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A 2xx: done.
    Delivered { status: u16 },
    /// Failed; try again after this wait.
    Retry {
        wait: std::time::Duration,
        status: Option<u16>,
        error: String,
    },
    /// Failed for the last time.
    Failed { status: Option<u16>, error: String },
    /// Not attempted: the webhook is gone, inactive or expired.
    Cancelled { reason: String },
}

/// Which failed deliveries [`Store::replay`] puts back in the queue; every one when empty.
#[derive(Debug, Clone, Default)]
pub struct ReplayFilter {
    /// This delivery only.
    pub id: Option<uuid::Uuid>,
    /// This webhook's only.
    pub webhook_id: Option<uuid::Uuid>,
    /// Created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Created before this time.
    pub until: Option<DateTime<Utc>>,
}

/// A delivery as listed by `deliveries list`.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: uuid::Uuid,
    pub event_id: uuid::Uuid,
    pub webhook_id: uuid::Uuid,
    pub event_type: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// Cuts an error text to a size worth storing.
fn clip(text: &str) -> String {
    const MAX: usize = 500;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What one [`Store::claim`] took.
#[derive(Debug, Default)]
pub struct Claim {
    pub claimed: Vec<Claimed>,
    /// Due deliveries were left because their webhook had its limit in flight: they become
    /// claimable when one of those attempts ends, not at a time `next_due_in` can tell.
    pub held_back: bool,
}

/// The claim's `BEGIN` on PostgreSQL: the advisory lock every claiming process takes (its key
/// is "webhooks" in ASCII, a constant no other lock here uses), so that one claim's count of
/// rows in flight and its update are not interleaved with another's. Transaction-scoped: the
/// commit or rollback releases it, a dropped connection too. One simple query, one round trip.
const PG_CLAIM_BEGIN: &str = "BEGIN; SELECT pg_advisory_xact_lock(8603948546245356403)";

/// A due row the claim may take, with the number of its webhook's deliveries in flight.
#[derive(Debug, Clone)]
struct Due {
    id: String,
    webhook_id: String,
    busy: i64,
}

/// The rows a claim takes, and whether its webhook's limit left any due row behind.
#[derive(Debug, Default)]
struct Choice {
    ids: Vec<String>,
    held_back: bool,
}

/// Takes rows of `due` (earliest first) while their webhook has fewer than `per_webhook` in
/// flight, counting those already taken, up to `limit`.
fn choose(due: &[Due], limit: usize, per_webhook: usize) -> Choice {
    let cap = i64::try_from(per_webhook).unwrap_or(i64::MAX);
    let mut taken: HashMap<&str, i64> = HashMap::new();
    let mut choice = Choice::default();
    for row in due {
        if choice.ids.len() == limit {
            break;
        }
        let count = taken.entry(row.webhook_id.as_str()).or_insert(0);
        if row.busy.saturating_add(*count) < cap {
            *count += 1;
            choice.ids.push(row.id.clone());
        } else {
            choice.held_back = true;
        }
    }
    choice
}

/// What the claim's reads end with: on PostgreSQL they lock the rows they return, skipping rows
/// another transaction holds (a cancel or a replay in progress); SQLite has no row locks (the
/// claim holds its one write lock).
fn skip_locked(postgres: bool) -> &'static str {
    if postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    }
}

fn due_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Due>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(Due {
                id: row.try_get("id")?,
                webhook_id: row.try_get("webhook_id")?,
                busy: integer(row, "busy")?,
            })
        })
        .collect()
}

/// The `window` earliest due rows, with their webhooks' deliveries in flight (one count per
/// webhook, on the `deliveries_in_flight` index). On PostgreSQL the rows are locked, skipping
/// rows another transaction holds (a cancel or a replay in progress).
async fn due_window(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    postgres: bool,
    window: usize,
) -> Result<Vec<Due>, StoreError> {
    let now = db_clock::time_sql(postgres, None);
    let lock = skip_locked(postgres);
    // MATERIALIZED: the window is read once, so the counts are those of the rows returned.
    let sql = format!(
        "WITH due AS MATERIALIZED (SELECT id, webhook_id, next_attempt_at FROM deliveries \
         WHERE state = '{PENDING}' AND next_attempt_at <= {now} ORDER BY next_attempt_at \
         LIMIT $1{lock}), \
         busy AS (SELECT webhook_id, COUNT(*) AS n FROM deliveries \
         WHERE webhook_id IN (SELECT webhook_id FROM due) AND claimed_until IS NOT NULL \
         AND claimed_until > {now} GROUP BY webhook_id) \
         SELECT due.id, due.webhook_id, COALESCE(busy.n, 0) AS busy FROM due \
         LEFT JOIN busy ON busy.webhook_id = due.webhook_id ORDER BY due.next_attempt_at"
    );
    let rows = sqlx::query(&sql)
        .bind(i64::try_from(window).unwrap_or(i64::MAX))
        .fetch_all(&mut **tx)
        .await?;
    due_rows(&rows)
}

/// The claim past a webhook at its limit: walks the webhooks that have pending rows (a skip
/// over the `deliveries_pending` index, one seek per webhook, however long each one's backlog),
/// keeps those with a row due and room in flight, the `limit` whose earliest row is due first,
/// and reads each one's earliest due rows, as many as it has room for. Every row the claim
/// could take in due order is among them (a webhook whose earliest row comes later than
/// `limit` others' cannot place a row in the first `limit`).
async fn pending_webhooks(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    postgres: bool,
    limit: usize,
    per_webhook: usize,
) -> Result<Vec<Due>, StoreError> {
    let now = db_clock::time_sql(postgres, None);
    let sql = format!(
        "WITH RECURSIVE hooks(w) AS (\
         SELECT MIN(webhook_id) FROM deliveries WHERE state = '{PENDING}' \
         UNION ALL \
         SELECT (SELECT MIN(webhook_id) FROM deliveries WHERE state = '{PENDING}' \
         AND webhook_id > hooks.w) FROM hooks WHERE hooks.w IS NOT NULL), \
         ready AS (SELECT w, \
         (SELECT MIN(next_attempt_at) FROM deliveries WHERE state = '{PENDING}' \
         AND webhook_id = hooks.w) AS due, \
         (SELECT COUNT(*) FROM deliveries WHERE webhook_id = hooks.w \
         AND claimed_until IS NOT NULL AND claimed_until > {now}) AS busy \
         FROM hooks WHERE w IS NOT NULL) \
         SELECT w, busy FROM ready WHERE due <= {now} AND busy < $1 ORDER BY due LIMIT $2"
    );
    let cap = i64::try_from(per_webhook).unwrap_or(i64::MAX);
    let hooks = sqlx::query(&sql)
        .bind(cap)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut **tx)
        .await?;
    if hooks.is_empty() {
        return Ok(Vec::new());
    }
    // One seek per webhook, each for as many rows as it has room for (locked on PostgreSQL, as
    // in `due_window`).
    let lock = skip_locked(postgres);
    let mut parts = Vec::with_capacity(hooks.len());
    let mut binds = Vec::with_capacity(hooks.len());
    for (n, row) in hooks.iter().enumerate() {
        let webhook: String = row.try_get("w")?;
        let busy = integer(row, "busy")?;
        let (w, room) = (2 * n + 1, 2 * n + 2);
        parts.push(format!(
            "SELECT * FROM (SELECT id, webhook_id, next_attempt_at FROM deliveries \
             WHERE state = '{PENDING}' AND webhook_id = ${w} \
             AND next_attempt_at <= {now} ORDER BY next_attempt_at LIMIT ${room}{lock}) AS h{n}"
        ));
        binds.push((webhook, busy, cap.saturating_sub(busy)));
    }
    let sql = format!("{} ORDER BY next_attempt_at", parts.join(" UNION ALL "));
    let mut query = sqlx::query(&sql);
    let mut busy_of = HashMap::new();
    for (webhook, busy, room) in binds {
        busy_of.insert(webhook.clone(), busy);
        query = query.bind(webhook).bind(room);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| {
            let webhook_id: String = row.try_get("webhook_id")?;
            Ok(Due {
                id: row.try_get("id")?,
                busy: busy_of.get(&webhook_id).copied().unwrap_or(0),
                webhook_id,
            })
        })
        .collect()
}

impl Store {
    /// Takes the lease on up to `limit` due pending deliveries for `lease`, never letting a
    /// webhook have more than `per_webhook` in flight (leases not run out, whoever holds them):
    /// one slow receiver cannot hold every worker's slots, and a recovery of many deliveries
    /// reaches its receiver `per_webhook` at a time. Each row's `next_attempt_at` moves to the
    /// lease's end too, so a row whose worker dies becomes due again by itself, without a
    /// sweeper. "Due" and the lease's end are the database's time ([`db_clock`]), so hosts with
    /// skewed clocks agree on both.
    ///
    /// The count and the claim are one decision: on SQLite under the database's write lock
    /// (taken at `BEGIN`), on PostgreSQL under a transaction-scoped advisory lock every claiming
    /// process takes, so two processes cannot both see the same free capacity. Usually the
    /// earliest due rows and their webhooks' counts ([`Store::claim`]'s window) decide it; only
    /// when a webhook at its limit leaves the batch short does the claim look further, webhook by
    /// webhook ([`pending_webhooks`]), so a long backlog of one webhook is neither read whole nor
    /// in the way of another's.
    pub async fn claim(
        &self,
        lease: std::time::Duration,
        limit: usize,
        per_webhook: usize,
    ) -> Result<Claim, StoreError> {
        if limit == 0 || per_webhook == 0 {
            return Ok(Claim::default());
        }
        // The connection is taken before the turn (as every writer does, so that writers holding
        // connections while they wait for the turn cannot starve the turn's holder of one), and
        // the transaction begun after it: a `BEGIN` that locks must not wait for the turn.
        let mut conn = self.write_conn().await?;
        let begin = if self.postgres {
            PG_CLAIM_BEGIN
        } else {
            "BEGIN IMMEDIATE"
        };
        let mut tx = sqlx::Connection::begin_with(&mut *conn, begin).await?;
        let window = limit.saturating_mul(2);
        let due = due_window(&mut tx, self.postgres, window).await?;
        let mut choice = choose(&due, limit, per_webhook);
        if choice.held_back && choice.ids.len() < limit && due.len() == window {
            // The window was all the claim read and a webhook at its limit filled part of it:
            // due rows of other webhooks may lie behind it.
            let due = pending_webhooks(&mut tx, self.postgres, limit, per_webhook).await?;
            choice = choose(&due, limit, per_webhook);
            choice.held_back = true;
        }
        if choice.ids.is_empty() {
            tx.commit().await?;
            return Ok(Claim {
                claimed: Vec::new(),
                held_back: choice.held_back,
            });
        }
        let token = uuid::Uuid::new_v4().to_string();
        // By id alone: the rows were read in this transaction and cannot have changed since (on
        // SQLite it holds the write lock; on PostgreSQL the reads locked them). A guard on the
        // state here would also match the partial index of pending rows, which PostgreSQL, short
        // of statistics on a young table, reads whole to intersect with the ids.
        let until = db_clock::time_sql(self.postgres, Some(1));
        let sql = format!(
            "UPDATE deliveries SET claimed_until = {until}, next_attempt_at = {until}, \
             claim_token = $2 WHERE id IN ({}) \
             RETURNING id, webhook_id, attempts, body",
            placeholders(3, choice.ids.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(db_clock::micros(lease))
            .bind(token.clone());
        for id in &choice.ids {
            query = query.bind(id.clone());
        }
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let claimed = rows
            .iter()
            .map(|row| {
                Ok(Claimed {
                    id: uuid_column(row, "id")?,
                    webhook_id: uuid_column(row, "webhook_id")?,
                    attempts: integer(row, "attempts")?,
                    body: row.try_get("body")?,
                    token: token.clone(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Claim {
            claimed,
            held_back: choice.held_back,
        })
    }

    /// The webhooks with these ids (those that still exist).
    pub async fn webhooks_by_id(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<StoredWebhook>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let columns = crate::store::COLUMNS;
        let sql = format!(
            "SELECT {columns} FROM webhooks WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id.to_string());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| crate::store::decode(row, &self.secrets))
            .collect()
    }

    /// Records the outcome of the attempt on `claimed`, if its lease is still the one held
    /// (`false` when another worker took the row over after the lease ran out).
    pub async fn record(
        &self,
        claimed: &Claimed,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.record_attempt(claimed, outcome, None, now).await
    }

    /// [`Store::record`], and in the same transaction the attempt's row in the delivery's
    /// history (`report`, for an attempt that was made), numbered after the ones before.
    pub async fn record_attempt(
        &self,
        claimed: &Claimed,
        outcome: &Outcome,
        report: Option<&super::history::AttemptReport>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let finished = timestamp(now);
        // A retry's next attempt is the wait after now by the database's clock (as "due" is
        // judged). A finished delivery's `next_attempt_at` is its `finished` time, this host's
        // record of when it ended, as `cancel_pending` sets it: retention finds old finished rows
        // on the claim's index (state, next_attempt_at) through it.
        let (state, attempted, wait, status, error) = match outcome {
            Outcome::Delivered { status } => (DELIVERED, 1, 0, Some(*status), None),
            Outcome::Retry {
                wait,
                status,
                error,
            } => (
                PENDING,
                1,
                db_clock::micros(*wait),
                *status,
                Some(clip(error)),
            ),
            Outcome::Failed { status, error } => (FAILED, 1, 0, *status, Some(clip(error))),
            Outcome::Cancelled { reason } => (CANCELLED, 0, 0, None, Some(clip(reason))),
        };
        let finished = (state != PENDING).then_some(finished);
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE deliveries SET state = $1, attempts = attempts + $2, \
             next_attempt_at = COALESCE($4, {}), finished = $4, last_status = COALESCE($5, last_status), last_error = $6, \
             claimed_until = NULL, claim_token = NULL, attempt_count = attempt_count + $2 \
             WHERE id = $7 AND claim_token = $8 AND state = $9 RETURNING attempt_count",
            db_clock::time_sql(self.postgres, Some(3))
        );
        let updated = sqlx::query(&sql)
            .bind(state)
            .bind(attempted)
            .bind(wait)
            .bind(finished)
            .bind(status.map(i64::from))
            .bind(error)
            .bind(claimed.id.to_string())
            .bind(claimed.token.clone())
            .bind(PENDING)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(updated) = updated else {
            return Ok(false);
        };
        if let (Some(report), 1) = (report, attempted) {
            let seq = integer(&updated, "attempt_count")?;
            super::history::insert_attempt(&mut tx, claimed.id, seq, report).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Cancels the pending deliveries of `webhook_id` (it was deactivated or deleted); returns
    /// how many. Rows a worker holds right now are cancelled too: its outcome is then ignored.
    pub async fn cancel_pending(
        &self,
        webhook_id: uuid::Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // The state is written out, not bound: SQLite uses the partial index of pending rows
        // (`deliveries_pending`) only for a query that names its condition.
        let sql = format!(
            "UPDATE deliveries SET state = $1, finished = $2, next_attempt_at = $2, \
             last_error = $3, claimed_until = NULL, claim_token = NULL \
             WHERE webhook_id = $4 AND state = '{PENDING}'"
        );
        let done = sqlx::query(&sql)
            .bind(CANCELLED)
            .bind(timestamp(now))
            .bind(reason.to_owned())
            .bind(webhook_id.to_string())
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deliveries in `state` (every state when `None`), oldest first, at most `limit`.
    pub async fn list_deliveries(
        &self,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let filter = if state.is_some() {
            "WHERE d.state = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT d.id, d.event_id, d.webhook_id, e.event_type, d.state, d.attempts, \
             d.next_attempt_at, d.created, d.finished, d.last_status, d.last_error \
             FROM deliveries d JOIN events e ON e.id = d.event_id {filter} \
             ORDER BY d.created, d.id LIMIT $1"
        );
        let mut query = sqlx::query(&sql).bind(limit);
        if let Some(state) = state {
            query = query.bind(state.to_owned());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let finished: Option<String> = row.try_get("finished")?;
                Ok(DeliveryRecord {
                    id: uuid_column(row, "id")?,
                    event_id: uuid_column(row, "event_id")?,
                    webhook_id: uuid_column(row, "webhook_id")?,
                    event_type: row.try_get("event_type")?,
                    state: row.try_get("state")?,
                    attempts: integer(row, "attempts")?,
                    next_attempt_at: time_column(row, "next_attempt_at")?,
                    created: time_column(row, "created")?,
                    finished: finished.as_deref().map(parse_timestamp).transpose()?,
                    last_status: optional_integer(row, "last_status")?,
                    last_error: row.try_get("last_error")?,
                })
            })
            .collect()
    }

    /// Puts failed deliveries back in the queue with a fresh schedule: those `filter` selects
    /// (one or every failed one for the CLI; a webhook's in a time range for
    /// `recoverWebhookDeliveries`). Returns how many.
    /// They are due at once (by the database's clock), and every listening worker hears so.
    pub async fn replay(&self, filter: &ReplayFilter) -> Result<u64, StoreError> {
        let mut conditions = String::new();
        let mut next = 3;
        let mut condition = |column: &str, op: &str| {
            conditions.push_str(&format!(" AND {column} {op} ${next}"));
            next += 1;
        };
        if filter.id.is_some() {
            condition("id", "=");
        }
        if filter.webhook_id.is_some() {
            condition("webhook_id", "=");
        }
        if filter.since.is_some() {
            condition("created", ">=");
        }
        if filter.until.is_some() {
            condition("created", "<");
        }
        let sql = format!(
            "UPDATE deliveries SET state = $1, attempts = 0, next_attempt_at = {}, \
             finished = NULL, claimed_until = NULL, claim_token = NULL \
             WHERE state = $2{conditions}",
            db_clock::time_sql(self.postgres, None)
        );
        let mut query = sqlx::query(&sql).bind(PENDING).bind(FAILED);
        if let Some(id) = filter.id {
            query = query.bind(id.to_string());
        }
        if let Some(webhook_id) = filter.webhook_id {
            query = query.bind(webhook_id.to_string());
        }
        if let Some(since) = filter.since {
            query = query.bind(timestamp(since));
        }
        if let Some(until) = filter.until {
            query = query.bind(timestamp(until));
        }
        let mut tx = self.begin_write().await?;
        let replayed = query.execute(&mut **tx).await?.rows_affected();
        if replayed > 0 {
            notify::announce(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(replayed)
    }

    /// How many deliveries are in each state.
    pub async fn delivery_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get::<String, _>("state")?, integer(row, "n")?)))
            .collect()
    }

    /// How long until the earliest pending delivery is due, by the database's clock (zero
    /// when one is due now), for a worker to sleep that long.
    pub async fn next_due_in(&self) -> Result<Option<std::time::Duration>, StoreError> {
        let sql = format!(
            "SELECT MIN(next_attempt_at) AS due, {} AS now FROM deliveries WHERE state = $1",
            db_clock::time_sql(self.postgres, None)
        );
        let row = sqlx::query(&sql)
            .bind(PENDING)
            .fetch_one(&self.pool)
            .await?;
        let due: Option<String> = row.try_get("due")?;
        let Some(due) = due.as_deref().map(parse_timestamp).transpose()? else {
            return Ok(None);
        };
        let now = parse_timestamp(&row.try_get::<String, _>("now")?)?;
        Ok(Some((due - now).to_std().unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(scope: WebhookScope, scope_id: Option<&str>, owner: &str) -> StoredWebhook {
        let now = crate::store::now();
        StoredWebhook {
            id: uuid::Uuid::new_v4(),
            owner: owner.to_owned(),
            scope,
            scope_id: scope_id.map(str::to_owned),
            active: true,
            callback_url: "https://hooks.example.com/x".to_owned(),
            event_types: vec!["a.b.v1".to_owned(), "a.c.v1".to_owned()],
            secret: "s".repeat(32),
            created: now,
            modified: now,
            expiration_date_time: Some(now + chrono::Duration::days(1)),
            previous_secret: None,
            health: Default::default(),
        }
    }

    fn event(event_type: &str, itwin: Option<&str>, publisher: &str) -> NewEvent {
        NewEvent {
            id: uuid::Uuid::new_v4(),
            publisher: publisher.to_owned(),
            event_type: event_type.to_owned(),
            itwin_id: itwin.map(str::to_owned),
            content: BTreeMap::new(),
            enqueued: crate::store::now(),
        }
    }

    fn due(id: &str, webhook_id: &str, busy: i64) -> Due {
        Due {
            id: id.to_owned(),
            webhook_id: webhook_id.to_owned(),
            busy,
        }
    }

    #[test]
    fn choosing_keeps_each_webhook_under_its_limit() {
        let rows = [
            due("a1", "a", 1),
            due("a2", "a", 1),
            due("b1", "b", 0),
            due("a3", "a", 1),
            due("b2", "b", 0),
            due("c1", "c", 2),
        ];
        // a has one in flight: one more; b none: two; c is full.
        let choice = choose(&rows, 10, 2);
        assert_eq!(choice.ids, ["a1", "b1", "b2"]);
        assert!(choice.held_back);
        // The batch's own limit ends it first, in due order.
        let choice = choose(&rows, 2, 2);
        assert_eq!(choice.ids, ["a1", "b1"]);
        // Nothing binds: every row, nothing held back.
        let choice = choose(&rows, 10, 100);
        assert_eq!(choice.ids.len(), rows.len());
        assert!(!choice.held_back);
    }

    #[test]
    fn matching() {
        let now = crate::store::now();
        let account = hook(WebhookScope::Account, None, "acme");
        let itwin = hook(WebhookScope::ITwin, Some("x"), "acme");
        assert!(matches(&account, &event("a.b.v1", None, "acme"), now));
        assert!(matches(&account, &event("a.c.v1", None, "acme"), now));
        assert!(!matches(&account, &event("a.d.v1", None, "acme"), now));
        assert!(!matches(&account, &event("A.B.V1", None, "acme"), now));
        assert!(!matches(&account, &event("a.b.v1", None, "other"), now));
        assert!(!matches(&account, &event("a.b.v1", Some("x"), "acme"), now));
        assert!(matches(&itwin, &event("a.b.v1", Some("x"), "anyone"), now));
        assert!(!matches(&itwin, &event("a.b.v1", Some("y"), "acme"), now));
        assert!(!matches(&itwin, &event("a.b.v1", None, "acme"), now));
        let inactive = StoredWebhook {
            active: false,
            ..account.clone()
        };
        assert!(!matches(&inactive, &event("a.b.v1", None, "acme"), now));
        let expired = StoredWebhook {
            expiration_date_time: Some(now),
            ..account
        };
        assert!(!matches(&expired, &event("a.b.v1", None, "acme"), now));
    }

    #[test]
    fn envelope_is_the_documented_shape() {
        let mut e = event("a.b.v1", Some("x"), "acme");
        e.content
            .insert("imodelId".to_owned(), serde_json::json!("m"));
        let message = uuid::Uuid::new_v4();
        let webhook = uuid::Uuid::new_v4();
        let body = envelope(&e, message, webhook).unwrap();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "content",
                "enqueuedDateTime",
                "eventType",
                "iTwinId",
                "messageId",
                "webhookId"
            ]
        );
        assert_eq!(value["messageId"], message.to_string());
        assert_eq!(value["content"]["imodelId"], "m");
        // Building it again gives the same bytes.
        assert_eq!(envelope(&e, message, webhook).unwrap(), body);
        // Account events carry no iTwinId.
        let account = envelope(&event("a.b.v1", None, "acme"), message, webhook).unwrap();
        assert!(!account.contains("iTwinId"));
    }
}
