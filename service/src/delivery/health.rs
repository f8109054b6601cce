//! Endpoint health: a callback that answers `410 Gone` deactivates its webhook at once, and a
//! webhook whose attempts have all failed for longer than `--disable-after` is deactivated too.
//!
//! Failing is tracked without reading history: `failing_since` on the webhook is set by the
//! first failed attempt after a success and cleared by a success, so an attempt costs at most
//! one small write here, and usually none (the worker decides from the webhook row it read when
//! it claimed, and the store's conditions decide races).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::queue::Outcome;
use crate::store::{Store, StoreError, StoredWebhook, timestamp};
pub use crate::webhook_health::{DeactivationReason, Health};

/// How long a webhook's attempts may all fail before it is deactivated, unless configured.
pub const DEFAULT_DISABLE_AFTER: Duration = Duration::from_secs(5 * 24 * 60 * 60);

/// What an attempt's outcome says about the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Success,
    Gone,
    Failure,
    /// Not attempted (cancelled): says nothing.
    Nothing,
}

fn verdict(outcome: &Outcome) -> Verdict {
    match outcome {
        Outcome::Delivered { .. } => Verdict::Success,
        Outcome::Retry {
            status: Some(410), ..
        }
        | Outcome::Failed {
            status: Some(410), ..
        } => Verdict::Gone,
        Outcome::Retry { .. } | Outcome::Failed { .. } => Verdict::Failure,
        Outcome::Cancelled { .. } => Verdict::Nothing,
    }
}

/// A webhook the service deactivated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deactivated {
    pub owner: String,
    pub reason: DeactivationReason,
    /// Pending deliveries cancelled with it.
    pub cancelled: u64,
}

impl Store {
    /// The attempt succeeded: the webhook is not failing.
    pub async fn clear_failing(&self, id: uuid::Uuid) -> Result<(), StoreError> {
        // Only a row that was failing changes, so a success does not drop a webhook that was
        // never failing from the read cache.
        let done = sqlx::query(
            "UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
        )
        .bind(id.to_string())
        .execute(&mut *self.write_conn().await?)
        .await;
        self.forget_if_changed(id, done)
    }

    /// The attempt failed: the webhook is failing since `now` unless it already was.
    pub async fn mark_failing(&self, id: uuid::Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE webhooks SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL",
        )
        .bind(timestamp(now))
        .bind(id.to_string())
        .execute(&mut *self.write_conn().await?)
        .await;
        self.forget_if_changed(id, done)
    }

    /// Drops webhook `id` from the read cache when `done` changed its row (or failed, which
    /// does not prove it did not).
    fn forget_if_changed(
        &self,
        id: uuid::Uuid,
        done: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
    ) -> Result<(), StoreError> {
        if done.as_ref().map_or(true, |done| done.rows_affected() > 0) {
            self.read_cache.forget(id);
        }
        done?;
        Ok(())
    }

    /// Deactivates the active webhook `id` for `reason` and cancels its pending deliveries, as
    /// the owner's deactivation does. For `Failing`, only while it is still failing since
    /// `failing_before` or earlier (a success in the meantime cleared it). `None` when nothing
    /// changed (already inactive, deleted, or no longer failing).
    pub async fn deactivate_unhealthy(
        &self,
        id: uuid::Uuid,
        reason: DeactivationReason,
        failing_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Deactivated>, StoreError> {
        let failing = if failing_before.is_some() {
            " AND failing_since IS NOT NULL AND failing_since <= $4"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE webhooks SET active = 0, expiration_date_time = NULL, \
             deactivation_reason = $1, deactivated = $2, modified = $2 \
             WHERE id = $3 AND active = 1{failing} RETURNING owner"
        );
        let mut query = sqlx::query(&sql)
            .bind(reason.as_str())
            .bind(timestamp(now))
            .bind(id.to_string());
        if let Some(before) = failing_before {
            query = query.bind(timestamp(before));
        }
        let row = query.fetch_optional(&mut *self.write_conn().await?).await;
        let Some(row) = self.forgetting(id, row)? else {
            return Ok(None);
        };
        let owner: String = sqlx::Row::try_get(&row, "owner")?;
        let why = match reason {
            DeactivationReason::Gone => "webhook deactivated: the callback answered 410 Gone",
            DeactivationReason::Failing => "webhook deactivated: its deliveries kept failing",
        };
        let cancelled = self.cancel_pending(id, why, now).await?;
        Ok(Some(Deactivated {
            owner,
            reason,
            cancelled,
        }))
    }
}

