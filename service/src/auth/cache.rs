//! The verification keys in memory, and when they are loaded again: once they are older than
//! their time to live (the JWKS response's `max-age`, else `--jwks-refresh`), and when a token
//! names a key id they lack (at most once per interval). One load runs at a time; requests that
//! find the keys stale meanwhile wait for it (never longer than that one load) rather than each
//! fetching. A load that fails keeps the keys already held and is tried again after the interval,
//! so an identity provider that is down does not lock every caller out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::AuthSetupError;
use super::freshness::Freshness;
use super::jwks::Origin;
use super::keys::{KeySet, VerifyKey};

pub(super) struct KeyCache {
    origin: Origin,
    /// The time to live when the source says nothing about it.
    default_ttl: Duration,
    current: RwLock<Arc<Loaded>>,
    /// Held while a load runs, so there is only one at a time.
    reloading: tokio::sync::Mutex<Attempts>,
    /// Loads that failed since the start (read into the metrics at scrape).
    failures: Arc<AtomicU64>,
}

struct Loaded {
    keys: Arc<KeySet>,
    /// When these keys must be loaded again; `None`: never (the development key).
    stale_at: Option<Instant>,
}

impl Loaded {
    fn is_stale(&self, now: Instant) -> bool {
        self.stale_at.is_some_and(|at| now >= at)
    }
}

#[derive(Default)]
struct Attempts {
    /// When the last load after the first started. Loads for an unknown key id are rate limited
    /// against it, since anyone can send a token with a made-up `kid` (and a load that just ran
    /// already has the newest keys).
    last: Option<Instant>,
}

/// Why a load is wanted.
#[derive(Clone, Copy)]
enum Why<'a> {
    Stale,
    UnknownKid(Option<&'a str>),
}

impl KeyCache {
    /// Keys that never change (the development key).
    pub(super) fn fixed(keys: KeySet) -> KeyCache {
        KeyCache::with(Origin::Dev, Duration::MAX, keys, None)
    }

    /// Loads the keys from `origin` a first time; failing here fails the start.
    pub(super) async fn load(
        origin: Origin,
        default_ttl: Duration,
    ) -> Result<KeyCache, AuthSetupError> {
        let (keys, freshness) = origin.load().await?;
        let ttl = freshness.ttl(default_ttl);
        let stale_at = Instant::now().checked_add(ttl);
        Ok(KeyCache::with(origin, default_ttl, keys, stale_at))
    }

    fn with(
        origin: Origin,
        default_ttl: Duration,
        keys: KeySet,
        stale_at: Option<Instant>,
    ) -> Self {
        KeyCache {
            origin,
            default_ttl,
            current: RwLock::new(Arc::new(Loaded {
                keys: Arc::new(keys),
                stale_at,
            })),
            reloading: tokio::sync::Mutex::new(Attempts::default()),
            failures: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many loads after the first have failed, for the metrics.
    pub(super) fn failure_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.failures)
    }

    fn current(&self) -> Arc<Loaded> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn replace(&self, loaded: Loaded) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(loaded);
    }

    /// The key a token names, from keys no older than their time to live (or the last ones that
    /// could be loaded); on an unknown `kid`, loads the keys again (rate limited) and looks again.
    pub(super) async fn key_for(&self, kid: Option<&str>) -> Option<Arc<VerifyKey>> {
        let mut loaded = self.current();
        if loaded.is_stale(Instant::now()) {
            self.reload(Why::Stale).await;
            loaded = self.current();
        }
        if let Some(key) = loaded.keys.find(kid) {
            return Some(key);
        }
        self.reload(Why::UnknownKid(kid)).await;
        self.current().keys.find(kid)
    }

    async fn reload(&self, why: Why<'_>) {
        let Some(interval) = self.origin.refetch_interval() else {
            return;
        };
        let mut attempts = self.reloading.lock().await;
        let now = Instant::now();
        // Another request may have loaded the keys while this one waited for the lock.
        let loaded = self.current();
        match why {
            Why::Stale if !loaded.is_stale(now) => return,
            Why::Stale => {}
            Why::UnknownKid(kid) => {
                if loaded.keys.find(kid).is_some()
                    || attempts
                        .last
                        .is_some_and(|at| now.duration_since(at) < interval)
                {
                    return;
                }
            }
        }
        attempts.last = Some(now);
        match self.origin.load().await {
            Ok((keys, freshness)) => {
                let ttl = freshness.ttl(self.default_ttl);
                self.log_reload(why, &keys, freshness, ttl);
                self.replace(Loaded {
                    keys: Arc::new(keys),
                    stale_at: Instant::now().checked_add(ttl),
                });
            }
            Err(error) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    %error,
                    retry_in_secs = interval.as_secs_f64(),
                    "could not reload the JWKS; keeping the keys loaded before"
                );
                // Stale keys are tried again after the interval, not on every request; keys
                // still fresh keep their own time.
                let retry_at = Instant::now().checked_add(interval);
                self.replace(Loaded {
                    keys: Arc::clone(&loaded.keys),
                    stale_at: loaded.stale_at.max(retry_at),
                });
            }
        }
        drop(attempts);
    }

    fn log_reload(&self, why: Why<'_>, keys: &KeySet, freshness: Freshness, ttl: Duration) {
        let source = self.origin.describe();
        let count = keys.by_kid.len();
        let ttl_secs = ttl.as_secs();
        match why {
            Why::Stale => tracing::debug!(
                %source, keys = count, ttl_secs, ?freshness,
                "reloaded the JWKS after its time to live"
            ),
            Why::UnknownKid(_) => tracing::info!(
                %source, keys = count, ttl_secs, ?freshness,
                "reloaded the JWKS after a token named an unknown key id"
            ),
        }
    }

    /// Makes the keys held `by` older, as if that time had passed (tests of the time to live).
    #[cfg(test)]
    pub(super) fn age(&self, by: Duration) {
        let loaded = self.current();
        self.replace(Loaded {
            keys: Arc::clone(&loaded.keys),
            stale_at: loaded.stale_at.and_then(|at| at.checked_sub(by)),
        });
    }

    /// How long the keys held stay fresh from now (`None`: for ever or already stale).
    #[cfg(test)]
    pub(super) fn fresh_for(&self) -> Option<Duration> {
        let stale_at = self.current().stale_at?;
        stale_at.checked_duration_since(Instant::now())
    }
}
