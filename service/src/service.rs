//! The implementation of the generated `Api` trait on the store.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use tokio::sync::Notify;
use webhooks_server::Api;
use webhooks_server::params::{
    ListWebhookDeliveriesParams, ListWebhooksParams, PublishEventParams,
};
use webhooks_server::responses::{
    ActivateWebhookResponse, CreateWebhookResponse, DeactivateWebhookResponse,
    DeletePreviousWebhookSecretResponse, DeleteWebhookResponse, GetWebhookDeliveryResponse,
    GetWebhookResponse, ListWebhookDeliveriesResponse, ListWebhooksResponse, PublishEventResponse,
    RecoverWebhookDeliveriesResponse, ResendWebhookDeliveryResponse, RotateWebhookSecretResponse,
    UpdateWebhookResponse,
};
use webhooks_server::types::{
    ActivateWebhook, CreateWebhook, CreatedWebhook, Delivery, DeliveryAttempt,
    DeliveryAttemptErrorKind, DeliveryDetail, DeliveryList, DeliveryState, Error, ErrorCode,
    ErrorResponse, Link, PageLinks, PublishEvent, PublishedEvent, RecoverDeliveries,
    RecoveredDeliveries, RotateWebhookSecret, RotatedWebhookSecret, UpdateWebhook, Webhook,
    WebhookDeactivationReason, WebhookList, WebhookScope,
};

use crate::auth::Caller;
use crate::delivery::history::{DeliveryFilter, DeliveryView, ErrorKind, StoredAttempt};
use crate::delivery::queue::{NewEvent, ReplayFilter};
use crate::delivery::ssrf::{AddressPolicy, Refused};
use crate::errors::{detail, error, invalid_change, with_details};
use crate::idempotency::{self, Published};
use crate::limiter::Limiter;
use crate::pages::{self, Position, Tokens};
use crate::store::{self, Activation, Changes, Store, StoreError, StoredWebhook};
use crate::webhook_health::DeactivationReason;

/// How long an activation lasts when the request names no expiration.
const DEFAULT_ACTIVATION_DAYS: i64 = 30;

/// Why an operation was refused; each operation turns it into its own declared response.
#[derive(Debug)]
enum Refusal {
    NotFound,
    /// The webhook exists but has no such delivery (a 404 of its own).
    NoDelivery,
    /// The webhook exists but has no previous secret in its grace period (a 404 of its own).
    NoPreviousSecret,
    Forbidden,
    /// A 422 with these details under the operation's own outer code.
    Invalid(Vec<Error>),
    /// A store failure, already logged.
    Internal,
}

impl Refusal {
    fn body(self, invalid_code: ErrorCode) -> ErrorResponse {
        match self {
            Refusal::NotFound => error(ErrorCode::WebhookNotFound),
            Refusal::NoDelivery => error(ErrorCode::DeliveryNotFound),
            Refusal::NoPreviousSecret => error(ErrorCode::PreviousSecretNotFound),
            Refusal::Forbidden => error(ErrorCode::InsufficientPermissions),
            Refusal::Invalid(details) => with_details(invalid_code, details),
            Refusal::Internal => error(ErrorCode::InternalServerError),
        }
    }
}

/// Logs a store failure and turns it into the 500 refusal.
fn internal(operation: &str, failure: StoreError) -> Refusal {
    tracing::error!(operation, error = %failure, "store failure");
    Refusal::Internal
}

/// The Webhooks API on a store, with per-caller rate limits.
pub struct Service {
    store: Store,
    limiter: Limiter,
    /// The callback rules the delivery worker applies (scheme, and the ranges it refuses less
    /// the operator's allowances), applied at the door to what can be judged without DNS.
    callbacks: AddressPolicy,
    /// Tells the delivery worker that new deliveries are due.
    wake: Arc<Notify>,
    /// Signs and checks continuation tokens.
    tokens: Tokens,
}

impl Service {
    /// `wake` is notified whenever a publish stores deliveries.
    pub fn new(
        store: Store,
        limiter: Limiter,
        callbacks: AddressPolicy,
        wake: Arc<Notify>,
        tokens: Tokens,
    ) -> Self {
        Service {
            store,
            limiter,
            callbacks,
            wake,
            tokens,
        }
    }

