//! End to end: the real service on 127.0.0.1:0, driven by the generated client with tokens
//! minted from the development key. The whole suite runs on SQLite (a temporary file) and, when
//! a server answers, on PostgreSQL in a schema of its own.

use std::path::Path;
use std::time::Duration;

use chrono::{SubsecRound as _, Utc};
use sqlx::Connection as _;
use webhooks_client::Error as ClientError;
use webhooks_client::types::{
    ActivateWebhook, CreateAccountWebhook, CreateAccountWebhookScope, CreateITwinWebhook,
    CreateITwinWebhookScope, CreateWebhook, Error, ErrorCode, ErrorResponse, RotateWebhookSecret,
    UpdateWebhook,
};
use webhooks_client::{
    ActivateWebhookError, Client, CreateWebhookError, DeactivateWebhookError,
    DeletePreviousWebhookSecretError, DeleteWebhookError, GetWebhookError, ListWebhooksError,
    RotateWebhookSecretError, UpdateWebhookError,
};
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::{Config, Running};

const READ: &str = "webhooks:read";
const MODIFY: &str = "webhooks:modify";
const DEFAULT_POSTGRES: &str = "postgres://127.0.0.1:5432/test";

struct Harness {
    url: String,
    key_path: std::path::PathBuf,
    running: Running,
    base: String,
}

async fn start(url: &str, key_path: &Path, per_minute: u32, burst: Option<u32>) -> Running {
    start_with(url, key_path, per_minute, burst, Vec::new()).await
}

/// `start`, with `serve --allow-callback-cidr` ranges.
async fn start_with(
    url: &str,
    key_path: &Path,
    per_minute: u32,
    burst: Option<u32>,
    allow_callback_cidrs: Vec<ipnet::IpNet>,
) -> Running {
    let key = DevKey::load_or_create(key_path).expect("dev key");
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: url.to_owned(),
        db_max_connections: webhooks_service::store::DEFAULT_MAX_CONNECTIONS,
        allow_insecure_callbacks: false,
        rate_limit_per_minute: per_minute,
        rate_limit_burst: burst,
        redis_url: None,
        key_source: KeySource::Dev(key),
        secret_key: webhooks_service::secrets::SecretKey::from_bytes([7; 32]),
        read_cache_ttl: None,
        auth: AuthConfig::default(),
        body_limit: None,
        delivery: webhooks_service::delivery::DeliveryConfig {
            allow_callback_cidrs,
            ..Default::default()
        },
    };
    webhooks_service::start(config)
        .await
        .expect("service starts")
}

impl Harness {
    async fn new(url: &str, key_path: &Path) -> Harness {
        let running = start(url, key_path, 100_000, None).await;
        let base = format!("http://{}", running.addr());
        Harness {
            url: url.to_owned(),
            key_path: key_path.to_owned(),
            running,
            base,
        }
    }

    fn token(&self, client_id: &str, scopes: &[&str], org_admin: bool) -> String {
        let key = DevKey::load_or_create(&self.key_path).expect("dev key");
        key.mint(
            client_id,
            scopes,
            org_admin,
            Duration::from_secs(600),
            &AuthConfig::default(),
        )
        .expect("token")
    }

    /// A client for `client_id` with both scopes.
    fn client(&self, client_id: &str) -> Client {
        self.client_with(client_id, &[READ, MODIFY], false)
    }

    fn client_with(&self, client_id: &str, scopes: &[&str], org_admin: bool) -> Client {
        Client::new(&self.base)
            .expect("client")
            .with_bearer_token(self.token(client_id, scopes, org_admin))
    }

    /// A raw request, for what the typed client cannot send or does not show.
    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        client_id: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        webhooks_service::outbound::install_crypto_provider();
        let http = reqwest::Client::new();
        let mut request = http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token(client_id, &[READ, MODIFY], false));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("raw request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("raw body");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        (status, json)
    }
}

fn account(callback_url: &str) -> CreateAccountWebhook {
    CreateAccountWebhook {
        scope: CreateAccountWebhookScope::Account,
        callback_url: callback_url.to_owned(),
        event_types: vec!["iModels.iModelDeleted.v1".to_owned()],
        secret: None,
    }
}

fn account_hook(callback_url: &str) -> CreateWebhook {
    CreateWebhook::CreateAccountWebhook(account(callback_url))
}

/// iTwin ids used below; `scopeId` is a uuid.
const ITWIN_C: uuid::Uuid = uuid::uuid!("2d9a6c5e-1f3b-4c8e-9a7d-6b0e4f1c2a33");
const ITWIN_GRANTED: uuid::Uuid = uuid::uuid!("0b2e6a4c-7d1f-4e3a-9c5b-8f0d2a6e4b17");

fn itwin_hook(itwin: uuid::Uuid) -> CreateWebhook {
    CreateWebhook::CreateITwinWebhook(CreateITwinWebhook {
        scope: CreateITwinWebhookScope::ITwin,
        scope_id: itwin,
        callback_url: "https://hooks.example.com/itwin".to_owned(),
        event_types: vec!["iModels.iModelDeleted.v1".to_owned()],
        secret: None,
    })
}

fn outer(body: &ErrorResponse) -> &Error {
    body.error.as_ref().expect("error body")
}

fn code(body: &ErrorResponse) -> ErrorCode {
    outer(body).code.clone().expect("error code")
}

/// Checks the body is `code` with its standard message and exactly one detail, and returns it.
fn single_detail(body: &ErrorResponse, code_expected: ErrorCode) -> Error {
    let error = outer(body);
    assert_eq!(error.code, Some(code_expected.clone()), "{body:?}");
    assert_eq!(
        error.message.as_deref(),
        code_expected.message(),
        "{body:?}"
    );
    let details = error.details.clone().unwrap_or_default();
    assert_eq!(details.len(), 1, "{body:?}");
    details[0].clone()
}

