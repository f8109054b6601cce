//! `webhooks-service`: serve the Webhooks API, mint development tokens, grant permissions.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::{Config, DEFAULT_RATE_LIMIT_PER_MINUTE};

const DEFAULT_DATABASE_URL: &str = "sqlite://webhooks.db";
const DEFAULT_DEV_KEY: &str = "webhooks-dev.key";

#[derive(Parser)]
#[command(name = "webhooks-service", version, about = "The Webhooks API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until SIGINT or SIGTERM.
    Serve(Serve),
    /// Print a bearer token signed with the local development key.
    Token(Token),
    /// Give a caller `webhooks_maintainer` on an iTwin.
    Grant(Grant),
}

#[derive(Args)]
struct TokenClaims {
    /// Required token issuer (`iss`).
    #[arg(long, default_value_t = AuthConfig::default().issuer)]
    issuer: String,
    /// Required token audience (`aud`).
    #[arg(long, default_value_t = AuthConfig::default().audience)]
    audience: String,
}

impl TokenClaims {
    fn auth_config(&self) -> AuthConfig {
        AuthConfig {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            ..AuthConfig::default()
        }
    }
}

#[derive(Args)]
struct Serve {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// `sqlite://FILE` (created when missing) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Accept `http://` callback URLs (for local testing only).
    #[arg(long)]
    allow_insecure_callbacks: bool,
    /// Requests a minute per caller (0: no limit).
    #[arg(long, default_value_t = DEFAULT_RATE_LIMIT_PER_MINUTE)]
    rate_limit_per_minute: u32,
    /// Largest burst per caller (default: the per-minute limit).
    #[arg(long)]
    rate_limit_burst: Option<u32>,
    /// The development key file (created when missing), used unless a JWKS is given.
    #[arg(long, default_value = DEFAULT_DEV_KEY)]
    dev_key: PathBuf,
    /// Verify tokens with the keys of this JWKS file.
    #[arg(long, conflicts_with = "jwks_url")]
    jwks_file: Option<PathBuf>,
    /// Verify tokens with the keys of this JWKS URL.
    #[arg(long)]
    jwks_url: Option<String>,
    #[command(flatten)]
    claims: TokenClaims,
    /// Largest request body in bytes.
    #[arg(long)]
    body_limit: Option<usize>,
}

#[derive(Args)]
struct Token {
    /// The caller's client id (`sub` and `client_id`).
    #[arg(long)]
    client_id: String,
    /// Space-separated scopes.
    #[arg(long, default_value = "webhooks:read webhooks:modify")]
    scopes: String,
    /// Mark the caller as an organization administrator.
    #[arg(long)]
    org_admin: bool,
    /// Lifetime, e.g. `1h`, `30m`, `7d`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: std::time::Duration,
    /// The development key file (created when missing).
    #[arg(long, default_value = DEFAULT_DEV_KEY)]
    dev_key: PathBuf,
    #[command(flatten)]
    claims: TokenClaims,
}

#[derive(Args)]
struct Grant {
    /// The caller's client id.
    #[arg(long)]
    client_id: String,
    /// The iTwin id.
    #[arg(long = "itwin")]
    itwin: String,
    /// `sqlite://FILE` or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve(serve) => {
            let key_source = match (serve.jwks_file, serve.jwks_url) {
                (Some(file), _) => KeySource::JwksFile(file),
                (None, Some(url)) => KeySource::JwksUrl(url),
                (None, None) => KeySource::Dev(
                    DevKey::load_or_create(&serve.dev_key).map_err(|e| e.to_string())?,
                ),
            };
            let config = Config {
                listen: serve.listen,
                database_url: serve.database_url,
                allow_insecure_callbacks: serve.allow_insecure_callbacks,
                rate_limit_per_minute: serve.rate_limit_per_minute,
                rate_limit_burst: serve.rate_limit_burst,
                key_source,
                auth: serve.claims.auth_config(),
                body_limit: serve.body_limit,
            };
            if config.allow_insecure_callbacks {
                tracing::warn!("http:// callback URLs are accepted (--allow-insecure-callbacks)");
            }
            let running = webhooks_service::start(config)
                .await
                .map_err(|e| e.to_string())?;
            running
                .serve_until(shutdown_signal())
                .await
                .map_err(|e| format!("server failed: {e}"))
        }
        Command::Token(token) => {
            let key = DevKey::load_or_create(&token.dev_key).map_err(|e| e.to_string())?;
            let scopes: Vec<&str> = token.scopes.split_whitespace().collect();
            let minted = key
                .mint(
                    &token.client_id,
                    &scopes,
                    token.org_admin,
                    token.ttl,
                    &token.claims.auth_config(),
                )
                .map_err(|e| e.to_string())?;
            println!("{minted}");
            Ok(())
        }
        Command::Grant(grant) => {
            webhooks_service::grant(&grant.database_url, &grant.client_id, &grant.itwin)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(
                client_id = %grant.client_id,
                itwin = %grant.itwin,
                "granted webhooks_maintainer"
            );
            Ok(())
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
