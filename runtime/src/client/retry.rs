//! Sending again after a 429 or 503, as the caller's policy allows.

/// When the client sends a request again after a 429 or 503. Off unless the caller sets one
/// with the generated client's `with_retry_policy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 never retries.
    pub max_attempts: u32,
    /// The most the client waits in all; past it, the last answer is returned as it is.
    pub max_total_wait: std::time::Duration,
    /// The first wait when an answer has no usable `retry-after`; it doubles with each attempt,
    /// and each wait is drawn at random from its upper half.
    pub base_delay: std::time::Duration,
    /// Whether POST and PATCH are sent again too. They may not be idempotent, so only when the
    /// caller knows that repeating them is safe.
    pub retry_non_idempotent: bool,
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy::attempts(1)
    }

    /// Up to `max_attempts` attempts, waiting at most 30 s in all, backing off from 200 ms.
    pub fn attempts(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            max_total_wait: std::time::Duration::from_secs(30),
            base_delay: std::time::Duration::from_millis(200),
            retry_non_idempotent: false,
        }
    }

    pub fn with_max_total_wait(mut self, wait: std::time::Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    pub fn with_base_delay(mut self, delay: std::time::Duration) -> Self {
        self.base_delay = delay;
        self
    }

    pub fn with_retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::none()
    }
}

/// Sends `request`, and again after a 429 or 503 while `policy` allows; the last answer is
/// returned whatever it is, so the caller still gets the typed 429 when retries run out.
pub(crate) async fn send(
    policy: &RetryPolicy,
    mut request: reqwest::RequestBuilder,
    idempotent: bool,
) -> Result<reqwest::Response, reqwest::Error> {
    let may_retry = policy.max_attempts > 1 && (idempotent || policy.retry_non_idempotent);
    let mut waited = std::time::Duration::ZERO;
    let mut attempt = 1;
    loop {
        // A body of bytes always clones; anything else is sent once.
        let again = if may_retry { request.try_clone() } else { None };
        let response = request.send().await?;
        let status = response.status().as_u16();
        let Some(next) = again else {
            return Ok(response);
        };
        if !(status == 429 || status == 503) || attempt >= policy.max_attempts {
            return Ok(response);
        }
        let wait = retry_after(response.headers(), std::time::SystemTime::now())
            .unwrap_or_else(|| backoff(policy.base_delay, attempt));
        if waited + wait > policy.max_total_wait {
            return Ok(response);
        }
        tokio::time::sleep(wait).await;
        waited += wait;
        attempt += 1;
        request = next;
    }
}

/// How long `retry-after` asks to wait, given in seconds or as an HTTP date; `None` when it is
/// absent or neither.
pub fn retry_after(
    headers: &reqwest::header::HeaderMap,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(std::time::Duration::from_secs(seconds));
    }
    // An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) is an RFC 2822 date.
    let when = std::time::SystemTime::from(chrono::DateTime::parse_from_rfc2822(value).ok()?);
    Some(when.duration_since(now).unwrap_or_default())
}

/// Exponential backoff with jitter: a random point in the upper half of `base * 2^(attempt-1)`.
fn backoff(base: std::time::Duration, attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    let ceiling = base.saturating_mul(1 << (attempt.saturating_sub(1)).min(16));
    let half = ceiling / 2;
    // Each RandomState is seeded afresh, which is randomness enough for spreading retries.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + std::time::Duration::from_nanos(random % span)
}
