//! Every operation, every documented status: the generated client against the generated router
//! over real HTTP on loopback. Each answer must arrive as the variant for its status, with its
//! body and headers.

use contract_tests::{RETRY_AFTER, serve_scripted};
use webhooks_client::types::{
    ActivateWebhook, CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, ErrorCode,
    ErrorResponse, UpdateWebhook,
};
use webhooks_client::*;

async fn client_for(status: u16) -> Client {
    let addr = serve_scripted(webhooks_server::Config::default())
        .await
        .expect("bind loopback");
    Client::new(&format!("http://{addr}"))
        .expect("base url")
        .with_bearer_token(format!("status-{status}"))
}

fn code(body: &ErrorResponse) -> Option<ErrorCode> {
    body.error.as_ref().and_then(|e| e.code.clone())
}

fn message(body: &ErrorResponse) -> Option<String> {
    body.error.as_ref().and_then(|e| e.message.clone())
}

fn id() -> uuid::Uuid {
    uuid::Uuid::from_u128(0x5885fb70_81c1_423b_b556_771b5ab4d55b)
}

fn create_body() -> CreateWebhook {
    CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
        scope: CreateAccountWebhookScope::Account,
        callback_url: "https://receiver.example.com/hook".into(),
        event_types: vec!["iModels.iModelCreated.v1".into()],
        secret: None,
    })
}

#[tokio::test]
async fn list_webhooks_every_status() {
    let hooks = client_for(200)
        .await
        .list_webhooks(&Default::default())
        .await
        .expect("200");
    assert_eq!(hooks.webhooks.len(), 1);
    match client_for(401)
        .await
        .list_webhooks(&Default::default())
        .await
    {
        Err(Error::Api(ListWebhooksError::Unauthorized(body))) => {
            assert_eq!(code(&body), Some(ErrorCode::InvalidToken))
        }
        other => panic!("expected 401, got {other:?}"),
    }
    match client_for(429)
        .await
        .list_webhooks(&Default::default())
        .await
    {
        Err(Error::Api(ListWebhooksError::TooManyRequests { retry_after, body })) => {
            assert_eq!(retry_after, Some(RETRY_AFTER));
            assert_eq!(code(&body), Some(ErrorCode::TooManyRequests));
            assert_eq!(
                message(&body).as_deref(),
                Some("More requests were received than the subscription rate-limit allows.")
            );
        }
        other => panic!("expected 429, got {other:?}"),
    }
    match client_for(406)
        .await
        .list_webhooks(&Default::default())
        .await
    {
        Err(Error::Api(ListWebhooksError::NotAcceptable(body))) => {
            assert_eq!(code(&body), Some(ErrorCode::NotAcceptable))
        }
        other => panic!("expected 406, got {other:?}"),
    }
    match client_for(500)
        .await
        .list_webhooks(&Default::default())
        .await
    {
        Err(e @ Error::Api(ListWebhooksError::InternalServerError(_))) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(500))
        }
        other => panic!("expected 500, got {other:?}"),
    }
}

