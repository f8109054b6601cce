//! The running Webhooks API: the generated `webhooks_server::Api` on a real store (SQLite or
//! PostgreSQL), with JWT authentication and per-caller rate limits.
//!
//! [`start`] binds, migrates and serves; the `webhooks-service` binary wraps it in a CLI.

pub mod auth;
pub mod contract;
pub mod delivery;
pub mod errors;
pub mod idempotency;
mod key_file;
pub mod limiter;
pub mod metrics;
pub mod outbound;
pub mod pages;
pub mod probes;
pub mod read_cache;
mod request_span;
pub mod retention;
pub mod secrets;
pub mod service;
pub mod store;
pub mod webhook_health;
mod write_gate;

use std::future::Future;
use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{AuthConfig, AuthSetupError, JwtAuthenticator, KeySource};
use crate::delivery::DeliveryConfig;
use crate::delivery::notify::Listener;
use crate::delivery::worker::{ClientError, Worker};
use crate::limiter::Limiter;
use crate::service::Service;
use crate::store::{Store, StoreError};

/// Webhook rows sealed per transaction by the start-up migration of plain-text secrets.
const SEAL_BATCH: i64 = 500;

/// The default sustained rate limit per caller.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 600;

/// Everything the service needs to run.
pub struct Config {
    /// Where to listen; port 0 picks a free port (see [`Running::addr`]).
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created when missing) or `postgres://...`.
    pub database_url: String,
    /// The most database connections this process opens.
    pub db_max_connections: u32,
    /// Accept `http://` callback URLs (local testing only).
    pub allow_insecure_callbacks: bool,
    /// Requests a minute per caller; 0 turns rate limits off.
    pub rate_limit_per_minute: u32,
    /// Largest burst per caller (default: the per-minute limit).
    pub rate_limit_burst: Option<u32>,
    /// Share the rate limit with every instance using this Redis (`redis://...`); `None`: this
    /// process limits alone.
    pub redis_url: Option<String>,
    /// Where token verification keys come from.
    pub key_source: KeySource,
    /// The key webhook secrets are sealed with in the store (every instance on one database
    /// needs the same).
    pub secret_key: secrets::SecretKey,
    /// Required issuer, audience and clock leeway of tokens.
    pub auth: AuthConfig,
    /// Largest accepted request body in bytes (default: the generated server's).
    pub body_limit: Option<usize>,
    /// Event delivery: the worker, its retry schedule and the callback address rules.
    pub delivery: DeliveryConfig,
    /// How long the owner's read of one webhook may be answered from memory (see
    /// [`read_cache`]); `None`: [`read_cache::DEFAULT_SQLITE_TTL`] on SQLite, nothing on
    /// PostgreSQL.
    pub read_cache_ttl: Option<std::time::Duration>,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("authentication: {0}")]
    Auth(#[from] AuthSetupError),
    #[error("rate limit: {0}")]
    Redis(#[from] limiter::RedisSetupError),
    #[error("delivery: {0}")]
    Delivery(#[from] ClientError),
    #[error(
        "delivery: the lease ({lease:?}) must be longer than the request timeout ({timeout:?})"
    )]
    Lease {
        lease: std::time::Duration,
        timeout: std::time::Duration,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A service that is serving; stop it with [`Running::stop`] or [`Running::serve_until`].
pub struct Running {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    worker: Option<Worker>,
    /// Wakes the worker on deliveries other instances make due (PostgreSQL).
    listener: Option<Listener>,
    /// Deletes idempotency keys past their window.
    janitor: JoinHandle<()>,
    /// Deletes finished deliveries and events past the retention time.
    retention: JoinHandle<()>,
}

impl Running {
    /// The address the service listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for that.
    pub async fn stop(self) -> std::io::Result<()> {
        // The server may already have stopped on its own; its result tells.
        let _ = self.shutdown.send(());
        self.janitor.abort();
        self.retention.abort();
        let served = join(self.task).await;
        stop_delivery(self.worker, self.listener).await;
        served
    }

    /// Serves until `signal` resolves (then shuts down gracefully) or the server fails.
    pub async fn serve_until(self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        let Running {
            shutdown,
            mut task,
            worker,
            listener,
            janitor,
            retention,
            ..
        } = self;
        let served = tokio::select! {
            result = &mut task => flatten(result),
            () = signal => {
                tracing::info!("shutting down; finishing requests and deliveries in flight");
                let _ = shutdown.send(());
                join(task).await
            }
        };
        janitor.abort();
        retention.abort();
        stop_delivery(worker, listener).await;
        served
    }
}

async fn stop_delivery(worker: Option<Worker>, listener: Option<Listener>) {
    if let Some(listener) = listener {
        listener.stop().await;
    }
    if let Some(worker) = worker {
        worker.stop().await;
    }
}

async fn join(task: JoinHandle<std::io::Result<()>>) -> std::io::Result<()> {
    flatten(task.await)
}

fn flatten(result: Result<std::io::Result<()>, tokio::task::JoinError>) -> std::io::Result<()> {
    result.map_err(std::io::Error::other)?
}

/// Connects to the store (applying migrations), sets up authentication, binds `config.listen`
/// and serves in a background task.
pub async fn start(config: Config) -> Result<Running, StartError> {
    if config.delivery.enabled && config.delivery.lease <= config.delivery.request_timeout {
        return Err(StartError::Lease {
            lease: config.delivery.lease,
            timeout: config.delivery.request_timeout,
        });
    }
    let store = Store::connect_with(&config.database_url, config.db_max_connections)
        .await?
        .with_secrets(secrets::Secrets::new(&config.secret_key));
    let sealing = secrets::seal_plain_secrets(&store, SEAL_BATCH).await?;
    if sealing.sealed > 0 {
        tracing::info!(
            webhooks = sealing.sealed,
            "sealed the webhook secrets that were stored in plain text"
        );
    }
    if sealing.left > 0 {
        tracing::warn!(
            webhooks = sealing.left,
            "some webhook secrets changed while being sealed and stay in plain text until the next start"
        );
    }
    let read_cache_ttl = config.read_cache_ttl.unwrap_or(if store.postgres {
        std::time::Duration::ZERO
    } else {
        read_cache::DEFAULT_SQLITE_TTL
    });
    let store = store.with_read_cache(read_cache_ttl);
    let authenticator = JwtAuthenticator::new(config.key_source, config.auth).await?;
    let limiter = match &config.redis_url {
        Some(url) => {
            Limiter::with_redis(
                config.rate_limit_per_minute,
                config.rate_limit_burst,
                url,
                limiter::DEFAULT_KEY_PREFIX,
                limiter::REDIS_TIMEOUT,
            )
            .await?
        }
        None => Limiter::new(config.rate_limit_per_minute, config.rate_limit_burst),
    };
    let metrics = std::sync::Arc::new(
        metrics::Metrics::new(
            config
                .redis_url
                .is_some()
                .then(|| limiter.redis_failure_counter()),
        )
        .with_jwks_reload_failures(authenticator.jwks_reload_failures()),
    );
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    // The same rules as the worker's, so that a callback accepted here is one it may call
    // (names aside, which it checks after DNS).
    let callbacks = delivery::ssrf::AddressPolicy::new(
        config.delivery.allow_callback_cidrs.clone(),
        config.allow_insecure_callbacks,
    );
    let tokens = pages::Tokens::new(store.token_key().await?);
    let api = Service::new(
        store.clone(),
        limiter,
        callbacks,
        std::sync::Arc::clone(&wake),
        tokens,
    );
    let mut router_config = webhooks_server::Config::default();
    if let Some(bytes) = config.body_limit {
        router_config = router_config.with_body_limit(bytes);
    }
    let generated = webhooks_server::router_with_config(api, authenticator, router_config);

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    // Only a process that delivers listens; only PostgreSQL carries notifications.
    let notified = (config.delivery.enabled && config.delivery.listen && store.postgres)
        .then(|| Listener::start(config.database_url.clone(), std::sync::Arc::clone(&wake)));
    let retention = tokio::spawn(retention::run(
        store.clone(),
        config.delivery.retention.clone(),
        std::sync::Arc::clone(&metrics),
    ));
    let worker = if config.delivery.enabled {
        Some(Worker::start(
            store.clone(),
            config.delivery,
            config.allow_insecure_callbacks,
            wake,
            std::sync::Arc::clone(&metrics),
        )?)
    } else {
        None
    };
    let janitor = tokio::spawn(idempotency::forget_expired_keys(
        store.clone(),
        idempotency::CLEANUP_INTERVAL,
    ));
    let probes = probes::Probes::new(store.clone(), worker.as_ref().map(Worker::alive));
    let app = request_span::layer(
        generated
            .merge(probes::router(probes))
            .merge(contract::router())
            .merge(metrics::router(std::sync::Arc::clone(&metrics), store)),
        metrics,
    );
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender stops the server as well.
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "webhooks service listening");
    Ok(Running {
        addr,
        shutdown,
        task,
        worker,
        listener: notified,
        janitor,
        retention,
    })
}

/// Gives `client_id` the `webhooks_maintainer` role on `itwin_id`.
pub async fn grant(
    database_url: &str,
    client_id: &str,
    itwin_id: uuid::Uuid,
) -> Result<(), StoreError> {
    let store = Store::connect(database_url).await?;
    // Stored as webhooks store their `scopeId`: the uuid's lowercase hyphenated form, so a grant
    // written in capitals still matches.
    let result = store.add_grant(client_id, &itwin_id.to_string()).await;
    store.close().await;
    result
}

/// Failed (or other) deliveries, oldest first: `deliveries list`.
pub async fn list_deliveries(
    database_url: &str,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<delivery::queue::DeliveryRecord>, StoreError> {
    let store = Store::connect(database_url).await?;
    let result = store.list_deliveries(state, limit).await;
    store.close().await;
    result
}

/// Puts failed deliveries back in the queue (`id`, or all of them): `deliveries replay`.
pub async fn replay_deliveries(
    database_url: &str,
    id: Option<uuid::Uuid>,
) -> Result<u64, StoreError> {
    let store = Store::connect(database_url).await?;
    let filter = delivery::queue::ReplayFilter {
        id,
        ..Default::default()
    };
    let result = store.replay(&filter).await;
    store.close().await;
    result
}
