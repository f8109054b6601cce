//! Per-caller rate limits (GCRA through `governor`), keyed by the caller's client id.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use webhooks_server::types::{ErrorCode, ErrorResponse};

use crate::errors::error;

/// How often (in checks) keys idle long enough to be full again are dropped.
const SWEEP_EVERY: u64 = 4096;

/// Rate limits per caller: `per_minute` sustained, bursts of `burst` (default: `per_minute`).
pub struct Limiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    checks: AtomicU64,
}

impl Limiter {
    /// A limiter allowing `per_minute` requests a minute per caller; 0 turns limits off.
    pub fn new(per_minute: u32, burst: Option<u32>) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = burst.and_then(NonZeroU32::new).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Limiter {
            limiter,
            checks: AtomicU64::new(0),
        }
    }

    /// `None` when `client_id` may go on; otherwise the seconds to wait (rounded up, at
    /// least 1) and the 429 body.
    pub fn check(&self, client_id: &str) -> Option<(i64, ErrorResponse)> {
        let limiter = self.limiter.as_ref()?;
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        let refused = limiter.check_key(&client_id.to_owned()).err()?;
        let wait = refused.wait_time_from(limiter.clock().now());
        let mut seconds = wait.as_secs();
        if wait.subsec_nanos() > 0 {
            seconds += 1;
        }
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX).max(1);
        Some((seconds, error(ErrorCode::TooManyRequests)))
    }
}
