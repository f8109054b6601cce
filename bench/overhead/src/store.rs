//! The in-memory webhooks both servers serve: every rule of the API that is not about HTTP lives
//! here, once, so the two routers differ only in how they get from a request to these calls.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use webhooks_client::types::{
    ActivateWebhook, CreateWebhook, CreatedWebhook, PublishEvent, PublishedEvent, UpdateWebhook,
    Webhook, WebhookScope,
};

/// How long an activation lasts when the request does not say.
const DEFAULT_ACTIVATION_DAYS: i64 = 30;

struct Stored {
    webhook: Webhook,
    secret: String,
    /// A rotated-out secret and when it stops signing.
    previous: Option<(String, DateTime<Utc>)>,
}

/// Why the store refused a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No webhook has this id.
    NotFound,
    /// The request is well-formed but breaks a rule; `target` names the field.
    Invalid { target: &'static str },
    /// Activating an active webhook.
    AlreadyInState,
}

/// The webhooks, keyed by id.
#[derive(Default)]
pub struct Store {
    webhooks: RwLock<HashMap<Uuid, Stored>>,
}

/// The id of the `n`-th seeded webhook: `00000000-0000-0000-0000-00000000000n` in hex, so load
/// scripts can name them without asking the server.
pub fn seeded_id(n: u64) -> Uuid {
    Uuid::from_u128(u128::from(n))
}

/// A new webhook's fields, whichever scope it has (the type already holds the scope rule).
struct NewWebhook {
    scope: WebhookScope,
    scope_id: Option<String>,
    callback_url: String,
    event_types: Vec<String>,
    secret: Option<String>,
}

fn check_new(body: CreateWebhook) -> Result<NewWebhook, Refusal> {
    let new = match body {
        CreateWebhook::CreateAccountWebhook(account) => NewWebhook {
            scope: WebhookScope::Account,
            scope_id: None,
            callback_url: account.callback_url,
            event_types: account.event_types,
            secret: account.secret,
        },
        CreateWebhook::CreateITwinWebhook(itwin) => NewWebhook {
            scope: WebhookScope::ITwin,
            scope_id: Some(itwin.scope_id.to_string()),
            callback_url: itwin.callback_url,
            event_types: itwin.event_types,
            secret: itwin.secret,
        },
    };
    check_callback(&new.callback_url)?;
    check_event_types(&new.event_types)?;
    Ok(new)
}

fn check_callback(url: &str) -> Result<(), Refusal> {
    match url.strip_prefix("https://") {
        Some(rest) if !rest.is_empty() => Ok(()),
        _ => Err(Refusal::Invalid {
            target: "callbackUrl",
        }),
    }
}

fn check_event_types(types: &[String]) -> Result<(), Refusal> {
    if types.is_empty() || types.iter().any(|t| t.split('.').count() != 3) {
        return Err(Refusal::Invalid {
            target: "eventTypes",
        });
    }
    Ok(())
}

fn is_live(webhook: &Webhook, now: DateTime<Utc>) -> bool {
    webhook.active && webhook.expiration_date_time.is_none_or(|end| end > now)
}

