//! The delivery worker: claims due deliveries under a lease, POSTs each signed body to its
//! callback, and records the outcome. Every state change is in the database, so a worker can be
//! killed at any point: a delivery is marked delivered only after its 2xx, and a claimed row
//! whose worker died becomes due again when the lease runs out (at least once, never lost).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::DeliveryConfig;
use super::history::{AttemptReport, ErrorKind, RESPONSE_EXCERPT, excerpt};
use super::queue::{Claimed, Outcome};
use super::retry::parse_retry_after;
use super::signer;
use super::ssrf::{AddressPolicy, GuardedResolver};
use crate::outbound::{self, Redirects, error_chain};
use crate::store::{self, Store, StoredWebhook};

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("delivery HTTP client: {0}")]
pub struct ClientError(String);

/// The reqwest client for callbacks: no redirects (a 3xx is a failed attempt, never a hop to an
/// address the rules were not applied to), no proxies from the environment (a proxy would make
/// the connection, bypassing the address rules), every resolved address checked.
pub fn http_client(
    policy: Arc<AddressPolicy>,
    timeout: Duration,
) -> Result<reqwest::Client, ClientError> {
    outbound::client_builder(timeout, Redirects::None)
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(policy)))
        .user_agent(concat!("webhooks-service/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ClientError(error_chain(&e)))
}

/// The result of one POST.
enum Sent {
    Ok(u16),
    Failed {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
}

/// What the attempt's history row needs beyond the outcome: when it started, how long it
/// took, why it failed and the start of the answer.
struct Observed {
    attempted: chrono::DateTime<chrono::Utc>,
    latency: Duration,
    kind: Option<ErrorKind>,
    response: Option<(String, bool)>,
}

impl Observed {
    fn report(self, sent: &Sent) -> AttemptReport {
        let (status, error) = match sent {
            Sent::Ok(status) => (Some(*status), None),
            Sent::Failed { status, error, .. } => (*status, Some(error.clone())),
        };
        let (response, response_truncated) = match self.response {
            Some((text, cut)) => (Some(text), cut),
            None => (None, false),
        };
        AttemptReport {
            attempted: self.attempted,
            status,
            error_kind: self.kind,
            error,
            latency_ms: i64::try_from(self.latency.as_millis()).unwrap_or(i64::MAX),
            response,
            response_truncated,
        }
    }
}

/// Reads at most [`RESPONSE_EXCERPT`] bytes (and one more, to tell a longer body) of an answer.
/// The client's timeout bounds it, like the rest of the request.
async fn read_excerpt(mut response: reqwest::Response) -> (String, bool) {
    let mut bytes = Vec::new();
    while bytes.len() <= RESPONSE_EXCERPT {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    excerpt(&bytes)
}

struct Shared {
    store: Store,
    config: DeliveryConfig,
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    metrics: Arc<crate::metrics::Metrics>,
}

/// POSTs `claimed`'s body to `hook`'s callback, signed for this attempt, and tells what was
/// seen for the attempt's history.
async fn send(shared: &Shared, hook: &StoredWebhook, claimed: &Claimed) -> (Sent, Observed) {
    let started = std::time::Instant::now();
    let mut observed = Observed {
        attempted: store::now(),
        latency: Duration::ZERO,
        kind: Some(ErrorKind::Refused),
        response: None,
    };
    let failed = |error: String| Sent::Failed {
        status: None,
        error,
        retry_after: None,
    };
    let url = match reqwest::Url::parse(&hook.callback_url) {
        Ok(url) => url,
        Err(e) => {
            return (
                failed(format!("callback URL does not parse: {e}")),
                observed,
            );
        }
    };
    if let Err(refused) = shared.policy.check_url(&url) {
        return (failed(refused.to_string()), observed);
    }
    let sent = post(shared, hook, claimed, url, &mut observed).await;
    observed.latency = started.elapsed();
    (sent, observed)
}

async fn post(
    shared: &Shared,
    hook: &StoredWebhook,
    claimed: &Claimed,
    url: reqwest::Url,
    observed: &mut Observed,
) -> Sent {
    let failed = |error: String| Sent::Failed {
        status: None,
        error,
        retry_after: None,
    };
    // The body is the stored one, byte for byte; the time, and so the Standard Webhooks
    // signature, is this attempt's, which is what lets receivers refuse a replay.
    let now = chrono::Utc::now();
    let Some(signed) = signer::sign(
        hook.signing_secrets(now),
        claimed.id,
        now.timestamp(),
        claimed.body.as_bytes(),
    ) else {
        return failed("the webhook has no secret".to_owned());
    };
    let response = shared
        .client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(signer::HEADER, signed.legacy)
        .header(signer::WEBHOOK_ID_HEADER, signed.id)
        .header(signer::WEBHOOK_TIMESTAMP_HEADER, signed.timestamp)
        .header(signer::WEBHOOK_SIGNATURE_HEADER, signed.signatures)
        .body(claimed.body.clone())
        .send()
        .await;
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            if response.status().is_success() {
                observed.kind = None;
                observed.response = Some(read_excerpt(response).await);
                return Sent::Ok(status);
            }
            observed.kind = Some(ErrorKind::Status);
            let retry_after = if status == 429 || status == 503 {
                response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, chrono::Utc::now()))
            } else {
                None
            };
            // The start of the body goes to the attempt's history (the owner's clue to what
            // went wrong); the client's timeout bounds how long a slow one holds the slot.
            observed.response = Some(read_excerpt(response).await);
            Sent::Failed {
                status: Some(status),
                error: format!("callback answered {status}"),
                retry_after,
            }
        }
        Err(e) if e.is_timeout() => {
            observed.kind = Some(ErrorKind::Timeout);
            failed(format!(
                "no answer within {:?}",
                shared.config.request_timeout
            ))
        }
        Err(e) => {
            observed.kind = Some(ErrorKind::Connection);
            failed(error_chain(&e))
        }
    }
}

