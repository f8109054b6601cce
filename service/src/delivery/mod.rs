//! Event delivery: the outbox written at publish time ([`queue`]), and the worker that drains
//! it ([`worker`]) with signed POSTs ([`signer`]) to callbacks the address rules allow
//! ([`ssrf`]), retried on the schedule of [`retry`].

pub mod db_clock;
pub mod health;
pub mod history;
pub mod notify;
pub mod queue;
pub mod retry;
pub mod signer;
pub mod ssrf;
pub mod state;
pub mod worker;

use std::time::Duration;

use ipnet::IpNet;

use crate::delivery::retry::RetryPolicy;

/// The receiver's time to answer, as the platform documents it.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Deliveries of one webhook in flight at once, across every process: enough to keep a
/// healthy receiver busy, few enough that a slow one holds only this many of the slots.
pub const DEFAULT_MAX_IN_FLIGHT_PER_WEBHOOK: usize = 4;

/// How the worker delivers.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Run a worker in this process (several processes on one PostgreSQL share the work).
    pub enabled: bool,
    /// Attempts in flight at once.
    pub concurrency: usize,
    /// Most deliveries claimed by one statement.
    pub batch: usize,
    /// Most deliveries of one webhook in flight at once across every process on the database
    /// (`serve --max-in-flight-per-webhook`, at least 1): the claim leaves a webhook's due rows
    /// while it has this many leased, so one slow receiver cannot take every slot.
    pub max_in_flight_per_webhook: usize,
    /// How long a claim holds a row; a worker that dies gives its rows back after this. It must
    /// outlast an attempt (the request timeout) by a margin.
    pub lease: Duration,
    /// How often to look for due rows when nothing wakes the worker sooner (rows published by
    /// another process, leases that ran out).
    pub poll_interval: Duration,
    /// On PostgreSQL, wake on the `NOTIFY` sent whenever deliveries become due (by any
    /// process), rather than at the next poll; `false` leaves only the poll.
    pub listen: bool,
    /// How long a receiver has to answer.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// Ranges taken out of the refused ones (`serve --allow-callback-cidr`).
    pub allow_callback_cidrs: Vec<IpNet>,
    /// A webhook whose attempts have all failed for this long is deactivated
    /// (`serve --disable-after`; see [`health`]).
    pub disable_after: Duration,
    /// How long finished deliveries and their events are kept (`serve --retention`; see
    /// [`crate::retention`]).
    pub retention: crate::retention::RetentionConfig,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            enabled: true,
            concurrency: 32,
            batch: 32,
            max_in_flight_per_webhook: DEFAULT_MAX_IN_FLIGHT_PER_WEBHOOK,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            listen: true,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            allow_callback_cidrs: Vec::new(),
            disable_after: health::DEFAULT_DISABLE_AFTER,
            retention: crate::retention::RetentionConfig::default(),
        }
    }
}
