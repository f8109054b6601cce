//! The running Webhooks API: the generated `webhooks_server::Api` on a real store (SQLite or
//! PostgreSQL), with JWT authentication and per-caller rate limits.
//!
//! [`start`] binds, migrates and serves; the `webhooks-service` binary wraps it in a CLI.

pub mod auth;
pub mod errors;
pub mod limiter;
pub mod service;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{AuthConfig, AuthSetupError, JwtAuthenticator, KeySource};
use crate::limiter::Limiter;
use crate::service::Service;
use crate::store::{Store, StoreError};

/// The default sustained rate limit per caller.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 600;

/// Everything the service needs to run.
pub struct Config {
    /// Where to listen; port 0 picks a free port (see [`Running::addr`]).
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created when missing) or `postgres://...`.
    pub database_url: String,
    /// Accept `http://` callback URLs (local testing only).
    pub allow_insecure_callbacks: bool,
    /// Requests a minute per caller; 0 turns rate limits off.
    pub rate_limit_per_minute: u32,
    /// Largest burst per caller (default: the per-minute limit).
    pub rate_limit_burst: Option<u32>,
    /// Where token verification keys come from.
    pub key_source: KeySource,
    /// Required issuer, audience and clock leeway of tokens.
    pub auth: AuthConfig,
    /// Largest accepted request body in bytes (default: the generated server's).
    pub body_limit: Option<usize>,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("authentication: {0}")]
    Auth(#[from] AuthSetupError),
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
        join(self.task).await
    }

    /// Serves until `signal` resolves (then shuts down gracefully) or the server fails.
    pub async fn serve_until(self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        let Running {
            shutdown, mut task, ..
        } = self;
        tokio::select! {
            result = &mut task => flatten(result),
            () = signal => {
                tracing::info!("shutting down; finishing requests in flight");
                let _ = shutdown.send(());
                join(task).await
            }
        }
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
    let store = Store::connect(&config.database_url).await?;
    let authenticator = JwtAuthenticator::new(config.key_source, config.auth).await?;
    let limiter = Limiter::new(config.rate_limit_per_minute, config.rate_limit_burst);
    let api = Service::new(store, limiter, config.allow_insecure_callbacks);
    let mut router_config = webhooks_server::Config::default();
    if let Some(bytes) = config.body_limit {
        router_config = router_config.with_body_limit(bytes);
    }
    let app = webhooks_server::router_with_config(api, authenticator, router_config);

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
    })
}

/// Gives `client_id` the `webhooks_maintainer` role on `itwin_id`.
pub async fn grant(database_url: &str, client_id: &str, itwin_id: &str) -> Result<(), StoreError> {
    let store = Store::connect(database_url).await?;
    let result = store.add_grant(client_id, itwin_id).await;
    store.close().await;
    result
}