/// One attempt on `claimed`, recorded in the store.
async fn attempt(shared: &Shared, claimed: Claimed, hook: Option<StoredWebhook>) {
    let now = store::now();
    let mut report = None;
    let mut elapsed = None;
    let outcome = match &hook {
        None => Outcome::Cancelled {
            reason: "webhook deleted".to_owned(),
        },
        Some(hook) if !hook.active => Outcome::Cancelled {
            reason: "webhook inactive".to_owned(),
        },
        Some(hook) if !hook.is_active_at(now) => Outcome::Cancelled {
            reason: "webhook expired".to_owned(),
        },
        Some(hook) => {
            let attempts = claimed.attempts + 1;
            let started = std::time::Instant::now();
            let (sent, observed) = send(shared, hook, &claimed).await;
            elapsed = Some(started.elapsed());
            report = Some(observed.report(&sent));
            match sent {
                Sent::Ok(status) => Outcome::Delivered { status },
                Sent::Failed {
                    status,
                    error,
                    retry_after,
                } => match shared.config.retry.next_wait(attempts, retry_after) {
                    Some(wait) => Outcome::Retry {
                        wait,
                        status,
                        error,
                    },
                    None => Outcome::Failed { status, error },
                },
            }
        }
    };
    match &outcome {
        Outcome::Delivered { .. } => {
            tracing::debug!(delivery = %claimed.id, "delivered");
        }
        Outcome::Retry { wait, error, .. } => tracing::info!(
            delivery = %claimed.id, webhook = %claimed.webhook_id, attempts = claimed.attempts + 1,
            ?wait, error, "delivery failed; will retry"
        ),
        Outcome::Failed { error, .. } => tracing::warn!(
            delivery = %claimed.id, webhook = %claimed.webhook_id, attempts = claimed.attempts + 1,
            error, "delivery failed for the last time"
        ),
        Outcome::Cancelled { reason } => {
            tracing::info!(delivery = %claimed.id, reason, "delivery cancelled");
        }
    }
    let counted = match &outcome {
        Outcome::Delivered { .. } => "succeeded",
        Outcome::Retry { .. } | Outcome::Failed { .. } => "failed",
        Outcome::Cancelled { .. } => "cancelled",
    };
    shared.metrics.delivery(counted, elapsed);
    let recorded = shared
        .store
        .record_attempt(&claimed, &outcome, report.as_ref(), store::now())
        .await;
    match recorded {
        Ok(true) => {
            if let Some(hook) = &hook {
                let healthy = super::health::after_attempt(
                    &shared.store,
                    &shared.metrics,
                    hook,
                    &outcome,
                    shared.config.disable_after,
                    store::now(),
                )
                .await;
                if let Err(e) = healthy {
                    tracing::error!(webhook = %hook.id, error = %e, "cannot record the endpoint's health");
                }
            }
        }
        Ok(false) => tracing::info!(
            delivery = %claimed.id,
            "outcome not recorded: the row was cancelled or its lease went to another worker"
        ),
        // The row keeps its lease and is attempted again when the lease runs out.
        Err(e) => tracing::error!(delivery = %claimed.id, error = %e, "cannot record outcome"),
    }
}

/// A running worker; [`Worker::stop`] lets the attempts in flight finish.
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    alive: Arc<std::sync::atomic::AtomicBool>,
}