fn assert_invalid_field(detail: &Error, target: &str) {
    assert_eq!(
        detail.code,
        Some(ErrorCode::InvalidRequestBody),
        "{detail:?}"
    );
    assert_eq!(detail.message.as_deref(), Some("Invalid request body."));
    assert_eq!(detail.target.as_deref(), Some(target));
}

/// The seed's message for activating an active webhook, written out as the seed gives it.
fn already_active_message(id: uuid::Uuid) -> String {
    format!("Webhook subscription '{id}' cannot be activated because it is already active.")
}

async fn suite(url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let key_path = dir.path().join("dev.key");
    let h = Harness::new(url, &key_path).await;

    authentication(&h).await;
    create_get_list(&h).await;
    create_refusals(&h).await;
    callback_addresses(&h).await;
    permissions(&h).await;
    other_callers(&h).await;
    activation(&h).await;
    patch(&h).await;
    delete(&h).await;
    secrets(&h).await;
    concurrent_activates(&h).await;
    expiry(&h).await;
    rate_limits(&h).await;
    store_failure(&h).await;

    h.running.stop().await.expect("clean shutdown");
}

async fn authentication(h: &Harness) {
    // No Authorization header.
    let anonymous = Client::new(&h.base).expect("client");
    match anonymous.list_webhooks(&Default::default()).await {
        Err(ClientError::Api(ListWebhooksError::Unauthorized(body))) => {
            assert_eq!(code(&body), ErrorCode::HeaderNotFound);
            assert_eq!(
                outer(&body).message.as_deref(),
                Some("Header Authorization was not found in the request. Access denied.")
            );
        }
        other => panic!("missing header: {other:?}"),
    }
    // A token that is not a JWT of ours.
    let forged = Client::new(&h.base)
        .expect("client")
        .with_bearer_token("not-a-token");
    match forged.get_webhook(&uuid::Uuid::new_v4()).await {
        Err(ClientError::Api(GetWebhookError::Unauthorized(body))) => {
            assert_eq!(code(&body), ErrorCode::InvalidToken)
        }
        other => panic!("bad token: {other:?}"),
    }
    // A valid token without the scope the operation needs.
    let reader = h.client_with("alice", &[READ], false);
    match reader
        .create_webhook(&account_hook("https://a.example/h"))
        .await
    {
        Err(ClientError::Api(CreateWebhookError::Unauthorized(body))) => {
            assert_eq!(code(&body), ErrorCode::InvalidToken)
        }
        other => panic!("missing scope: {other:?}"),
    }
    assert!(
        reader.list_webhooks(&Default::default()).await.is_ok(),
        "read scope reads"
    );
}

async fn create_get_list(h: &Harness) {
    let alice = h.client("alice");
    let before = Utc::now();
    let created = alice
        .create_webhook(&account_hook("https://a.example/one"))
        .await
        .expect("create");
    assert!(!created.active, "new webhooks are inactive");
    assert!(
        created.secret.len() >= 32,
        "generated secret: {}",
        created.secret
    );
    assert_eq!(created.expiration_date_time, None);
    assert!(created.created >= before - chrono::Duration::seconds(1));
    assert_eq!(created.created, created.modified);

    let own_secret = "s".repeat(40);
    let with_secret = alice
        .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
            secret: Some(own_secret.clone()),
            ..account("https://a.example/two")
        }))
        .await
        .expect("create with secret");
    assert_eq!(with_secret.secret, own_secret);
    let other = alice
        .create_webhook(&account_hook("https://a.example/three"))
        .await
        .expect("create");
    assert_ne!(other.secret, created.secret, "secrets are random");

    let got = alice.get_webhook(&created.id).await.expect("get");
    assert_eq!(got.id, created.id);
    assert_eq!(got.callback_url, "https://a.example/one");
    assert_eq!(got.created, created.created);
    assert!(!got.active);

    let listed = alice
        .list_webhooks(&Default::default())
        .await
        .expect("list")
        .webhooks;
    let ids: Vec<_> = listed.iter().map(|w| w.id).collect();
    for id in [created.id, with_secret.id, other.id] {
        assert!(ids.contains(&id), "list has {id}");
    }

    // The secret never comes back after create.
    let (status, json) = h
        .raw(
            reqwest::Method::GET,
            &format!("/webhooks/{}", created.id),
            "alice",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(json.get("secret").is_none(), "get shows no secret: {json}");
    let (status, json) = h
        .raw(reqwest::Method::GET, "/webhooks", "alice", None)
        .await;
    assert_eq!(status, 200);
    assert!(
        !json.to_string().contains("secret"),
        "list shows no secret: {json}"
    );
    assert!(!json.to_string().contains(&own_secret));
}

