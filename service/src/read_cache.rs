//! The API's reads of one webhook (`GET /webhooks/{id}`), kept in memory for a short time.
//!
//! On SQLite every query crosses to sqlx's connection thread and back, which costs more than the
//! rest of a read request (BENCHMARKS.md, "One core"). The webhooks rows are written only by
//! `serve` processes, and every write in this process goes through a [`crate::store::Store`]
//! method that forgets the row here once it has committed, so this process reads its own
//! writes at once. Another process on the same database (a second `serve` on one SQLite file,
//! or any instance of a fleet on PostgreSQL) is seen within the time to live. That is why the
//! default depends on the database: on for SQLite, where one process is the usual case; off for
//! PostgreSQL, where instances share the database (`serve --read-cache-ttl`).
//!
//! Only the owner's plain read uses it: every check before a change reads the database, and the
//! change itself is a conditional statement there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many webhooks are kept at most; when full, expired entries go, and if that is not
/// enough, all of them (the next reads fill it again).
const CAPACITY: usize = 100_000;

/// The time to live on SQLite when `serve` is not told otherwise.
pub const DEFAULT_SQLITE_TTL: Duration = Duration::from_secs(1);

/// Rows by id (the store keeps `StoredWebhook`s), each kept for at most the time to live.
#[derive(Debug)]
pub struct ReadCache<T> {
    ttl: Duration,
    inner: Mutex<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    entries: HashMap<uuid::Uuid, Entry<T>>,
    /// Counts the rows forgotten. A read that started before a write to the database may
    /// finish after the write forgot the row; it must not put the old row back, so it is
    /// only kept when nothing was forgotten since the read began.
    forgotten: u64,
}

#[derive(Debug)]
struct Entry<T> {
    row: Arc<T>,
    kept_at: Instant,
}

/// Taken before reading the database, handed to [`ReadCache::keep`] with what was read.
#[derive(Debug, Clone, Copy)]
pub struct ReadTicket(u64);

impl<T> ReadCache<T> {
    /// A cache keeping rows for `ttl`; zero keeps nothing.
    pub fn new(ttl: Duration) -> ReadCache<T> {
        ReadCache {
            ttl,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                forgotten: 0,
            }),
        }
    }

    /// Keeps nothing.
    pub fn off() -> ReadCache<T> {
        ReadCache::new(Duration::ZERO)
    }

    pub fn is_on(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // The map is consistent after every statement, so a panic elsewhere leaves it usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Row `id` as read no longer than the time to live ago.
    pub fn get(&self, id: uuid::Uuid) -> Option<Arc<T>> {
        if !self.is_on() {
            return None;
        }
        let inner = self.inner();
        let entry = inner.entries.get(&id)?;
        (entry.kept_at.elapsed() < self.ttl).then(|| Arc::clone(&entry.row))
    }

    /// Call before reading the database for [`ReadCache::keep`].
    pub fn ticket(&self) -> ReadTicket {
        ReadTicket(self.inner().forgotten)
    }

    /// Keeps `row` as row `id`, read from the database after `ticket` was taken, unless a row
    /// was forgotten since (it could be this one, and the read could be older than the write).
    pub fn keep(&self, ticket: ReadTicket, id: uuid::Uuid, row: Arc<T>) {
        if !self.is_on() {
            return;
        }
        let now = Instant::now();
        let mut inner = self.inner();
        if inner.forgotten != ticket.0 {
            return;
        }
        if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(&id) {
            let ttl = self.ttl;
            inner
                .entries
                .retain(|_, entry| now.duration_since(entry.kept_at) < ttl);
            if inner.entries.len() >= CAPACITY {
                inner.entries.clear();
            }
        }
        inner.entries.insert(id, Entry { row, kept_at: now });
    }

    /// Drops row `id`: called after every committed write to it.
    pub fn forget(&self, id: uuid::Uuid) {
        if !self.is_on() {
            return;
        }
        let mut inner = self.inner();
        inner.forgotten += 1;
        inner.entries.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Row {
        id: uuid::Uuid,
    }

    fn row() -> Row {
        Row {
            id: uuid::Uuid::new_v4(),
        }
    }

    #[test]
    fn keeps_what_was_read_and_forgets_what_was_written() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let hook = Arc::new(row());
        assert!(cache.get(hook.id).is_none());
        cache.keep(cache.ticket(), hook.id, Arc::clone(&hook));
        assert_eq!(cache.get(hook.id).as_deref(), Some(&*hook));
        cache.forget(hook.id);
        assert!(cache.get(hook.id).is_none());
    }

    #[test]
    fn a_read_older_than_a_write_is_not_kept() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let hook = Arc::new(row());
        // A read begins, a write commits and forgets the row, then the read ends with the row
        // as it was before the write.
        let ticket = cache.ticket();
        cache.forget(hook.id);
        cache.keep(ticket, hook.id, Arc::clone(&hook));
        assert!(cache.get(hook.id).is_none());
        // The next read, begun after the write, is kept.
        cache.keep(cache.ticket(), hook.id, Arc::clone(&hook));
        assert!(cache.get(hook.id).is_some());
    }

    #[test]
    fn entries_expire_after_the_time_to_live() {
        let cache = ReadCache::new(Duration::from_millis(1));
        let hook = Arc::new(row());
        cache.keep(cache.ticket(), hook.id, Arc::clone(&hook));
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache.get(hook.id).is_none());
    }

    #[test]
    fn off_keeps_nothing() {
        let cache = ReadCache::off();
        let hook = Arc::new(row());
        cache.keep(cache.ticket(), hook.id, Arc::clone(&hook));
        assert!(cache.get(hook.id).is_none());
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = ReadCache::new(Duration::from_secs(60));
        for _ in 0..CAPACITY + 10 {
            let hook = row();
            cache.keep(cache.ticket(), hook.id, Arc::new(hook));
        }
        assert!(cache.inner().entries.len() <= CAPACITY);
    }
}
