//! The store behind the generated router: `webhooks_server::Api` and `Authenticator`.

use std::sync::Arc;

use uuid::Uuid;
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
    ActivateWebhook, CreateWebhook, DeliveryList, ErrorCode, ErrorResponse, Link, PageLinks,
    PublishEvent, RecoverDeliveries, RecoveredDeliveries, RotateWebhookSecret,
    RotatedWebhookSecret, UpdateWebhook, WebhookList,
};
use webhooks_server::{Api, AuthError, AuthRequest, Authenticator, Config};

use crate::store::{Refusal, Store};
use crate::{Caller, invalid, invalid_change};

/// Accepts [`crate::TOKEN`] when it grants the scopes the router asks for.
pub struct TokenAuth;

impl Authenticator for TokenAuth {
    type Caller = Caller;

    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthError> {
        let token = request.token.ok_or(AuthError::InvalidCredentials)?;
        crate::authenticate(token, request.scopes).map_err(|denied| match denied {
            crate::Denied::UnknownToken => AuthError::InvalidCredentials,
            crate::Denied::MissingScope => AuthError::MissingScope,
        })
    }
}

/// The in-memory API.
pub struct InMemory {
    store: Arc<Store>,
}

fn not_found() -> ErrorResponse {
    ErrorResponse::from_code(ErrorCode::WebhookNotFound)
}

impl Api for InMemory {
    type Caller = Caller;

    async fn list_webhooks(&self, _caller: Caller, _: ListWebhooksParams) -> ListWebhooksResponse {
        // One page: the bench's lists are small, and paging is the service's business.
        ListWebhooksResponse::Ok(WebhookList {
            webhooks: self.store.list(),
            links: one_page("/webhooks"),
        })
    }

    // The in-memory store delivers nothing, so a webhook has no deliveries.
    async fn list_webhook_deliveries(
        &self,
        _caller: Caller,
        id: Uuid,
        _: ListWebhookDeliveriesParams,
    ) -> ListWebhookDeliveriesResponse {
        match self.store.get(id) {
            Some(_) => ListWebhookDeliveriesResponse::Ok(DeliveryList {
                deliveries: Vec::new(),
                links: one_page(&format!("/webhooks/{id}/deliveries")),
            }),
            None => ListWebhookDeliveriesResponse::NotFound(not_found()),
        }
    }

    async fn get_webhook_delivery(
        &self,
        _caller: Caller,
        id: Uuid,
        _delivery: Uuid,
    ) -> GetWebhookDeliveryResponse {
        GetWebhookDeliveryResponse::NotFound(self.delivery_not_found(id))
    }

    async fn resend_webhook_delivery(
        &self,
        _caller: Caller,
        id: Uuid,
        _delivery: Uuid,
    ) -> ResendWebhookDeliveryResponse {
        ResendWebhookDeliveryResponse::NotFound(self.delivery_not_found(id))
    }

    async fn recover_webhook_deliveries(
        &self,
        _caller: Caller,
        id: Uuid,
        _: RecoverDeliveries,
    ) -> RecoverWebhookDeliveriesResponse {
        match self.store.get(id) {
            Some(_) => {
                RecoverWebhookDeliveriesResponse::Accepted(RecoveredDeliveries { deliveries: 0 })
            }
            None => RecoverWebhookDeliveriesResponse::NotFound(not_found()),
        }
    }