async fn create_refusals(h: &Harness) {
    let alice = h.client("alice");
    let refused = |result: Result<_, ClientError<CreateWebhookError>>| match result {
        Err(ClientError::Api(CreateWebhookError::UnprocessableEntity(body))) => {
            single_detail(&body, ErrorCode::InvalidCreateWebhookRequest)
        }
        other => panic!("expected 422: {other:?}"),
    };
    let detail = refused(
        alice
            .create_webhook(&account_hook("http://a.example/h"))
            .await,
    );
    assert_invalid_field(&detail, "callbackUrl");
    let detail = refused(alice.create_webhook(&account_hook("not a url")).await);
    assert_invalid_field(&detail, "callbackUrl");

    // The scope rule is the schema's: no typed value can break it, so these go raw. Each is
    // refused by the schema with the offending property as the target.
    for (body, target) in [
        (
            r#"{"scope":"iTwin","callbackUrl":"https://a.example/h","eventTypes":["a.b.v1"]}"#,
            "scopeId",
        ),
        (
            r#"{"scope":"iTwin","scopeId":"itwin-1","callbackUrl":"https://a.example/h","eventTypes":["a.b.v1"]}"#,
            "scopeId",
        ),
        (
            r#"{"scope":"Account","scopeId":"0","callbackUrl":"https://a.example/h","eventTypes":["a.b.v1"]}"#,
            "scopeId",
        ),
        (
            r#"{"scope":"Global","callbackUrl":"https://a.example/h","eventTypes":["a.b.v1"]}"#,
            "scope",
        ),
        (
            r#"{"callbackUrl":"https://a.example/h","eventTypes":["a.b.v1"]}"#,
            "scope",
        ),
    ] {
        let (status, json) = h
            .raw(reqwest::Method::POST, "/webhooks", "alice", Some(body))
            .await;
        assert_eq!(status, 422, "{body}: {json}");
        assert_eq!(
            json["error"]["code"], "InvalidCreateWebhookRequest",
            "{body}"
        );
        let details = json["error"]["details"].as_array().expect("details");
        assert!(
            details
                .iter()
                .any(|d| d["target"] == target && d["code"] == "InvalidRequestBody"),
            "{body}: {json}"
        );
    }
    let short_secret = CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
        secret: Some("short".to_owned()),
        ..account("https://a.example/h")
    });
    assert_invalid_field(
        &refused(alice.create_webhook(&short_secret).await),
        "secret",
    );
    let no_events = CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
        event_types: vec![],
        ..account("https://a.example/h")
    });
    assert_invalid_field(
        &refused(alice.create_webhook(&no_events).await),
        "eventTypes",
    );

    // A read-only property in the body.
    let (status, json) = h
        .raw(
            reqwest::Method::POST,
            "/webhooks",
            "alice",
            Some(
                r#"{"id":"5885fb70-81c1-423b-b556-771b5ab4d55b","scope":"Account",
                "callbackUrl":"https://a.example/h","eventTypes":["a.b.v1"]}"#,
            ),
        )
        .await;
    assert_eq!(status, 422, "{json}");
    assert_eq!(json["error"]["code"], "InvalidCreateWebhookRequest");
}

async fn permissions(h: &Harness) {
    let carol = h.client("carol");
    match carol.create_webhook(&itwin_hook(ITWIN_C)).await {
        Err(ClientError::Api(CreateWebhookError::Forbidden(body))) => {
            assert_eq!(code(&body), ErrorCode::InsufficientPermissions);
            assert_eq!(
                outer(&body).message.as_deref(),
                Some("The user has insufficient permissions for the requested operation.")
            );
        }
        other => panic!("iTwin without grant: {other:?}"),
    }
    // Account webhooks need no iTwin role.
    carol
        .create_webhook(&account_hook("https://c.example/h"))
        .await
        .expect("account webhook");

    // An org admin may; so may a maintainer after `grant`.
    let admin = h.client_with("carol", &[READ, MODIFY], true);
    let by_admin = admin
        .create_webhook(&itwin_hook(ITWIN_C))
        .await
        .expect("org admin creates");
    webhooks_service::grant(&h.url, "carol", ITWIN_GRANTED)
        .await
        .expect("grant");
    let granted = carol
        .create_webhook(&itwin_hook(ITWIN_GRANTED))
        .await
        .expect("maintainer creates");
    carol
        .activate_webhook(&granted.id, None)
        .await
        .expect("maintainer activates");

    // Without the role, carol can read but not change the admin-made webhook.
    assert!(carol.get_webhook(&by_admin.id).await.is_ok());
    match carol.activate_webhook(&by_admin.id, None).await {
        Err(ClientError::Api(ActivateWebhookError::Forbidden(body))) => {
            assert_eq!(code(&body), ErrorCode::InsufficientPermissions)
        }
        other => panic!("activate without grant: {other:?}"),
    }
    let change = UpdateWebhook {
        event_types: Some(vec!["a.b.v1".to_owned()]),
        ..UpdateWebhook::default()
    };
    match carol.update_webhook(&by_admin.id, &change).await {
        Err(ClientError::Api(UpdateWebhookError::Forbidden(body))) => {
            assert_eq!(code(&body), ErrorCode::InsufficientPermissions)
        }
        other => panic!("update without grant: {other:?}"),
    }
    match carol.delete_webhook(&by_admin.id).await {
        Err(ClientError::Api(DeleteWebhookError::Forbidden(body))) => {
            assert_eq!(code(&body), ErrorCode::InsufficientPermissions)
        }
        other => panic!("delete without grant: {other:?}"),
    }
    admin
        .delete_webhook(&by_admin.id)
        .await
        .expect("admin deletes");
}

async fn other_callers(h: &Harness) {
    let alice = h.client("alice");
    let bob = h.client("bob");
    let hook = alice
        .create_webhook(&account_hook("https://a.example/private"))
        .await
        .expect("create");
    let not_found = |body: &ErrorResponse| {
        assert_eq!(code(body), ErrorCode::WebhookNotFound);
        assert_eq!(
            outer(body).message.as_deref(),
            Some("Requested webhook is not available.")
        );
    };
    match bob.get_webhook(&hook.id).await {
        Err(ClientError::Api(GetWebhookError::NotFound(body))) => not_found(&body),
        other => panic!("get: {other:?}"),
    }
    match bob
        .update_webhook(&hook.id, &UpdateWebhook::default())
        .await
    {
        Err(ClientError::Api(UpdateWebhookError::NotFound(body))) => not_found(&body),
        other => panic!("update: {other:?}"),
    }
    match bob.activate_webhook(&hook.id, None).await {
        Err(ClientError::Api(ActivateWebhookError::NotFound(body))) => not_found(&body),
        other => panic!("activate: {other:?}"),
    }
    match bob.deactivate_webhook(&hook.id).await {
        Err(ClientError::Api(DeactivateWebhookError::NotFound(body))) => not_found(&body),
        other => panic!("deactivate: {other:?}"),
    }
    match bob.delete_webhook(&hook.id).await {
        Err(ClientError::Api(DeleteWebhookError::NotFound(body))) => not_found(&body),
        other => panic!("delete: {other:?}"),
    }
    let seen = bob
        .list_webhooks(&Default::default())
        .await
        .expect("list")
        .webhooks;
    assert!(seen.iter().all(|w| w.id != hook.id), "bob does not list it");
    // Untouched by all that.
    let still = alice.get_webhook(&hook.id).await.expect("get");
    assert!(!still.active);
    assert_eq!(still.modified, hook.modified);
}

