//! A scripted implementation of the generated server, for tests that drive the generated client
//! against it over loopback HTTP.
//!
//! The bearer token says what to answer: `status-429` makes every operation answer its 429, so
//! one server serves every case and tests can run in parallel. The authenticator also checks that
//! the router passed the scopes the spec names for the operation.

use std::net::SocketAddr;

use webhooks_server::params::{
    ListWebhookDeliveriesParams, ListWebhooksParams, PublishEventParams,
};
use webhooks_server::responses::*;
use webhooks_server::types::{
    CreateWebhook, CreatedWebhook, Delivery, DeliveryAttempt, DeliveryAttemptErrorKind,
    DeliveryDetail, DeliveryList, DeliveryState, Error, ErrorCode, ErrorResponse, Link, PageLinks,
    PublishEvent, PublishedEvent, RecoverDeliveries, RecoveredDeliveries, RotateWebhookSecret,
    RotatedWebhookSecret, UpdateWebhook, Webhook, WebhookList, WebhookScope,
};
use webhooks_server::{Api, AuthError, AuthRequest, Authenticator};

/// The value of `retry-after` every scripted 429 carries.
pub const RETRY_AFTER: i64 = 7;

/// The status the caller's token asks for.
pub struct Caller {
    pub status: u16,
}

/// Accepts `status-NNN` tokens when the router passes the scopes the spec names.
pub struct ScriptedAuth;

fn expected_scopes(operation_id: &str) -> &'static [&'static str] {
    match operation_id {
        "listWebhooks" | "getWebhook" | "listWebhookDeliveries" | "getWebhookDelivery" => {
            &["webhooks:read"]
        }
        "publishEvent" => &["webhooks:publish"],
        _ => &["webhooks:modify"],
    }
}

impl Authenticator for ScriptedAuth {
    type Caller = Caller;

    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthError> {
        if request.scopes != expected_scopes(request.operation_id) {
            return Err(AuthError::MissingScope);
        }
        let status = request
            .token
            .and_then(|t| t.strip_prefix("status-"))
            .and_then(|s| s.parse().ok())
            .ok_or(AuthError::InvalidCredentials)?;
        Ok(Caller { status })
    }
}

pub fn sample_webhook(id: uuid::Uuid) -> Webhook {
    let at = chrono::DateTime::parse_from_rfc3339("2021-06-07T08:27:42Z")
        .map(|t| t.to_utc())
        .unwrap_or_default();
    Webhook {
        id,
        scope: WebhookScope::ITwin,
        scope_id: Some("5e3f7c2a-0000-4000-8000-000000000001".into()),
        active: false,
        callback_url: "https://receiver.example.com/hook".into(),
        event_types: vec!["iModels.iModelDeleted.v1".into()],
        created: at,
        modified: at,
        expiration_date_time: None,
        deactivation_reason: None,
        deactivated_date_time: None,
    }
}

/// Answers each operation with the status its caller's token names.
pub struct Scripted;

impl Api for Scripted {
    type Caller = Caller;

