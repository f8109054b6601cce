//! The spec is the single source: change one error message in a copy of it, generate, build, and
//! the new message is what the generated server answers and what the generated client's code enum
//! says. Nothing else holds a copy of the message.
//!
//! This builds two generated crates and a small driver with cargo (offline, pinned by the
//! workspace's lock file), so it takes a minute on a cold target directory.

use std::path::Path;

mod support;

const OLD: &str = "Header Authorization was not found in the request. Access denied.";
const NEW: &str = "Show a bearer token at the door, please.";

const DRIVER_MANIFEST: &str = r#"[package]
name = "driver"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
single-source-client = { path = "../single-source-client" }
single-source-server = { path = "../single-source-server" }
axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros", "net"] }
uuid = "1"
"#;

/// A server that answers every operation with a 500 and refuses every token: only the router's
/// own 401 for a missing `Authorization` header is of interest here.
const DRIVER: &str = r#"
use single_source_server::responses::*;
use single_source_server::params::{ListWebhookDeliveriesParams, ListWebhooksParams, PublishEventParams};
use single_source_server::types::{ActivateWebhook, CreateWebhook, ErrorCode, PublishEvent, RecoverDeliveries, RotateWebhookSecret, UpdateWebhook};
use single_source_server::{Api, AuthError, AuthRequest, Authenticator};

struct Nobody;

impl Authenticator for Nobody {
    type Caller = ();
    async fn authenticate(&self, _: AuthRequest<'_>) -> Result<(), AuthError> {
        Err(AuthError::InvalidCredentials)
    }
}

struct Unreachable;

impl Api for Unreachable {
    type Caller = ();
    async fn list_webhooks(&self, _: (), _: ListWebhooksParams) -> ListWebhooksResponse {
        ListWebhooksResponse::InternalServerError(Default::default())
    }
    async fn create_webhook(&self, _: (), _: CreateWebhook) -> CreateWebhookResponse {
        CreateWebhookResponse::InternalServerError(Default::default())
    }
    async fn get_webhook(&self, _: (), _: uuid::Uuid) -> GetWebhookResponse {
        GetWebhookResponse::InternalServerError(Default::default())
    }
    async fn delete_webhook(&self, _: (), _: uuid::Uuid) -> DeleteWebhookResponse {
        DeleteWebhookResponse::InternalServerError(Default::default())
    }
    async fn update_webhook(&self, _: (), _: uuid::Uuid, _: UpdateWebhook) -> UpdateWebhookResponse {
        UpdateWebhookResponse::InternalServerError(Default::default())
    }
    async fn activate_webhook(&self, _: (), _: uuid::Uuid, _: Option<ActivateWebhook>) -> ActivateWebhookResponse {
        ActivateWebhookResponse::InternalServerError(Default::default())
    }
    async fn deactivate_webhook(&self, _: (), _: uuid::Uuid) -> DeactivateWebhookResponse {
        DeactivateWebhookResponse::InternalServerError(Default::default())
    }
    async fn rotate_webhook_secret(&self, _: (), _: uuid::Uuid, _: Option<RotateWebhookSecret>) -> RotateWebhookSecretResponse {
        RotateWebhookSecretResponse::InternalServerError(Default::default())
    }
    async fn delete_previous_webhook_secret(&self, _: (), _: uuid::Uuid) -> DeletePreviousWebhookSecretResponse {
        DeletePreviousWebhookSecretResponse::InternalServerError(Default::default())
    }
    async fn publish_event(&self, _: (), _: PublishEventParams, _: PublishEvent) -> PublishEventResponse {
        PublishEventResponse::InternalServerError(Default::default())
    }
    async fn list_webhook_deliveries(&self, _: (), _: uuid::Uuid, _: ListWebhookDeliveriesParams) -> ListWebhookDeliveriesResponse {
        ListWebhookDeliveriesResponse::InternalServerError(Default::default())
    }
    async fn get_webhook_delivery(&self, _: (), _: uuid::Uuid, _: uuid::Uuid) -> GetWebhookDeliveryResponse {
        GetWebhookDeliveryResponse::InternalServerError(Default::default())
    }
    async fn resend_webhook_delivery(&self, _: (), _: uuid::Uuid, _: uuid::Uuid) -> ResendWebhookDeliveryResponse {
        ResendWebhookDeliveryResponse::InternalServerError(Default::default())
    }
    async fn recover_webhook_deliveries(&self, _: (), _: uuid::Uuid, _: RecoverDeliveries) -> RecoverWebhookDeliveriesResponse {
        RecoverWebhookDeliveriesResponse::InternalServerError(Default::default())
    }
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, single_source_server::router(Unreachable, Nobody)).await;
    });
    let client = single_source_client::Client::new(&format!("http://{addr}")).expect("url");
    match client.get_webhook(&uuid::Uuid::nil()).await {
        Err(single_source_client::Error::Api(single_source_client::GetWebhookError::Unauthorized(body))) => {
            let error = body.error.expect("an error object");
            println!("server: {}", error.message.unwrap_or_default());
        }
        other => panic!("expected the generated 401, got {other:?}"),
    }
    println!("client: {}", ErrorCode::HeaderNotFound.message().unwrap_or_default());
}
"#;

#[test]
fn one_message_changed_in_the_spec_changes_server_and_client() {
    let root = support::workspace();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("single-source");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");

    let spec = std::fs::read_to_string(root.join("spec/webhooks.yaml")).expect("spec");
    assert!(spec.contains(OLD), "the seed's message is in the spec");
    let changed = work.join("changed.yaml");
    std::fs::write(&changed, spec.replace(OLD, NEW)).expect("write the changed copy");

    let crates = work.join("crates");
    support::generate(&changed, "single-source", &crates);
    for file in [
        "single-source-client/src/types.rs",
        "single-source-server/src/rejection.rs",
    ] {
        let text = std::fs::read_to_string(crates.join(file)).expect("generated file");
        assert!(!text.contains(OLD), "{file} still holds the old message");
    }

    let driver = crates.join("driver");
    support::write_driver(&driver, DRIVER_MANIFEST, DRIVER);

    let stdout = support::run_driver(&driver, &[]);
    assert!(
        stdout.contains(&format!("server: {NEW}")),
        "the server's 401 body: {stdout}"
    );
    assert!(
        stdout.contains(&format!("client: {NEW}")),
        "the client's constant: {stdout}"
    );
}