async fn activation(h: &Harness) {
    let alice = h.client("alice");
    let hook = alice
        .create_webhook(&account_hook("https://a.example/act"))
        .await
        .expect("create");
    let before = Utc::now();
    alice
        .activate_webhook(&hook.id, None)
        .await
        .expect("activate");
    let active = alice.get_webhook(&hook.id).await.expect("get");
    assert!(active.active);
    let expires = active.expiration_date_time.expect("expiration set");
    let in_30_days = before + chrono::Duration::days(30);
    assert!(
        (expires - in_30_days).num_seconds().abs() <= 5,
        "default expiration {expires} vs {in_30_days}"
    );

    // Already active: the seed's InvalidChange detail, with the id in the message.
    match alice.activate_webhook(&hook.id, None).await {
        Err(ClientError::Api(ActivateWebhookError::UnprocessableEntity(body))) => {
            let detail = single_detail(&body, ErrorCode::InvalidActivateWebhookRequest);
            assert_eq!(
                outer(&body).message.as_deref(),
                Some("Cannot activate a webhook. Make sure the request body is valid.")
            );
            assert_eq!(detail.code, Some(ErrorCode::InvalidChange));
            assert_eq!(detail.target.as_deref(), Some("IsActive"));
            assert_eq!(detail.message, Some(already_active_message(hook.id)));
        }
        other => panic!("activate twice: {other:?}"),
    }

    // Deactivate; a second time is a 202 that changes nothing.
    alice
        .deactivate_webhook(&hook.id)
        .await
        .expect("deactivate");
    let inactive = alice.get_webhook(&hook.id).await.expect("get");
    assert!(!inactive.active);
    assert_eq!(inactive.expiration_date_time, None);
    alice
        .deactivate_webhook(&hook.id)
        .await
        .expect("deactivate twice");
    assert_eq!(
        alice.get_webhook(&hook.id).await.expect("get"),
        inactive,
        "deactivating an inactive webhook changes nothing"
    );

    // An explicit expiration is kept.
    let at = chrono::DateTime::parse_from_rfc3339("2099-06-07T08:27:42Z")
        .expect("date")
        .to_utc();
    let body = ActivateWebhook {
        expiration_date_time: Some(at),
    };
    alice
        .activate_webhook(&hook.id, Some(&body))
        .await
        .expect("activate with expiration");
    let got = alice.get_webhook(&hook.id).await.expect("get");
    assert_eq!(got.expiration_date_time, Some(at));
    alice
        .deactivate_webhook(&hook.id)
        .await
        .expect("deactivate");

    // An expiration in the past is taken as given: the webhook is expired at once, reads as
    // inactive, and can be activated again (it is not "already active").
    let past_at = (Utc::now() - chrono::Duration::hours(1)).trunc_subsecs(6);
    let past = ActivateWebhook {
        expiration_date_time: Some(past_at),
    };
    alice
        .activate_webhook(&hook.id, Some(&past))
        .await
        .expect("activate with a past expiration");
    let expired = alice.get_webhook(&hook.id).await.expect("get");
    assert!(!expired.active, "expired at once");
    assert_eq!(expired.expiration_date_time, Some(past_at));
    alice
        .activate_webhook(&hook.id, Some(&past))
        .await
        .expect("an expired webhook is not already active");
    alice
        .deactivate_webhook(&hook.id)
        .await
        .expect("deactivate expired");
    // One that is not ISO-8601 is the seeds' InvalidValue.
    let (status, json) = h
        .raw(
            reqwest::Method::POST,
            &format!("/webhooks/{}/activate", hook.id),
            "alice",
            Some(r#"{"expirationDateTime":"next tuesday"}"#),
        )
        .await;
    assert_eq!(status, 422, "{json}");
    assert_eq!(json["error"]["code"], "InvalidActivateWebhookRequest");
    assert_eq!(json["error"]["details"][0]["code"], "InvalidValue");
    assert_eq!(json["error"]["details"][0]["target"], "expirationDateTime");
    assert_eq!(
        json["error"]["details"][0]["message"],
        "Provided 'expirationDateTime' value is not valid. It must be a string in ISO-8601 format."
    );
    assert!(
        !alice.get_webhook(&hook.id).await.expect("get").active,
        "still inactive"
    );
}

async fn patch(h: &Harness) {
    let alice = h.client("alice");
    let hook = alice
        .create_webhook(&account_hook("https://a.example/patch"))
        .await
        .expect("create");

    // A body that is no JSON object is refused, though serde would read an array as the
    // struct's fields by position (`[true]` as `{"active": true}`).
    for body in ["[]", "[true]", r#""x""#, "7"] {
        let (status, json) = h
            .raw(
                reqwest::Method::PATCH,
                &format!("/webhooks/{}", hook.id),
                "alice",
                Some(body),
            )
            .await;
        assert_eq!(status, 422, "{body}: {json}");
        assert_eq!(
            json["error"]["code"], "InvalidUpdateWebhookRequest",
            "{body}"
        );
    }
    let unchanged = alice.get_webhook(&hook.id).await.expect("get");
    assert!(!unchanged.active, "[true] activated nothing");
    assert_eq!(unchanged.modified, hook.modified);

    // Only eventTypes: everything else stays.
    let events = UpdateWebhook {
        event_types: Some(vec!["iTwins.iTwinCreated.v1".to_owned()]),
        ..UpdateWebhook::default()
    };
    let changed = alice
        .update_webhook(&hook.id, &events)
        .await
        .expect("patch");
    assert_eq!(
        changed.event_types,
        vec!["iTwins.iTwinCreated.v1".to_owned()]
    );
    assert_eq!(changed.callback_url, "https://a.example/patch");
    assert!(!changed.active);
    assert!(changed.modified >= hook.modified);
    assert_eq!(changed.created, hook.created);

    // Only callbackUrl.
    let callback = UpdateWebhook {
        callback_url: Some("https://a.example/moved".to_owned()),
        ..UpdateWebhook::default()
    };
    let moved = alice
        .update_webhook(&hook.id, &callback)
        .await
        .expect("patch");
    assert_eq!(moved.callback_url, "https://a.example/moved");
    assert_eq!(moved.event_types, vec!["iTwins.iTwinCreated.v1".to_owned()]);

    // An http callback is the seed's InvalidRequestBody on callbackUrl; nothing changes.
    let insecure = UpdateWebhook {
        callback_url: Some("http://a.example/insecure".to_owned()),
        active: Some(true),
        ..UpdateWebhook::default()
    };
    match alice.update_webhook(&hook.id, &insecure).await {
        Err(ClientError::Api(UpdateWebhookError::UnprocessableEntity(body))) => {
            let detail = single_detail(&body, ErrorCode::InvalidUpdateWebhookRequest);
            assert_invalid_field(&detail, "callbackUrl");
        }
        other => panic!("http callback: {other:?}"),
    }
    let unchanged = alice.get_webhook(&hook.id).await.expect("get");
    assert_eq!(unchanged.callback_url, "https://a.example/moved");
    assert!(!unchanged.active);

    // active: true is activate (default expiration), twice is the same 422.
    let activate = UpdateWebhook {
        active: Some(true),
        ..UpdateWebhook::default()
    };
    let active = alice
        .update_webhook(&hook.id, &activate)
        .await
        .expect("patch active");
    assert!(active.active);
    assert!(
        active
            .expiration_date_time
            .is_some_and(|at| at > Utc::now() + chrono::Duration::days(29))
    );
    assert_eq!(active.callback_url, "https://a.example/moved");
    match alice.update_webhook(&hook.id, &activate).await {
        Err(ClientError::Api(UpdateWebhookError::UnprocessableEntity(body))) => {
            let detail = single_detail(&body, ErrorCode::InvalidUpdateWebhookRequest);
            assert_eq!(detail.code, Some(ErrorCode::InvalidChange));
            assert_eq!(detail.target.as_deref(), Some("IsActive"));
            assert_eq!(detail.message, Some(already_active_message(hook.id)));
        }
        other => panic!("patch active twice: {other:?}"),
    }
    // active: false is deactivate; twice answers the webhook as it is.
    let deactivate = UpdateWebhook {
        active: Some(false),
        ..UpdateWebhook::default()
    };
    let inactive = alice
        .update_webhook(&hook.id, &deactivate)
        .await
        .expect("patch inactive");
    assert!(!inactive.active);
    assert_eq!(inactive.expiration_date_time, None);
    let again = alice
        .update_webhook(&hook.id, &deactivate)
        .await
        .expect("patch inactive twice");
    assert_eq!(again, inactive);
    // The rest of such a PATCH still applies.
    let with_more = UpdateWebhook {
        active: Some(false),
        event_types: Some(vec!["iModels.changesReady.v1".to_owned()]),
        ..UpdateWebhook::default()
    };
    let changed = alice
        .update_webhook(&hook.id, &with_more)
        .await
        .expect("patch inactive with more");
    assert!(!changed.active);
    assert_eq!(
        changed.event_types,
        vec!["iModels.changesReady.v1".to_owned()]
    );
    assert_eq!(alice.get_webhook(&hook.id).await.expect("get"), changed);
    // A new secret is accepted and, like the old one, never shown.
    let secret = UpdateWebhook {
        secret: Some("n".repeat(48)),
        ..UpdateWebhook::default()
    };
    alice
        .update_webhook(&hook.id, &secret)
        .await
        .expect("patch secret");
    let (_, json) = h
        .raw(
            reqwest::Method::GET,
            &format!("/webhooks/{}", hook.id),
            "alice",
            None,
        )
        .await;
    assert!(json.get("secret").is_none());
}

async fn delete(h: &Harness) {
    let alice = h.client("alice");
    let hook = alice
        .create_webhook(&account_hook("https://a.example/delete"))
        .await
        .expect("create");
    alice.delete_webhook(&hook.id).await.expect("delete");
    assert!(matches!(
        alice.get_webhook(&hook.id).await,
        Err(ClientError::Api(GetWebhookError::NotFound(_)))
    ));
    assert!(matches!(
        alice.delete_webhook(&hook.id).await,
        Err(ClientError::Api(DeleteWebhookError::NotFound(_)))
    ));
}

/// Generated secrets, the `whsec_` rule at the door, rotation and ending a grace period, as the
/// API answers them (what deliveries carry is in tests/delivery.rs).
async fn secrets(h: &Harness) {
    use base64::Engine as _;
    let alice = h.client("alice");
    let bob = h.client("bob");

    // Generated: `whsec_` and the padded base64 of 32 bytes, which both schemes accept.
    let created = alice
        .create_webhook(&account_hook("https://a.example/secrets"))
        .await
        .expect("create");
    let encoded = created
        .secret
        .strip_prefix("whsec_")
        .unwrap_or_else(|| panic!("generated secret {:?}", created.secret));
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("standard base64");
    assert_eq!(key.len(), 32);
    let id = created.id;

    // A `whsec_` secret whose rest is not canonical padded base64 is refused wherever a secret
    // is given: Standard Webhooks libraries would key it differently from the legacy rule.
    let bad_secrets = [
        // Not base64 at all (some libraries drop the `!`s and decode the rest).
        "whsec_not-base64!!not-base64!!not-base64!!",
        // Missing padding.
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYq",
        // Non-zero bits after the last whole byte (decoders disagree on these).
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTB==",
    ];
    for bad in bad_secrets {
        let body = serde_json::json!({
            "scope": "Account",
            "callbackUrl": "https://a.example/h",
            "eventTypes": ["iModels.iModelDeleted.v1"],
            "secret": bad,
        });
        let (status, json) = h
            .raw(
                reqwest::Method::POST,
                "/webhooks",
                "alice",
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(status, 422, "create with {bad}: {json}");
        assert_eq!(
            json["error"]["code"], "InvalidCreateWebhookRequest",
            "{json}"
        );
        assert_eq!(json["error"]["details"][0]["target"], "secret", "{json}");
        let body = serde_json::json!({ "secret": bad }).to_string();
        let (status, json) = h
            .raw(
                reqwest::Method::PATCH,
                &format!("/webhooks/{id}"),
                "alice",
                Some(&body),
            )
            .await;
        assert_eq!(status, 422, "patch with {bad}: {json}");
        assert_eq!(json["error"]["details"][0]["target"], "secret", "{json}");
        let (status, json) = h
            .raw(
                reqwest::Method::POST,
                &format!("/webhooks/{id}/secret"),
                "alice",
                Some(&body),
            )
            .await;
        assert_eq!(status, 422, "rotate with {bad}: {json}");
        assert_eq!(
            json["error"]["code"], "InvalidRotateWebhookSecretRequest",
            "{json}"
        );
        assert_eq!(json["error"]["details"][0]["target"], "secret", "{json}");
    }
    // Plain text and canonical `whsec_` are both accepted.
    for good in [
        "a plain caller-given secret, 32 chars or more",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTw==",
    ] {
        let hook = alice
            .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
                secret: Some(good.to_owned()),
                ..account("https://a.example/h")
            }))
            .await
            .expect("create with a good secret");
        assert_eq!(hook.secret, good);
    }

    // The grace period's bounds.
    for grace in ["-1", "604801", "1.5", "\"a day\""] {
        let body = format!("{{\"gracePeriodSeconds\": {grace}}}");
        let (status, json) = h
            .raw(
                reqwest::Method::POST,
                &format!("/webhooks/{id}/secret"),
                "alice",
                Some(&body),
            )
            .await;
        assert_eq!(status, 422, "grace {grace}: {json}");
        assert_eq!(json["error"]["code"], "InvalidRotateWebhookSecretRequest");
        assert_eq!(json["error"]["details"][0]["target"], "gracePeriodSeconds");
    }

    // No previous secret yet.
    let no_previous =
        |result: Result<(), ClientError<DeletePreviousWebhookSecretError>>| match result {
            Err(ClientError::Api(DeletePreviousWebhookSecretError::NotFound(body))) => {
                assert_eq!(code(&body), ErrorCode::PreviousSecretNotFound);
                assert_eq!(
                    outer(&body).message.as_deref(),
                    Some("The webhook has no previous secret that still signs deliveries.")
                );
            }
            other => panic!("expected 404 PreviousSecretNotFound: {other:?}"),
        };
    no_previous(alice.delete_previous_webhook_secret(&id).await);

    // Rotate with no body: generated secret, one day of grace.
    let before = Utc::now();
    let rotated = alice
        .rotate_webhook_secret(&id, None)
        .await
        .expect("rotate");
    assert!(rotated.secret.starts_with("whsec_"), "{}", rotated.secret);
    assert_ne!(rotated.secret, created.secret);
    let until = rotated
        .previous_secret_expiration_date_time
        .expect("grace period");
    let day = chrono::Duration::seconds(86_400);
    assert!(
        until >= before + day && until <= Utc::now() + day,
        "{until}"
    );
    // Ended early, then gone.
    alice
        .delete_previous_webhook_secret(&id)
        .await
        .expect("end the grace period");
    no_previous(alice.delete_previous_webhook_secret(&id).await);

    // A given secret and a grace period of 0: the previous one stops at once.
    let given = "another plain caller-given secret, 32+ chars";
    let rotated = alice
        .rotate_webhook_secret(
            &id,
            Some(&RotateWebhookSecret {
                secret: Some(given.to_owned()),
                grace_period_seconds: Some(0),
            }),
        )
        .await
        .expect("rotate with grace 0");
    assert_eq!(rotated.secret, given);
    assert_eq!(rotated.previous_secret_expiration_date_time, None);
    no_previous(alice.delete_previous_webhook_secret(&id).await);

    // A PATCH of the secret ends a grace period too: it is immediate.
    let rotated = alice
        .rotate_webhook_secret(
            &id,
            Some(&RotateWebhookSecret {
                secret: None,
                grace_period_seconds: Some(3600),
            }),
        )
        .await
        .expect("rotate for an hour");
    let hour = chrono::Duration::seconds(3600);
    let until = rotated
        .previous_secret_expiration_date_time
        .expect("grace period");
    assert!(until <= Utc::now() + hour && until > Utc::now(), "{until}");
    alice
        .update_webhook(
            &id,
            &UpdateWebhook {
                secret: Some("the PATCHed secret, in effect at once!!".to_owned()),
                ..UpdateWebhook::default()
            },
        )
        .await
        .expect("patch the secret");
    no_previous(alice.delete_previous_webhook_secret(&id).await);

    // Someone else's webhook, and one that does not exist: the usual 404.
    let not_found = |body: &ErrorResponse| assert_eq!(code(body), ErrorCode::WebhookNotFound);
    match bob.rotate_webhook_secret(&id, None).await {
        Err(ClientError::Api(RotateWebhookSecretError::NotFound(body))) => not_found(&body),
        other => panic!("bob rotates: {other:?}"),
    }
    match bob.delete_previous_webhook_secret(&id).await {
        Err(ClientError::Api(DeletePreviousWebhookSecretError::NotFound(body))) => not_found(&body),
        other => panic!("bob ends: {other:?}"),
    }
    match alice
        .rotate_webhook_secret(&uuid::Uuid::new_v4(), None)
        .await
    {
        Err(ClientError::Api(RotateWebhookSecretError::NotFound(body))) => not_found(&body),
        other => panic!("rotate a missing webhook: {other:?}"),
    }
    // A read-only token may not rotate.
    let reader = h.client_with("alice", &[READ], false);
    match reader.rotate_webhook_secret(&id, None).await {
        Err(ClientError::Api(RotateWebhookSecretError::Unauthorized(body))) => {
            assert_eq!(code(&body), ErrorCode::InvalidToken)
        }
        other => panic!("rotate without webhooks:modify: {other:?}"),
    }
}

