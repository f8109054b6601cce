//! The retry schedule: how long to wait after each failed attempt.
//!
//! The waits themselves are configuration; what is stored is each delivery's `attempts` and
//! `next_attempt_at`, so a restarted (or another) worker picks the schedule up where it was.

use std::time::Duration;

/// The default waits after the 1st, 2nd, ... failed attempt: roughly ×4 each time, about 11 hours
/// in all, then the delivery is marked failed.
pub const DEFAULT_SCHEDULE: &str = "10s,1m,5m,20m,1h,3h,6h";

/// The default jitter: each wait is stretched or shrunk by up to this fraction, so deliveries
/// that failed together (a receiver's outage) do not all come back in the same instant.
pub const DEFAULT_JITTER: f64 = 0.2;

/// The longest `retry-after` honoured; a receiver asking for more gets this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(6 * 60 * 60);

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The wait after each failed attempt; one attempt more than there are waits.
    pub schedule: Vec<Duration>,
    /// 0 ..= 1: the fraction by which each wait varies at random.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            // The constant parses; an empty schedule (no retries) would still be valid.
            schedule: parse_schedule(DEFAULT_SCHEDULE).unwrap_or_default(),
            jitter: DEFAULT_JITTER,
        }
    }
}

/// Why a schedule does not parse.
#[derive(Debug, thiserror::Error)]
#[error("retry schedule {text:?}: {reason}")]
pub struct ScheduleError {
    text: String,
    reason: String,
}

/// Parses `1s,2s,4s` (humantime durations, comma-separated). An empty text means no retries.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, ScheduleError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| {
            humantime::parse_duration(part.trim()).map_err(|e| ScheduleError {
                text: text.to_owned(),
                reason: format!("{part:?}: {e}"),
            })
        })
        .collect()
}

/// Parses a jitter fraction between 0 and 1.
pub fn parse_jitter(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|e| format!("{text:?}: {e}"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{text:?}: must be between 0 and 1"))
    }
}

impl RetryPolicy {
    /// How many attempts a delivery gets in all.
    pub fn max_attempts(&self) -> i64 {
        i64::try_from(self.schedule.len()).unwrap_or(i64::MAX - 1) + 1
    }

    /// The wait before the next attempt, after `attempts` attempts (this one included) have
    /// failed; `None` when that was the last. A receiver's `retry-after` is a lower bound.
    pub fn next_wait(&self, attempts: i64, retry_after: Option<Duration>) -> Option<Duration> {
        let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
        let base = *self.schedule.get(index)?;
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = if jitter > 0.0 {
            1.0 + rand::random_range(-jitter..=jitter)
        } else {
            1.0
        };
        let wait = base.mul_f64(factor);
        Some(match retry_after {
            Some(asked) => wait.max(asked.min(MAX_RETRY_AFTER)),
            None => wait,
        })
    }
}

/// The `retry-after` value: seconds, or an HTTP date (then the time until it, zero if past).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?.to_utc();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_parses() {
        assert_eq!(
            parse_schedule("1s, 250ms,2m").unwrap(),
            vec![
                Duration::from_secs(1),
                Duration::from_millis(250),
                Duration::from_secs(120)
            ]
        );
        assert!(parse_schedule("").unwrap().is_empty());
        assert!(parse_schedule("1s,,2s").is_err());
        assert!(parse_schedule("soon").is_err());
        assert_eq!(RetryPolicy::default().schedule.len(), 7);
    }

    #[test]
    fn waits_follow_schedule_within_jitter() {
        let policy = RetryPolicy {
            schedule: vec![Duration::from_secs(10), Duration::from_secs(40)],
            jitter: 0.2,
        };
        assert_eq!(policy.max_attempts(), 3);
        for _ in 0..200 {
            let first = policy.next_wait(1, None).unwrap();
            assert!(first >= Duration::from_secs(8) && first <= Duration::from_secs(12));
            let second = policy.next_wait(2, None).unwrap();
            assert!(second >= Duration::from_secs(32) && second <= Duration::from_secs(48));
        }
        assert_eq!(policy.next_wait(3, None), None);
        assert_eq!(policy.next_wait(0, None), None);
        assert_eq!(policy.next_wait(-1, None), None);
    }

    #[test]
    fn retry_after_is_a_lower_bound() {
        let policy = RetryPolicy {
            schedule: vec![Duration::from_secs(1)],
            jitter: 0.0,
        };
        assert_eq!(
            policy.next_wait(1, Some(Duration::from_secs(30))),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            policy.next_wait(1, Some(Duration::ZERO)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            policy.next_wait(1, Some(Duration::from_secs(10_000_000))),
            Some(MAX_RETRY_AFTER)
        );
        // The last attempt stays the last, whatever the receiver asks.
        assert_eq!(policy.next_wait(2, Some(Duration::from_secs(5))), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("later", now), None);
    }

    #[test]
    fn jitter_parses() {
        assert_eq!(parse_jitter("0.25"), Ok(0.25));
        assert!(parse_jitter("1.5").is_err());
        assert!(parse_jitter("-0.1").is_err());
        assert!(parse_jitter("x").is_err());
    }
}