    async fn list_webhooks(
        &self,
        caller: Caller,
        params: ListWebhooksParams,
    ) -> ListWebhooksResponse {
        match caller.status {
            // The links echo the parameters, so tests see they arrived.
            200 => ListWebhooksResponse::Ok(WebhookList {
                webhooks: vec![sample_webhook(uuid::Uuid::nil())],
                links: echo_links(
                    "/webhooks",
                    params.top,
                    params.continuation_token.as_deref(),
                ),
            }),
            422 => ListWebhooksResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidListWebhooksRequest,
            )),
            401 => ListWebhooksResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            406 => ListWebhooksResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => ListWebhooksResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => ListWebhooksResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn create_webhook(&self, caller: Caller, body: CreateWebhook) -> CreateWebhookResponse {
        match caller.status {
            201 => {
                let mut hook = sample_webhook(uuid::Uuid::from_u128(1));
                let (scope, scope_id, secret) = match body {
                    CreateWebhook::CreateAccountWebhook(account) => {
                        hook.callback_url = account.callback_url;
                        hook.event_types = account.event_types;
                        (WebhookScope::Account, None, account.secret)
                    }
                    CreateWebhook::CreateITwinWebhook(itwin) => {
                        hook.callback_url = itwin.callback_url;
                        hook.event_types = itwin.event_types;
                        let id = Some(itwin.scope_id.to_string());
                        (WebhookScope::ITwin, id, itwin.secret)
                    }
                };
                CreateWebhookResponse::Created(CreatedWebhook {
                    id: hook.id,
                    scope,
                    scope_id,
                    active: hook.active,
                    callback_url: hook.callback_url,
                    event_types: hook.event_types,
                    created: hook.created,
                    modified: hook.modified,
                    expiration_date_time: None,
                    deactivation_reason: None,
                    deactivated_date_time: None,
                    secret: secret.unwrap_or_else(|| "s".repeat(32)),
                })
            }
            401 => CreateWebhookResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => CreateWebhookResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            413 => CreateWebhookResponse::PayloadTooLarge(ErrorResponse::from_code(
                ErrorCode::PayloadTooLarge,
            )),
            415 => CreateWebhookResponse::UnsupportedMediaType(ErrorResponse::from_code(
                ErrorCode::UnsupportedMediaType,
            )),
            422 => CreateWebhookResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidCreateWebhookRequest,
            )),
            406 => CreateWebhookResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => CreateWebhookResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => CreateWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn get_webhook(&self, caller: Caller, id: uuid::Uuid) -> GetWebhookResponse {
        // `status-0`: an implementation that panics, which the router must still answer.
        assert_ne!(
            caller.status, 0,
            "the scripted implementation panics on request"
        );
        match caller.status {
            200 => GetWebhookResponse::Ok(sample_webhook(id)),
            401 => {
                GetWebhookResponse::Unauthorized(ErrorResponse::from_code(ErrorCode::InvalidToken))
            }
            404 => {
                GetWebhookResponse::NotFound(ErrorResponse::from_code(ErrorCode::WebhookNotFound))
            }
            406 => GetWebhookResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => GetWebhookResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => GetWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn delete_webhook(&self, caller: Caller, _id: uuid::Uuid) -> DeleteWebhookResponse {
        match caller.status {
            204 => DeleteWebhookResponse::NoContent,
            401 => DeleteWebhookResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => DeleteWebhookResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => DeleteWebhookResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            406 => DeleteWebhookResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => DeleteWebhookResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => DeleteWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn update_webhook(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        body: UpdateWebhook,
    ) -> UpdateWebhookResponse {
        match caller.status {
            200 => {
                let mut hook = sample_webhook(id);
                if let Some(active) = body.active {
                    hook.active = active;
                }
                UpdateWebhookResponse::Ok(hook)
            }
            401 => UpdateWebhookResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => UpdateWebhookResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => UpdateWebhookResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            413 => UpdateWebhookResponse::PayloadTooLarge(ErrorResponse::from_code(
                ErrorCode::PayloadTooLarge,
            )),
            415 => UpdateWebhookResponse::UnsupportedMediaType(ErrorResponse::from_code(
                ErrorCode::UnsupportedMediaType,
            )),
            422 => UpdateWebhookResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidUpdateWebhookRequest,
            )),
            406 => UpdateWebhookResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => UpdateWebhookResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => UpdateWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn activate_webhook(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        _body: Option<webhooks_server::types::ActivateWebhook>,
    ) -> ActivateWebhookResponse {
        match caller.status {
            202 => ActivateWebhookResponse::Accepted,
            401 => ActivateWebhookResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => ActivateWebhookResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => ActivateWebhookResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            413 => ActivateWebhookResponse::PayloadTooLarge(ErrorResponse::from_code(
                ErrorCode::PayloadTooLarge,
            )),
            415 => ActivateWebhookResponse::UnsupportedMediaType(ErrorResponse::from_code(
                ErrorCode::UnsupportedMediaType,
            )),
            422 => {
                // The seed's example: the webhook is already active.
                let template = ErrorCode::InvalidChange.message().unwrap_or_default();
                let mut body = ErrorResponse::from_code(ErrorCode::InvalidActivateWebhookRequest);
                if let Some(e) = body.error.as_mut() {
                    e.details = Some(vec![Error {
                        code: Some(ErrorCode::InvalidChange),
                        message: Some(template.replace("{id}", &id.to_string())),
                        target: Some("IsActive".into()),
                        details: None,
                    }]);
                }
                ActivateWebhookResponse::UnprocessableEntity(body)
            }
            406 => ActivateWebhookResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => ActivateWebhookResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => ActivateWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn deactivate_webhook(
        &self,
        caller: Caller,
        _id: uuid::Uuid,
    ) -> DeactivateWebhookResponse {
        match caller.status {
            202 => DeactivateWebhookResponse::Accepted,
            401 => DeactivateWebhookResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => DeactivateWebhookResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => DeactivateWebhookResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            406 => DeactivateWebhookResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => DeactivateWebhookResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => DeactivateWebhookResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn rotate_webhook_secret(
        &self,
        caller: Caller,
        _id: uuid::Uuid,
        body: Option<RotateWebhookSecret>,
    ) -> RotateWebhookSecretResponse {
        match caller.status {
            // The given secret comes back, so tests see the body arrived; the grace period is
            // echoed as an offset from the sample time.
            200 => {
                let body = body.unwrap_or_default();
                let at = sample_webhook(uuid::Uuid::nil()).created;
                RotateWebhookSecretResponse::Ok(RotatedWebhookSecret {
                    secret: body.secret.unwrap_or_else(|| "g".repeat(32)),
                    previous_secret_expiration_date_time: body
                        .grace_period_seconds
                        .filter(|s| *s > 0)
                        .map(|s| at + chrono::Duration::seconds(s)),
                })
            }
            401 => RotateWebhookSecretResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => RotateWebhookSecretResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => RotateWebhookSecretResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            413 => RotateWebhookSecretResponse::PayloadTooLarge(ErrorResponse::from_code(
                ErrorCode::PayloadTooLarge,
            )),
            415 => RotateWebhookSecretResponse::UnsupportedMediaType(ErrorResponse::from_code(
                ErrorCode::UnsupportedMediaType,
            )),
            422 => RotateWebhookSecretResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidRotateWebhookSecretRequest,
            )),
            406 => RotateWebhookSecretResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => RotateWebhookSecretResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => RotateWebhookSecretResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn delete_previous_webhook_secret(
        &self,
        caller: Caller,
        _id: uuid::Uuid,
    ) -> DeletePreviousWebhookSecretResponse {
        match caller.status {
            204 => DeletePreviousWebhookSecretResponse::NoContent,
            401 => DeletePreviousWebhookSecretResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => DeletePreviousWebhookSecretResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => DeletePreviousWebhookSecretResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::PreviousSecretNotFound,
            )),
            406 => DeletePreviousWebhookSecretResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => DeletePreviousWebhookSecretResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => DeletePreviousWebhookSecretResponse::InternalServerError(
                ErrorResponse::from_code(ErrorCode::InternalServerError),
            ),
        }
    }

    async fn publish_event(
        &self,
        caller: Caller,
        params: PublishEventParams,
        body: PublishEvent,
    ) -> PublishEventResponse {
        match caller.status {
            // The number of deliveries echoes the size of the content, so tests see the body
            // arrived whole; the event id is 3 when an Idempotency-Key came, 2 otherwise.
            202 => PublishEventResponse::Accepted(PublishedEvent {
                event_id: uuid::Uuid::from_u128(if params.idempotency_key.is_some() {
                    3
                } else {
                    2
                }),
                deliveries: body.content.len() as i64,
            }),
            401 => PublishEventResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            413 => PublishEventResponse::PayloadTooLarge(ErrorResponse::from_code(
                ErrorCode::PayloadTooLarge,
            )),
            415 => PublishEventResponse::UnsupportedMediaType(ErrorResponse::from_code(
                ErrorCode::UnsupportedMediaType,
            )),
            422 => PublishEventResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidPublishEventRequest,
            )),
            406 => PublishEventResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => PublishEventResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => PublishEventResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn list_webhook_deliveries(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        params: ListWebhookDeliveriesParams,
    ) -> ListWebhookDeliveriesResponse {
        match caller.status {
            200 => {
                let mut delivery = sample_delivery(id);
                if let Some(state) = params.state {
                    delivery.state = state;
                }
                ListWebhookDeliveriesResponse::Ok(DeliveryList {
                    deliveries: vec![delivery],
                    links: echo_links(
                        &format!("/webhooks/{id}/deliveries"),
                        params.top,
                        params.continuation_token.as_deref(),
                    ),
                })
            }
            401 => ListWebhookDeliveriesResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            404 => ListWebhookDeliveriesResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            422 => ListWebhookDeliveriesResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidListDeliveriesRequest,
            )),
            406 => ListWebhookDeliveriesResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => ListWebhookDeliveriesResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => ListWebhookDeliveriesResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn get_webhook_delivery(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        delivery_id: uuid::Uuid,
    ) -> GetWebhookDeliveryResponse {
        match caller.status {
            200 => {
                let d = Delivery {
                    id: delivery_id,
                    ..sample_delivery(id)
                };
                GetWebhookDeliveryResponse::Ok(DeliveryDetail {
                    id: d.id,
                    event_id: d.event_id,
                    webhook_id: d.webhook_id,
                    event_type: d.event_type,
                    state: d.state,
                    attempt_count: d.attempt_count,
                    created: d.created,
                    next_attempt_date_time: d.next_attempt_date_time,
                    finished: d.finished,
                    last_status: d.last_status,
                    last_error: d.last_error,
                    attempts: vec![
                        DeliveryAttempt {
                            attempted: d.created,
                            status: Some(500),
                            error_kind: Some(DeliveryAttemptErrorKind::Status),
                            error: Some("callback answered 500".into()),
                            latency_ms: 12,
                            response: Some("x".repeat(4096)),
                            response_truncated: Some(true),
                        },
                        DeliveryAttempt {
                            attempted: d.created,
                            status: None,
                            error_kind: Some(DeliveryAttemptErrorKind::Timeout),
                            error: Some("no answer".into()),
                            latency_ms: 5000,
                            response: None,
                            response_truncated: None,
                        },
                    ],
                })
            }
            401 => GetWebhookDeliveryResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            404 => GetWebhookDeliveryResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::DeliveryNotFound,
            )),
            406 => GetWebhookDeliveryResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => GetWebhookDeliveryResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => GetWebhookDeliveryResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn resend_webhook_delivery(
        &self,
        caller: Caller,
        id: uuid::Uuid,
        delivery_id: uuid::Uuid,
    ) -> ResendWebhookDeliveryResponse {
        match caller.status {
            202 => ResendWebhookDeliveryResponse::Accepted(Delivery {
                id: delivery_id,
                state: DeliveryState::Pending,
                ..sample_delivery(id)
            }),
            401 => ResendWebhookDeliveryResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => ResendWebhookDeliveryResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => ResendWebhookDeliveryResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::DeliveryNotFound,
            )),
            406 => ResendWebhookDeliveryResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => ResendWebhookDeliveryResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => ResendWebhookDeliveryResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }

    async fn recover_webhook_deliveries(
        &self,
        caller: Caller,
        _id: uuid::Uuid,
        body: RecoverDeliveries,
    ) -> RecoverWebhookDeliveriesResponse {
        match caller.status {
            // The count echoes whether `until` arrived (2) or not (1).
            202 => RecoverWebhookDeliveriesResponse::Accepted(RecoveredDeliveries {
                deliveries: if body.until.is_some() { 2 } else { 1 },
            }),
            401 => RecoverWebhookDeliveriesResponse::Unauthorized(ErrorResponse::from_code(
                ErrorCode::InvalidToken,
            )),
            403 => RecoverWebhookDeliveriesResponse::Forbidden(ErrorResponse::from_code(
                ErrorCode::InsufficientPermissions,
            )),
            404 => RecoverWebhookDeliveriesResponse::NotFound(ErrorResponse::from_code(
                ErrorCode::WebhookNotFound,
            )),
            413 => RecoverWebhookDeliveriesResponse::PayloadTooLarge(ErrorResponse::from_code(
                ErrorCode::PayloadTooLarge,
            )),
            415 => RecoverWebhookDeliveriesResponse::UnsupportedMediaType(
                ErrorResponse::from_code(ErrorCode::UnsupportedMediaType),
            ),
            422 => RecoverWebhookDeliveriesResponse::UnprocessableEntity(ErrorResponse::from_code(
                ErrorCode::InvalidRecoverWebhookDeliveriesRequest,
            )),
            406 => RecoverWebhookDeliveriesResponse::NotAcceptable(ErrorResponse::from_code(
                ErrorCode::NotAcceptable,
            )),
            429 => RecoverWebhookDeliveriesResponse::TooManyRequests {
                retry_after: Some(RETRY_AFTER),
                body: ErrorResponse::from_code(ErrorCode::TooManyRequests),
            },
            _ => RecoverWebhookDeliveriesResponse::InternalServerError(ErrorResponse::from_code(
                ErrorCode::InternalServerError,
            )),
        }
    }
}

/// Links that echo `$top` and `$continuationToken` back: `next` carries the token given.
fn echo_links(path: &str, top: Option<i64>, token: Option<&str>) -> PageLinks {
    PageLinks {
        self_: Link {
            href: format!("{path}?$top={}", top.unwrap_or(100)),
        },
        next: token.map(|token| Link {
            href: format!("{path}?$continuationToken={token}"),
        }),
    }
}

pub fn sample_delivery(webhook_id: uuid::Uuid) -> Delivery {
    let at = chrono::DateTime::parse_from_rfc3339("2021-06-07T08:27:42Z")
        .map(|t| t.to_utc())
        .unwrap_or_default();
    Delivery {
        id: uuid::Uuid::from_u128(7),
        event_id: uuid::Uuid::from_u128(2),
        webhook_id,
        event_type: "iModels.iModelDeleted.v1".into(),
        state: DeliveryState::Failed,
        attempt_count: 8,
        created: at,
        next_attempt_date_time: at,
        finished: Some(at),
        last_status: Some(500),
        last_error: Some("callback answered 500".into()),
    }
}

/// Serves `router` on an ephemeral loopback port until the test ends.
pub async fn serve(router: axum::Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        // The server lives as long as the test's runtime; an error here ends only this server.
        let _ = axum::serve(listener, router).await;
    });
    Ok(addr)
}

/// The scripted API behind the generated router, on loopback, with `config`.
pub async fn serve_scripted(config: webhooks_server::Config) -> std::io::Result<SocketAddr> {
    serve(webhooks_server::router_with_config(
        Scripted,
        ScriptedAuth,
        config,
    ))
    .await
}
