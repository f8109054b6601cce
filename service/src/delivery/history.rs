//! A webhook's deliveries as its owner sees them: the attempts table (every attempt made, with
//! its status or error kind, latency and the start of the receiver's answer), a webhook's
//! deliveries a page at a time, and resending one delivery.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::state::PENDING;
use crate::store::{
    Position, Store, StoreError, integer, optional_integer, parse_timestamp, time_column,
    timestamp, uuid_column,
};

/// How much of a receiver's answer is kept.
pub const RESPONSE_EXCERPT: usize = 4096;

/// Why an attempt failed, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A status other than 2xx.
    Status,
    /// No answer in time.
    Timeout,
    /// No connection, or it broke.
    Connection,
    /// The callback's address (or URL) is not allowed.
    Refused,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Status => "status",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Refused => "refused",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "status" => ErrorKind::Status,
            "timeout" => ErrorKind::Timeout,
            "connection" => ErrorKind::Connection,
            "refused" => ErrorKind::Refused,
            other => return Err(StoreError::Corrupt(format!("error kind {other:?}"))),
        })
    }
}

/// One attempt, as the worker saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptReport {
    pub attempted: DateTime<Utc>,
    pub status: Option<u16>,
    /// `None` when the attempt succeeded.
    pub error_kind: Option<ErrorKind>,
    pub error: Option<String>,
    pub latency_ms: i64,
    /// The first [`RESPONSE_EXCERPT`] bytes of the answer's body, as text.
    pub response: Option<String>,
    pub response_truncated: bool,
}

/// The start of an answer's body: at most [`RESPONSE_EXCERPT`] bytes, cut at a character
/// boundary, invalid UTF-8 replaced; and whether anything was left out.
pub fn excerpt(bytes: &[u8]) -> (String, bool) {
    let truncated = bytes.len() > RESPONSE_EXCERPT;
    let kept = &bytes[..bytes.len().min(RESPONSE_EXCERPT)];
    let mut text = String::from_utf8_lossy(kept).into_owned();
    // A character cut in two at the end is dropped rather than shown as a replacement.
    if let (true, Err(e)) = (truncated, std::str::from_utf8(kept))
        && e.error_len().is_none()
    {
        text = String::from_utf8_lossy(&kept[..e.valid_up_to()]).into_owned();
    }
    (text, truncated)
}