/// Applies what the attempt on `hook` (the row the worker read when it claimed) came to:
/// a success clears the failing mark, a `410 Gone` deactivates, another failure marks the
/// webhook failing or, when it has been failing for `disable_after` already, deactivates it.
/// Returns the deactivation, if this made one; it is logged and counted here.
pub async fn after_attempt(
    store: &Store,
    metrics: &crate::metrics::Metrics,
    hook: &StoredWebhook,
    outcome: &Outcome,
    disable_after: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Deactivated>, StoreError> {
    let deactivated = match verdict(outcome) {
        Verdict::Nothing => None,
        // A write only when the row said it was failing: successes, the common case, cost
        // nothing here. A failure recorded after that read is cleared by a later success.
        Verdict::Success => {
            if hook.health.failing_since.is_some() {
                store.clear_failing(hook.id).await?;
            }
            None
        }
        Verdict::Gone => {
            store
                .deactivate_unhealthy(hook.id, DeactivationReason::Gone, None, now)
                .await?
        }
        Verdict::Failure => match hook.health.failing_since {
            None => {
                store.mark_failing(hook.id, now).await?;
                None
            }
            Some(since) => {
                let window =
                    chrono::Duration::from_std(disable_after).unwrap_or(chrono::Duration::MAX);
                match now.checked_sub_signed(window) {
                    // The store checks the mark again: a success since the read cleared it.
                    Some(cutoff) if since <= cutoff => {
                        store
                            .deactivate_unhealthy(
                                hook.id,
                                DeactivationReason::Failing,
                                Some(cutoff),
                                now,
                            )
                            .await?
                    }
                    _ => None,
                }
            }
        },
    };
    if let Some(done) = &deactivated {
        tracing::warn!(
            webhook = %hook.id,
            owner = %done.owner,
            reason = done.reason.as_str(),
            failing_since = ?hook.health.failing_since,
            cancelled = done.cancelled,
            "webhook deactivated by endpoint health"
        );
        metrics.deactivation(done.reason.as_str());
    }
    Ok(deactivated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let failed = |status| Outcome::Failed {
            status,
            error: "x".to_owned(),
        };
        let retry = |status| Outcome::Retry {
            wait: Duration::from_secs(1),
            status,
            error: "x".to_owned(),
        };
        assert_eq!(
            verdict(&Outcome::Delivered { status: 204 }),
            Verdict::Success
        );
        assert_eq!(verdict(&retry(Some(410))), Verdict::Gone);
        assert_eq!(verdict(&failed(Some(410))), Verdict::Gone);
        assert_eq!(verdict(&retry(Some(500))), Verdict::Failure);
        assert_eq!(verdict(&retry(None)), Verdict::Failure);
        assert_eq!(verdict(&failed(Some(404))), Verdict::Failure);
        assert_eq!(
            verdict(&Outcome::Cancelled {
                reason: "x".to_owned()
            }),
            Verdict::Nothing
        );
    }

    #[test]
    fn reasons_round_trip() {
        for reason in [DeactivationReason::Gone, DeactivationReason::Failing] {
            assert_eq!(DeactivationReason::parse(reason.as_str()).unwrap(), reason);
        }
        assert!(DeactivationReason::parse("gone").is_none());
    }
}
