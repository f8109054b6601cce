//! A scripted implementation of the generated server, for tests that drive the generated client
//! against it over loopback HTTP.
//!
//! The bearer token says what to answer: `status-429` makes every operation answer its 429, so
//! one server serves every case and tests can run in parallel. The authenticator also checks that
//! the router passed the scopes the spec names for the operation.

use std::net::SocketAddr;

use webhooks_server::responses::*;
use webhooks_server::types::{
    CreateWebhook, CreatedWebhook, Error, ErrorCode, ErrorResponse, PublishEvent, PublishedEvent,
    RotateWebhookSecret, RotatedWebhookSecret, UpdateWebhook, Webhook, WebhookList, WebhookScope,
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
        "listWebhooks" | "getWebhook" => &["webhooks:read"],
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
    }
}

/// Answers each operation with the status its caller's token names.
pub struct Scripted;

impl Api for Scripted {
    type Caller = Caller;

    async fn list_webhooks(&self, caller: Caller) -> ListWebhooksResponse {
        match caller.status {
            200 => ListWebhooksResponse::Ok(WebhookList {
                webhooks: vec![sample_webhook(uuid::Uuid::nil())],
            }),
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

    async fn publish_event(&self, caller: Caller, body: PublishEvent) -> PublishEventResponse {
        match caller.status {
            // The number of deliveries echoes the size of the content, so tests see the body
            // arrived whole.
            202 => PublishEventResponse::Accepted(PublishedEvent {
                event_id: uuid::Uuid::from_u128(2),
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
