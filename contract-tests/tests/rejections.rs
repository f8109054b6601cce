//! What the generated router answers by itself, before the implementation is called: each
//! refusal is a status the spec declares for the operation, with the spec's error body and the
//! seeds' exact codes and messages.

use contract_tests::serve_scripted;
use webhooks_client::types::{ErrorCode, ErrorResponse};
use webhooks_client::*;

async fn server() -> String {
    let addr = serve_scripted(webhooks_server::Config::default().with_body_limit(1024))
        .await
        .expect("bind loopback");
    format!("http://{addr}")
}

/// A plain reqwest client, for requests the generated client would never send. The workspace
/// builds reqwest without a default crypto provider, so install the generated client's first.
fn http() -> reqwest::Client {
    webhooks_client::install_crypto_provider();
    reqwest::Client::new()
}

const ID: &str = "5885fb70-81c1-423b-b556-771b5ab4d55b";

async fn send(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut request = http().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.body(body.to_owned()).send().await.expect("send");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/json", "every refusal is JSON");
    (status, response.json().await.expect("a JSON body"))
}

/// A POST with a JSON body (`Content-Type: application/json`).
async fn post_json(url: String, token: Option<&str>, body: &str) -> (u16, serde_json::Value) {
    send(
        reqwest::Method::POST,
        url,
        token,
        Some("application/json"),
        body,
    )
    .await
}

#[tokio::test]
async fn missing_authorization_is_the_seed_401() {
    let base = server().await;
    let client = Client::new(&base).expect("url");
    match client
        .activate_webhook(&ID.parse().expect("uuid"), None)
        .await
    {
        Err(Error::Api(ActivateWebhookError::Unauthorized(body))) => {
            let error = body.error.expect("error object");
            assert_eq!(error.code, Some(ErrorCode::HeaderNotFound));
            assert_eq!(
                error.message.as_deref(),
                Some("Header Authorization was not found in the request. Access denied.")
            );
        }
        other => panic!("expected the generated 401, got {other:?}"),
    }
    // The exact bytes of the seed's example.
    let (status, body) = send(
        reqwest::Method::GET,
        format!("{base}/webhooks"),
        None,
        None,
        "",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": "HeaderNotFound", "message": "Header Authorization was not found in the request. Access denied."}})
    );
}

#[tokio::test]
async fn refused_or_malformed_tokens_are_401_invalid_token() {
    let base = server().await;
    for header in [
        "Bearer not-a-scripted-token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ] {
        let response = http()
            .get(format!("{base}/webhooks"))
            .header("authorization", header)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 401, "{header}");
        let body: ErrorResponse = response.json().await.expect("error body");
        assert_eq!(
            body.error.and_then(|e| e.code),
            Some(ErrorCode::InvalidToken),
            "{header}"
        );
    }
}

#[tokio::test]
async fn bad_expiration_is_the_seed_422_invalid_value() {
    let base = server().await;
    let (status, body) = post_json(
        format!("{base}/webhooks/{ID}/activate"),
        Some("status-202"),
        r#"{"expirationDateTime": "next tuesday"}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        serde_json::json!({"error": {
            "code": "InvalidActivateWebhookRequest",
            "message": "Cannot activate a webhook. Make sure the request body is valid.",
            "details": [{
                "code": "InvalidValue",
                "message": "Provided 'expirationDateTime' value is not valid. It must be a string in ISO-8601 format.",
                "target": "expirationDateTime"
            }]
        }})
    );
}

#[tokio::test]
async fn wrongly_typed_field_is_the_seed_update_422() {
    let base = server().await;
    let (status, body) = send(
        reqwest::Method::PATCH,
        format!("{base}/webhooks/{ID}"),
        Some("status-200"),
        Some("application/json"),
        r#"{"callbackUrl": 42}"#,
    )
    .await;
    assert_eq!(status, 422);
    // Exactly the seed's example body.
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": "InvalidUpdateWebhookRequest", "message": "Cannot update a webhook. Make sure the request body is valid.", "details": [{"code": "InvalidRequestBody", "message": "Invalid request body.", "target": "callbackUrl"}]}})
    );
}

#[tokio::test]
async fn read_only_and_missing_properties_name_their_target() {
    let base = server().await;
    let cases = [
        (
            r#"{"id": "x", "scope": "Account", "callbackUrl": "https://a.example", "eventTypes": ["a.b.v1"]}"#,
            "id",
        ),
        (
            r#"{"scope": "Account", "eventTypes": ["a.b.v1"]}"#,
            "callbackUrl",
        ),
        (
            r#"{"scope": "Account", "callbackUrl": "https://a.example", "eventTypes": [7]}"#,
            "eventTypes[0]",
        ),
    ];
    for (json, target) in cases {
        let (status, body) = post_json(format!("{base}/webhooks"), Some("status-201"), json).await;
        assert_eq!(status, 422, "{json}");
        assert_eq!(
            body["error"]["code"], "InvalidCreateWebhookRequest",
            "{json}"
        );
        assert_eq!(body["error"]["details"][0]["target"], target, "{json}");
        assert_eq!(
            body["error"]["details"][0]["code"], "InvalidRequestBody",
            "{json}"
        );
    }
}

