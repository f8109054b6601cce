//! `webhooks-service`: serve the Webhooks API, mint development tokens, grant permissions.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::delivery::DeliveryConfig;
use webhooks_service::delivery::queue::{CANCELLED, DELIVERED, FAILED, PENDING};
use webhooks_service::delivery::retry::{self, RetryPolicy};
use webhooks_service::secrets::SecretKey;
use webhooks_service::secrets::key::KEY_VARIABLE;
use webhooks_service::{Config, DEFAULT_RATE_LIMIT_PER_MINUTE};

const DEFAULT_DATABASE_URL: &str = "sqlite://webhooks.db";
const DEFAULT_DEV_KEY: &str = "webhooks-dev.key";
/// The secrets key file created beside the development key when no key is given.
const DEFAULT_SECRETS_KEY_NAME: &str = "webhooks-secrets.key";

#[derive(Parser)]
#[command(name = "webhooks-service", version, about = "The Webhooks API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until SIGINT or SIGTERM.
    Serve(Box<Serve>),
    /// Print a bearer token signed with the local development key.
    Token(Token),
    /// Give a caller `webhooks_maintainer` on an iTwin.
    Grant(Grant),
    /// List or replay event deliveries.
    #[command(subcommand)]
    Deliveries(Deliveries),
}

#[derive(Subcommand)]
enum Deliveries {
    /// Print deliveries, oldest first: id, state, attempts, webhook, event type, last status
    /// and error (tab-separated).
    List(ListDeliveries),
    /// Put failed deliveries back in the queue with a fresh retry schedule.
    Replay(ReplayDeliveries),
}

#[derive(Args)]
struct ListDeliveries {
    /// Only failed deliveries (the same as `--state failed`).
    #[arg(long, conflicts_with = "state")]
    failed: bool,
    /// Only deliveries in this state.
    #[arg(long, value_parser = [PENDING, DELIVERED, FAILED, CANCELLED])]
    state: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 1000)]
    limit: i64,
    /// `sqlite://FILE` or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["id", "all_failed"])))]