async fn concurrent_activates(h: &Harness) {
    let alice = h.client("alice");
    for _round in 0..3 {
        let hook = alice
            .create_webhook(&account_hook("https://a.example/race"))
            .await
            .expect("create");
        let racers: Vec<_> = (0..6)
            .map(|_| {
                let client = alice.clone();
                tokio::spawn(async move { client.activate_webhook(&hook.id, None).await })
            })
            .collect();
        let mut winners = 0;
        let mut refused = 0;
        for racer in racers {
            match racer.await.expect("task") {
                Ok(()) => winners += 1,
                Err(ClientError::Api(ActivateWebhookError::UnprocessableEntity(body))) => {
                    let detail = single_detail(&body, ErrorCode::InvalidActivateWebhookRequest);
                    assert_eq!(detail.code, Some(ErrorCode::InvalidChange));
                    refused += 1;
                }
                Err(other) => panic!("racer: {other:?}"),
            }
        }
        assert_eq!((winners, refused), (1, 5), "exactly one activation wins");
    }
}

async fn expiry(h: &Harness) {
    let alice = h.client("alice");
    let hook = alice
        .create_webhook(&account_hook("https://a.example/expiry"))
        .await
        .expect("create");
    let soon = ActivateWebhook {
        expiration_date_time: Some(Utc::now() + chrono::Duration::milliseconds(1500)),
    };
    alice
        .activate_webhook(&hook.id, Some(&soon))
        .await
        .expect("activate");
    assert!(alice.get_webhook(&hook.id).await.expect("get").active);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let expired = alice.get_webhook(&hook.id).await.expect("get");
    assert!(!expired.active, "expired reads as inactive");
    let listed = alice
        .list_webhooks(&Default::default())
        .await
        .expect("list")
        .webhooks;
    assert!(listed.iter().any(|w| w.id == hook.id && !w.active));
    // Inactive, so it can be activated again; deactivating it changes nothing.
    alice
        .deactivate_webhook(&hook.id)
        .await
        .expect("deactivate an expired webhook");
    assert!(!alice.get_webhook(&hook.id).await.expect("get").active);
    alice
        .activate_webhook(&hook.id, None)
        .await
        .expect("re-activate after expiry");
    assert!(alice.get_webhook(&hook.id).await.expect("get").active);
}