/// The targets of a 422's details, in order.
fn targets(body: &serde_json::Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .map(|d| d["target"].as_str().unwrap_or("<none>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_problem_in_a_body_is_a_detail_of_its_own() {
    let base = server().await;
    // Five problems: a callback that is no URI, an empty `eventTypes` (minItems 1), a secret
    // under 32 characters, a `scopeId` on an Account webhook and a property the schema does not
    // have (both refused by additionalProperties: false).
    let json = r#"{"scope": "Account", "scopeId": "0", "callbackUrl": "not a uri", "eventTypes": [], "secret": "short", "colour": "red"}"#;
    let (status, body) = post_json(format!("{base}/webhooks"), Some("status-201"), json).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "InvalidCreateWebhookRequest");
    // The two unknown properties come in the order serde_json keeps object keys, which depends
    // on its `preserve_order` feature (unified across whatever else is built): compare as sets.
    let mut found = targets(&body);
    found.sort();
    assert_eq!(
        found,
        ["callbackUrl", "colour", "eventTypes", "scopeId", "secret"]
    );
    // A `scope` the discriminator does not know selects no member: that is the one detail,
    // since which properties the rest must have depends on it.
    let json = r#"{"scope": "Galaxy", "callbackUrl": "not a uri", "eventTypes": []}"#;
    let (status, body) = post_json(format!("{base}/webhooks"), Some("status-201"), json).await;
    assert_eq!(status, 422);
    assert_eq!(targets(&body), ["scope"]);
    for detail in body["error"]["details"].as_array().into_iter().flatten() {
        assert_eq!(detail["code"], "InvalidRequestBody");
        assert_eq!(detail["message"], "Invalid request body.");
    }
}

#[tokio::test]
async fn schema_keywords_are_checked_item_by_item() {
    let base = server().await;
    let cases: [(&str, &str, &[&str]); 6] = [
        // `pattern` on each event type; the second item is the bad one.
        (
            "/webhooks/5885fb70-81c1-423b-b556-771b5ab4d55b",
            r#"{"eventTypes": ["iModels.iModelDeleted.v1", "not an event type"]}"#,
            &["eventTypes[1]"],
        ),
        // `maxLength` and `pattern` of `eventType`; `content` must be an object.
        (
            "/events",
            r#"{"eventType": "iModels.changesReady", "content": []}"#,
            &["eventType", "content"],
        ),
        (
            "/events",
            r#"{"content": {}, "iTwinId": ""}"#,
            &["eventType", "iTwinId"],
        ),
        // A body that is not an object at all.
        ("/events", r#"["eventType"]"#, &["<none>"]),
        // Wrong types everywhere.
        (
            "/webhooks/5885fb70-81c1-423b-b556-771b5ab4d55b",
            r#"{"active": "yes", "callbackUrl": 7, "eventTypes": "a.b.v1", "secret": null}"#,
            &["active", "callbackUrl", "eventTypes", "secret"],
        ),
        // A URI with a space and one without a scheme.
        (
            "/webhooks/5885fb70-81c1-423b-b556-771b5ab4d55b",
            r#"{"callbackUrl": "https://a.example/a b"}"#,
            &["callbackUrl"],
        ),
    ];
    for (path, json, expected) in cases {
        let method = if path.starts_with("/events") {
            reqwest::Method::POST
        } else {
            reqwest::Method::PATCH
        };
        let token = if path.starts_with("/events") {
            "status-202"
        } else {
            "status-200"
        };
        let (status, body) = send(
            method,
            format!("{base}{path}"),
            Some(token),
            Some("application/json"),
            json,
        )
        .await;
        assert_eq!(status, 422, "{json}: {body}");
        assert_eq!(targets(&body), expected, "{json}");
    }
}

#[tokio::test]
async fn event_types_have_the_form_area_name_version() {
    let base = server().await;
    let post = |event_type: String| {
        let base = base.clone();
        async move {
            let json = serde_json::json!({"eventType": event_type, "content": {}}).to_string();
            post_json(format!("{base}/events"), Some("status-202"), &json).await
        }
    };
    for good in [
        "iModels.iModelDeleted.v1",
        "a.b.v0",
        "accessControl.memberAdded.v12",
        "A1.B2.v3",
    ] {
        let (status, body) = post(good.to_owned()).await;
        assert_eq!(status, 202, "{good}: {body}");
    }
    let long = format!("a.{}.v1", "b".repeat(200));
    for bad in [
        "",
        "a.b",
        "a.b.v",
        "a.b.1",
        "a.b.v1.c",
        "1a.b.v1",
        "a..v1",
        "a.b-c.v1",
        "a.b.vx",
        " a.b.v1",
        "a.b.v1 ",
        "a.b.V1",
        long.as_str(),
    ] {
        let (status, body) = post(bad.to_owned()).await;
        assert_eq!(status, 422, "{bad:?}");
        assert_eq!(targets(&body), ["eventType"], "{bad:?}");
    }
}

#[tokio::test]
async fn blank_ids_are_refused_by_their_pattern() {
    let base = server().await;
    for blank in [" ", "\t", "  \n "] {
        let event = serde_json::json!({"eventType": "a.b.v1", "iTwinId": blank, "content": {}});
        let (status, body) = post_json(
            format!("{base}/events"),
            Some("status-202"),
            &event.to_string(),
        )
        .await;
        assert_eq!(status, 422, "{blank:?}");
        assert_eq!(targets(&body), ["iTwinId"], "{blank:?}");

        let hook = serde_json::json!({
            "scope": "iTwin",
            "scopeId": blank,
            "callbackUrl": "https://example.com/hook",
            "eventTypes": ["a.b.v1"],
        });
        let (status, body) = post_json(
            format!("{base}/webhooks"),
            Some("status-201"),
            &hook.to_string(),
        )
        .await;
        assert_eq!(status, 422, "{blank:?}");
        assert_eq!(targets(&body), ["scopeId"], "{blank:?}");
    }
    // Surrounding white space is not blank.
    let event = serde_json::json!({"eventType": "a.b.v1", "iTwinId": " t ", "content": {}});
    let (status, body) = post_json(
        format!("{base}/events"),
        Some("status-202"),
        &event.to_string(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn a_body_within_the_schema_reaches_the_implementation() {
    let base = server().await;
    let json = r#"{"eventType": "iModels.iModelDeleted.v1", "iTwinId": "t", "content": {"a": 1, "b": [true]}}"#;
    let (status, body) = post_json(format!("{base}/events"), Some("status-202"), json).await;
    assert_eq!(status, 202, "{body}");
    // The scripted implementation counts the content's members.
    assert_eq!(body["deliveries"], 2);
}

#[tokio::test]
async fn a_field_with_its_own_code_keeps_it_beside_other_details() {
    let base = server().await;
    let (status, body) = post_json(
        format!("{base}/webhooks/{ID}/activate"),
        Some("status-202"),
        r#"{"expirationDateTime": "tomorrow", "extra": 1}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "InvalidActivateWebhookRequest");
    assert_eq!(targets(&body), ["expirationDateTime", "extra"]);
    assert_eq!(body["error"]["details"][0]["code"], "InvalidValue");
    assert_eq!(body["error"]["details"][1]["code"], "InvalidRequestBody");
}

#[tokio::test]
async fn an_accept_header_that_admits_no_json_is_406() {
    let base = server().await;
    let cases = [
        ("text/html", 406),
        ("text/plain, image/png", 406),
        ("application/json;q=0", 406),
        ("nonsense", 406),
        ("application/json", 200),
        ("application/vnd.bentley.itwin-platform.v1+json", 200),
        ("text/html, */*;q=0.1", 200),
        ("application/*", 200),
        ("", 406),
    ];
    for (accept, expected) in cases {
        let response = http()
            .get(format!("{base}/webhooks"))
            .bearer_auth("status-200")
            .header("accept", accept)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), expected, "Accept: {accept}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "Accept: {accept}"
        );
        if expected == 406 {
            let body: ErrorResponse = response.json().await.expect("the spec's error body");
            let error = body.error.expect("error object");
            assert_eq!(error.code, Some(ErrorCode::NotAcceptable));
            assert_eq!(error.message.as_deref(), ErrorCode::NotAcceptable.message());
        }
    }
    // The generated client's own `Accept` is one the generated server admits.
    let client = Client::new(&base)
        .expect("url")
        .with_bearer_token("status-200");
    client
        .list_webhooks(&Default::default())
        .await
        .expect("the client negotiates JSON");
}

#[tokio::test]
async fn not_json_at_all_is_422() {
    let base = server().await;
    for json in ["{", "[1, 2]", "{} trailing", r#"{"scope": "Account"} {}"#] {
        let (status, body) = post_json(format!("{base}/webhooks"), Some("status-201"), json).await;
        assert_eq!(status, 422, "{json}");
        assert_eq!(
            body["error"]["code"], "InvalidCreateWebhookRequest",
            "{json}"
        );
    }
}

/// serde's derive reads a struct from an array too (fields by position), so `[]` was accepted
/// as an update that changes nothing and `[true]` as `{"active": true}`. A body whose schema is
/// an object must be a JSON object, on every operation.
#[tokio::test]
async fn a_body_that_is_no_object_is_422() {
    let base = server().await;
    let id = "5885fb70-81c1-423b-b556-771b5ab4d55b";
    let operations = [
        (
            reqwest::Method::PATCH,
            format!("{base}/webhooks/{id}"),
            "status-200",
            "InvalidUpdateWebhookRequest",
        ),
        (
            reqwest::Method::POST,
            format!("{base}/webhooks/{id}/activate"),
            "status-202",
            "InvalidActivateWebhookRequest",
        ),
        (
            reqwest::Method::POST,
            format!("{base}/events"),
            "status-202",
            "InvalidPublishEventRequest",
        ),
        (
            reqwest::Method::POST,
            format!("{base}/webhooks"),
            "status-201",
            "InvalidCreateWebhookRequest",
        ),
    ];
    for (method, url, token, code) in operations {
        for json in [
            "[]",
            "[true]",
            r#"["a.b.v1", "t", {}]"#,
            r#""text""#,
            "5",
            "true",
        ] {
            let (status, body) = send(
                method.clone(),
                url.clone(),
                Some(token),
                Some("application/json"),
                json,
            )
            .await;
            assert_eq!(status, 422, "{method} {url} {json}: {body}");
            assert_eq!(body["error"]["code"], code, "{method} {url} {json}");
        }
        // An object still passes (`send` reads JSON answers only, so activate's empty 202 is
        // checked by status alone).
        let ok = match code {
            "InvalidPublishEventRequest" => r#"{"eventType": "a.b.v1", "content": {}}"#,
            "InvalidCreateWebhookRequest" => {
                r#"{"scope": "Account", "callbackUrl": "https://a.example/h", "eventTypes": ["a.b.v1"]}"#
            }
            _ => "{}",
        };
        let response = http()
            .request(method.clone(), url.clone())
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(ok)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        assert!(
            (200..300).contains(&status),
            "{method} {url} {ok}: {status}"
        );
    }
}

#[tokio::test]
async fn a_path_parameter_that_is_no_uuid_is_404() {
    let base = server().await;
    let (status, body) = send(
        reqwest::Method::GET,
        format!("{base}/webhooks/not-a-uuid"),
        Some("status-200"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": "WebhookNotFound", "message": "Requested webhook is not available."}})
    );
}

#[tokio::test]
async fn other_media_types_are_415() {
    let base = server().await;
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{base}/webhooks/{ID}/activate"),
        Some("status-202"),
        Some("text/plain"),
        "expirationDateTime=tomorrow",
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["code"], "UnsupportedMediaType");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let base = server().await;
    let big = format!(
        r#"{{"scope": "Account", "callbackUrl": "https://{}.example", "eventTypes": []}}"#,
        "a".repeat(4096)
    );
    let (status, body) = post_json(format!("{base}/webhooks"), Some("status-201"), &big).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "PayloadTooLarge");
}

#[tokio::test]
async fn the_activate_body_is_optional() {
    let base = server().await;
    let response = http()
        .post(format!("{base}/webhooks/{ID}/activate"))
        .bearer_auth("status-202")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 202);
    assert!(
        response.bytes().await.expect("body").is_empty(),
        "202 has no body"
    );
}

#[tokio::test]
async fn an_empty_body_with_a_json_content_type_is_no_body() {
    let base = server().await;
    let response = http()
        .post(format!("{base}/webhooks/{ID}/activate"))
        .bearer_auth("status-202")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    assert_eq!(
        response.status().as_u16(),
        202,
        "an optional body may be empty whatever the content type"
    );
}

#[tokio::test]
async fn a_required_body_that_is_empty_is_422() {
    let base = server().await;
    let (status, body) = post_json(format!("{base}/webhooks"), Some("status-201"), "").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "InvalidCreateWebhookRequest");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_spec_body() {
    let base = server().await;
    let (status, body) = send(
        reqwest::Method::GET,
        format!("{base}/nothing/here"),
        Some("status-200"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": "ResourceNotFound", "message": "The requested resource does not exist."}})
    );
    let (status, body) = send(
        reqwest::Method::PUT,
        format!("{base}/webhooks"),
        Some("status-200"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "MethodNotAllowed");
}

#[tokio::test]
async fn a_panicking_implementation_is_the_spec_500() {
    let base = server().await;
    let (status, body) = send(
        reqwest::Method::GET,
        format!("{base}/webhooks/{ID}"),
        Some("status-0"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["code"], "InternalServerError");
    // The server is still there afterwards.
    let (status, _) = send(
        reqwest::Method::GET,
        format!("{base}/webhooks/{ID}"),
        Some("status-404"),
        None,
        "",
    )
    .await;
    assert_eq!(status, 404);
}