struct ReplayDeliveries {
    /// The delivery (its `messageId`) to replay.
    id: Option<uuid::Uuid>,
    /// Replay every failed delivery.
    #[arg(long)]
    all_failed: bool,
    /// `sqlite://FILE` or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

#[derive(Args)]
struct TokenClaims {
    /// Required token issuer (`iss`).
    #[arg(long, env = "WEBHOOKS_ISSUER", default_value_t = AuthConfig::default().issuer)]
    issuer: String,
    /// Required token audience (`aud`).
    #[arg(long, env = "WEBHOOKS_AUDIENCE", default_value_t = AuthConfig::default().audience)]
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
    #[arg(long, env = "WEBHOOKS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// `sqlite://FILE` (created when missing) or `postgres://...` [default: `DATABASE_URL`, else
    /// sqlite://webhooks.db].
    #[arg(long, env = "WEBHOOKS_DATABASE_URL")]
    database_url: Option<String>,
    /// Accept `http://` callback URLs, and deliver to them (for local testing only).
    #[arg(long, env = "WEBHOOKS_ALLOW_INSECURE_CALLBACKS")]
    allow_insecure_callbacks: bool,
    /// Admit callbacks in this range although it is refused by default (loopback, private,
    /// link-local, CGNAT, unique-local...): create and update accept IP-literal callbacks in
    /// it, and deliveries may reach it. Repeatable, e.g. `127.0.0.0/8` for a local receiver.
    #[arg(
        long = "allow-callback-cidr",
        env = "WEBHOOKS_ALLOW_CALLBACK_CIDR",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    allow_callback_cidrs: Vec<ipnet::IpNet>,
    /// Waits between delivery attempts, comma-separated; the delivery is marked failed after
    /// one attempt more than there are waits.
    #[arg(long, env = "WEBHOOKS_RETRY_SCHEDULE", default_value = retry::DEFAULT_SCHEDULE, value_parser = retry::parse_schedule)]
    retry_schedule: std::vec::Vec<std::time::Duration>,
    /// The fraction (0 to 1) by which each wait varies at random.
    #[arg(long, env = "WEBHOOKS_RETRY_JITTER", default_value_t = retry::DEFAULT_JITTER, value_parser = retry::parse_jitter)]
    retry_jitter: f64,
    /// Deliveries in flight at once in this process; 0 runs no delivery worker here.
    #[arg(long, env = "WEBHOOKS_DELIVERY_CONCURRENCY", default_value_t = DeliveryConfig::default().concurrency)]
    delivery_concurrency: usize,
    /// Deliveries of one webhook in flight at once, across every instance on the database (at
    /// least 1; 0 would deliver nothing, not lift the limit): one slow receiver holds at most
    /// this many delivery slots.
    #[arg(long, env = "WEBHOOKS_MAX_IN_FLIGHT_PER_WEBHOOK", default_value_t = DeliveryConfig::default().max_in_flight_per_webhook, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_in_flight_per_webhook: usize,
    /// How often the worker looks for due deliveries when nothing wakes it sooner.
    #[arg(long, env = "WEBHOOKS_DELIVERY_POLL_INTERVAL", default_value = "1s", value_parser = humantime::parse_duration)]
    delivery_poll_interval: std::time::Duration,
    /// On PostgreSQL, wake the delivery worker as soon as any instance makes a delivery due
    /// (LISTEN/NOTIFY); `false` leaves only the poll (--delivery-poll-interval).
    #[arg(long, env = "WEBHOOKS_DELIVERY_LISTEN", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    delivery_listen: bool,
    /// How long a receiver has to answer.
    #[arg(long, env = "WEBHOOKS_DELIVERY_TIMEOUT", default_value = "5s", value_parser = humantime::parse_duration)]
    delivery_timeout: std::time::Duration,
    /// How long a claimed delivery stays with its worker; a killed worker's deliveries are
    /// attempted again after this. Must exceed --delivery-timeout.
    #[arg(long, env = "WEBHOOKS_DELIVERY_LEASE", default_value = "60s", value_parser = humantime::parse_duration)]
    delivery_lease: std::time::Duration,
    /// Deactivate a webhook whose delivery attempts have all failed for this long, with no
    /// success in between (a `410 Gone` deactivates at once).
    #[arg(long, env = "WEBHOOKS_DISABLE_AFTER", default_value = "5days", value_parser = positive_duration)]
    disable_after: std::time::Duration,
    /// Delete delivered, failed and cancelled deliveries this long after they finished, and
    /// events this long after they were published once no delivery of theirs is left.
    #[arg(long, env = "WEBHOOKS_RETENTION", default_value = "30days", value_parser = positive_duration)]
    retention: std::time::Duration,
    /// Requests a minute per caller (0: no limit).
    #[arg(long, env = "WEBHOOKS_RATE_LIMIT_PER_MINUTE", default_value_t = DEFAULT_RATE_LIMIT_PER_MINUTE)]
    rate_limit_per_minute: u32,
    /// Largest burst per caller (default: the per-minute limit).
    #[arg(long, env = "WEBHOOKS_RATE_LIMIT_BURST")]
    rate_limit_burst: Option<u32>,
    /// Share the per-caller rate limit with every instance using this Redis
    /// (`redis://host:6379`); while it cannot be reached, each instance limits on its own.
    #[arg(long, env = "WEBHOOKS_REDIS_URL")]
    redis_url: Option<String>,
    /// The development key file (created when missing), used unless a JWKS is given.
    #[arg(long, env = "WEBHOOKS_DEV_KEY", default_value = DEFAULT_DEV_KEY)]
    dev_key: PathBuf,
    /// Verify tokens with the keys of this JWKS file.
    #[arg(long, env = "WEBHOOKS_JWKS_FILE", conflicts_with = "jwks_url")]
    jwks_file: Option<PathBuf>,
    /// Verify tokens with the keys of this JWKS URL.
    #[arg(long, env = "WEBHOOKS_JWKS_URL")]
    jwks_url: Option<String>,
    /// How long a JWKS is kept before it is loaded again when its response has no
    /// `Cache-Control: max-age` (which is honoured between 30s and 1 day), and for a JWKS file.
    #[arg(long, env = "WEBHOOKS_JWKS_REFRESH", default_value = "10m", value_parser = humantime::parse_duration)]
    jwks_refresh: std::time::Duration,
    /// Seal webhook secrets in the database with the key in this file (the standard base64 of
    /// 32 bytes, mode 0600). The key may instead be in the variable WEBHOOKS_SECRET_KEY; with
    /// neither, webhooks-secrets.key beside --dev-key is used, created when missing.
    #[arg(long, env = "WEBHOOKS_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    #[command(flatten)]
    claims: TokenClaims,
    /// Largest request body in bytes.
    #[arg(long, env = "WEBHOOKS_BODY_LIMIT")]
    body_limit: Option<usize>,
    /// Answer an owner's read of one webhook from memory when it was read from the database
    /// less than this long ago (writes by this process are seen at once, those of other
    /// processes on the same database within this time); 0s turns it off. Default: 1s on
    /// SQLite, off on PostgreSQL (where several instances share the database).
    #[arg(long, env = "WEBHOOKS_READ_CACHE_TTL", value_parser = humantime::parse_duration)]
    read_cache_ttl: Option<std::time::Duration>,
    /// The most database connections this process opens (instances sharing one PostgreSQL
    /// share its connection limit).
    #[arg(long, env = "WEBHOOKS_DB_MAX_CONNECTIONS", default_value_t = webhooks_service::store::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..))]
    db_max_connections: u32,
    /// Log lines as text for a terminal or as one JSON object each.
    #[arg(long, env = "WEBHOOKS_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

/// A duration such as `5days` or `90s`; zero is refused (it would deactivate or delete at once).
fn positive_duration(text: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if duration.is_zero() => Err("must be longer than zero".to_owned()),
        Ok(duration) => Ok(duration),
        Err(e) => Err(e.to_string()),
    }
}

/// `--log-format`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// `--database-url` or `WEBHOOKS_DATABASE_URL`, else `DATABASE_URL` (the variable sqlx and most
/// tools read), else the SQLite file beside the process.
fn database_url(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

#[derive(Args)]
struct Token {
    /// The caller's client id (`sub` and `client_id`).
    #[arg(long)]
    client_id: String,
    /// Space-separated scopes: `webhooks:read`, `webhooks:modify`, `webhooks:publish`.
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
    /// The iTwin id (a uuid, as `scopeId` is).
    #[arg(long = "itwin")]
    itwin: uuid::Uuid,
    /// `sqlite://FILE` or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = matches!(&cli.command, Command::Serve(s) if s.log_format == LogFormat::Json);
    // Log lines are written by a thread of their own, through a buffer it flushes whenever it
    // has nothing more queued: under load many lines go out in one write, instead of one write
    // per request on the request's thread (measured in BENCHMARKS.md, "on one core"). Not
    // lossy: with 128,000 lines queued, callers wait rather than lines being dropped.
    let (writer, flush_logs) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("webhooks-logs")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(writer)
        // Colours for a person at a terminal only: a file or a log collector would keep the
        // escape codes (and writing them costs time on every request's line).
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        // One object per line, with the request span's fields (request id, route, status).
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.init();
    }
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
    let outcome = runtime.block_on(run(cli.command));
    // Tasks still winding down may log; then every queued line is written (the guard waits
    // for it) before the last word and the exit code.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    drop(flush_logs);
    match outcome {
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
            let serve = *serve;
            let key_source = match (serve.jwks_file, serve.jwks_url) {
                (Some(file), _) => KeySource::JwksFile(file),
                (None, Some(url)) => KeySource::JwksUrl(url),
                (None, None) => {
                    tracing::warn!(
                        dev_key = %serve.dev_key.display(),
                        "no --jwks-url or --jwks-file: tokens are verified with the local development key, which anyone who can read that file can sign with; give a JWKS in production"
                    );
                    KeySource::Dev(
                        DevKey::load_or_create(&serve.dev_key).map_err(|e| e.to_string())?,
                    )
                }
            };
            let secret_key = secret_key(
                std::env::var(KEY_VARIABLE).ok(),
                serve.secret_key_file.as_deref(),
                &serve.dev_key,
            )?;
            let config = Config {
                listen: serve.listen,
                database_url: database_url(serve.database_url),
                db_max_connections: serve.db_max_connections,
                allow_insecure_callbacks: serve.allow_insecure_callbacks,
                rate_limit_per_minute: serve.rate_limit_per_minute,
                rate_limit_burst: serve.rate_limit_burst,
                redis_url: serve.redis_url,
                key_source,
                secret_key,
                auth: AuthConfig {
                    jwks_refresh: serve.jwks_refresh,
                    ..serve.claims.auth_config()
                },
                body_limit: serve.body_limit,
                read_cache_ttl: serve.read_cache_ttl,
                delivery: DeliveryConfig {
                    enabled: serve.delivery_concurrency > 0,
                    concurrency: serve.delivery_concurrency.max(1),
                    batch: serve.delivery_concurrency.max(1),
                    max_in_flight_per_webhook: serve.max_in_flight_per_webhook,
                    lease: serve.delivery_lease,
                    poll_interval: serve.delivery_poll_interval,
                    listen: serve.delivery_listen,
                    request_timeout: serve.delivery_timeout,
                    retry: RetryPolicy {
                        schedule: serve.retry_schedule,
                        jitter: serve.retry_jitter,
                    },
                    allow_callback_cidrs: serve.allow_callback_cidrs,
                    disable_after: serve.disable_after,
                    retention: webhooks_service::retention::RetentionConfig {
                        after: serve.retention,
                        ..Default::default()
                    },
                },
            };
            if !config.delivery.allow_callback_cidrs.is_empty() {
                let cidrs: Vec<String> = config
                    .delivery
                    .allow_callback_cidrs
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                tracing::warn!(
                    ?cidrs,
                    "deliveries may reach these otherwise refused ranges"
                );
            }
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
            webhooks_service::grant(&grant.database_url, &grant.client_id, grant.itwin)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(
                client_id = %grant.client_id,
                itwin = %grant.itwin,
                "granted webhooks_maintainer"
            );
            Ok(())
        }
        Command::Deliveries(Deliveries::List(list)) => {
            let state = if list.failed {
                Some(FAILED.to_owned())
            } else {
                list.state
            };
            let records =
                webhooks_service::list_deliveries(&list.database_url, state.as_deref(), list.limit)
                    .await
                    .map_err(|e| e.to_string())?;
            for r in &records {
                let finished = r
                    .finished
                    .map(webhooks_service::store::timestamp)
                    .unwrap_or_else(|| "-".to_owned());
                let status = r
                    .last_status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".to_owned());
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.state,
                    r.attempts,
                    r.webhook_id,
                    r.event_type,
                    finished,
                    status,
                    r.last_error.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        Command::Deliveries(Deliveries::Replay(replay)) => {
            let id = if replay.all_failed { None } else { replay.id };
            let count = webhooks_service::replay_deliveries(&replay.database_url, id)
                .await
                .map_err(|e| e.to_string())?;
            if let (Some(id), 0) = (id, count) {
                return Err(format!("no failed delivery {id}"));
            }
            println!("{count}");
            Ok(())
        }
    }
}

/// The key webhook secrets are sealed with: `WEBHOOKS_SECRET_KEY`, else `--secret-key-file`, else
/// (a development start) the file beside the development key, created when missing.
fn secret_key(
    variable: Option<String>,
    file: Option<&Path>,
    dev_key: &Path,
) -> Result<SecretKey, String> {
    let key = match (variable.filter(|v| !v.trim().is_empty()), file) {
        (Some(_), Some(file)) => {
            return Err(format!(
                "both {KEY_VARIABLE} and --secret-key-file {} give a secrets key; give one",
                file.display()
            ));
        }
        (Some(text), None) => SecretKey::from_base64(KEY_VARIABLE, &text),
        (None, Some(file)) => SecretKey::read_file(file),
        (None, None) => {
            let path = dev_key.with_file_name(DEFAULT_SECRETS_KEY_NAME);
            let (key, created) = SecretKey::load_or_create(&path).map_err(|e| e.to_string())?;
            tracing::warn!(
                key_file = %path.display(),
                created,
                "no {KEY_VARIABLE} or --secret-key-file: webhook secrets are sealed with the key in this local file, which anyone who can read it and the database can use to read them; give a key in production, the same to every instance"
            );
            Ok(key)
        }
    }
    .map_err(|e| e.to_string())?;
    tracing::info!(
        fingerprint = %key.fingerprint(),
        "webhook secrets are sealed at rest"
    );
    Ok(key)
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every `serve` option (`help` and `version` aside) with the variable that also sets it.
    fn serve_variables() -> Vec<(String, String)> {
        let cli = Cli::command();
        let serve = cli.find_subcommand("serve").expect("serve");
        serve
            .get_arguments()
            .filter_map(|arg| {
                let long = arg.get_long()?;
                (!matches!(long, "help" | "version")).then(|| {
                    let env = arg
                        .get_env()
                        .map(|v| v.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (long.to_owned(), env)
                })
            })
            .collect()
    }

    #[test]
    fn every_serve_option_has_its_webhooks_variable() {
        let options = serve_variables();
        assert!(options.len() >= 18, "{options:?}");
        for (long, env) in options {
            assert_eq!(
                env,
                format!("WEBHOOKS_{}", long.to_uppercase().replace('-', "_")),
                "--{long}"
            );
        }
    }

    #[test]
    fn durations_must_be_positive() {
        assert_eq!(
            positive_duration("5days"),
            Ok(std::time::Duration::from_secs(5 * 86400))
        );
        assert!(positive_duration("0s").is_err());
        assert!(positive_duration("soon").is_err());
    }

    #[test]
    fn readme_lists_every_variable() {
        let readme = include_str!("../../README.md");
        for (long, env) in serve_variables() {
            assert!(
                readme.contains(&format!("| `--{long}` | `{env}` |")),
                "README's configuration table lacks --{long}"
            );
        }
    }
}