async fn rate_limits(h: &Harness) {
    // A second instance on the same store with a tiny limit: 1 a minute, bursts of 2.
    let limited = start(&h.url, &h.key_path, 1, Some(2)).await;
    let base = format!("http://{}", limited.addr());
    let dave = Client::new(&base)
        .expect("client")
        .with_bearer_token(h.token("dave", &[READ, MODIFY], false));
    dave.list_webhooks(&Default::default())
        .await
        .expect("first");
    dave.list_webhooks(&Default::default())
        .await
        .expect("second");
    match dave.list_webhooks(&Default::default()).await {
        Err(ClientError::Api(ListWebhooksError::TooManyRequests { retry_after, body })) => {
            assert_eq!(code(&body), ErrorCode::TooManyRequests);
            assert_eq!(
                outer(&body).message.as_deref(),
                Some("More requests were received than the subscription rate-limit allows.")
            );
            let seconds = retry_after.expect("retry-after header");
            assert!((1..=60).contains(&seconds), "retry-after {seconds}");
        }
        other => panic!("third request: {other:?}"),
    }
    // Every operation answers its own 429.
    match dave.activate_webhook(&uuid::Uuid::new_v4(), None).await {
        Err(ClientError::Api(ActivateWebhookError::TooManyRequests { retry_after, .. })) => {
            assert!(retry_after.is_some_and(|s| s >= 1))
        }
        other => panic!("activate when limited: {other:?}"),
    }
    match dave
        .create_webhook(&account_hook("https://d.example/h"))
        .await
    {
        Err(ClientError::Api(CreateWebhookError::TooManyRequests { .. })) => {}
        other => panic!("create when limited: {other:?}"),
    }
    // Limits are per caller.
    let erin = Client::new(&base)
        .expect("client")
        .with_bearer_token(h.token("erin", &[READ, MODIFY], false));
    erin.list_webhooks(&Default::default())
        .await
        .expect("another caller is not limited");
    limited.stop().await.expect("stop");
}

