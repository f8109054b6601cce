//! Per-caller rate limits (GCRA), keyed by the caller's client id.
//!
//! In one process the state lives in memory (`governor`). With `serve --redis-url` it lives in
//! Redis, so every instance sharing that Redis enforces one limit per caller: one Lua script
//! (run with `EVALSHA`, sent again with `EVAL` when the server does not know it) reads and
//! updates the caller's theoretical arrival time in one round trip, on the Redis server's clock.
//!
//! When Redis cannot be reached, or does not answer within [`REDIS_TIMEOUT`], the request is
//! checked by this process's in-memory limiter instead (so a caller is still limited, at most at
//! the documented rate per instance), a warning is logged at most every
//! [`WARNING_INTERVAL`], and [`Limiter::redis_failures`] counts it.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use webhooks_server::types::{ErrorCode, ErrorResponse};

use crate::errors::error;

/// How often (in checks) keys idle long enough to be full again are dropped.
const SWEEP_EVERY: u64 = 4096;

/// The longest a check waits for Redis before the in-process limiter decides instead.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// The least time between two warnings that Redis failed.
pub const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// The prefix of every key the limiter writes in Redis (the caller's client id follows).
pub const DEFAULT_KEY_PREFIX: &str = "webhooks:rate:";

/// GCRA on the Redis server's clock, in microseconds. KEYS[1]: the caller's key. ARGV[1]: the
/// emission interval T; ARGV[2]: the tolerance tau = T × (burst − 1). Returns `{1, 0}` when the
/// request may go on, else `{0, wait}`. The same arithmetic as governor's: with no state the
/// theoretical arrival time (TAT) is now; a request is refused while now < TAT − tau, otherwise
/// TAT becomes max(TAT, now) + T. The key expires when its TAT is past, when a missing key
/// means the same.
const GCRA_SCRIPT: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local earliest = tat - tau
if now < earliest then
  return {0, earliest - now}
end
local next = math.max(tat, now) + t
redis.call('SET', KEYS[1], string.format('%d', next), 'PX', math.floor((next - now) / 1000) + 1)
return {1, 0}
";

/// Why a Redis-backed limiter could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct RedisSetupError(String);

/// Rate limits per caller: `per_minute` sustained, bursts of `burst` (default: `per_minute`).
pub struct Limiter {
    local: Option<DefaultKeyedRateLimiter<String>>,
    checks: AtomicU64,
    redis: Option<RedisGcra>,
    failures: Arc<AtomicU64>,
    /// Milliseconds after `started` of the last warning about Redis (0: none yet).
    last_warning: AtomicU64,
    started: Instant,
}

/// The shared limit's state in Redis.
struct RedisGcra {
    /// Set once connected; the manager reconnects by itself after that.
    manager: Arc<OnceLock<ConnectionManager>>,
    prefix: String,
    /// Emission interval and tolerance, in microseconds.
    t: u64,
    tau: u64,
    script: redis::Script,
    timeout: Duration,
}

/// What Redis decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Allow,
    /// Refused; the time until a request would be allowed.
    Refuse(Duration),
}

impl Limiter {
    /// A limiter allowing `per_minute` requests a minute per caller, in this process; 0 turns
    /// limits off.
    pub fn new(per_minute: u32, burst: Option<u32>) -> Self {
        let local = quota(per_minute, burst).map(RateLimiter::keyed);
        Limiter {
            local,
            checks: AtomicU64::new(0),
            redis: None,
            failures: Arc::new(AtomicU64::new(0)),
            last_warning: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// The same limit enforced through the Redis at `url` for every process that uses it, with
    /// keys `prefix` + client id. An unparsable URL is an error; an unreachable server is not:
    /// this process limits alone (see the module) and connects in the background until the
    /// server answers.
    pub async fn with_redis(
        per_minute: u32,
        burst: Option<u32>,
        url: &str,
        prefix: &str,
        timeout: Duration,
    ) -> Result<Self, RedisSetupError> {
        let mut limiter = Limiter::new(per_minute, burst);
        let Some(quota) = quota(per_minute, burst) else {
            // No limit: nothing to share.
            return Ok(limiter);
        };
        let client = redis::Client::open(url).map_err(|e| RedisSetupError(e.to_string()))?;
        let t = duration_micros(quota.replenish_interval()).max(1);
        let tau = t.saturating_mul(u64::from(quota.burst_size().get()) - 1);
        let manager = Arc::new(OnceLock::new());
        // Few, quick reconnection attempts: a check never waits longer than `timeout` anyway.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1));
        match tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(client.clone(), config.clone()),
        )
        .await
        {
            Ok(Ok(connected)) => {
                let _ = manager.set(connected);
            }
            outcome => {
                let reason = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no answer within {timeout:?}"),
                };
                tracing::warn!(
                    error = reason,
                    "cannot reach Redis: each instance limits callers on its own until it answers"
                );
                tokio::spawn(connect(client, config, Arc::downgrade(&manager), timeout));
            }
        }
        limiter.redis = Some(RedisGcra {
            manager,
            prefix: prefix.to_owned(),
            t,
            tau,
            script: redis::Script::new(GCRA_SCRIPT),
            timeout,
        });
        Ok(limiter)
    }