    /// The detail for `callbackUrl` when it cannot be a callback: not an absolute https URL
    /// (or http, when insecure callbacks are allowed) with a host is `InvalidRequestBody`; an
    /// IP-literal host in a refused range is `CallbackAddressRefused`. Host names pass here:
    /// what they resolve to can change, so the worker checks them on every connection.
    fn check_callback(&self, callback_url: &str) -> Option<Error> {
        let invalid = || Some(detail(ErrorCode::InvalidRequestBody, "callbackUrl"));
        let Ok(url) = url::Url::parse(callback_url) else {
            return invalid();
        };
        if url.host_str().is_none_or(str::is_empty) {
            return invalid();
        }
        match self.callbacks.check_url(&url) {
            Ok(()) => None,
            Err(Refused::Address(_)) => {
                Some(detail(ErrorCode::CallbackAddressRefused, "callbackUrl"))
            }
            Err(Refused::Scheme(_) | Refused::BadUrl(_) | Refused::NoAllowedAddress(_)) => {
                invalid()
            }
        }
    }

    /// Whether `caller` may create or change a webhook of this scope: iTwin-scoped webhooks
    /// need `webhooks_maintainer` on the iTwin, or the org-admin role.
    async fn may_change(
        &self,
        caller: &Caller,
        scope: &WebhookScope,
        scope_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        if caller.org_admin || *scope != WebhookScope::ITwin {
            return Ok(true);
        }
        match scope_id {
            Some(itwin_id) => self.store.has_grant(&caller.client_id, itwin_id).await,
            None => Ok(false),
        }
    }

    /// The caller's webhook `id`, when the caller may change it.
    async fn changeable(
        &self,
        operation: &str,
        caller: &Caller,
        id: uuid::Uuid,
    ) -> Result<StoredWebhook, Refusal> {
        let hook = self
            .store
            .get(&caller.client_id, id)
            .await
            .map_err(|e| internal(operation, e))?
            .ok_or(Refusal::NotFound)?;
        let allowed = self
            .may_change(caller, &hook.scope, hook.scope_id.as_deref())
            .await
            .map_err(|e| internal(operation, e))?;
        if allowed {
            Ok(hook)
        } else {
            Err(Refusal::Forbidden)
        }
    }

    async fn create(
        &self,
        caller: &Caller,
        body: CreateWebhook,
    ) -> Result<CreatedWebhook, Refusal> {
        // The schema already refused a scopeId on an Account webhook and an iTwin webhook
        // without a uuid one; the variants carry exactly what each scope has.
        let (scope, scope_id, callback_url, event_types, secret) = match body {
            CreateWebhook::CreateAccountWebhook(account) => (
                WebhookScope::Account,
                None,
                account.callback_url,
                account.event_types,
                account.secret,
            ),
            CreateWebhook::CreateITwinWebhook(itwin) => (
                WebhookScope::ITwin,
                Some(itwin.scope_id.to_string()),
                itwin.callback_url,
                itwin.event_types,
                itwin.secret,
            ),
        };
        if let Some(detail) = self.check_callback(&callback_url) {
            return Err(Refusal::Invalid(vec![detail]));
        }
        let allowed = self
            .may_change(caller, &scope, scope_id.as_deref())
            .await
            .map_err(|e| internal("createWebhook", e))?;
        if !allowed {
            return Err(Refusal::Forbidden);
        }
        let secret = given_or_generated(secret)?;
        let now = store::now();
        let hook = StoredWebhook {
            id: uuid::Uuid::new_v4(),
            owner: caller.client_id.clone(),
            scope,
            scope_id,
            active: false,
            callback_url,
            event_types,
            secret,
            created: now,
            modified: now,
            expiration_date_time: None,
            previous_secret: None,
            health: Default::default(),
        };
        self.store
            .insert(&hook)
            .await
            .map_err(|e| internal("createWebhook", e))?;
        let view = to_webhook(&hook, now);
        Ok(CreatedWebhook {
            id: view.id,
            scope: view.scope,
            scope_id: view.scope_id,
            active: view.active,
            callback_url: view.callback_url,
            event_types: view.event_types,
            created: view.created,
            modified: view.modified,
            expiration_date_time: view.expiration_date_time,
            deactivation_reason: view.deactivation_reason,
            deactivated_date_time: view.deactivated_date_time,
            secret: hook.secret,
        })
    }

    /// Applies `changes` to the caller's webhook `id` in one conditional statement.
    async fn change(
        &self,
        operation: &str,
        caller: &Caller,
        id: uuid::Uuid,
        changes: Changes,
    ) -> Result<Webhook, Refusal> {
        self.changeable(operation, caller, id).await?;
        let now = store::now();
        let updated = self
            .store
            .update(&caller.client_id, id, &changes, now)
            .await
            .map_err(|e| internal(operation, e))?;
        if let Some(hook) = updated {
            return Ok(to_webhook(&hook, now));
        }
        // Nothing matched: either the webhook is gone, or it already was in the state asked for
        // (possibly because a concurrent request just put it there). Activating an active
        // webhook is the seeds' 422; deactivating an inactive (or expired) one is done already,
        // so the rest of the change (a PATCH may carry more than `active: false`) is applied
        // on its own.
        let still_there = self
            .store
            .get(&caller.client_id, id)
            .await
            .map_err(|e| internal(operation, e))?;
        match (still_there, changes.activation) {
            (Some(_), Some(Activation::Activate { .. })) => {
                Err(Refusal::Invalid(vec![invalid_change(id)]))
            }
            (Some(hook), Some(Activation::Deactivate)) => {
                let rest = Changes {
                    activation: None,
                    ..changes
                };
                if rest.callback_url.is_none()
                    && rest.event_types.is_none()
                    && rest.secret.is_none()
                {
                    return Ok(to_webhook(&hook, store::now()));
                }
                let now = store::now();
                self.store
                    .update(&caller.client_id, id, &rest, now)
                    .await
                    .map_err(|e| internal(operation, e))?
                    .map(|hook| to_webhook(&hook, now))
                    .ok_or(Refusal::NotFound)
            }
            _ => Err(Refusal::NotFound),
        }
    }