/// Adds the attempt `seq` of `delivery` to its history, in the transaction recording it.
pub(crate) async fn insert_attempt(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    delivery: uuid::Uuid,
    seq: i64,
    report: &AttemptReport,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO delivery_attempts (delivery_id, seq, attempted, status, error_kind, error, \
         latency_ms, response, response_truncated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(delivery.to_string())
    .bind(seq)
    .bind(timestamp(report.attempted))
    .bind(report.status.map(i64::from))
    .bind(report.error_kind.map(|k| k.as_str().to_owned()))
    .bind(report.error.clone())
    .bind(report.latency_ms)
    .bind(report.response.clone())
    .bind(i32::from(report.response_truncated))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A delivery as its owner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryView {
    pub id: uuid::Uuid,
    pub event_id: uuid::Uuid,
    pub webhook_id: uuid::Uuid,
    pub event_type: String,
    pub state: String,
    pub attempt_count: i64,
    pub created: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// An attempt as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAttempt {
    pub seq: i64,
    pub report: AttemptReport,
}

/// Which of a webhook's deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub state: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

const VIEW_COLUMNS: &str = "d.id, d.event_id, d.webhook_id, e.event_type, d.state, \
    d.attempt_count, d.created, d.next_attempt_at, d.finished, d.last_status, d.last_error";

fn decode_view(row: &sqlx::any::AnyRow) -> Result<DeliveryView, StoreError> {
    let finished: Option<String> = row.try_get("finished")?;
    Ok(DeliveryView {
        id: uuid_column(row, "id")?,
        event_id: uuid_column(row, "event_id")?,
        webhook_id: uuid_column(row, "webhook_id")?,
        event_type: row.try_get("event_type")?,
        state: row.try_get("state")?,
        attempt_count: integer(row, "attempt_count")?,
        created: time_column(row, "created")?,
        next_attempt_at: time_column(row, "next_attempt_at")?,
        finished: finished.as_deref().map(parse_timestamp).transpose()?,
        last_status: optional_integer(row, "last_status")?,
        last_error: row.try_get("last_error")?,
    })
}

impl Store {
    /// At most `limit` of `webhook_id`'s deliveries that `filter` keeps, newest first (created,
    /// then id, both descending), before `before` when given.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: uuid::Uuid,
        filter: &DeliveryFilter,
        before: Option<&Position>,
        limit: i64,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        let mut conditions = String::new();
        let mut next = 3;
        let mut add = |sql: &str, params: usize| {
            let mut sql = sql.to_owned();
            for k in 0..params {
                sql = sql.replace(&format!("#{k}"), &format!("${}", next + k));
            }
            conditions.push_str(" AND ");
            conditions.push_str(&sql);
            next += params;
        };
        if filter.state.is_some() {
            add("d.state = #0", 1);
        }
        if filter.since.is_some() {
            add("d.created >= #0", 1);
        }
        if filter.until.is_some() {
            add("d.created < #0", 1);
        }
        if before.is_some() {
            add("(d.created < #0 OR (d.created = #0 AND d.id < #1))", 2);
        }
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id \
             WHERE d.webhook_id = $1{conditions} ORDER BY d.created DESC, d.id DESC LIMIT $2"
        );
        let mut query = sqlx::query(&sql).bind(webhook_id.to_string()).bind(limit);
        if let Some(state) = &filter.state {
            query = query.bind(state.clone());
        }
        if let Some(since) = filter.since {
            query = query.bind(timestamp(since));
        }
        if let Some(until) = filter.until {
            query = query.bind(timestamp(until));
        }
        if let Some(before) = before {
            query = query
                .bind(timestamp(before.created))
                .bind(before.id.to_string());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(decode_view).collect()
    }

    /// The delivery `id` of `webhook_id`, with its attempts oldest first.
    pub async fn webhook_delivery(
        &self,
        webhook_id: uuid::Uuid,
        id: uuid::Uuid,
    ) -> Result<Option<(DeliveryView, Vec<StoredAttempt>)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {VIEW_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id \
             WHERE d.id = $1 AND d.webhook_id = $2"
        ))
        .bind(id.to_string())
        .bind(webhook_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let view = decode_view(&row)?;
        let rows = sqlx::query(
            "SELECT seq, attempted, status, error_kind, error, latency_ms, response, \
             response_truncated FROM delivery_attempts WHERE delivery_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let attempts = rows
            .iter()
            .map(|row| {
                let status = optional_integer(row, "status")?
                    .map(|s| u16::try_from(s).map_err(|e| StoreError::Corrupt(e.to_string())))
                    .transpose()?;
                let kind: Option<String> = row.try_get("error_kind")?;
                Ok(StoredAttempt {
                    seq: integer(row, "seq")?,
                    report: AttemptReport {
                        attempted: time_column(row, "attempted")?,
                        status,
                        error_kind: kind.as_deref().map(ErrorKind::parse).transpose()?,
                        error: row.try_get("error")?,
                        latency_ms: integer(row, "latency_ms")?,
                        response: row.try_get("response")?,
                        response_truncated: integer(row, "response_truncated")? != 0,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some((view, attempts)))
    }

    /// Puts the delivery `id` of `webhook_id` back in the queue, due now (by the database's
    /// clock, and every listening worker hears so), with a fresh retry schedule: its next
    /// attempt is a new attempt of the same message. A pending delivery is made due now, unless
    /// a worker holds it (then that attempt stands). `false` when the webhook has no such
    /// delivery.
    pub async fn resend(&self, webhook_id: uuid::Uuid, id: uuid::Uuid) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE deliveries SET state = $1, attempts = 0, next_attempt_at = {}, \
             finished = NULL, claimed_until = NULL, claim_token = NULL \
             WHERE id = $2 AND webhook_id = $3 AND (state <> $1 OR claim_token IS NULL)",
            super::db_clock::time_sql(self.postgres, None)
        );
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(&sql)
            .bind(PENDING)
            .bind(id.to_string())
            .bind(webhook_id.to_string())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() > 0 {
            super::notify::announce(&mut tx).await?;
        }
        tx.commit().await?;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        // Held by a worker right now, or not this webhook's.
        let exists =
            sqlx::query("SELECT 1 AS one FROM deliveries WHERE id = $1 AND webhook_id = $2")
                .bind(id.to_string())
                .bind(webhook_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(exists.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_the_start_and_say_when_cut() {
        assert_eq!(excerpt(b"ok"), ("ok".to_owned(), false));
        let long = vec![b'a'; RESPONSE_EXCERPT + 10];
        let (text, cut) = excerpt(&long);
        assert_eq!((text.len(), cut), (RESPONSE_EXCERPT, true));
        // A two-byte character across the limit is dropped whole.
        let mut split = vec![b'a'; RESPONSE_EXCERPT - 1];
        split.extend_from_slice("é".as_bytes());
        let (text, cut) = excerpt(&split);
        assert_eq!((text.len(), cut), (RESPONSE_EXCERPT - 1, true));
        // Invalid bytes inside are replaced, not refused.
        assert_eq!(excerpt(b"a\xffb"), ("a\u{fffd}b".to_owned(), false));
    }

    #[test]
    fn error_kinds_round_trip() {
        for kind in [
            ErrorKind::Status,
            ErrorKind::Timeout,
            ErrorKind::Connection,
            ErrorKind::Refused,
        ] {
            assert_eq!(ErrorKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(ErrorKind::parse("other").is_err());
    }
}