    async fn create_webhook(&self, _caller: Caller, body: CreateWebhook) -> CreateWebhookResponse {
        match self.store.create(body) {
            Ok(created) => CreateWebhookResponse::Created(created),
            Err(Refusal::Invalid { target }) => CreateWebhookResponse::UnprocessableEntity(
                invalid(ErrorCode::InvalidCreateWebhookRequest, target),
            ),
            Err(_) => CreateWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn get_webhook(&self, _caller: Caller, id: Uuid) -> GetWebhookResponse {
        match self.store.get(id) {
            Some(webhook) => GetWebhookResponse::Ok(webhook),
            None => GetWebhookResponse::NotFound(not_found()),
        }
    }

    async fn delete_webhook(&self, _caller: Caller, id: Uuid) -> DeleteWebhookResponse {
        if self.store.delete(id) {
            DeleteWebhookResponse::NoContent
        } else {
            DeleteWebhookResponse::NotFound(not_found())
        }
    }

    async fn update_webhook(
        &self,
        _caller: Caller,
        id: Uuid,
        body: UpdateWebhook,
    ) -> UpdateWebhookResponse {
        match self.store.update(id, body) {
            Ok(webhook) => UpdateWebhookResponse::Ok(webhook),
            Err(Refusal::NotFound) => UpdateWebhookResponse::NotFound(not_found()),
            Err(Refusal::Invalid { target }) => UpdateWebhookResponse::UnprocessableEntity(
                invalid(ErrorCode::InvalidUpdateWebhookRequest, target),
            ),
            Err(Refusal::AlreadyInState) => UpdateWebhookResponse::InternalServerError(
                ErrorResponse::from_code(ErrorCode::InternalServerError),
            ),
        }
    }

    async fn activate_webhook(
        &self,
        _caller: Caller,
        id: Uuid,
        body: Option<ActivateWebhook>,
    ) -> ActivateWebhookResponse {
        match self.store.activate(id, body) {
            Ok(()) => ActivateWebhookResponse::Accepted,
            Err(Refusal::NotFound) => ActivateWebhookResponse::NotFound(not_found()),
            Err(Refusal::Invalid { target }) => ActivateWebhookResponse::UnprocessableEntity(
                invalid(ErrorCode::InvalidActivateWebhookRequest, target),
            ),
            Err(Refusal::AlreadyInState) => ActivateWebhookResponse::UnprocessableEntity(
                invalid_change(ErrorCode::InvalidChange.message(), id),
            ),
        }
    }

    async fn deactivate_webhook(&self, _caller: Caller, id: Uuid) -> DeactivateWebhookResponse {
        match self.store.deactivate(id) {
            Ok(()) => DeactivateWebhookResponse::Accepted,
            Err(Refusal::NotFound) => DeactivateWebhookResponse::NotFound(not_found()),
            // Deactivation is idempotent; the store refuses it only for a missing webhook.
            Err(Refusal::AlreadyInState | Refusal::Invalid { .. }) => {
                DeactivateWebhookResponse::InternalServerError(ErrorResponse::from_code(
                    ErrorCode::InternalServerError,
                ))
            }
        }
    }

    async fn rotate_webhook_secret(
        &self,
        _caller: Caller,
        id: Uuid,
        body: Option<RotateWebhookSecret>,
    ) -> RotateWebhookSecretResponse {
        let body = body.unwrap_or_default();
        // The benchmark's store needs a secret, not a random one: the id's own text is enough.
        let secret = body
            .secret
            .unwrap_or_else(|| format!("rotated-secret-of-{id}"));
        match self.store.rotate_secret(
            id,
            secret.clone(),
            body.grace_period_seconds.unwrap_or(86_400),
        ) {
            Ok(until) => RotateWebhookSecretResponse::Ok(RotatedWebhookSecret {
                secret,
                previous_secret_expiration_date_time: until,
            }),
            Err(_) => RotateWebhookSecretResponse::NotFound(not_found()),
        }
    }

    async fn delete_previous_webhook_secret(
        &self,
        _caller: Caller,
        id: Uuid,
    ) -> DeletePreviousWebhookSecretResponse {
        match self.store.end_previous_secret(id) {
            Ok(()) => DeletePreviousWebhookSecretResponse::NoContent,
            Err(Refusal::NotFound) => DeletePreviousWebhookSecretResponse::NotFound(not_found()),
            Err(_) => DeletePreviousWebhookSecretResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::PreviousSecretNotFound,
            )),
        }
    }

    async fn publish_event(
        &self,
        _caller: Caller,
        _: PublishEventParams,
        body: PublishEvent,
    ) -> PublishEventResponse {
        match self.store.publish(&body) {
            Ok(published) => PublishEventResponse::Accepted(published),
            Err(Refusal::Invalid { target }) => PublishEventResponse::UnprocessableEntity(invalid(
                ErrorCode::InvalidPublishEventRequest,
                target,
            )),
            Err(_) => PublishEventResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }
}

impl InMemory {
    fn delivery_not_found(&self, webhook: Uuid) -> ErrorResponse {
        match self.store.get(webhook) {
            Some(_) => ErrorResponse::from_code(ErrorCode::DeliveryNotFound),
            None => not_found(),
        }
    }
}

/// The links of a list that fits on one page.
fn one_page(href: &str) -> PageLinks {
    PageLinks {
        self_: Link {
            href: href.to_owned(),
        },
        next: None,
    }
}

/// The generated router over `store`, refusing bodies over `body_limit` bytes.
pub fn router(store: Arc<Store>, body_limit: usize) -> axum::Router {
    webhooks_server::router_with_config(
        InMemory { store },
        TokenAuth,
        Config::default().with_body_limit(body_limit),
    )
}
