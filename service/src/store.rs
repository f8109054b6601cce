//! The webhook store: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Ids and timestamps are TEXT (UUIDs; RFC 3339 in UTC with exactly six fractional digits, so
//! text order is time order), `event_types` is a JSON array in TEXT. Every operation is a single
//! statement, so nothing is ever half-written; state changes are conditional `UPDATE`s whose
//! `RETURNING` row (or its absence) decides who won. Webhook secrets are sealed on the way in
//! and opened on the way out (`secrets`): the columns never hold them in plain text.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use webhooks_client::types::WebhookScope;

use crate::read_cache::ReadCache;
use crate::secrets::{SecretError, Secrets};
use crate::webhook_health::{DeactivationReason, Health};
use crate::write_gate::{WriteConn, WriteGate, WriteTx};

/// The migrations in `service/migrations`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where a page of a list starts: after the row with this creation time and id (keyset
/// pagination; `pages` turns it into a continuation token and back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub created: DateTime<Utc>,
    pub id: uuid::Uuid,
}

/// The pool size when none is given.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

/// What [`Store::readiness`] found.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    pub reachable: bool,
    /// Applied and known migrations, when the database answered.
    pub migrations: Option<(i64, i64)>,
}

/// A failure of the store (database unreachable, a statement refused, a row that does not decode).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored row does not decode: {0}")]
    Corrupt(String),
    #[error("cannot store {0}")]
    Unstorable(String),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// A webhook as stored, secret included.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredWebhook {
    pub id: uuid::Uuid,
    pub owner: String,
    pub scope: WebhookScope,
    pub scope_id: Option<String>,
    pub active: bool,
    pub callback_url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub expiration_date_time: Option<DateTime<Utc>>,
    /// The secret a rotation replaced, while it still signs.
    pub previous_secret: Option<PreviousSecret>,
    /// Whether and why the service deactivated it, and whether its deliveries are failing.
    pub health: Health,
}

/// A replaced secret in its grace period: deliveries are signed with it too until `until`.
#[derive(Clone, PartialEq)]
pub struct PreviousSecret {
    pub secret: String,
    pub until: DateTime<Utc>,
}

impl std::fmt::Debug for PreviousSecret {
    // Like the verify crate's `Secret`: a secret never reaches a log through `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviousSecret")
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

impl StoredWebhook {
    /// Active and not expired at `now`: an expired webhook reads as inactive.
    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        self.active && self.expiration_date_time.is_none_or(|at| at > now)
    }

    /// The secrets that sign a delivery attempted at `now`: the current one first, then the
    /// previous one while its grace period lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> impl Iterator<Item = &str> {
        let previous = self
            .previous_secret
            .as_ref()
            .filter(|previous| previous.until > now)
            .map(|previous| previous.secret.as_str());
        std::iter::once(self.secret.as_str()).chain(previous)
    }
}

/// The fields a PATCH may change; `None` leaves the stored value as it is.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub callback_url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub secret: Option<String>,
    /// Activate (`true`, with the new expiration) or deactivate (`false`).
    pub activation: Option<Activation>,
}

/// A change of the `active` flag. It only applies when the webhook is in the other state.
#[derive(Debug, Clone, Copy)]
pub enum Activation {
    Activate { expires: DateTime<Utc> },
    Deactivate,
}

pub(crate) const COLUMNS: &str = "id, owner, scope, scope_id, active, callback_url, event_types, secret, \
                       created, modified, expiration_date_time, previous_secret, previous_secret_until, \
                       deactivation_reason, deactivated, failing_since";

/// The current time at the store's precision (microseconds).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The text form of a timestamp in the store.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| StoreError::Corrupt(format!("timestamp {text:?}: {e}")))
}

/// Adds `mode=rwc` to an SQLite URL without a mode, so the file is created when missing.
pub fn normalize_url(url: &str) -> String {
    let is_sqlite = url.starts_with("sqlite:");
    if !is_sqlite || url.contains(":memory:") || url.contains("mode=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}mode=rwc")
}

/// Webhooks and grants, on SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// PostgreSQL (row locks with `SKIP LOCKED`) rather than SQLite (one writer at a time).
    pub(crate) postgres: bool,
    /// Seals and opens webhook secrets; without a key ([`Store::connect`] alone) a secret can
    /// be neither written nor read.
    pub(crate) secrets: Secrets,
    /// The owner's reads of one webhook (`read_cache`), shared by every clone of this store;
    /// every write to a webhook row below forgets the row there.
    pub(crate) read_cache: Arc<ReadCache<StoredWebhook>>,
    /// Where writers take turns on SQLite; every write goes through [`Store::write_conn`] or
    /// [`Store::begin_write`].
    gate: WriteGate,
}

