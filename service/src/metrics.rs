//! `GET /metrics` in the Prometheus text format: requests by operation and status, latency by
//! operation, rate-limit refusals (and Redis failures when the limit is fleet-wide), delivery
//! attempts by outcome and their latency, and, read at each scrape, the delivery queue's depth
//! by state and the database pool's connections in use. Like the probes, it needs no token and
//! is outside the rate limit; expose it only where the scraper can reach it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::Store;

/// The states a delivery can be in; each gets a queue-depth series, zero included.
const STATES: [&str; 4] = ["pending", "delivered", "failed", "cancelled"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    /// The spec's `operationId`, or `none` for probes, the contract and unknown routes.
    operation: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Operation {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    /// `succeeded`, `failed` (will be retried or has failed for good) or `cancelled`.
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryState {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    /// `Gone` or `Failing`.
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Table {
    /// `deliveries` or `events`.
    table: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolState {
    state: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latency buckets from 0.5 ms to about 16 s.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Every series the service keeps, and its registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    request_latency: Histograms<Operation>,
    rate_limited: Family<Operation, Counter>,
    redis_failures: Counter,
    redis_failures_seen: AtomicU64,
    /// The limiter's own count of Redis failures, mirrored into `redis_failures` at scrape.
    redis_failure_source: Option<Arc<AtomicU64>>,
    jwks_failures: Counter,
    jwks_failures_seen: AtomicU64,
    /// The authenticator's count of failed JWKS reloads, mirrored into `jwks_failures` at scrape.
    jwks_failure_source: Option<Arc<AtomicU64>>,
    deliveries: Family<Outcome, Counter>,
    delivery_latency: Histogram,
    queue_depth: Family<DeliveryState, Gauge>,
    pool: Family<PoolState, Gauge>,
    deactivations: Family<Reason, Counter>,
    retention_deleted: Family<Table, Counter>,
}

impl Metrics {
    pub fn new(redis_failure_source: Option<Arc<AtomicU64>>) -> Self {
        let mut registry = Registry::with_prefix("webhooks");
        let requests = Family::<Request, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by operation and status",
            requests.clone(),
        );
        let request_latency: Histograms<Operation> = Family::new_with_constructor(latency);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by operation",
            request_latency.clone(),
        );
        let rate_limited = Family::<Operation, Counter>::default();
        registry.register(
            "rate_limit_refusals",
            "Requests refused with 429 by the per-caller rate limit, by operation",
            rate_limited.clone(),
        );
        let redis_failures = Counter::default();
        registry.register(
            "rate_limit_redis_failures",
            "Rate-limit checks that Redis could not answer in time, decided by this instance alone",
            redis_failures.clone(),
        );
        let jwks_failures = Counter::default();
        registry.register(
            "jwks_reload_failures",
            "Reloads of the JWKS that failed; the keys loaded before stayed in use",
            jwks_failures.clone(),
        );
        let deliveries = Family::<Outcome, Counter>::default();
        registry.register(
            "delivery_attempts",
            "Delivery attempts by outcome",
            deliveries.clone(),
        );
        let delivery_latency = latency();
        registry.register(
            "delivery_attempt_duration_seconds",
            "Time from sending a delivery to the receiver's answer or the attempt's failure",
            delivery_latency.clone(),
        );
        let queue_depth = Family::<DeliveryState, Gauge>::default();
        registry.register(
            "deliveries",
            "Deliveries in the store by state, read at scrape",
            queue_depth.clone(),
        );
        let pool = Family::<PoolState, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this process: in use, idle, and the pool's maximum",
            pool.clone(),
        );
        let deactivations = Family::<Reason, Counter>::default();
        registry.register(
            "webhook_deactivations",
            "Webhooks the service deactivated for their endpoint's health, by reason",
            deactivations.clone(),
        );
        let retention_deleted = Family::<Table, Counter>::default();
        registry.register(
            "retention_deleted_rows",
            "Rows deleted by retention, by table (deliveries with their attempts, events)",
            retention_deleted.clone(),
        );
        Metrics {
            registry,
            deactivations,
            retention_deleted,
            requests,
            request_latency,
            rate_limited,
            redis_failures,
            redis_failures_seen: AtomicU64::new(0),
            redis_failure_source,
            jwks_failures,
            jwks_failures_seen: AtomicU64::new(0),
            jwks_failure_source: None,
            deliveries,
            delivery_latency,
            queue_depth,
            pool,
        }
    }

    /// Counts the failed JWKS reloads the authenticator counts in `source`.
    pub fn with_jwks_reload_failures(mut self, source: Arc<AtomicU64>) -> Self {
        self.jwks_failure_source = Some(source);
        self
    }

    /// One answered request: `operation` is `None` outside the generated routes.
    pub fn request(&self, operation: Option<&'static str>, status: u16, elapsed: Duration) {
        // Static labels: counting a request allocates nothing.
        let operation = operation.unwrap_or("none");
        self.requests
            .get_or_create(&Request { operation, status })
            .inc();
        if status == 429 {
            self.rate_limited
                .get_or_create(&Operation { operation })
                .inc();
        }
        self.request_latency
            .get_or_create(&Operation { operation })
            .observe(elapsed.as_secs_f64());
    }

    /// One delivery attempt's outcome; `elapsed` is the time the receiver took, when one was
    /// called.
    pub fn delivery(&self, outcome: &'static str, elapsed: Option<Duration>) {
        self.deliveries.get_or_create(&Outcome { outcome }).inc();
        if let Some(elapsed) = elapsed {
            self.delivery_latency.observe(elapsed.as_secs_f64());
        }
    }

    /// A webhook deactivated by endpoint health for `reason`.
    pub fn deactivation(&self, reason: &'static str) {
        self.deactivations.get_or_create(&Reason { reason }).inc();
    }

    /// Rows retention deleted from `table`.
    pub fn retention_deleted(&self, table: &'static str, rows: u64) {
        self.retention_deleted
            .get_or_create(&Table { table })
            .inc_by(rows);
    }

    /// The text exposition, after reading what is read at scrape from `store`.
    async fn scrape(&self, store: &Store) -> Result<String, std::fmt::Error> {
        match store.delivery_counts().await {
            Ok(counts) => {
                for state in STATES {
                    let n = counts.get(state).copied().unwrap_or(0);
                    self.queue_depth
                        .get_or_create(&DeliveryState {
                            state: state.to_owned(),
                        })
                        .set(n);
                }
            }
            // The last values stay; the failure is in the log and in /readyz.
            Err(e) => tracing::warn!(error = %e, "metrics: cannot count deliveries"),
        }
        let (size, idle, max) = store.pool_state();
        for (state, n) in [
            ("in_use", size.saturating_sub(idle)),
            ("idle", idle),
            ("max", max),
        ] {
            self.pool
                .get_or_create(&PoolState { state })
                .set(i64::from(n));
        }
        if let Some(source) = &self.redis_failure_source {
            let now = source.load(Ordering::Relaxed);
            let before = self.redis_failures_seen.swap(now, Ordering::Relaxed);
            self.redis_failures.inc_by(now.saturating_sub(before));
        }
        if let Some(source) = &self.jwks_failure_source {
            let now = source.load(Ordering::Relaxed);
            let before = self.jwks_failures_seen.swap(now, Ordering::Relaxed);
            self.jwks_failures.inc_by(now.saturating_sub(before));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `GET /metrics`, to merge into the service's router.
pub fn router(metrics: Arc<Metrics>, store: Store) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state((metrics, store))
}

async fn metrics_text(State((metrics, store)): State<(Arc<Metrics>, Store)>) -> impl IntoResponse {
    match metrics.scrape(&store).await {
        Ok(text) => (
            StatusCode::OK,
            [(
                CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        ),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            "cannot encode the metrics\n".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_refusals_are_counted_by_operation() {
        let m = Metrics::new(None);
        m.request(Some("getWebhook"), 200, Duration::from_millis(3));
        m.request(Some("getWebhook"), 429, Duration::from_millis(1));
        m.request(None, 200, Duration::from_millis(1));
        m.delivery("succeeded", Some(Duration::from_millis(20)));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &m.registry).unwrap();
        assert!(
            text.contains(
                "webhooks_http_requests_total{operation=\"getWebhook\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("webhooks_http_requests_total{operation=\"none\",status=\"200\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("webhooks_rate_limit_refusals_total{operation=\"getWebhook\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "webhooks_http_request_duration_seconds_count{operation=\"getWebhook\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("webhooks_delivery_attempts_total{outcome=\"succeeded\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("webhooks_delivery_attempt_duration_seconds_count 1"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn failed_jwks_reloads_are_read_at_scrape() {
        let source = Arc::new(AtomicU64::new(0));
        let m = Metrics::new(None).with_jwks_reload_failures(Arc::clone(&source));
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("metrics.db").display());
        let store = Store::connect(&url).await.unwrap();
        let text = m.scrape(&store).await.unwrap();
        assert!(
            text.contains("webhooks_jwks_reload_failures_total 0"),
            "{text}"
        );
        source.store(3, Ordering::Relaxed);
        let text = m.scrape(&store).await.unwrap();
        assert!(
            text.contains("webhooks_jwks_reload_failures_total 3"),
            "{text}"
        );
        source.store(5, Ordering::Relaxed);
        let text = m.scrape(&store).await.unwrap();
        assert!(
            text.contains("webhooks_jwks_reload_failures_total 5"),
            "{text}"
        );
        store.close().await;
    }
}