    /// `None` when `client_id` may go on; otherwise the seconds to wait (rounded up, at
    /// least 1) and the 429 body.
    pub async fn check(&self, client_id: &str) -> Option<(i64, ErrorResponse)> {
        let local = self.local.as_ref()?;
        if let Some(redis) = &self.redis {
            match redis.check(client_id).await {
                Ok(Decision::Allow) => return None,
                Ok(Decision::Refuse(wait)) => return Some(refusal(wait)),
                Err(failure) => self.redis_failed(&failure),
            }
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            local.retain_recent();
        }
        let refused = local.check_key(&client_id.to_owned()).err()?;
        Some(refusal(refused.wait_time_from(local.clock().now())))
    }

    /// How many checks Redis failed to decide (the in-process limiter decided them instead).
    pub fn redis_failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The counter behind [`Limiter::redis_failures`], for a metrics registry.
    pub fn redis_failure_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.failures)
    }

    fn redis_failed(&self, failure: &str) {
        let count = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let now = u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let last = self.last_warning.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= WARNING_INTERVAL.as_millis() as u64;
        if due
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                error = failure,
                failures = count,
                "rate limit: Redis failed; this instance decided alone"
            );
        }
    }
}

impl RedisGcra {
    async fn check(&self, client_id: &str) -> Result<Decision, String> {
        let Some(manager) = self.manager.get() else {
            return Err("not connected".to_owned());
        };
        let mut conn = manager.clone();
        let key = format!("{}{client_id}", self.prefix);
        let run = async {
            let evalsha = redis::cmd("EVALSHA")
                .arg(self.script.get_hash())
                .arg(1)
                .arg(&key)
                .arg(self.t)
                .arg(self.tau)
                .query_async::<(i64, i64)>(&mut conn)
                .await;
            match evalsha {
                Err(e)
                    if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                {
                    // The server restarted or flushed its scripts: send the text, which also
                    // caches it for the next EVALSHA.
                    redis::cmd("EVAL")
                        .arg(GCRA_SCRIPT)
                        .arg(1)
                        .arg(&key)
                        .arg(self.t)
                        .arg(self.tau)
                        .query_async::<(i64, i64)>(&mut conn)
                        .await
                }
                other => other,
            }
        };
        match tokio::time::timeout(self.timeout, run).await {
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
            Ok(Err(e)) => Err(e.to_string()),
            Ok(Ok((1, _))) => Ok(Decision::Allow),
            Ok(Ok((_, wait))) => Ok(Decision::Refuse(Duration::from_micros(
                u64::try_from(wait).unwrap_or(0),
            ))),
        }
    }
}