impl Store {
    /// Connects to `url` (`sqlite://...` or `postgres://...`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// [`Store::connect`] with a pool of at most `max_connections` (`serve --db-max-connections`):
    /// several instances on one PostgreSQL share its connection limit.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = normalize_url(url);
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            // A SQLite connection is a file handle in this process; pinging it before each use
            // costs a round trip to its thread and finds nothing. A PostgreSQL one may have
            // been closed by the server or the network meanwhile.
            .test_before_acquire(!sqlite)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if sqlite {
                        // Readers never wait for the writer, and commits need no fsync of the
                        // whole file: WAL keeps every committed transaction durable across a crash
                        // of the process (synchronous=NORMAL risks only the last ones on power loss).
                        sqlx::Executor::execute(&mut *conn, "PRAGMA journal_mode = WAL").await?;
                        sqlx::Executor::execute(&mut *conn, "PRAGMA synchronous = NORMAL").await?;
                        sqlx::Executor::execute(&mut *conn, "PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store {
            pool,
            postgres: !sqlite,
            secrets: Secrets::none(),
            read_cache: Arc::new(ReadCache::off()),
            gate: WriteGate::new(sqlite),
        })
    }

    /// A connection for one write statement, once it is this writer's turn (on SQLite: after
    /// every writer that asked before, see `write_gate`). The connection is taken before the
    /// turn, so the pool's hand-over (and its liveness check) is not part of anyone's wait.
    pub(crate) async fn write_conn(&self) -> Result<WriteConn, StoreError> {
        let conn = self.pool.acquire().await?;
        Ok(WriteConn::new(self.gate.turn().await, conn))
    }

    /// A write transaction that holds this writer's turn until it commits or is dropped. It is
    /// begun before the turn: SQLite's `BEGIN` takes no lock, the first write does.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let tx = self.pool.begin().await?;
        Ok(WriteTx::new(self.gate.turn().await, tx))
    }

    /// This store, sealing and opening webhook secrets with `secrets`.
    pub fn with_secrets(self, secrets: Secrets) -> Store {
        Store { secrets, ..self }
    }

    /// This store, keeping the owner's reads of one webhook for `ttl` ([`Store::get_for_read`];
    /// zero keeps nothing).
    pub fn with_read_cache(self, ttl: Duration) -> Store {
        let read_cache = Arc::new(ReadCache::new(ttl));
        Store { read_cache, ..self }
    }

    /// `done`, the outcome of a statement that writes webhook `id`'s row, once the row is
    /// forgotten in the read cache: whatever the outcome, since an error does not prove the
    /// statement did not commit.
    pub(crate) fn forgetting<T>(
        &self,
        id: uuid::Uuid,
        done: Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        self.read_cache.forget(id);
        done
    }

    /// Whether the database answers, and how many of the known migrations it has applied (for
    /// `/readyz`). Never an error: a failure is what the probe reports.
    pub async fn readiness(&self) -> Readiness {
        let reachable = sqlx::query("SELECT 1").execute(&self.pool).await.is_ok();
        let known = MIGRATOR.iter().count() as i64;
        let applied: Option<i64> = if reachable {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .ok()
        } else {
            None
        };
        Readiness {
            reachable,
            migrations: applied.map(|applied| (applied, known)),
        }
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> u32 {
        self.pool.options().get_max_connections()
    }

    /// The pool's connections now: open, idle, and the most it opens.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        (self.pool.size(), idle, self.max_connections())
    }

    /// Closes every connection; later calls fail with a store error.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn insert(&self, hook: &StoredWebhook) -> Result<(), StoreError> {
        let event_types = encode_event_types(&hook.event_types)?;
        sqlx::query(&format!(
            "INSERT INTO webhooks ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(hook.id.to_string())
        .bind(hook.owner.clone())
        .bind(scope_text(&hook.scope)?)
        .bind(hook.scope_id.clone())
        .bind(i32::from(hook.active))
        .bind(hook.callback_url.clone())
        .bind(event_types)
        .bind(self.secrets.seal(hook.id, &hook.secret)?)
        .bind(timestamp(hook.created))
        .bind(timestamp(hook.modified))
        .bind(hook.expiration_date_time.map(timestamp))
        .bind(
            hook.previous_secret
                .as_ref()
                .map(|p| self.secrets.seal(hook.id, &p.secret))
                .transpose()?,
        )
        .bind(hook.previous_secret.as_ref().map(|p| timestamp(p.until)))
        .bind(
            hook.health
                .deactivation_reason
                .map(DeactivationReason::as_str),
        )
        .bind(hook.health.deactivated.map(timestamp))
        .bind(hook.health.failing_since.map(timestamp))
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }

    /// The webhook `id` if `owner` owns it.
    pub async fn get(
        &self,
        owner: &str,
        id: uuid::Uuid,
    ) -> Result<Option<StoredWebhook>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhooks WHERE id = $1 AND owner = $2"
        ))
        .bind(id.to_string())
        .bind(owner.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| decode(row, &self.secrets))
            .transpose()
    }

    /// [`Store::get`] for the owner's plain read, from the read cache when it holds the row
    /// (see `read_cache`): never for a check before a change.
    pub async fn get_for_read(
        &self,
        owner: &str,
        id: uuid::Uuid,
    ) -> Result<Option<Arc<StoredWebhook>>, StoreError> {
        let hook = match self.read_cache.get(id) {
            Some(hook) => hook,
            None => {
                let ticket = self.read_cache.ticket();
                // Read by id alone, so that the row is kept whoever asked; the owner is
                // compared below either way.
                let row = sqlx::query(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let hook = Arc::new(decode(&row, &self.secrets)?);
                self.read_cache.keep(ticket, id, Arc::clone(&hook));
                hook
            }
        };
        Ok((hook.owner == owner).then_some(hook))
    }

    /// Every webhook `owner` owns, oldest first.
    pub async fn list(&self, owner: &str) -> Result<Vec<StoredWebhook>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhooks WHERE owner = $1 ORDER BY created, id"
        ))
        .bind(owner.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| decode(row, &self.secrets)).collect()
    }

    /// At most `limit` of `owner`'s webhooks in (created, id) order, after `after` when given.
    pub async fn list_page(
        &self,
        owner: &str,
        after: Option<&Position>,
        limit: i64,
    ) -> Result<Vec<StoredWebhook>, StoreError> {
        let rows =
            match after {
                None => sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM webhooks WHERE owner = $1 ORDER BY created, id LIMIT $2"
                ))
                .bind(owner.to_owned())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?,
                Some(after) => {
                    sqlx::query(&format!(
                        "SELECT {COLUMNS} FROM webhooks WHERE owner = $1 \
                     AND (created > $2 OR (created = $2 AND id > $3)) \
                     ORDER BY created, id LIMIT $4"
                    ))
                    .bind(owner.to_owned())
                    .bind(timestamp(after.created))
                    .bind(after.id.to_string())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                }
            };
        rows.iter().map(|row| decode(row, &self.secrets)).collect()
    }

    /// Deletes the webhook; `false` when `owner` has no webhook `id`.
    pub async fn delete(&self, owner: &str, id: uuid::Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND owner = $2")
            .bind(id.to_string())
            .bind(owner.to_owned())
            .execute(&mut *self.write_conn().await?)
            .await;
        let deleted = self.forgetting(id, done)?.rows_affected() > 0;
        if deleted {
            // Its pending deliveries stop now; a worker would also drop them when it finds the
            // webhook gone, this makes it visible at once.
            self.cancel_pending(id, "webhook deleted", now()).await?;
        }
        Ok(deleted)
    }

    /// Applies `changes` in one conditional statement and returns the row after it. `None`
    /// when `owner` has no webhook `id`, or when an activation change finds the webhook
    /// already in the requested state (the caller tells the two apart by reading again).
    pub async fn update(
        &self,
        owner: &str,
        id: uuid::Uuid,
        changes: &Changes,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredWebhook>, StoreError> {
        let event_types = changes
            .event_types
            .as_deref()
            .map(encode_event_types)
            .transpose()?;
        // The statement text is fixed per kind of change; every value is a bound parameter.
        let (set_active, condition) = match changes.activation {
            None => ("", ""),
            // Activating clears what endpoint health recorded: the owner says the callback
            // works again, and it gets a full window before it counts as failing.
            Some(Activation::Activate { .. }) => (
                ", active = 1, expiration_date_time = $7, deactivation_reason = NULL, \
                 deactivated = NULL, failing_since = NULL",
                " AND (active = 0 OR (expiration_date_time IS NOT NULL \
                 AND expiration_date_time <= $8))",
            ),
            // The owner's deactivation has a time and no reason (reasons are the service's).
            Some(Activation::Deactivate) => (
                ", active = 0, expiration_date_time = $7, deactivated = $4",
                " AND active = 1 AND (expiration_date_time IS NULL \
                 OR expiration_date_time > $8)",
            ),
        };
        // A secret set here replaces the key at once, so a previous secret in its grace period
        // stops signing too (otherwise a PATCH meant to shut out a leaked key would leave it
        // working until the rotation's end).
        let clear_previous = if changes.secret.is_some() {
            ", previous_secret = NULL, previous_secret_until = NULL"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE webhooks SET callback_url = COALESCE($1, callback_url), \
             event_types = COALESCE($2, event_types), secret = COALESCE($3, secret), \
             modified = $4{set_active}{clear_previous} WHERE id = $5 AND owner = $6{condition} \
             RETURNING {COLUMNS}"
        );
        let secret = changes
            .secret
            .as_deref()
            .map(|secret| self.secrets.seal(id, secret))
            .transpose()?;
        let mut query = sqlx::query(&sql)
            .bind(changes.callback_url.clone())
            .bind(event_types)
            .bind(secret)
            .bind(timestamp(now))
            .bind(id.to_string())
            .bind(owner.to_owned());
        if let Some(activation) = changes.activation {
            let expires = match activation {
                Activation::Activate { expires } => Some(timestamp(expires)),
                Activation::Deactivate => None,
            };
            query = query.bind(expires).bind(timestamp(now));
        }
        let row = query.fetch_optional(&mut *self.write_conn().await?).await;
        let row = self.forgetting(id, row)?;
        let updated = row
            .as_ref()
            .map(|row| decode(row, &self.secrets))
            .transpose()?;
        if updated.is_some() && matches!(changes.activation, Some(Activation::Deactivate)) {
            // A deactivated webhook receives nothing, not even what was published before.
            self.cancel_pending(id, "webhook deactivated", now).await?;
        }
        Ok(updated)
    }

    /// Makes `secret` the webhook's secret and keeps the one it replaces signing until
    /// `previous_until` (`None`: the replaced one stops at once). Returns the row after it;
    /// `None` when `owner` has no webhook `id`. An earlier previous secret is dropped: there is
    /// at most one.
    pub async fn rotate_secret(
        &self,
        owner: &str,
        id: uuid::Uuid,
        secret: &str,
        previous_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredWebhook>, StoreError> {
        // On the right of SET, `secret` is the value before this statement (SQL evaluates every
        // assignment against the old row), so the replaced secret moves in the same statement.
        let keep = if previous_until.is_some() {
            "previous_secret = secret, previous_secret_until = $1"
        } else {
            "previous_secret = NULL, previous_secret_until = $1"
        };
        let row = sqlx::query(&format!(
            "UPDATE webhooks SET {keep}, secret = $2, modified = $3 \
             WHERE id = $4 AND owner = $5 RETURNING {COLUMNS}"
        ))
        .bind(previous_until.map(timestamp))
        .bind(self.secrets.seal(id, secret)?)
        .bind(timestamp(now))
        .bind(id.to_string())
        .bind(owner.to_owned())
        .fetch_optional(&mut *self.write_conn().await?)
        .await;
        self.forgetting(id, row)?
            .as_ref()
            .map(|row| decode(row, &self.secrets))
            .transpose()
    }

    /// Ends the webhook's previous secret now. `false` when `owner` has no webhook `id` or it
    /// has no previous secret that still signs at `now`.
    pub async fn end_previous_secret(
        &self,
        owner: &str,
        id: uuid::Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE webhooks SET previous_secret = NULL, previous_secret_until = NULL, \
             modified = $1 WHERE id = $2 AND owner = $3 AND previous_secret IS NOT NULL \
             AND previous_secret_until > $4",
        )
        .bind(timestamp(now))
        .bind(id.to_string())
        .bind(owner.to_owned())
        .bind(timestamp(now))
        .execute(&mut *self.write_conn().await?)
        .await;
        Ok(self.forgetting(id, done)?.rows_affected() > 0)
    }

    /// Whether `client_id` has `webhooks_maintainer` on `itwin_id`.
    pub async fn has_grant(&self, client_id: &str, itwin_id: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT client_id FROM grants WHERE client_id = $1 AND itwin_id = $2")
                .bind(client_id.to_owned())
                .bind(itwin_id.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Gives `client_id` `webhooks_maintainer` on `itwin_id` (idempotent).
    pub async fn add_grant(&self, client_id: &str, itwin_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO grants (client_id, itwin_id) VALUES ($1, $2) \
             ON CONFLICT (client_id, itwin_id) DO NOTHING",
        )
        .bind(client_id.to_owned())
        .bind(itwin_id.to_owned())
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }
}

/// `$first, $first+1, ...`: placeholders for an IN list (the Any driver binds no arrays).
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text a scope is stored as. Spelled out rather than taken from the generated `as_str`, so
/// a change of the spec's spelling cannot silently change what rows already hold.
pub(crate) fn scope_text(scope: &WebhookScope) -> Result<&'static str, StoreError> {
    match scope {
        WebhookScope::Account => Ok("Account"),
        WebhookScope::ITwin => Ok("iTwin"),
        other => Err(StoreError::Unstorable(format!(
            "the scope {:?}: only Account and iTwin are kept",
            other.as_str()
        ))),
    }
}

