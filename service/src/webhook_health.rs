//! A webhook's health as the store keeps it: why and since when the service deactivated it,
//! and since when its attempts have been failing. Plain data, so the store can hold it without
//! depending on the delivery code that decides it (`delivery::health`).

use chrono::{DateTime, Utc};

/// Why the service deactivated a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeactivationReason {
    /// The callback answered `410 Gone`.
    Gone,
    /// Every attempt failed for longer than the limit.
    Failing,
}

impl DeactivationReason {
    /// The text stored, and the spec's `WebhookDeactivationReason`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeactivationReason::Gone => "Gone",
            DeactivationReason::Failing => "Failing",
        }
    }

    /// The reason stored as `text`; `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Gone" => Some(DeactivationReason::Gone),
            "Failing" => Some(DeactivationReason::Failing),
            _ => None,
        }
    }
}

/// A webhook's health as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Why the service deactivated it; `None` while active or when its owner deactivated it.
    pub deactivation_reason: Option<DeactivationReason>,
    /// When it was last deactivated, by anyone; `None` while active.
    pub deactivated: Option<DateTime<Utc>>,
    /// The first failed attempt since the last success.
    pub failing_since: Option<DateTime<Utc>>,
}
