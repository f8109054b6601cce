//! The generated mock (`webhooks-server`'s `mock` feature) over loopback HTTP: every operation ×
//! every status the spec declares, asked for with `Prefer: code=` and decoded by the generated
//! client into its typed variant; named examples, dynamic values, scripted answers, and requests
//! refused as by the real server.

use specfirst_runtime::client::OperationError;
use webhooks_client::types::{ActivateWebhook, ErrorCode, UpdateWebhook};
use webhooks_client::*;
use webhooks_server::mock::Mock;
use webhooks_server::responses::GetWebhookResponse;

async fn start() -> webhooks_server::mock::Running {
    install_crypto_provider();
    webhooks_server::mock::start().await.expect("mock starts")
}

fn id() -> uuid::Uuid {
    uuid::Uuid::from_u128(0x5885fb70_81c1_423b_b556_771b5ab4d55b)
}

/// A client that sends `prefer` with every request, without retries (a 429 or 500 asked for
/// must arrive once, as asked).
fn client(base_url: &str, prefer: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if !prefer.is_empty() {
        headers.insert("prefer", prefer.parse().expect("header value"));
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("http client");
    Client::with_http_client(base_url, http)
        .expect("base url")
        .with_bearer_token("any-token")
        .with_retry_policy(RetryPolicy::none())
}

/// The status of a typed answer: the operation's success status for `Ok`, the variant's for a
/// declared error; anything the client could not decode as the spec says is a failure.
fn status_of<T: std::fmt::Debug, E: OperationError + std::fmt::Debug>(
    answer: Result<T, Error<E>>,
    success: u16,
) -> Result<u16, String> {
    match answer {
        Ok(_) => Ok(success),
        Err(Error::Api(e)) => Ok(e.status()),
        Err(other) => Err(format!("{other:?}")),
    }
}

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("request body")
}

/// Calls operation `op` with valid inputs; `success` is its success status.
async fn call(client: &Client, op: &str, success: u16) -> Result<u16, String> {
    let create = body(serde_json::json!({
        "scope": "Account",
        "callbackUrl": "https://hooks.example.com/a",
        "eventTypes": ["iModels.iModelDeleted.v1"]
    }));
    let update: UpdateWebhook = body(serde_json::json!({"active": true}));
    let activate = ActivateWebhook {
        expiration_date_time: None,
    };
    let publish: webhooks_client::types::PublishEvent = body(serde_json::json!({
        "eventType": "iModels.iModelDeleted.v1",
        "content": {"a": 1}
    }));
    let recover: webhooks_client::types::RecoverDeliveries =
        body(serde_json::json!({"since": "2026-01-01T00:00:00Z"}));
    match op {
        "listWebhooks" => status_of(client.list_webhooks(&Default::default()).await, success),
        "listWebhookDeliveries" => status_of(
            client
                .list_webhook_deliveries(&id(), &Default::default())
                .await,
            success,
        ),
        "getWebhookDelivery" => status_of(client.get_webhook_delivery(&id(), &id()).await, success),
        "resendWebhookDelivery" => {
            status_of(client.resend_webhook_delivery(&id(), &id()).await, success)
        }
        "recoverWebhookDeliveries" => status_of(
            client.recover_webhook_deliveries(&id(), &recover).await,
            success,
        ),
        "createWebhook" => status_of(client.create_webhook(&create).await, success),
        "getWebhook" => status_of(client.get_webhook(&id()).await, success),
        "deleteWebhook" => status_of(client.delete_webhook(&id()).await, success),
        "updateWebhook" => status_of(client.update_webhook(&id(), &update).await, success),
        "activateWebhook" => status_of(
            client.activate_webhook(&id(), Some(&activate)).await,
            success,
        ),
        "deactivateWebhook" => status_of(client.deactivate_webhook(&id()).await, success),
        "rotateWebhookSecret" => {
            status_of(client.rotate_webhook_secret(&id(), None).await, success)
        }
        "deletePreviousWebhookSecret" => {
            status_of(client.delete_previous_webhook_secret(&id()).await, success)
        }
        "publishEvent" => status_of(
            client.publish_event(&Default::default(), &publish).await,
            success,
        ),
        other => Err(format!(
            "no call for `{other}` in this test: add one for the new operation"
        )),
    }
}