/// Connects until the server answers or the limiter is gone.
async fn connect(
    client: redis::Client,
    config: ConnectionManagerConfig,
    manager: Weak<OnceLock<ConnectionManager>>,
    timeout: Duration,
) {
    let mut pause = Duration::from_millis(100);
    loop {
        tokio::time::sleep(pause).await;
        let Some(slot) = manager.upgrade() else {
            return;
        };
        let attempt = tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(client.clone(), config.clone()),
        )
        .await;
        if let Ok(Ok(connected)) = attempt {
            let _ = slot.set(connected);
            tracing::info!("connected to Redis: the rate limit is shared again");
            return;
        }
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

fn quota(per_minute: u32, burst: Option<u32>) -> Option<Quota> {
    NonZeroU32::new(per_minute).map(|rate| {
        let burst = burst.and_then(NonZeroU32::new).unwrap_or(rate);
        Quota::per_minute(rate).allow_burst(burst)
    })
}

fn duration_micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The 429: the wait in whole seconds, rounded up, at least 1.
fn refusal(wait: Duration) -> (i64, ErrorResponse) {
    let mut seconds = wait.as_secs();
    if wait.subsec_nanos() > 0 {
        seconds += 1;
    }
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX).max(1);
    (seconds, error(ErrorCode::TooManyRequests))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Redis the tests use (`WEBHOOKS_TEST_REDIS_URL`, else the local default), or `None`
    /// (printed) when nothing answers there and none was configured.
    pub(crate) async fn test_redis(test: &str) -> Option<String> {
        let configured = std::env::var("WEBHOOKS_TEST_REDIS_URL").ok();
        let url = configured
            .clone()
            .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
        let client = redis::Client::open(url.as_str()).expect("redis URL");
        let answer = tokio::time::timeout(Duration::from_secs(2), async {
            let mut conn = client.get_multiplexed_async_connection().await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await;
        match answer {
            Ok(Ok(_)) => Some(url),
            _ if configured.is_some() => panic!("Redis at {url} does not answer"),
            _ => {
                eprintln!("SKIPPED: {test} (no Redis answers at {url})");
                None
            }
        }
    }

    fn prefix() -> String {
        format!("webhooks-test:{}:", uuid::Uuid::new_v4().simple())
    }

    async fn shared(url: &str, prefix: &str, per_minute: u32, burst: u32) -> Limiter {
        let limiter =
            Limiter::with_redis(per_minute, Some(burst), url, prefix, Duration::from_secs(2))
                .await
                .expect("limiter");
        assert!(
            limiter
                .redis
                .as_ref()
                .expect("redis")
                .manager
                .get()
                .is_some()
        );
        limiter
    }

    #[tokio::test]
    async fn redis_allows_the_burst_then_refuses_with_the_wait() {
        let Some(url) = test_redis("redis_allows_the_burst_then_refuses_with_the_wait").await
        else {
            return;
        };
        // One request a second, bursts of 5.
        let limiter = shared(&url, &prefix(), 60, 5).await;
        for i in 0..5 {
            assert!(limiter.check("alice").await.is_none(), "request {i}");
        }
        let (retry_after, body) = limiter.check("alice").await.expect("6th refused");
        assert_eq!(retry_after, 1);
        assert_eq!(
            body.error.expect("error").code,
            Some(ErrorCode::TooManyRequests)
        );
        // Callers are counted apart.
        assert!(limiter.check("bob").await.is_none());
        assert_eq!(limiter.redis_failures(), 0);
    }

    #[tokio::test]
    async fn redis_wait_is_rounded_up_to_whole_seconds() {
        let Some(url) = test_redis("redis_wait_is_rounded_up_to_whole_seconds").await else {
            return;
        };
        // One request every 10 s, no burst: the second waits about 10 s.
        let limiter = shared(&url, &prefix(), 6, 1).await;
        assert!(limiter.check("carol").await.is_none());
        let (retry_after, _) = limiter.check("carol").await.expect("refused");
        assert_eq!(retry_after, 10);
    }

    #[tokio::test]
    async fn redis_refills_at_the_rate() {
        let Some(url) = test_redis("redis_refills_at_the_rate").await else {
            return;
        };
        // One request every 50 ms, bursts of 2.
        let limiter = shared(&url, &prefix(), 1200, 2).await;
        assert!(limiter.check("dan").await.is_none());
        assert!(limiter.check("dan").await.is_none());
        assert!(limiter.check("dan").await.is_some());
        tokio::time::sleep(Duration::from_millis(120)).await;
        // 120 ms refill two cells, no more.
        assert!(limiter.check("dan").await.is_none());
        assert!(limiter.check("dan").await.is_none());
        assert!(limiter.check("dan").await.is_some());
    }

    #[tokio::test]
    async fn limiters_on_one_redis_share_the_limit() {
        let Some(url) = test_redis("limiters_on_one_redis_share_the_limit").await else {
            return;
        };
        let prefix = prefix();
        let a = shared(&url, &prefix, 60, 6).await;
        let b = shared(&url, &prefix, 60, 6).await;
        let mut allowed = 0;
        for i in 0..20 {
            let limiter = if i % 2 == 0 { &a } else { &b };
            if limiter.check("erin").await.is_none() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 6, "one burst across both, not one each");
    }

    #[tokio::test]
    async fn the_key_expires_when_the_bucket_is_full_again() {
        let Some(url) = test_redis("the_key_expires_when_the_bucket_is_full_again").await else {
            return;
        };
        let prefix = prefix();
        // One request a second: after one request the bucket is full again in 1 s.
        let limiter = shared(&url, &prefix, 60, 3).await;
        assert!(limiter.check("frank").await.is_none());
        let client = redis::Client::open(url.as_str()).expect("url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect");
        let ttl: i64 = redis::cmd("PTTL")
            .arg(format!("{prefix}frank"))
            .query_async(&mut conn)
            .await
            .expect("PTTL");
        assert!((900..=1001).contains(&ttl), "TTL {ttl} ms");
    }

    #[tokio::test]
    async fn an_unknown_script_is_sent_again() {
        let Some(url) = test_redis("an_unknown_script_is_sent_again").await else {
            return;
        };
        let limiter = shared(&url, &prefix(), 60, 2).await;
        assert!(limiter.check("gina").await.is_none());
        // What a restarted server knows: no scripts. Other users of this Redis only lose
        // their cached scripts, which they send again the same way.
        let client = redis::Client::open(url.as_str()).expect("url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect");
        let () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .expect("SCRIPT FLUSH");
        assert!(limiter.check("gina").await.is_none());
        assert!(limiter.check("gina").await.is_some());
        assert_eq!(limiter.redis_failures(), 0);
    }

    #[tokio::test]
    async fn redis_and_governor_decide_alike() {
        let Some(url) = test_redis("redis_and_governor_decide_alike").await else {
            return;
        };
        // The same sequence through both: all at once, so the few microseconds between two
        // checks cannot refill a cell (one every 6 s).
        let redis = shared(&url, &prefix(), 10, 4).await;
        let local = Limiter::new(10, Some(4));
        for i in 0..8 {
            let a = redis.check("hal").await.map(|(wait, _)| wait);
            let b = local.check("hal").await.map(|(wait, _)| wait);
            assert_eq!(a, b, "request {i}");
        }
    }

    #[tokio::test]
    async fn unreachable_redis_falls_back_to_this_process() {
        // Nothing listens on port 1: every check fails at once and this process decides.
        let limiter = Limiter::with_redis(
            60,
            Some(3),
            "redis://127.0.0.1:1",
            &prefix(),
            Duration::from_millis(200),
        )
        .await
        .expect("an unreachable server is not an error");
        for i in 0..3 {
            assert!(limiter.check("ivy").await.is_none(), "request {i}");
        }
        let started = Instant::now();
        let (retry_after, _) = limiter.check("ivy").await.expect("4th refused");
        assert!(started.elapsed() < Duration::from_millis(300));
        assert_eq!(retry_after, 1);
        assert_eq!(limiter.redis_failures(), 4);
        assert_eq!(limiter.redis_failure_counter().load(Ordering::Relaxed), 4);
    }

    #[tokio::test]
    async fn a_redis_url_that_does_not_parse_is_refused() {
        let refused = Limiter::with_redis(60, None, "not a url", "p:", REDIS_TIMEOUT).await;
        assert!(refused.is_err());
        // No limit: nothing to share, so nothing is checked.
        assert!(
            Limiter::with_redis(0, None, "not a url", "p:", REDIS_TIMEOUT)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn no_limit_lets_everything_through() {
        let limiter = Limiter::new(0, None);
        for _ in 0..1000 {
            assert!(limiter.check("jay").await.is_none());
        }
    }
}