impl Store {
    /// A store with `count` account webhooks, ids [`seeded_id`]`(1..=count)`, the even ones
    /// active; every field is fixed, so two seeded stores are equal.
    pub fn seeded(count: u64) -> Self {
        let store = Store::default();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        {
            let mut webhooks = store.webhooks.write().unwrap_or_else(|e| e.into_inner());
            for n in 1..=count {
                let id = seeded_id(n);
                let active = n % 2 == 0;
                let webhook = Webhook {
                    id,
                    scope: WebhookScope::Account,
                    scope_id: None,
                    active,
                    callback_url: format!("https://receiver.example.com/hooks/{n}"),
                    event_types: vec!["iModels.iModelCreated.v1".into()],
                    created: now,
                    modified: now,
                    // Far enough ahead to stay live for any run.
                    expiration_date_time: active.then(|| now + chrono::Duration::days(365 * 50)),
                    deactivation_reason: None,
                    deactivated_date_time: None,
                };
                let secret = format!("seeded-secret-{n}");
                webhooks.insert(
                    id,
                    Stored {
                        webhook,
                        secret,
                        previous: None,
                    },
                );
            }
        }
        store
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Uuid, Stored>> {
        self.webhooks.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Uuid, Stored>> {
        self.webhooks.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn list(&self) -> Vec<Webhook> {
        let mut webhooks: Vec<Webhook> = self.read().values().map(|s| s.webhook.clone()).collect();
        webhooks.sort_by_key(|w| w.id);
        webhooks
    }

    pub fn create(&self, body: CreateWebhook) -> Result<CreatedWebhook, Refusal> {
        let body = check_new(body)?;
        let now = Utc::now();
        let id = Uuid::new_v4();
        let secret = body
            .secret
            .unwrap_or_else(|| Uuid::new_v4().simple().to_string());
        let webhook = Webhook {
            id,
            scope: body.scope,
            scope_id: body.scope_id,
            active: false,
            callback_url: body.callback_url,
            event_types: body.event_types,
            created: now,
            modified: now,
            expiration_date_time: None,
            deactivation_reason: None,
            deactivated_date_time: None,
        };
        let created = CreatedWebhook {
            id,
            scope: webhook.scope.clone(),
            scope_id: webhook.scope_id.clone(),
            active: webhook.active,
            callback_url: webhook.callback_url.clone(),
            event_types: webhook.event_types.clone(),
            created: now,
            modified: now,
            expiration_date_time: None,
            deactivation_reason: None,
            deactivated_date_time: None,
            secret: secret.clone(),
        };
        self.write().insert(
            id,
            Stored {
                webhook,
                secret,
                previous: None,
            },
        );
        Ok(created)
    }

    /// The key a webhook's deliveries would be signed with.
    pub fn secret(&self, id: Uuid) -> Option<String> {
        self.read().get(&id).map(|s| s.secret.clone())
    }

    pub fn get(&self, id: Uuid) -> Option<Webhook> {
        self.read().get(&id).map(|s| s.webhook.clone())
    }

    pub fn delete(&self, id: Uuid) -> bool {
        self.write().remove(&id).is_some()
    }

    pub fn update(&self, id: Uuid, change: UpdateWebhook) -> Result<Webhook, Refusal> {
        if let Some(url) = &change.callback_url {
            check_callback(url)?;
        }
        if let Some(types) = &change.event_types {
            check_event_types(types)?;
        }
        let now = Utc::now();
        let mut webhooks = self.write();
        let stored = webhooks.get_mut(&id).ok_or(Refusal::NotFound)?;
        let webhook = &mut stored.webhook;
        if let Some(active) = change.active
            && active != webhook.active
        {
            webhook.active = active;
            webhook.expiration_date_time =
                active.then(|| now + chrono::Duration::days(DEFAULT_ACTIVATION_DAYS));
        }
        if let Some(url) = change.callback_url {
            webhook.callback_url = url;
        }
        if let Some(types) = change.event_types {
            webhook.event_types = types;
        }
        if let Some(secret) = change.secret {
            // Immediate, as the spec says: a grace period in progress ends too.
            stored.secret = secret;
            stored.previous = None;
        }
        stored.webhook.modified = now;
        Ok(stored.webhook.clone())
    }

    /// Sets `secret` and keeps the replaced one for `grace_seconds` (none when 0); returns when
    /// the replaced one stops.
    pub fn rotate_secret(
        &self,
        id: Uuid,
        secret: String,
        grace_seconds: i64,
    ) -> Result<Option<DateTime<Utc>>, Refusal> {
        let now = Utc::now();
        let mut webhooks = self.write();
        let stored = webhooks.get_mut(&id).ok_or(Refusal::NotFound)?;
        let replaced = std::mem::replace(&mut stored.secret, secret);
        stored.previous =
            (grace_seconds > 0).then(|| (replaced, now + chrono::Duration::seconds(grace_seconds)));
        stored.webhook.modified = now;
        Ok(stored.previous.as_ref().map(|(_, until)| *until))
    }

    /// Ends the webhook's previous secret; `AlreadyInState` when it has none still signing.
    pub fn end_previous_secret(&self, id: Uuid) -> Result<(), Refusal> {
        let now = Utc::now();
        let mut webhooks = self.write();
        let stored = webhooks.get_mut(&id).ok_or(Refusal::NotFound)?;
        match stored.previous.take() {
            Some((_, until)) if until > now => Ok(()),
            _ => Err(Refusal::AlreadyInState),
        }
    }

    pub fn activate(&self, id: Uuid, body: Option<ActivateWebhook>) -> Result<(), Refusal> {
        let now = Utc::now();
        let until = body
            .and_then(|b| b.expiration_date_time)
            .unwrap_or_else(|| now + chrono::Duration::days(DEFAULT_ACTIVATION_DAYS));
        // A time that has passed is taken as given: the webhook is expired at once.
        let mut webhooks = self.write();
        let webhook = &mut webhooks.get_mut(&id).ok_or(Refusal::NotFound)?.webhook;
        if is_live(webhook, now) {
            return Err(Refusal::AlreadyInState);
        }
        webhook.active = true;
        webhook.expiration_date_time = Some(until);
        webhook.modified = now;
        Ok(())
    }

    pub fn deactivate(&self, id: Uuid) -> Result<(), Refusal> {
        let mut webhooks = self.write();
        let webhook = &mut webhooks.get_mut(&id).ok_or(Refusal::NotFound)?.webhook;
        if !is_live(webhook, Utc::now()) {
            // Inactive or expired already: nothing to do, and not an error.
            return Ok(());
        }
        webhook.active = false;
        webhook.expiration_date_time = None;
        webhook.modified = Utc::now();
        Ok(())
    }

    /// Counts the webhooks the event would be delivered to: live, subscribed to its type, and
    /// scoped to its iTwin (or, without one, to the account). Nothing is sent.
    pub fn publish(&self, event: &PublishEvent) -> Result<PublishedEvent, Refusal> {
        check_event_types(std::slice::from_ref(&event.event_type)).map_err(|_| {
            Refusal::Invalid {
                target: "eventType",
            }
        })?;
        let now = Utc::now();
        let deliveries = self
            .read()
            .values()
            .map(|s| &s.webhook)
            .filter(|w| is_live(w, now))
            .filter(|w| w.event_types.contains(&event.event_type))
            .filter(|w| match (&event.i_twin_id, &w.scope) {
                (Some(itwin), WebhookScope::ITwin) => w.scope_id.as_ref() == Some(itwin),
                (None, WebhookScope::Account) => true,
                _ => false,
            })
            .count();
        Ok(PublishedEvent {
            event_id: Uuid::new_v4(),
            deliveries: i64::try_from(deliveries).unwrap_or(i64::MAX),
        })
    }
}