/// The scope a row holds; any other text is a corrupt row, never an `Unknown` scope that the
/// rules for iTwin and Account webhooks would not cover.
fn parse_scope(text: &str) -> Result<WebhookScope, StoreError> {
    match text {
        "Account" => Ok(WebhookScope::Account),
        "iTwin" => Ok(WebhookScope::ITwin),
        other => Err(StoreError::Corrupt(format!(
            "scope {other:?} is neither Account nor iTwin"
        ))),
    }
}

fn encode_event_types(event_types: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(event_types).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A webhook row, its secrets opened with `secrets`.
pub(crate) fn decode(row: &AnyRow, secrets: &Secrets) -> Result<StoredWebhook, StoreError> {
    let text = |name: &str| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(name)?) };
    let optional = |name: &str| -> Result<Option<String>, StoreError> {
        Ok(row.try_get::<Option<String>, _>(name)?)
    };
    let event_types = text("event_types")?;
    let id = uuid_column(row, "id")?;
    Ok(StoredWebhook {
        id,
        owner: text("owner")?,
        scope: parse_scope(&text("scope")?)?,
        scope_id: optional("scope_id")?,
        // `active` is an INTEGER 0/1.
        active: integer(row, "active")? != 0,
        callback_url: text("callback_url")?,
        event_types: serde_json::from_str(&event_types)
            .map_err(|e| StoreError::Corrupt(format!("event_types {event_types:?}: {e}")))?,
        secret: secrets.open(id, &text("secret")?)?,
        created: time_column(row, "created")?,
        modified: time_column(row, "modified")?,
        expiration_date_time: optional("expiration_date_time")?
            .as_deref()
            .map(parse_timestamp)
            .transpose()?,
        previous_secret: match (
            optional("previous_secret")?,
            optional("previous_secret_until")?,
        ) {
            (Some(secret), Some(until)) => Some(PreviousSecret {
                secret: secrets.open(id, &secret)?,
                until: parse_timestamp(&until)?,
            }),
            // Written together and cleared together; half a pair is no grace period.
            _ => None,
        },
        health: Health {
            deactivation_reason: optional("deactivation_reason")?
                .as_deref()
                .map(|text| {
                    DeactivationReason::parse(text).ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "deactivation_reason {text:?} is neither Gone nor Failing"
                        ))
                    })
                })
                .transpose()?,
            deactivated: optional("deactivated")?
                .as_deref()
                .map(parse_timestamp)
                .transpose()?,
            failing_since: optional("failing_since")?
                .as_deref()
                .map(parse_timestamp)
                .transpose()?,
        },
    })
}

/// Reads an INTEGER column: 64-bit on SQLite, 32-bit on PostgreSQL.
pub(crate) fn integer(row: &AnyRow, name: &str) -> Result<i64, StoreError> {
    match row.try_get::<i64, _>(name) {
        Ok(value) => Ok(value),
        Err(_) => Ok(i64::from(row.try_get::<i32, _>(name)?)),
    }
}

pub(crate) fn optional_integer(row: &AnyRow, name: &str) -> Result<Option<i64>, StoreError> {
    match row.try_get::<Option<i64>, _>(name) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<Option<i32>, _>(name)?.map(i64::from)),
    }
}

pub(crate) fn uuid_column(row: &AnyRow, name: &str) -> Result<uuid::Uuid, StoreError> {
    let text: String = row.try_get(name)?;
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{name} {text:?}: {e}")))
}

pub(crate) fn time_column(row: &AnyRow, name: &str) -> Result<DateTime<Utc>, StoreError> {
    let text: String = row.try_get(name)?;
    parse_timestamp(&text)
}