/// Last: break the store under the running service; operations answer 500, not a panic.
async fn store_failure(h: &Harness) {
    let alice = h.client("alice");
    let hook = alice
        .create_webhook(&account_hook("https://a.example/last"))
        .await
        .expect("create");
    let mut conn = sqlx::AnyConnection::connect(&webhooks_service::store::normalize_url(&h.url))
        .await
        .expect("side connection");
    sqlx::query("DROP TABLE webhooks")
        .execute(&mut conn)
        .await
        .expect("drop table");
    conn.close().await.expect("close");
    match alice.list_webhooks(&Default::default()).await {
        Err(ClientError::Api(ListWebhooksError::InternalServerError(body))) => {
            assert_eq!(code(&body), ErrorCode::InternalServerError)
        }
        other => panic!("list on a broken store: {other:?}"),
    }
    match alice.activate_webhook(&hook.id, None).await {
        Err(ClientError::Api(ActivateWebhookError::InternalServerError(body))) => {
            assert_eq!(code(&body), ErrorCode::InternalServerError)
        }
        other => panic!("activate on a broken store: {other:?}"),
    }
}

/// IP-literal callbacks the delivery rules refuse, each spelled some way a caller might.
const REFUSED_CALLBACKS: &[&str] = &[
    "https://127.0.0.1/h",
    "https://127.1.2.3:8443/h",
    "https://[::1]/h",
    "https://169.254.169.254/latest/meta-data",
    "https://10.1.2.3/h",
    "https://172.16.0.1/h",
    "https://192.168.1.1/h",
    "https://100.64.0.1/h",
    "https://[fd00::1]/h",
    "https://[fe80::1]/h",
    "https://0.0.0.0/h",
    "https://[::]/h",
    "https://[::ffff:127.0.0.1]/h",
    "https://[::ffff:a9fe:a9fe]/h",
    "https://[::10.0.0.1]/h",
    // Other spellings of 127.0.0.1 that the URL parser reads as that address.
    "https://0x7f.1/h",
    "https://2130706433/h",
    "https://0177.0.0.1/h",
];