impl Worker {
    /// Starts the worker on `store`; `wake` is notified when a publish stores deliveries.
    /// `allow_insecure` lets it deliver to `http://` callbacks.
    pub fn start(
        store: Store,
        config: DeliveryConfig,
        allow_insecure: bool,
        wake: Arc<Notify>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Result<Worker, ClientError> {
        let policy = Arc::new(AddressPolicy::new(
            config.allow_callback_cidrs.clone(),
            allow_insecure,
        ));
        let client = http_client(Arc::clone(&policy), config.request_timeout)?;
        let shared = Arc::new(Shared {
            store,
            config,
            client,
            policy,
            metrics,
        });
        let (stop, stopped) = watch::channel(false);
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = Arc::clone(&alive);
        let task = tokio::spawn(async move {
            // Cleared however the loop ends, a panic included, so `/readyz` sees it.
            let _running = Running(flag);
            run(shared, wake, stopped).await;
        });
        Ok(Worker { stop, task, alive })
    }

    /// A flag that is set while the worker's loop runs.
    pub fn alive(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.alive)
    }

    /// Stops claiming, and waits for the attempts in flight (each bounded by the request
    /// timeout).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "delivery worker ended abnormally");
        }
    }
}

/// Clears the worker's liveness flag when dropped.
struct Running(Arc<std::sync::atomic::AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

async fn run(shared: Arc<Shared>, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    let concurrency = shared.config.concurrency.max(1);
    let slots = Arc::new(Semaphore::new(concurrency));
    let refill = (concurrency / 4).clamp(1, shared.config.batch.max(1));
    let refill = u32::try_from(refill).unwrap_or(1);
    let mut in_flight = JoinSet::new();
    // Told each time one of this worker's attempts ends (a webhook at its limit has room again).
    let ended = Arc::new(Notify::new());
    tracing::info!(concurrency, "delivery worker started");
    loop {
        if *stopped.borrow() {
            break;
        }
        // Reap finished attempts so the set does not grow.
        while in_flight.try_join_next().is_some() {}
        // Wait for a quarter of the slots to be free, then take every free one: claim only what
        // can start now (no row sits leased while waiting for a slot), yet not one row per
        // statement when the slots are busy.
        let mut first = tokio::select! {
            permit = Arc::clone(&slots).acquire_many_owned(refill) => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        let mut permits = Vec::new();
        while first.num_permits() > 1 {
            match first.split(1) {
                Some(one) => permits.push(one),
                None => break,
            }
        }
        permits.push(first);
        while permits.len() < shared.config.batch.max(1) {
            match Arc::clone(&slots).try_acquire_owned() {
                Ok(permit) => permits.push(permit),
                Err(_) => break,
            }
        }
        let claim = shared
            .store
            .claim(
                shared.config.lease,
                permits.len(),
                shared.config.max_in_flight_per_webhook,
            )
            .await;
        let (claimed, held_back) = match claim {
            Ok(claim) => (claim.claimed, claim.held_back),
            Err(e) => {
                tracing::error!(error = %e, "cannot claim deliveries");
                drop(permits);
                pause(&mut stopped, shared.config.poll_interval).await;
                continue;
            }
        };
        let full = claimed.len() == permits.len();
        if !claimed.is_empty() {
            let mut ids: Vec<uuid::Uuid> = claimed.iter().map(|c| c.webhook_id).collect();
            ids.sort();
            ids.dedup();
            let hooks: HashMap<uuid::Uuid, StoredWebhook> =
                match shared.store.webhooks_by_id(&ids).await {
                    Ok(hooks) => hooks.into_iter().map(|h| (h.id, h)).collect(),
                    Err(e) => {
                        // The rows stay leased and come back when the lease runs out.
                        tracing::error!(error = %e, "cannot read the claimed deliveries' webhooks");
                        drop(permits);
                        pause(&mut stopped, shared.config.poll_interval).await;
                        continue;
                    }
                };
            for (claimed, permit) in claimed.into_iter().zip(permits.drain(..)) {
                let hook = hooks.get(&claimed.webhook_id).cloned();
                let shared = Arc::clone(&shared);
                let ended = Arc::clone(&ended);
                in_flight.spawn(async move {
                    attempt(&shared, claimed, hook).await;
                    drop(permit);
                    ended.notify_one();
                });
            }
        }
        drop(permits);
        if full {
            // More may be due right away.
            continue;
        }
        // Nothing more due now: sleep until the next due row, a publish in this process or a
        // notification from another (see `notify`), or the poll interval (leases running out,
        // notifications lost).
        let mut wait = shared.config.poll_interval;
        if held_back {
            // Rows are due but their webhook has its limit in flight: they can go when one of
            // those attempts ends, which the next due time cannot tell (it is now). This
            // process's attempts wake the loop as they end; another process's are seen at the
            // poll.
            tokio::select! {
                () = ended.notified() => {}
                () = wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => break,
            }
            continue;
        }
        match shared.store.next_due_in().await {
            Ok(Some(until)) => wait = wait.min(until.max(Duration::from_millis(5))),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the next due delivery"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => break,
        }
    }
    tracing::info!(in_flight = in_flight.len(), "delivery worker stopping");
    while in_flight.join_next().await.is_some() {}
}

async fn pause(stopped: &mut watch::Receiver<bool>, wait: Duration) {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        _ = stopped.changed() => {}
    }
}