#[tokio::test]
async fn create_webhook_every_status() {
    let created = client_for(201)
        .await
        .create_webhook(&create_body())
        .await
        .expect("201");
    assert_eq!(created.callback_url, "https://receiver.example.com/hook");
    assert!(created.secret.len() >= 32);
    for status in [401, 403, 413, 415, 422, 406, 429, 500] {
        let result = client_for(status)
            .await
            .create_webhook(&create_body())
            .await;
        let (got, body) = match result {
            Err(Error::Api(CreateWebhookError::Unauthorized(b))) => (401, b),
            Err(Error::Api(CreateWebhookError::Forbidden(b))) => (403, b),
            Err(Error::Api(CreateWebhookError::PayloadTooLarge(b))) => (413, b),
            Err(Error::Api(CreateWebhookError::UnsupportedMediaType(b))) => (415, b),
            Err(Error::Api(CreateWebhookError::UnprocessableEntity(b))) => (422, b),
            Err(Error::Api(CreateWebhookError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(CreateWebhookError::TooManyRequests { retry_after, body })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(CreateWebhookError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}

#[tokio::test]
async fn get_webhook_every_status() {
    let hook = client_for(200).await.get_webhook(&id()).await.expect("200");
    assert_eq!(
        hook.id,
        id(),
        "the path parameter reached the server intact"
    );
    match client_for(404).await.get_webhook(&id()).await {
        Err(Error::Api(GetWebhookError::NotFound(body))) => {
            assert_eq!(code(&body), Some(ErrorCode::WebhookNotFound));
            assert_eq!(
                message(&body).as_deref(),
                Some("Requested webhook is not available.")
            );
        }
        other => panic!("expected 404, got {other:?}"),
    }
    for status in [401, 406, 429, 500] {
        let err = client_for(status)
            .await
            .get_webhook(&id())
            .await
            .expect_err("error status");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
    }
}

#[tokio::test]
async fn delete_webhook_every_status() {
    client_for(204)
        .await
        .delete_webhook(&id())
        .await
        .expect("204");
    for status in [401, 403, 404, 406, 429, 500] {
        let result = client_for(status).await.delete_webhook(&id()).await;
        let ok = matches!(
            (&result, status),
            (Err(Error::Api(DeleteWebhookError::Unauthorized(_))), 401)
                | (Err(Error::Api(DeleteWebhookError::Forbidden(_))), 403)
                | (Err(Error::Api(DeleteWebhookError::NotFound(_))), 404)
                | (Err(Error::Api(DeleteWebhookError::NotAcceptable(_))), 406)
                | (
                    Err(Error::Api(DeleteWebhookError::TooManyRequests {
                        retry_after: Some(RETRY_AFTER),
                        ..
                    })),
                    429
                )
                | (
                    Err(Error::Api(DeleteWebhookError::InternalServerError(_))),
                    500
                )
        );
        assert!(ok, "status {status}: got {result:?}");
    }
}

#[tokio::test]
async fn update_webhook_every_status() {
    let body = UpdateWebhook {
        active: Some(true),
        ..Default::default()
    };
    let hook = client_for(200)
        .await
        .update_webhook(&id(), &body)
        .await
        .expect("200");
    assert!(hook.active);
    for status in [401, 403, 404, 413, 415, 422, 406, 429, 500] {
        let result = client_for(status).await.update_webhook(&id(), &body).await;
        let ok = matches!(
            (&result, status),
            (Err(Error::Api(UpdateWebhookError::Unauthorized(_))), 401)
                | (Err(Error::Api(UpdateWebhookError::Forbidden(_))), 403)
                | (Err(Error::Api(UpdateWebhookError::NotFound(_))), 404)
                | (Err(Error::Api(UpdateWebhookError::PayloadTooLarge(_))), 413)
                | (
                    Err(Error::Api(UpdateWebhookError::UnsupportedMediaType(_))),
                    415
                )
                | (
                    Err(Error::Api(UpdateWebhookError::UnprocessableEntity(_))),
                    422
                )
                | (Err(Error::Api(UpdateWebhookError::NotAcceptable(_))), 406)
                | (
                    Err(Error::Api(UpdateWebhookError::TooManyRequests {
                        retry_after: Some(RETRY_AFTER),
                        ..
                    })),
                    429
                )
                | (
                    Err(Error::Api(UpdateWebhookError::InternalServerError(_))),
                    500
                )
        );
        assert!(ok, "status {status}: got {result:?}");
    }
}

#[tokio::test]
async fn activate_webhook_every_status() {
    let body = ActivateWebhook {
        expiration_date_time: Some("2021-06-07T08:27:42Z".parse().expect("date")),
    };
    client_for(202)
        .await
        .activate_webhook(&id(), Some(&body))
        .await
        .expect("202 with a body");
    client_for(202)
        .await
        .activate_webhook(&id(), None)
        .await
        .expect("202 without a body");
    match client_for(422)
        .await
        .activate_webhook(&id(), Some(&body))
        .await
    {
        Err(Error::Api(ActivateWebhookError::UnprocessableEntity(body))) => {
            let error = body.error.expect("error");
            assert_eq!(error.code, Some(ErrorCode::InvalidActivateWebhookRequest));
            let details = error.details.expect("details");
            assert_eq!(details[0].code, Some(ErrorCode::InvalidChange));
            assert_eq!(details[0].target.as_deref(), Some("IsActive"));
            assert_eq!(
                details[0].message.as_deref(),
                Some(
                    "Webhook subscription '5885fb70-81c1-423b-b556-771b5ab4d55b' cannot be activated because it is already active."
                )
            );
        }
        other => panic!("expected 422, got {other:?}"),
    }
    for status in [401, 403, 404, 413, 415, 406, 429, 500] {
        let result = client_for(status)
            .await
            .activate_webhook(&id(), Some(&body))
            .await;
        let ok = matches!(
            (&result, status),
            (Err(Error::Api(ActivateWebhookError::Unauthorized(_))), 401)
                | (Err(Error::Api(ActivateWebhookError::Forbidden(_))), 403)
                | (Err(Error::Api(ActivateWebhookError::NotFound(_))), 404)
                | (
                    Err(Error::Api(ActivateWebhookError::PayloadTooLarge(_))),
                    413
                )
                | (
                    Err(Error::Api(ActivateWebhookError::UnsupportedMediaType(_))),
                    415
                )
                | (Err(Error::Api(ActivateWebhookError::NotAcceptable(_))), 406)
                | (
                    Err(Error::Api(ActivateWebhookError::TooManyRequests {
                        retry_after: Some(RETRY_AFTER),
                        ..
                    })),
                    429
                )
                | (
                    Err(Error::Api(ActivateWebhookError::InternalServerError(_))),
                    500
                )
        );
        assert!(ok, "status {status}: got {result:?}");
    }
}

#[tokio::test]
async fn deactivate_webhook_every_status() {
    client_for(202)
        .await
        .deactivate_webhook(&id())
        .await
        .expect("202");
    for status in [401, 403, 404, 406, 429, 500] {
        let result = client_for(status).await.deactivate_webhook(&id()).await;
        let ok = matches!(
            (&result, status),
            (
                Err(Error::Api(DeactivateWebhookError::Unauthorized(_))),
                401
            ) | (Err(Error::Api(DeactivateWebhookError::Forbidden(_))), 403)
                | (Err(Error::Api(DeactivateWebhookError::NotFound(_))), 404)
                | (
                    Err(Error::Api(DeactivateWebhookError::NotAcceptable(_))),
                    406
                )
                | (
                    Err(Error::Api(DeactivateWebhookError::TooManyRequests {
                        retry_after: Some(RETRY_AFTER),
                        ..
                    })),
                    429
                )
                | (
                    Err(Error::Api(DeactivateWebhookError::InternalServerError(_))),
                    500
                )
        );
        assert!(ok, "status {status}: got {result:?}");
    }
}

#[tokio::test]
async fn publish_event_every_status() {
    let event = types::PublishEvent {
        event_type: "iModels.iModelDeleted.v1".to_owned(),
        i_twin_id: Some("5e3f7c2a-0000-4000-8000-000000000001".to_owned()),
        content: [
            ("imodelId".to_owned(), serde_json::json!("a")),
            ("userId".to_owned(), serde_json::json!("b")),
        ]
        .into_iter()
        .collect(),
    };
    let published = client_for(202)
        .await
        .publish_event(&Default::default(), &event)
        .await
        .expect("202");
    assert_eq!(published.deliveries, 2, "the content arrived whole");
    for status in [401, 406, 413, 415, 422, 429, 500] {
        let result = client_for(status)
            .await
            .publish_event(&Default::default(), &event)
            .await;
        let (got, body) = match result {
            Err(Error::Api(PublishEventError::Unauthorized(b))) => (401, b),
            Err(Error::Api(PublishEventError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(PublishEventError::PayloadTooLarge(b))) => (413, b),
            Err(Error::Api(PublishEventError::UnsupportedMediaType(b))) => (415, b),
            Err(Error::Api(PublishEventError::UnprocessableEntity(b))) => (422, b),
            Err(Error::Api(PublishEventError::TooManyRequests { retry_after, body })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(PublishEventError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}

#[tokio::test]
async fn rotate_webhook_secret_every_status() {
    let given = types::RotateWebhookSecret {
        secret: Some("a given secret of at least 32 chars!".to_owned()),
        grace_period_seconds: Some(3600),
    };
    let rotated = client_for(200)
        .await
        .rotate_webhook_secret(&id(), Some(&given))
        .await
        .expect("200");
    assert_eq!(rotated.secret, "a given secret of at least 32 chars!");
    assert!(rotated.previous_secret_expiration_date_time.is_some());
    // No body at all is a rotation with every default.
    let generated = client_for(200)
        .await
        .rotate_webhook_secret(&id(), None)
        .await
        .expect("200 without a body");
    assert_eq!(generated.previous_secret_expiration_date_time, None);
    for status in [401, 403, 404, 406, 413, 415, 422, 429, 500] {
        let result = client_for(status)
            .await
            .rotate_webhook_secret(&id(), None)
            .await;
        let (got, body) = match result {
            Err(Error::Api(RotateWebhookSecretError::Unauthorized(b))) => (401, b),
            Err(Error::Api(RotateWebhookSecretError::Forbidden(b))) => (403, b),
            Err(Error::Api(RotateWebhookSecretError::NotFound(b))) => (404, b),
            Err(Error::Api(RotateWebhookSecretError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(RotateWebhookSecretError::PayloadTooLarge(b))) => (413, b),
            Err(Error::Api(RotateWebhookSecretError::UnsupportedMediaType(b))) => (415, b),
            Err(Error::Api(RotateWebhookSecretError::UnprocessableEntity(b))) => (422, b),
            Err(Error::Api(RotateWebhookSecretError::TooManyRequests { retry_after, body })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(RotateWebhookSecretError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}

#[tokio::test]
async fn delete_previous_webhook_secret_every_status() {
    client_for(204)
        .await
        .delete_previous_webhook_secret(&id())
        .await
        .expect("204");
    for status in [401, 403, 404, 406, 429, 500] {
        let result = client_for(status)
            .await
            .delete_previous_webhook_secret(&id())
            .await;
        let (got, body) = match result {
            Err(Error::Api(DeletePreviousWebhookSecretError::Unauthorized(b))) => (401, b),
            Err(Error::Api(DeletePreviousWebhookSecretError::Forbidden(b))) => (403, b),
            Err(Error::Api(DeletePreviousWebhookSecretError::NotFound(b))) => (404, b),
            Err(Error::Api(DeletePreviousWebhookSecretError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(DeletePreviousWebhookSecretError::TooManyRequests {
                retry_after,
                body,
            })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(DeletePreviousWebhookSecretError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
    // The 404 of a webhook without a previous secret has its own code and message.
    match client_for(404)
        .await
        .delete_previous_webhook_secret(&id())
        .await
    {
        Err(Error::Api(DeletePreviousWebhookSecretError::NotFound(body))) => {
            assert_eq!(code(&body), Some(ErrorCode::PreviousSecretNotFound));
            assert_eq!(
                message(&body).as_deref(),
                Some("The webhook has no previous secret that still signs deliveries.")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn list_pages_carry_top_and_token_both_ways() {
    let params = params::ListWebhooksParams {
        top: Some(7),
        continuation_token: Some("abc.def".to_owned()),
    };
    let page = client_for(200)
        .await
        .list_webhooks(&params)
        .await
        .expect("200");
    assert_eq!(page.links.self_.href, "/webhooks?$top=7");
    assert_eq!(
        page.links.next.map(|l| l.href).as_deref(),
        Some("/webhooks?$continuationToken=abc.def")
    );
    match client_for(422).await.list_webhooks(&params).await {
        Err(Error::Api(ListWebhooksError::UnprocessableEntity(body))) => {
            assert_eq!(code(&body), Some(ErrorCode::InvalidListWebhooksRequest))
        }
        other => panic!("expected 422, got {other:?}"),
    }
}

#[tokio::test]
async fn publish_event_sends_the_idempotency_key() {
    let event = types::PublishEvent {
        event_type: "iModels.iModelDeleted.v1".to_owned(),
        i_twin_id: None,
        content: Default::default(),
    };
    let keyed = params::PublishEventParams {
        idempotency_key: Some("key-1".to_owned()),
    };
    let client = client_for(202).await;
    let with = client.publish_event(&keyed, &event).await.expect("202");
    let without = client
        .publish_event(&Default::default(), &event)
        .await
        .expect("202");
    assert_eq!(with.event_id, uuid::Uuid::from_u128(3));
    assert_eq!(without.event_id, uuid::Uuid::from_u128(2));
}

#[tokio::test]
async fn list_webhook_deliveries_every_status() {
    let params = params::ListWebhookDeliveriesParams {
        state: Some(types::DeliveryState::Cancelled),
        since: Some("2021-05-08T00:00:00Z".parse().unwrap()),
        until: None,
        top: Some(3),
        continuation_token: None,
    };
    let page = client_for(200)
        .await
        .list_webhook_deliveries(&id(), &params)
        .await
        .expect("200");
    assert_eq!(page.deliveries.len(), 1);
    assert_eq!(page.deliveries[0].webhook_id, id());
    assert_eq!(page.deliveries[0].state, types::DeliveryState::Cancelled);
    assert_eq!(
        page.links.self_.href,
        format!("/webhooks/{}/deliveries?$top=3", id())
    );
    assert!(page.links.next.is_none());
    for status in [401, 404, 406, 422, 429, 500] {
        let result = client_for(status)
            .await
            .list_webhook_deliveries(&id(), &params)
            .await;
        let (got, body) = match result {
            Err(Error::Api(ListWebhookDeliveriesError::Unauthorized(b))) => (401, b),
            Err(Error::Api(ListWebhookDeliveriesError::NotFound(b))) => (404, b),
            Err(Error::Api(ListWebhookDeliveriesError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(ListWebhookDeliveriesError::UnprocessableEntity(b))) => (422, b),
            Err(Error::Api(ListWebhookDeliveriesError::TooManyRequests { retry_after, body })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(ListWebhookDeliveriesError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}

#[tokio::test]
async fn get_webhook_delivery_every_status() {
    let delivery = uuid::Uuid::from_u128(99);
    let detail = client_for(200)
        .await
        .get_webhook_delivery(&id(), &delivery)
        .await
        .expect("200");
    assert_eq!((detail.id, detail.webhook_id), (delivery, id()));
    assert_eq!(detail.attempts.len(), 2);
    assert_eq!(detail.attempts[0].status, Some(500));
    assert_eq!(
        detail.attempts[0].response.as_ref().map(String::len),
        Some(4096)
    );
    assert_eq!(detail.attempts[0].response_truncated, Some(true));
    assert_eq!(
        detail.attempts[1].error_kind,
        Some(types::DeliveryAttemptErrorKind::Timeout)
    );
    for status in [401, 404, 406, 429, 500] {
        let result = client_for(status)
            .await
            .get_webhook_delivery(&id(), &delivery)
            .await;
        let (got, body) = match result {
            Err(Error::Api(GetWebhookDeliveryError::Unauthorized(b))) => (401, b),
            Err(Error::Api(GetWebhookDeliveryError::NotFound(b))) => {
                assert_eq!(code(&b), Some(ErrorCode::DeliveryNotFound));
                assert_eq!(
                    message(&b).as_deref(),
                    Some("Requested delivery is not available.")
                );
                (404, b)
            }
            Err(Error::Api(GetWebhookDeliveryError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(GetWebhookDeliveryError::TooManyRequests { retry_after, body })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(GetWebhookDeliveryError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}

#[tokio::test]
async fn resend_webhook_delivery_every_status() {
    let delivery = uuid::Uuid::from_u128(99);
    let resent = client_for(202)
        .await
        .resend_webhook_delivery(&id(), &delivery)
        .await
        .expect("202");
    assert_eq!(resent.id, delivery);
    assert_eq!(resent.state, types::DeliveryState::Pending);
    for status in [401, 403, 404, 406, 429, 500] {
        let result = client_for(status)
            .await
            .resend_webhook_delivery(&id(), &delivery)
            .await;
        let (got, body) = match result {
            Err(Error::Api(ResendWebhookDeliveryError::Unauthorized(b))) => (401, b),
            Err(Error::Api(ResendWebhookDeliveryError::Forbidden(b))) => (403, b),
            Err(Error::Api(ResendWebhookDeliveryError::NotFound(b))) => (404, b),
            Err(Error::Api(ResendWebhookDeliveryError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(ResendWebhookDeliveryError::TooManyRequests { retry_after, body })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(ResendWebhookDeliveryError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}

#[tokio::test]
async fn recover_webhook_deliveries_every_status() {
    let since = "2021-05-08T00:00:00Z".parse().unwrap();
    let body = types::RecoverDeliveries { since, until: None };
    let bounded = types::RecoverDeliveries {
        since,
        until: Some("2021-05-09T00:00:00Z".parse().unwrap()),
    };
    let client = client_for(202).await;
    let recovered = client
        .recover_webhook_deliveries(&id(), &body)
        .await
        .expect("202");
    assert_eq!(recovered.deliveries, 1);
    let recovered = client
        .recover_webhook_deliveries(&id(), &bounded)
        .await
        .expect("202");
    assert_eq!(recovered.deliveries, 2, "until arrived");
    for status in [401, 403, 404, 406, 413, 415, 422, 429, 500] {
        let result = client_for(status)
            .await
            .recover_webhook_deliveries(&id(), &body)
            .await;
        let (got, body) = match result {
            Err(Error::Api(RecoverWebhookDeliveriesError::Unauthorized(b))) => (401, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::Forbidden(b))) => (403, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::NotFound(b))) => (404, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::NotAcceptable(b))) => (406, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::PayloadTooLarge(b))) => (413, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::UnsupportedMediaType(b))) => (415, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::UnprocessableEntity(b))) => (422, b),
            Err(Error::Api(RecoverWebhookDeliveriesError::TooManyRequests {
                retry_after,
                body,
            })) => {
                assert_eq!(retry_after, Some(RETRY_AFTER));
                (429, body)
            }
            Err(Error::Api(RecoverWebhookDeliveriesError::InternalServerError(b))) => (500, b),
            other => panic!("status {status}: unexpected {other:?}"),
        };
        assert_eq!(got, status);
        assert!(code(&body).is_some(), "status {status} lost its error code");
    }
}