fn assert_address_refused(detail: &Error) {
    assert_eq!(
        detail.code,
        Some(ErrorCode::CallbackAddressRefused),
        "{detail:?}"
    );
    assert_eq!(
        detail.message.as_deref(),
        ErrorCode::CallbackAddressRefused.message(),
    );
    assert_eq!(detail.target.as_deref(), Some("callbackUrl"));
}

async fn callback_addresses(h: &Harness) {
    let alice = h.client("alice");
    let kept = alice
        .create_webhook(&account_hook("https://a.example/kept"))
        .await
        .expect("create");
    for url in REFUSED_CALLBACKS {
        match alice.create_webhook(&account_hook(url)).await {
            Err(ClientError::Api(CreateWebhookError::UnprocessableEntity(body))) => {
                assert_address_refused(&single_detail(
                    &body,
                    ErrorCode::InvalidCreateWebhookRequest,
                ));
            }
            other => panic!("create with {url}: {other:?}"),
        }
        let change = UpdateWebhook {
            callback_url: Some((*url).to_owned()),
            ..UpdateWebhook::default()
        };
        match alice.update_webhook(&kept.id, &change).await {
            Err(ClientError::Api(UpdateWebhookError::UnprocessableEntity(body))) => {
                assert_address_refused(&single_detail(
                    &body,
                    ErrorCode::InvalidUpdateWebhookRequest,
                ));
            }
            other => panic!("update to {url}: {other:?}"),
        }
    }
    // Refused updates changed nothing.
    let got = alice.get_webhook(&kept.id).await.expect("get");
    assert_eq!(got.callback_url, "https://a.example/kept");
    // Public addresses, and names (checked after DNS, at delivery), pass.
    for url in [
        "https://8.8.8.8/h",
        "https://[2606:4700:4700::1111]/h",
        "https://[::ffff:8.8.8.8]/h",
        "https://localhost/h",
    ] {
        alice
            .create_webhook(&account_hook(url))
            .await
            .unwrap_or_else(|e| panic!("create with {url}: {e:?}"));
        let change = UpdateWebhook {
            callback_url: Some(url.to_owned()),
            ..UpdateWebhook::default()
        };
        alice
            .update_webhook(&kept.id, &change)
            .await
            .unwrap_or_else(|e| panic!("update to {url}: {e:?}"));
    }
}

/// `serve --allow-callback-cidr` admits its ranges at the door, and only those.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_callback_ranges() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
    let key_path = dir.path().join("dev.key");
    let allowed = vec![
        "127.0.0.0/8".parse().expect("cidr"),
        "fd00::/8".parse().expect("cidr"),
    ];
    let running = start_with(&url, &key_path, 100_000, None, allowed).await;
    let h = Harness {
        url: url.clone(),
        key_path: key_path.clone(),
        base: format!("http://{}", running.addr()),
        running,
    };
    let alice = h.client("alice");
    for admitted in [
        "https://127.0.0.1/h",
        "https://0x7f.1/h",
        "https://[::ffff:127.0.0.1]/h",
        "https://[fd00::1]/h",
    ] {
        alice
            .create_webhook(&account_hook(admitted))
            .await
            .unwrap_or_else(|e| panic!("create with {admitted}: {e:?}"));
    }
    for refused in [
        "https://[::1]/h",
        "https://10.1.2.3/h",
        "https://[fc00::1]/h",
    ] {
        match alice.create_webhook(&account_hook(refused)).await {
            Err(ClientError::Api(CreateWebhookError::UnprocessableEntity(body))) => {
                assert_address_refused(&single_detail(
                    &body,
                    ErrorCode::InvalidCreateWebhookRequest,
                ));
            }
            other => panic!("create with {refused}: {other:?}"),
        }
    }
    h.running.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
    suite(&url).await;
}

/// The PostgreSQL server to test against: `WEBHOOKS_TEST_POSTGRES_URL`, else a postgres
/// `DATABASE_URL`, else the local default when it answers.
async fn postgres_url() -> Option<String> {
    let configured = std::env::var("WEBHOOKS_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|url| url.starts_with("postgres"));
    let url = configured
        .clone()
        .unwrap_or_else(|| DEFAULT_POSTGRES.to_owned());
    sqlx::any::install_default_drivers();
    let probe = tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(&url));
    match probe.await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Some(url)
        }
        Ok(Err(e)) if configured.is_some() => panic!("PostgreSQL at {url} does not answer: {e}"),
        Err(_) if configured.is_some() => panic!("PostgreSQL at {url} does not answer in time"),
        Ok(Err(e)) => {
            eprintln!("SKIPPED: the PostgreSQL end-to-end run (no server at {url}: {e})");
            None
        }
        Err(_) => {
            eprintln!("SKIPPED: the PostgreSQL end-to-end run (no answer from {url})");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_end_to_end() {
    let Some(base) = postgres_url().await else {
        return;
    };
    // A schema of its own for this run, so runs never collide.
    let schema = format!("webhooks_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(&base).await.expect("connect");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    eprintln!("PostgreSQL end-to-end run in schema {schema}");
    let outcome = tokio::spawn(async move { suite(&url).await }).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .expect("drop schema");
    let _ = admin.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}