    /// The activation change for an optional requested expiration. A time that has passed is
    /// taken as given: the webhook is activated already expired, forwards nothing, and reads as
    /// inactive until it is activated again with a later time (as the spec says).
    fn activation(requested: Option<DateTime<Utc>>) -> Activation {
        let expires = requested
            .map(|at| at.trunc_subsecs(6))
            .unwrap_or_else(|| store::now() + chrono::Duration::days(DEFAULT_ACTIVATION_DAYS));
        Activation::Activate { expires }
    }

    async fn update(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        body: UpdateWebhook,
    ) -> Result<Webhook, Refusal> {
        let mut details = Vec::new();
        if let Some(callback_url) = &body.callback_url {
            details.extend(self.check_callback(callback_url));
        }
        if !details.is_empty() {
            // A caller that does not own the webhook learns nothing from the body check.
            self.changeable("updateWebhook", caller, id).await?;
            return Err(Refusal::Invalid(details));
        }
        let activation = match body.active {
            Some(true) => Some(Self::activation(None)),
            Some(false) => Some(Activation::Deactivate),
            None => None,
        };
        let changes = Changes {
            callback_url: body.callback_url,
            event_types: body.event_types,
            secret: body.secret,
            activation,
        };
        self.change("updateWebhook", caller, id, changes).await
    }
}

