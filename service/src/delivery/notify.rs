//! Prompt delivery across instances on PostgreSQL: whatever makes deliveries due (a publish, a
//! resend, a replay) sends one `NOTIFY` in its transaction, and every worker `LISTEN`s and wakes
//! at once instead of at its next poll. The poll stays: a notification can be lost (while a
//! listener reconnects, or with PostgreSQL down), and then the poll still finds the rows.
//! SQLite has no such channel (and runs one host), so there nothing changes.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyConnection;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgListener};
use tokio::sync::{Notify, watch};

macro_rules! channel {
    () => {
        "webhooks_deliveries_due"
    };
}

/// The channel; notifications carry no payload (a worker claims whatever is due). It is
/// database-wide, schemas apart: deployments sharing a database wake each other, which costs
/// them one claim that finds nothing.
pub const CHANNEL: &str = channel!();

/// No bound parameters: NOTIFY takes none, and the channel is a constant.
const NOTIFY: &str = concat!("NOTIFY ", channel!());

/// How the listening connection shows in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "webhooks-delivery-listener";

/// The first wait before reconnecting a lost listener, doubled on each failure up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Tells every listening worker that deliveries became due, once `conn`'s transaction commits
/// (PostgreSQL delivers notifications at commit, and drops them on rollback). Does nothing on
/// SQLite. Call it once per transaction: it is one more statement.
pub(crate) async fn announce(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if conn.backend_name() != <sqlx::Postgres as sqlx::Database>::NAME {
        return Ok(());
    }
    sqlx::Executor::execute(conn, NOTIFY).await?;
    Ok(())
}

/// A task that listens on [`CHANNEL`] and wakes the worker on each notification. A lost
/// connection is logged and reopened with backoff; meanwhile the worker polls as before.
pub struct Listener {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    /// Listens on the PostgreSQL at `url` (the store's URL) and notifies `wake` on each
    /// notification, and after each (re)connection, since notifications sent while it was
    /// not listening are lost.
    pub fn start(url: String, wake: Arc<Notify>) -> Listener {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(listen(url, wake, stopped));
        Listener { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "delivery listener ended abnormally");
        }
    }
}

async fn listen(url: String, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let lost = tokio::select! {
            lost = listen_once(&url, &wake, &mut backoff) => lost,
            _ = stopped.changed() => return,
        };
        tracing::warn!(
            error = %lost, retry_in = ?backoff,
            "delivery listener lost its PostgreSQL connection; polling until it is back"
        );
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stopped.changed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Connects, listens and wakes the worker until the connection fails; returns why.
async fn listen_once(url: &str, wake: &Notify, backoff: &mut Duration) -> sqlx::Error {
    let options = match url.parse::<PgConnectOptions>() {
        Ok(options) => options.application_name(APPLICATION_NAME),
        Err(e) => return e,
    };
    // A pool of one, kept open for good: the listener reconnects through it.
    let pool = PoolOptions::<sqlx::Postgres>::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await;
    let mut listener = match pool {
        Ok(pool) => match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => return e,
        },
        Err(e) => return e,
    };
    // Reconnecting is this loop's work (with backoff and a log line), not the listener's.
    listener.eager_reconnect(false);
    if let Err(e) = listener.listen(CHANNEL).await {
        return e;
    }
    tracing::info!(
        channel = CHANNEL,
        "delivery listener on; deliveries made due by any instance wake this worker"
    );
    *backoff = FIRST_BACKOFF;
    // Anything announced while no one listened here is due now.
    wake.notify_one();
    loop {
        match listener.try_recv().await {
            Ok(Some(_)) => wake.notify_one(),
            Ok(None) => {
                wake.notify_one();
                return sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "connection closed",
                ));
            }
            Err(e) => {
                wake.notify_one();
                return e;
            }
        }
    }
}
