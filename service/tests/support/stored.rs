//! Webhooks written through the store itself (store-level tests), and the key they are sealed
//! with there.

use webhooks_client::types::WebhookScope;
use webhooks_service::secrets::{SecretKey, Secrets};
use webhooks_service::store::{self, StoredWebhook};

/// The secrets key of store-level tests (a service under test has its own).
#[allow(dead_code)] // Each test binary uses some of them.
pub fn secrets() -> Secrets {
    Secrets::new(&SecretKey::from_bytes([3; 32]))
}

/// An active, account-wide webhook of `owner` for `a.b.v1`, never expiring; tests change the
/// fields they are about with struct update syntax.
#[allow(dead_code)]
pub fn webhook(owner: &str) -> StoredWebhook {
    let now = store::now();
    StoredWebhook {
        id: uuid::Uuid::new_v4(),
        owner: owner.to_owned(),
        scope: WebhookScope::Account,
        scope_id: None,
        active: true,
        callback_url: "https://hooks.example.com/x".to_owned(),
        event_types: vec!["a.b.v1".to_owned()],
        secret: "s".repeat(32),
        created: now,
        modified: now,
        expiration_date_time: None,
        previous_secret: None,
        health: Default::default(),
    }
}