fn spec() -> codegen::model::Api {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/webhooks.yaml"
    ))
    .expect("spec");
    let doc = codegen::load::load(&text).expect("loads");
    codegen::lower::lower(&doc).expect("lowers")
}

#[tokio::test]
async fn every_operation_answers_every_declared_status_typed() {
    let mock = start().await;
    let api = spec();
    let mut walked = 0;
    let mut failures = Vec::new();
    for op in &api.operations {
        let success = codegen::mock::default_status(op).expect("a status");
        for r in &op.responses {
            let codegen::model::StatusMatch::Code(status) = r.status else {
                failures.push(format!("{}: a status range or default; walk it too", op.id));
                continue;
            };
            let client = client(&mock.base_url, &format!("code={status}"));
            match call(&client, &op.id, success).await {
                Ok(got) if got == status => walked += 1,
                Ok(got) => failures.push(format!("{} code={status}: answered {got}", op.id)),
                Err(e) => failures.push(format!("{} code={status}: {e}", op.id)),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        walked >= 70,
        "walked only {walked} operation × status pairs"
    );
    println!("walked {walked} operation × status pairs");
}

#[tokio::test]
async fn examples_are_the_default_and_named_ones_are_picked() {
    let mock = start().await;
    let webhook = client(&mock.base_url, "")
        .get_webhook(&uuid::Uuid::nil())
        .await
        .expect("the example");
    assert_eq!(webhook.id, id());
    assert_eq!(
        webhook.callback_url,
        "https://hooks.example.com/account-events"
    );
    let one = client(&mock.base_url, "")
        .list_webhooks(&Default::default())
        .await
        .expect("first");
    assert_eq!(one.webhooks.len(), 1);
    let empty = client(&mock.base_url, "example=empty")
        .list_webhooks(&Default::default())
        .await
        .expect("named");
    assert!(empty.webhooks.is_empty());
    // An error status answers its example, or the error model's body with the operation's
    // code and wording.
    match client(&mock.base_url, "code=404").get_webhook(&id()).await {
        Err(Error::Api(GetWebhookError::NotFound(body))) => {
            let error = body.error.expect("error");
            assert_eq!(error.code, Some(ErrorCode::WebhookNotFound));
            assert_eq!(
                error.message.as_deref(),
                Some("Requested webhook is not available.")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn dynamic_values_fit_and_repeat_with_their_seed() {
    let mock = start().await;
    let ask = |prefer: &str| {
        let c = client(&mock.base_url, prefer);
        async move { c.get_webhook(&id()).await.expect("a webhook") }
    };
    let a = ask("dynamic=true, seed=3").await;
    let b = ask("dynamic=true, seed=3").await;
    let c = ask("dynamic=true, seed=4").await;
    let example = ask("").await;
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_ne!(format!("{a:?}"), format!("{c:?}"));
    assert_ne!(a.id, example.id);
}

#[tokio::test]
async fn unmet_preferences_are_refused_with_the_spec_error_body() {
    let mock = start().await;
    let http = reqwest::Client::new();
    // The operation's own refusal of a bad header, as the spec gives it.
    let api = spec();
    let list = api
        .operations
        .iter()
        .find(|op| op.id == "listWebhooks")
        .expect("listWebhooks");
    let refused = &list.rejections.invalid_params;
    for prefer in ["code=418", "example=nope", "code=abc", "code=204"] {
        let answer = http
            .get(format!("{}/webhooks", mock.base_url))
            .bearer_auth("t")
            .header("prefer", prefer)
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), refused.status, "{prefer}");
        let why = answer
            .headers()
            .get("x-mock-refusal")
            .expect("reason")
            .to_str()
            .expect("text")
            .to_owned();
        let body: serde_json::Value = answer.json().await.expect("json");
        assert_eq!(body["error"]["code"], refused.code, "{prefer}: {body}");
        assert_eq!(body["error"]["details"][0]["target"], "Prefer", "{prefer}");
        assert!(!why.is_empty());
    }
}

#[tokio::test]
async fn requests_are_refused_as_by_the_real_server() {
    let mock = start().await;
    let http = reqwest::Client::new();
    let no_token = http
        .get(format!("{}/webhooks", mock.base_url))
        .send()
        .await
        .expect("answer");
    assert_eq!(no_token.status(), 401);
    let body: serde_json::Value = no_token.json().await.expect("json");
    assert_eq!(body["error"]["code"], "HeaderNotFound");
    let bad_body = http
        .post(format!("{}/webhooks", mock.base_url))
        .bearer_auth("t")
        .json(&serde_json::json!({"scope": "Account", "callbackUrl": 3}))
        .send()
        .await
        .expect("answer");
    assert_eq!(bad_body.status(), 422);
    let body: serde_json::Value = bad_body.json().await.expect("json");
    assert_eq!(body["error"]["code"], "InvalidCreateWebhookRequest");
    let bad_id = http
        .get(format!("{}/webhooks/not-a-uuid", mock.base_url))
        .bearer_auth("t")
        .send()
        .await
        .expect("answer");
    assert_eq!(bad_id.status(), 404);
    // Parameter keywords (`maximum`, `pattern`) are checked by the generated extractors, so the
    // mock refuses what the service refuses, with the parameters' own detail codes.
    let out_of_range = http
        .get(format!("{}/webhooks?$top=1001", mock.base_url))
        .bearer_auth("t")
        .send()
        .await
        .expect("answer");
    assert_eq!(out_of_range.status(), 422);
    let body: serde_json::Value = out_of_range.json().await.expect("json");
    assert_eq!(body["error"]["code"], "InvalidListWebhooksRequest");
    assert_eq!(
        body["error"]["details"],
        serde_json::json!([{"code": "InvalidTop", "message": "Provided '$top' value is not valid. It must be a whole number from 1 to 1000.", "target": "$top"}])
    );
    let bad_key = http
        .post(format!("{}/events", mock.base_url))
        .bearer_auth("t")
        .header("Idempotency-Key", "two words")
        .json(&serde_json::json!({"eventType": "iModels.iModelDeleted.v1", "content": {}}))
        .send()
        .await
        .expect("answer");
    assert_eq!(bad_key.status(), 422);
    let body: serde_json::Value = bad_key.json().await.expect("json");
    assert_eq!(body["error"]["details"][0]["code"], "InvalidIdempotencyKey");
    assert_eq!(body["error"]["details"][0]["target"], "Idempotency-Key");
}

#[tokio::test]
async fn one_operation_scripted_in_rust_the_rest_from_examples() {
    let gone = id();
    install_crypto_provider();
    let mock = Mock::default()
        .on_get_webhook(move |_caller, id| {
            if id == gone {
                GetWebhookResponse::NotFound(
                    serde_json::from_value(serde_json::json!({"error": {"code": "WebhookNotFound", "message": "scripted"}}))
                        .expect("error body"),
                )
            } else {
                GetWebhookResponse::Ok(
                    serde_json::from_value(serde_json::json!({
                        "id": id, "scope": "Account", "active": true,
                        "callbackUrl": "https://scripted.example.com/", "eventTypes": ["a.b.v1"],
                        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"
                    }))
                    .expect("webhook"),
                )
            }
        })
        .start()
        .await
        .expect("mock starts");
    let c = client(&mock.base_url, "");
    match c.get_webhook(&gone).await {
        Err(Error::Api(GetWebhookError::NotFound(body))) => {
            assert_eq!(
                body.error.and_then(|e| e.message).as_deref(),
                Some("scripted")
            );
        }
        other => panic!("{other:?}"),
    }
    let other = uuid::Uuid::from_u128(7);
    let webhook = c.get_webhook(&other).await.expect("scripted webhook");
    assert_eq!(webhook.id, other);
    assert_eq!(webhook.callback_url, "https://scripted.example.com/");
    // Operations without a script still answer the spec's example.
    assert_eq!(
        c.list_webhooks(&Default::default())
            .await
            .expect("example")
            .webhooks
            .len(),
        1
    );
    // The client's idle connection would hold the graceful stop until it closes.
    drop(c);
    mock.stop().await;
}