/// `whsec_` and 32 bytes from the operating system's CSPRNG in padded standard base64 (50
/// characters). Standard Webhooks libraries key with the decoded bytes, the legacy header with
/// the whole text, and the verify crate does both: one secret, both schemes.
fn generate_secret() -> Result<String, getrandom::Error> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(format!(
        "{}{}",
        webhooks_verify::STANDARD_SECRET_PREFIX,
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The secret a request gave, or a new one (create and rotate).
fn given_or_generated(given: Option<String>) -> Result<String, Refusal> {
    match given {
        Some(secret) => Ok(secret),
        None => generate_secret().map_err(|e| {
            tracing::error!(error = %e, "no randomness for a secret");
            Refusal::Internal
        }),
    }
}

/// How long a rotated-out secret keeps signing when the request does not say.
const DEFAULT_GRACE_PERIOD_SECONDS: i64 = 86_400;
/// The longest grace period a rotation may ask for (7 days); the spec's bound too.
const MAX_GRACE_PERIOD_SECONDS: i64 = 604_800;

impl Service {
    async fn rotate_secret(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        body: RotateWebhookSecret,
    ) -> Result<RotatedWebhookSecret, Refusal> {
        let operation = "rotateWebhookSecret";
        // The router checks the body against the spec (length, `whsec_` form, the bounds)
        // before this runs; the bound is checked again because a delivery's grace period must
        // never be longer than the API promises, whatever reaches this function.
        let grace = body
            .grace_period_seconds
            .unwrap_or(DEFAULT_GRACE_PERIOD_SECONDS);
        self.changeable(operation, caller, id).await?;
        if !(0..=MAX_GRACE_PERIOD_SECONDS).contains(&grace) {
            return Err(Refusal::Invalid(vec![detail(
                ErrorCode::InvalidRequestBody,
                "gracePeriodSeconds",
            )]));
        }
        let secret = given_or_generated(body.secret)?;
        let now = store::now();
        let previous_until = (grace > 0).then(|| now + chrono::Duration::seconds(grace));
        let rotated = self
            .store
            .rotate_secret(&caller.client_id, id, &secret, previous_until, now)
            .await
            .map_err(|e| internal(operation, e))?
            // Deleted between the permission check and the update.
            .ok_or(Refusal::NotFound)?;
        Ok(RotatedWebhookSecret {
            secret: rotated.secret,
            previous_secret_expiration_date_time: rotated.previous_secret.map(|p| p.until),
        })
    }

    async fn end_previous_secret(&self, caller: &Caller, id: uuid::Uuid) -> Result<(), Refusal> {
        let operation = "deletePreviousWebhookSecret";
        self.changeable(operation, caller, id).await?;
        let ended = self
            .store
            .end_previous_secret(&caller.client_id, id, store::now())
            .await
            .map_err(|e| internal(operation, e))?;
        if ended {
            Ok(())
        } else {
            Err(Refusal::NoPreviousSecret)
        }
    }
}

/// The page size and start position a list request asks for, or the 422 details.
fn page_request(
    tokens: &Tokens,
    list: &str,
    top: Option<i64>,
    token: Option<&str>,
) -> Result<(i64, Option<Position>), Refusal> {
    let mut details = Vec::new();
    let size = pages::page_size(top);
    if size.is_none() {
        details.push(detail(ErrorCode::InvalidTop, "$top"));
    }
    let position = match token {
        None => None,
        Some(token) => {
            let position = tokens.check(list, token);
            if position.is_none() {
                details.push(detail(
                    ErrorCode::InvalidContinuationToken,
                    "$continuationToken",
                ));
            }
            position
        }
    };
    match size {
        Some(size) if details.is_empty() => Ok((size, position)),
        _ => Err(Refusal::Invalid(details)),
    }
}

/// The links of a page: itself, and the next page when `last` (the last row of a full page)
/// is given. `query` is the list's own query (filters), `&`-terminated or empty.
fn page_links(
    tokens: &Tokens,
    path: &str,
    list: &str,
    query: &str,
    top: i64,
    current: Option<&str>,
    last: Option<Position>,
) -> PageLinks {
    let this = match current {
        Some(token) => format!(
            "{path}?{query}$top={top}&$continuationToken={}",
            pages::query_value(token)
        ),
        None => format!("{path}?{query}$top={top}"),
    };
    PageLinks {
        self_: Link { href: this },
        next: last.map(|last| Link {
            href: format!(
                "{path}?{query}$top={top}&$continuationToken={}",
                pages::query_value(&tokens.issue(list, &last))
            ),
        }),
    }
}

fn state_text(state: &DeliveryState) -> Option<&'static str> {
    use crate::delivery::queue::{CANCELLED, DELIVERED, FAILED, PENDING};
    match state {
        DeliveryState::Pending => Some(PENDING),
        DeliveryState::Delivered => Some(DELIVERED),
        DeliveryState::Failed => Some(FAILED),
        DeliveryState::Cancelled => Some(CANCELLED),
        _ => None,
    }
}

fn to_delivery(view: DeliveryView) -> Delivery {
    Delivery {
        id: view.id,
        event_id: view.event_id,
        webhook_id: view.webhook_id,
        event_type: view.event_type,
        state: DeliveryState::from(view.state.as_str()),
        attempt_count: view.attempt_count,
        created: view.created,
        next_attempt_date_time: view.next_attempt_at,
        finished: view.finished,
        last_status: view.last_status,
        last_error: view.last_error,
    }
}

fn to_attempt(attempt: StoredAttempt) -> DeliveryAttempt {
    let report = attempt.report;
    DeliveryAttempt {
        attempted: report.attempted,
        status: report.status.map(i64::from),
        error_kind: report.error_kind.map(|kind| match kind {
            ErrorKind::Status => DeliveryAttemptErrorKind::Status,
            ErrorKind::Timeout => DeliveryAttemptErrorKind::Timeout,
            ErrorKind::Connection => DeliveryAttemptErrorKind::Connection,
            ErrorKind::Refused => DeliveryAttemptErrorKind::Refused,
        }),
        error: report.error,
        latency_ms: report.latency_ms,
        response: report.response,
        response_truncated: report.response_truncated.then_some(true),
    }
}

impl Service {
    async fn list_page(
        &self,
        caller: &Caller,
        params: ListWebhooksParams,
    ) -> Result<WebhookList, Refusal> {
        let list = format!("webhooks\n{}", caller.client_id);
        let token = params.continuation_token.as_deref();
        let (top, after) = page_request(&self.tokens, &list, params.top, token)?;
        // One more than the page: whether a next page exists.
        let mut hooks = self
            .store
            .list_page(&caller.client_id, after.as_ref(), top + 1)
            .await
            .map_err(|e| internal("listWebhooks", e))?;
        let more = hooks.len() as i64 > top;
        hooks.truncate(usize::try_from(top).unwrap_or(usize::MAX));
        let last = more.then(|| hooks.last()).flatten().map(|h| Position {
            created: h.created,
            id: h.id,
        });
        let now = store::now();
        Ok(WebhookList {
            webhooks: hooks.iter().map(|h| to_webhook(h, now)).collect(),
            links: page_links(&self.tokens, "/webhooks", &list, "", top, token, last),
        })
    }

    async fn delivery_page(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        params: ListWebhookDeliveriesParams,
    ) -> Result<DeliveryList, Refusal> {
        let operation = "listWebhookDeliveries";
        self.store
            .get(&caller.client_id, id)
            .await
            .map_err(|e| internal(operation, e))?
            .ok_or(Refusal::NotFound)?;
        let state = match &params.state {
            None => None,
            Some(state) => match state_text(state) {
                Some(text) => Some(text),
                None => {
                    return Err(Refusal::Invalid(vec![detail(
                        ErrorCode::InvalidRequestBody,
                        "state",
                    )]));
                }
            },
        };
        let filter = DeliveryFilter {
            state: state.map(str::to_owned),
            since: params.since,
            until: params.until,
        };
        // The filters, as the links repeat them and the token is bound to them.
        let mut query = String::new();
        if let Some(state) = state {
            query.push_str(&format!("state={state}&"));
        }
        if let Some(since) = params.since {
            query.push_str(&format!(
                "since={}&",
                pages::query_value(&store::timestamp(since))
            ));
        }
        if let Some(until) = params.until {
            query.push_str(&format!(
                "until={}&",
                pages::query_value(&store::timestamp(until))
            ));
        }
        let list = format!("deliveries\n{}\n{id}\n{query}", caller.client_id);
        let token = params.continuation_token.as_deref();
        let (top, before) = page_request(&self.tokens, &list, params.top, token)?;
        let mut rows = self
            .store
            .webhook_deliveries(id, &filter, before.as_ref(), top + 1)
            .await
            .map_err(|e| internal(operation, e))?;
        let more = rows.len() as i64 > top;
        rows.truncate(usize::try_from(top).unwrap_or(usize::MAX));
        let last = more.then(|| rows.last()).flatten().map(|d| Position {
            created: d.created,
            id: d.id,
        });
        let path = format!("/webhooks/{id}/deliveries");
        Ok(DeliveryList {
            links: page_links(&self.tokens, &path, &list, &query, top, token, last),
            deliveries: rows.into_iter().map(to_delivery).collect(),
        })
    }

    async fn delivery_detail(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        delivery_id: uuid::Uuid,
    ) -> Result<DeliveryDetail, Refusal> {
        let operation = "getWebhookDelivery";
        self.store
            .get(&caller.client_id, id)
            .await
            .map_err(|e| internal(operation, e))?
            .ok_or(Refusal::NotFound)?;
        let (view, attempts) = self
            .store
            .webhook_delivery(id, delivery_id)
            .await
            .map_err(|e| internal(operation, e))?
            .ok_or(Refusal::NoDelivery)?;
        let delivery = to_delivery(view);
        Ok(DeliveryDetail {
            id: delivery.id,
            event_id: delivery.event_id,
            webhook_id: delivery.webhook_id,
            event_type: delivery.event_type,
            state: delivery.state,
            attempt_count: delivery.attempt_count,
            created: delivery.created,
            next_attempt_date_time: delivery.next_attempt_date_time,
            finished: delivery.finished,
            last_status: delivery.last_status,
            last_error: delivery.last_error,
            attempts: attempts.into_iter().map(to_attempt).collect(),
        })
    }

    async fn resend(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        delivery_id: uuid::Uuid,
    ) -> Result<Delivery, Refusal> {
        let operation = "resendWebhookDelivery";
        self.changeable(operation, caller, id).await?;
        let found = self
            .store
            .resend(id, delivery_id)
            .await
            .map_err(|e| internal(operation, e))?;
        if !found {
            return Err(Refusal::NoDelivery);
        }
        self.wake.notify_one();
        let (view, _) = self
            .store
            .webhook_delivery(id, delivery_id)
            .await
            .map_err(|e| internal(operation, e))?
            .ok_or(Refusal::NoDelivery)?;
        Ok(to_delivery(view))
    }

    async fn recover(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        body: RecoverDeliveries,
    ) -> Result<i64, Refusal> {
        let operation = "recoverWebhookDeliveries";
        self.changeable(operation, caller, id).await?;
        if body.until.is_some_and(|until| until <= body.since) {
            return Err(Refusal::Invalid(vec![detail(
                ErrorCode::InvalidRequestBody,
                "until",
            )]));
        }
        let filter = ReplayFilter {
            webhook_id: Some(id),
            since: Some(body.since),
            until: body.until,
            ..ReplayFilter::default()
        };
        let count = self
            .store
            .replay(&filter)
            .await
            .map_err(|e| internal(operation, e))?;
        if count > 0 {
            self.wake.notify_one();
        }
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// The public view of a stored webhook at `now`: no secret, and expired reads as inactive.
fn to_webhook(hook: &StoredWebhook, now: DateTime<Utc>) -> Webhook {
    Webhook {
        id: hook.id,
        scope: hook.scope.clone(),
        scope_id: hook.scope_id.clone(),
        active: hook.is_active_at(now),
        callback_url: hook.callback_url.clone(),
        event_types: hook.event_types.clone(),
        created: hook.created,
        modified: hook.modified,
        expiration_date_time: hook.expiration_date_time,
        // Only while inactive: the columns are cleared on activation, and an expired webhook
        // (which reads as inactive) was never deactivated.
        deactivation_reason: (!hook.active)
            .then_some(hook.health.deactivation_reason)
            .flatten()
            .map(|reason| match reason {
                DeactivationReason::Gone => WebhookDeactivationReason::Gone,
                DeactivationReason::Failing => WebhookDeactivationReason::Failing,
            }),
        deactivated_date_time: (!hook.active).then_some(hook.health.deactivated).flatten(),
    }
}

impl Api for Service {
    type Caller = Caller;

    async fn list_webhooks(
        &self,
        caller: Caller,
        params: ListWebhooksParams,
    ) -> ListWebhooksResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return ListWebhooksResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InvalidListWebhooksRequest;
        match self.list_page(&caller, params).await {
            Ok(list) => ListWebhooksResponse::Ok(list),
            Err(r @ Refusal::Invalid(_)) => ListWebhooksResponse::UnprocessableEntity(r.body(code)),
            Err(_) => ListWebhooksResponse::InternalServerError(Refusal::Internal.body(code)),
        }
    }

    async fn create_webhook(&self, caller: Caller, body: CreateWebhook) -> CreateWebhookResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return CreateWebhookResponse::TooManyRequests { body, retry_after };
        }
        match self.create(&caller, body).await {
            Ok(created) => CreateWebhookResponse::Created(created),
            Err(refusal) => {
                let code = ErrorCode::InvalidCreateWebhookRequest;
                match refusal {
                    Refusal::Forbidden => CreateWebhookResponse::Forbidden(refusal.body(code)),
                    Refusal::Invalid(_) => {
                        CreateWebhookResponse::UnprocessableEntity(refusal.body(code))
                    }
                    // Create names no id, so it never answers 404.
                    Refusal::NotFound
                    | Refusal::NoPreviousSecret
                    | Refusal::NoDelivery
                    | Refusal::Internal => {
                        CreateWebhookResponse::InternalServerError(Refusal::Internal.body(code))
                    }
                }
            }
        }
    }

    async fn get_webhook(&self, caller: Caller, id: uuid::Uuid) -> GetWebhookResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return GetWebhookResponse::TooManyRequests { body, retry_after };
        }
        match self.store.get_for_read(&caller.client_id, id).await {
            Ok(Some(hook)) => GetWebhookResponse::Ok(to_webhook(&hook, store::now())),
            Ok(None) => GetWebhookResponse::NotFound(error(ErrorCode::WebhookNotFound)),
            Err(e) => {
                let body = internal("getWebhook", e).body(ErrorCode::InternalServerError);
                GetWebhookResponse::InternalServerError(body)
            }
        }
    }

    async fn delete_webhook(&self, caller: Caller, id: uuid::Uuid) -> DeleteWebhookResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return DeleteWebhookResponse::TooManyRequests { body, retry_after };
        }
        let result = match self.changeable("deleteWebhook", &caller, id).await {
            Ok(_) => self
                .store
                .delete(&caller.client_id, id)
                .await
                .map_err(|e| internal("deleteWebhook", e))
                .and_then(|deleted| {
                    if deleted {
                        Ok(())
                    } else {
                        Err(Refusal::NotFound)
                    }
                }),
            Err(refusal) => Err(refusal),
        };
        let code = ErrorCode::InternalServerError;
        match result {
            Ok(()) => DeleteWebhookResponse::NoContent,
            Err(refusal @ Refusal::NotFound) => DeleteWebhookResponse::NotFound(refusal.body(code)),
            Err(refusal @ Refusal::Forbidden) => {
                DeleteWebhookResponse::Forbidden(refusal.body(code))
            }
            Err(
                Refusal::Invalid(_)
                | Refusal::NoPreviousSecret
                | Refusal::NoDelivery
                | Refusal::Internal,
            ) => DeleteWebhookResponse::InternalServerError(Refusal::Internal.body(code)),
        }
    }

    async fn update_webhook(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        body: UpdateWebhook,
    ) -> UpdateWebhookResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return UpdateWebhookResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InvalidUpdateWebhookRequest;
        match self.update(&caller, id, body).await {
            Ok(hook) => UpdateWebhookResponse::Ok(hook),
            Err(r @ (Refusal::NotFound | Refusal::NoPreviousSecret | Refusal::NoDelivery)) => {
                UpdateWebhookResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => UpdateWebhookResponse::Forbidden(r.body(code)),
            Err(r @ Refusal::Invalid(_)) => {
                UpdateWebhookResponse::UnprocessableEntity(r.body(code))
            }
            Err(r @ Refusal::Internal) => UpdateWebhookResponse::InternalServerError(r.body(code)),
        }
    }

    async fn activate_webhook(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        body: Option<ActivateWebhook>,
    ) -> ActivateWebhookResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return ActivateWebhookResponse::TooManyRequests { body, retry_after };
        }
        let requested = body.and_then(|b| b.expiration_date_time);
        let changes = Changes {
            activation: Some(Self::activation(requested)),
            ..Changes::default()
        };
        let result = self.change("activateWebhook", &caller, id, changes).await;
        let code = ErrorCode::InvalidActivateWebhookRequest;
        match result {
            Ok(_) => ActivateWebhookResponse::Accepted,
            Err(r @ (Refusal::NotFound | Refusal::NoPreviousSecret | Refusal::NoDelivery)) => {
                ActivateWebhookResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => ActivateWebhookResponse::Forbidden(r.body(code)),
            Err(r @ Refusal::Invalid(_)) => {
                ActivateWebhookResponse::UnprocessableEntity(r.body(code))
            }
            Err(r @ Refusal::Internal) => {
                ActivateWebhookResponse::InternalServerError(r.body(code))
            }
        }
    }

    async fn deactivate_webhook(
        &self,
        caller: Caller,
        id: uuid::Uuid,
    ) -> DeactivateWebhookResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return DeactivateWebhookResponse::TooManyRequests { body, retry_after };
        }
        let changes = Changes {
            activation: Some(Activation::Deactivate),
            ..Changes::default()
        };
        // Deactivation is idempotent: `change` refuses it only for a missing webhook, a caller
        // without permission or a store failure.
        let code = ErrorCode::InternalServerError;
        match self.change("deactivateWebhook", &caller, id, changes).await {
            Ok(_) => DeactivateWebhookResponse::Accepted,
            Err(r @ (Refusal::NotFound | Refusal::NoPreviousSecret | Refusal::NoDelivery)) => {
                DeactivateWebhookResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => DeactivateWebhookResponse::Forbidden(r.body(code)),
            Err(Refusal::Invalid(_) | Refusal::Internal) => {
                DeactivateWebhookResponse::InternalServerError(Refusal::Internal.body(code))
            }
        }
    }

    async fn rotate_webhook_secret(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        body: Option<RotateWebhookSecret>,
    ) -> RotateWebhookSecretResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return RotateWebhookSecretResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InvalidRotateWebhookSecretRequest;
        match self
            .rotate_secret(&caller, id, body.unwrap_or_default())
            .await
        {
            Ok(rotated) => RotateWebhookSecretResponse::Ok(rotated),
            Err(r @ (Refusal::NotFound | Refusal::NoPreviousSecret | Refusal::NoDelivery)) => {
                RotateWebhookSecretResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => RotateWebhookSecretResponse::Forbidden(r.body(code)),
            Err(r @ Refusal::Invalid(_)) => {
                RotateWebhookSecretResponse::UnprocessableEntity(r.body(code))
            }
            Err(r @ Refusal::Internal) => {
                RotateWebhookSecretResponse::InternalServerError(r.body(code))
            }
        }
    }

    async fn delete_previous_webhook_secret(
        &self,
        caller: Caller,
        id: uuid::Uuid,
    ) -> DeletePreviousWebhookSecretResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return DeletePreviousWebhookSecretResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InternalServerError;
        match self.end_previous_secret(&caller, id).await {
            Ok(()) => DeletePreviousWebhookSecretResponse::NoContent,
            Err(r @ (Refusal::NotFound | Refusal::NoPreviousSecret | Refusal::NoDelivery)) => {
                DeletePreviousWebhookSecretResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => {
                DeletePreviousWebhookSecretResponse::Forbidden(r.body(code))
            }
            // Nothing here is a 422: the operation has no body.
            Err(Refusal::Invalid(_) | Refusal::Internal) => {
                DeletePreviousWebhookSecretResponse::InternalServerError(
                    Refusal::Internal.body(code),
                )
            }
        }
    }

    async fn publish_event(
        &self,
        caller: Caller,
        params: PublishEventParams,
        body: PublishEvent,
    ) -> PublishEventResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return PublishEventResponse::TooManyRequests { body, retry_after };
        }
        let event = NewEvent {
            id: uuid::Uuid::new_v4(),
            publisher: caller.client_id,
            event_type: body.event_type,
            itwin_id: body.i_twin_id,
            content: body.content,
            enqueued: store::now(),
        };
        let invalid = |code: ErrorCode| {
            let details = vec![detail(code, "Idempotency-Key")];
            PublishEventResponse::UnprocessableEntity(with_details(
                ErrorCode::InvalidPublishEventRequest,
                details,
            ))
        };
        let published = match params.idempotency_key {
            None => self
                .store
                .publish(&event)
                .await
                .map(|deliveries| Published::New { deliveries }),
            Some(key) if !idempotency::valid_key(&key) => {
                return invalid(ErrorCode::InvalidIdempotencyKey);
            }
            Some(key) => {
                let digest = idempotency::request_digest(&event);
                self.store.publish_idempotent(&event, &key, &digest).await
            }
        };
        match published {
            Ok(Published::New { deliveries }) => {
                if deliveries > 0 {
                    // Wakes this process's delivery worker now rather than at its next poll.
                    self.wake.notify_one();
                }
                PublishEventResponse::Accepted(PublishedEvent {
                    event_id: event.id,
                    deliveries,
                })
            }
            Ok(Published::Replayed {
                event_id,
                deliveries,
            }) => PublishEventResponse::Accepted(PublishedEvent {
                event_id,
                deliveries,
            }),
            Ok(Published::KeyReused) => invalid(ErrorCode::IdempotencyKeyReused),
            Err(e) => {
                let body = internal("publishEvent", e).body(ErrorCode::InternalServerError);
                PublishEventResponse::InternalServerError(body)
            }
        }
    }

    async fn list_webhook_deliveries(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        params: ListWebhookDeliveriesParams,
    ) -> ListWebhookDeliveriesResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return ListWebhookDeliveriesResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InvalidListDeliveriesRequest;
        match self.delivery_page(&caller, id, params).await {
            Ok(list) => ListWebhookDeliveriesResponse::Ok(list),
            Err(r @ Refusal::NotFound) => ListWebhookDeliveriesResponse::NotFound(r.body(code)),
            Err(r @ Refusal::Invalid(_)) => {
                ListWebhookDeliveriesResponse::UnprocessableEntity(r.body(code))
            }
            Err(_) => {
                ListWebhookDeliveriesResponse::InternalServerError(Refusal::Internal.body(code))
            }
        }
    }

    async fn get_webhook_delivery(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        delivery_id: uuid::Uuid,
    ) -> GetWebhookDeliveryResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return GetWebhookDeliveryResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InternalServerError;
        match self.delivery_detail(&caller, id, delivery_id).await {
            Ok(detail) => GetWebhookDeliveryResponse::Ok(detail),
            Err(r @ (Refusal::NotFound | Refusal::NoDelivery)) => {
                GetWebhookDeliveryResponse::NotFound(r.body(code))
            }
            Err(_) => GetWebhookDeliveryResponse::InternalServerError(Refusal::Internal.body(code)),
        }
    }

    async fn resend_webhook_delivery(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        delivery_id: uuid::Uuid,
    ) -> ResendWebhookDeliveryResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return ResendWebhookDeliveryResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InternalServerError;
        match self.resend(&caller, id, delivery_id).await {
            Ok(delivery) => ResendWebhookDeliveryResponse::Accepted(delivery),
            Err(r @ (Refusal::NotFound | Refusal::NoDelivery)) => {
                ResendWebhookDeliveryResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => ResendWebhookDeliveryResponse::Forbidden(r.body(code)),
            Err(_) => {
                ResendWebhookDeliveryResponse::InternalServerError(Refusal::Internal.body(code))
            }
        }
    }

    async fn recover_webhook_deliveries(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        body: RecoverDeliveries,
    ) -> RecoverWebhookDeliveriesResponse {
        if let Some((retry_after, body)) = self.limiter.check(&caller.client_id).await {
            let retry_after = Some(retry_after);
            return RecoverWebhookDeliveriesResponse::TooManyRequests { body, retry_after };
        }
        let code = ErrorCode::InvalidRecoverWebhookDeliveriesRequest;
        match self.recover(&caller, id, body).await {
            Ok(deliveries) => {
                RecoverWebhookDeliveriesResponse::Accepted(RecoveredDeliveries { deliveries })
            }
            Err(r @ (Refusal::NotFound | Refusal::NoDelivery)) => {
                RecoverWebhookDeliveriesResponse::NotFound(r.body(code))
            }
            Err(r @ Refusal::Forbidden) => {
                RecoverWebhookDeliveriesResponse::Forbidden(r.body(code))
            }
            Err(r @ Refusal::Invalid(_)) => {
                RecoverWebhookDeliveriesResponse::UnprocessableEntity(r.body(code))
            }
            Err(_) => {
                RecoverWebhookDeliveriesResponse::InternalServerError(Refusal::Internal.body(code))
            }
        }
    }
}
