//! The same API as [`crate::generated`], written by hand the way an axum user would: extractors
//! for the caller, the path id and the JSON body, `Json` answers, and one error type. It does the
//! same work as the generated router (`Accept`, bearer token and scopes, uuid path with the spec's 404,
//! body limit, `Content-Type` check, serde decoding into the same types with the failing field
//! named, then the schema's rules that serde does not check: formats, lengths, patterns, enum
//! values) and gives the same statuses and error bodies. One difference stays: a body with a
//! wrong type somewhere gets one `details` entry here (serde stops at the first), where the
//! generated router lists every problem.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use uuid::Uuid;
use webhooks_client::types::{
    ActivateWebhook, CreateWebhook, ErrorCode, ErrorResponse, PublishEvent, UpdateWebhook,
    WebhookList,
};

use crate::store::{Refusal, Store};
use crate::{Caller, MODIFY, PUBLISH, READ, error_body, invalid, invalid_change};

/// An answer with the spec's error body.
pub struct ApiError(StatusCode, ErrorResponse);

impl ApiError {
    fn code(status: StatusCode, code: ErrorCode) -> Self {
        ApiError(status, ErrorResponse::from_code(code))
    }

    fn unprocessable(operation: ErrorCode, detail: ErrorCode, target: Option<String>) -> Self {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body(operation, vec![(detail, target)]),
        )
    }

    fn not_found() -> Self {
        ApiError::code(StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

/// The scopes an operation needs, as a type, so the extractor knows them.
pub trait Scopes {
    const SCOPES: &'static [&'static str];
}

pub struct Read;
pub struct Modify;
pub struct Publish;

impl Scopes for Read {
    const SCOPES: &'static [&'static str] = READ;
}
impl Scopes for Modify {
    const SCOPES: &'static [&'static str] = MODIFY;
}
impl Scopes for Publish {
    const SCOPES: &'static [&'static str] = PUBLISH;
}

/// The caller, from `Authorization: Bearer <token>` with the scopes `S`.
pub struct Authed<S>(pub Caller, PhantomData<S>);

impl<S: Scopes, St: Send + Sync> FromRequestParts<St> for Authed<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &St) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::code(
                StatusCode::UNAUTHORIZED,
                ErrorCode::HeaderNotFound,
            ))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .map(|(scheme, token)| (scheme, token.trim()))
            .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
            .map(|(_, token)| token);
        token
            .and_then(|token| crate::authenticate(token, S::SCOPES).ok())
            .map(|caller| Authed(caller, PhantomData))
            .ok_or(ApiError::code(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidToken,
            ))
    }
}

/// The request's `Accept` admits JSON (absent, or naming `*/*`, `application/*`,
/// `application/json` or any `application/...+json`, not excluded with `q=0`; an empty one admits
/// nothing); otherwise the spec's 406.
pub struct Acceptable;

fn admits_json(range: &str) -> bool {
    let mut params = range.split(';');
    let media = params.next().unwrap_or("").trim();
    let refused = params.any(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
        })
    });
    let Some((kind, sub)) = media.split_once('/') else {
        return false;
    };
    let application = kind.eq_ignore_ascii_case("application");
    !refused
        && (media == "*/*"
            || (application
                && (sub == "*"
                    || sub.eq_ignore_ascii_case("json")
                    || sub.to_ascii_lowercase().ends_with("+json"))))
}

impl<St: Send + Sync> FromRequestParts<St> for Acceptable {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &St) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(header::ACCEPT).iter().peekable();
        if values.peek().is_none() {
            return Ok(Acceptable);
        }
        let ok = values.any(|value| value.to_str().is_ok_and(|v| v.split(',').any(admits_json)));
        if ok {
            Ok(Acceptable)
        } else {
            Err(ApiError::code(
                StatusCode::NOT_ACCEPTABLE,
                ErrorCode::NotAcceptable,
            ))
        }
    }
}

/// The `{id}` of the path; anything but a UUID is the spec's 404.
pub struct WebhookId(pub Uuid);

impl<St: Send + Sync> FromRequestParts<St> for WebhookId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        Path::<Uuid>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| WebhookId(id))
            .map_err(|_| ApiError::not_found())
    }
}

/// A request body type: which 422 code its operation answers with, which detail code a failing
/// field gets, and the rules of its schema that serde does not check.
pub trait RequestBody: DeserializeOwned {
    const INVALID: ErrorCode;

    fn field_code(_root_field: &str) -> ErrorCode {
        ErrorCode::InvalidRequestBody
    }

    /// Pushes the target of every field that breaks a rule.
    fn check(&self, _problems: &mut Vec<String>) {}

    /// Decodes the body, keeping the path where serde fails.
    fn decode(de: &mut JsonDeserializer<'_>) -> Result<Self, PathError> {
        serde_path_to_error::deserialize(de)
    }
}

type JsonDeserializer<'a> = serde_json::Deserializer<serde_json::de::SliceRead<'a>>;
type PathError = serde_path_to_error::Error<serde_json::Error>;

/// The create body's `scope`, read first to choose the member.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct ScopeOnly {
    scope: ScopeTag,
}

#[derive(serde::Deserialize)]
enum ScopeTag {
    Account,
    #[serde(rename = "iTwin")]
    ITwin,
}

/// The spec's `format: uri`: a scheme, then only characters RFC 3986 allows (`%` only before
/// two hex digits).
fn is_uri(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.bytes();
    if !scheme_chars.next().is_some_and(|b| b.is_ascii_alphabetic())
        || !scheme_chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                i += 3
            }
            b if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b) => i += 1,
            _ => return false,
        }
    }
    true
}

/// `<area>.<name>.v<N>`: `^[A-Za-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9]*\.v[0-9]+$`.
fn is_event_type(text: &str) -> bool {
    let word = |w: &str| {
        let mut bytes = w.bytes();
        bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
            && bytes.all(|b| b.is_ascii_alphanumeric())
    };
    let mut parts = text.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(area), Some(name), Some(version), None) => {
            word(area)
                && word(name)
                && version
                    .strip_prefix('v')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        }
        _ => false,
    }
}

/// The spec's `callbackUrl`: a URI of at most 2048 characters.
fn callback_ok(url: &str) -> bool {
    url.chars().count() <= 2048 && is_uri(url)
}

/// The spec's `eventTypes`: 1 to 100 event types of at most 200 characters each.
fn check_event_types(types: &[String], problems: &mut Vec<String>) {
    if !(1..=100).contains(&types.len()) {
        problems.push("eventTypes".into());
    }
    for (i, t) in types.iter().enumerate() {
        if t.chars().count() > 200 || !is_event_type(t) {
            problems.push(format!("eventTypes[{i}]"));
        }
    }
}

/// A secret of at least 32 characters.
fn secret_ok(secret: &Option<String>) -> bool {
    secret.as_ref().is_none_or(|s| s.chars().count() >= 32)
}

impl RequestBody for CreateWebhook {
    const INVALID: ErrorCode = ErrorCode::InvalidCreateWebhookRequest;

    /// The union's own `Deserialize` reads a JSON value and then its member, which loses the
    /// path of a failure inside the member; so the member is chosen by `scope` here and read
    /// with its path kept.
    fn decode(de: &mut JsonDeserializer<'_>) -> Result<Self, PathError> {
        let value: serde_json::Value = serde_path_to_error::deserialize(de)?;
        let tag: ScopeOnly = serde_path_to_error::deserialize(&value)?;
        match tag.scope {
            ScopeTag::Account => {
                serde_path_to_error::deserialize(&value).map(CreateWebhook::CreateAccountWebhook)
            }
            ScopeTag::ITwin => {
                serde_path_to_error::deserialize(&value).map(CreateWebhook::CreateITwinWebhook)
            }
        }
    }

    fn check(&self, problems: &mut Vec<String>) {
        // serde read `scope` already: it chose the member, which holds what that scope has.
        let (callback_url, event_types, secret) = match self {
            CreateWebhook::CreateAccountWebhook(a) => (&a.callback_url, &a.event_types, &a.secret),
            CreateWebhook::CreateITwinWebhook(t) => (&t.callback_url, &t.event_types, &t.secret),
        };
        if !callback_ok(callback_url) {
            problems.push("callbackUrl".into());
        }
        check_event_types(event_types, problems);
        if !secret_ok(secret) {
            problems.push("secret".into());
        }
    }
}
impl RequestBody for UpdateWebhook {
    const INVALID: ErrorCode = ErrorCode::InvalidUpdateWebhookRequest;

    fn check(&self, problems: &mut Vec<String>) {
        if self
            .callback_url
            .as_deref()
            .is_some_and(|u| !callback_ok(u))
        {
            problems.push("callbackUrl".into());
        }
        if let Some(types) = &self.event_types {
            check_event_types(types, problems);
        }
        if !secret_ok(&self.secret) {
            problems.push("secret".into());
        }
    }
}
impl RequestBody for PublishEvent {
    const INVALID: ErrorCode = ErrorCode::InvalidPublishEventRequest;

    fn check(&self, problems: &mut Vec<String>) {
        if self.event_type.chars().count() > 200 || !is_event_type(&self.event_type) {
            problems.push("eventType".into());
        }
        if self
            .i_twin_id
            .as_ref()
            .is_some_and(|id| !(1..=200).contains(&id.chars().count()))
        {
            problems.push("iTwinId".into());
        }
    }
}
impl RequestBody for ActivateWebhook {
    const INVALID: ErrorCode = ErrorCode::InvalidActivateWebhookRequest;

    fn field_code(root_field: &str) -> ErrorCode {
        if root_field == "expirationDateTime" {
            ErrorCode::InvalidValue
        } else {
            ErrorCode::InvalidRequestBody
        }
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// Reads and decodes a JSON body: `None` when it is empty; 413 over the limit, 415 when it is
/// not JSON, 422 naming the field when it does not decode.
async fn read_json<T: RequestBody, St: Send + Sync>(
    request: Request,
    state: &St,
) -> Result<Option<T>, ApiError> {
    let json = is_json(request.headers());
    let bytes = axum::body::Bytes::from_request(request, state)
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ApiError::code(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            _ => ApiError::unprocessable(T::INVALID, ErrorCode::InvalidRequestBody, None),
        })?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if !json {
        return Err(ApiError::code(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value: T = T::decode(&mut de).map_err(|e| {
        let mut target = String::new();
        for segment in e.path().iter() {
            match segment {
                Segment::Seq { index } => target.push_str(&format!("[{index}]")),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    if !target.is_empty() {
                        target.push('.');
                    }
                    target.push_str(key);
                }
                Segment::Unknown => {}
            }
        }
        let message = e.into_inner().to_string();
        // serde names a missing field only in its message.
        if let Some((_, rest)) = message.split_once("missing field `")
            && let Some((field, _)) = rest.split_once('`')
        {
            if !target.is_empty() {
                target.push('.');
            }
            target.push_str(field);
        }
        let root = target.split(['.', '[']).next().unwrap_or("");
        let code = T::field_code(root);
        ApiError::unprocessable(T::INVALID, code, (!target.is_empty()).then_some(target))
    })?;
    de.end()
        .map_err(|_| ApiError::unprocessable(T::INVALID, ErrorCode::InvalidRequestBody, None))?;
    let mut problems = Vec::new();
    value.check(&mut problems);
    if !problems.is_empty() {
        let details = problems
            .into_iter()
            .map(|target| (T::field_code(&target), Some(target)))
            .collect();
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body(T::INVALID, details),
        ));
    }
    Ok(Some(value))
}

/// A required JSON body.
pub struct JsonBody<T>(pub T);

impl<T: RequestBody, St: Send + Sync> FromRequest<St> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &St) -> Result<Self, ApiError> {
        read_json(request, state)
            .await?
            .map(JsonBody)
            .ok_or_else(|| ApiError::unprocessable(T::INVALID, ErrorCode::InvalidRequestBody, None))
    }
}

/// An optional JSON body: an empty one is `None`.
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<T: RequestBody, St: Send + Sync> FromRequest<St> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &St) -> Result<Self, ApiError> {
        read_json(request, state).await.map(OptionalJsonBody)
    }
}

type Shared = State<Arc<Store>>;

fn refused(refusal: Refusal, operation: ErrorCode) -> ApiError {
    match refusal {
        Refusal::NotFound => ApiError::not_found(),
        Refusal::Invalid { target } => {
            ApiError(StatusCode::UNPROCESSABLE_ENTITY, invalid(operation, target))
        }
        Refusal::AlreadyInState => ApiError::code(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalServerError,
        ),
    }
}

async fn list_webhooks(State(store): Shared, _: Acceptable, _: Authed<Read>) -> Json<WebhookList> {
    Json(WebhookList {
        webhooks: store.list(),
        links: webhooks_server::types::PageLinks {
            self_: webhooks_server::types::Link {
                href: "/webhooks".to_owned(),
            },
            next: None,
        },
    })
}

async fn create_webhook(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Modify>,
    JsonBody(body): JsonBody<CreateWebhook>,
) -> Result<impl IntoResponse, ApiError> {
    let created = store
        .create(body)
        .map_err(|r| refused(r, CreateWebhook::INVALID))?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn get_webhook(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Read>,
    WebhookId(id): WebhookId,
) -> Result<impl IntoResponse, ApiError> {
    store.get(id).map(Json).ok_or_else(ApiError::not_found)
}

async fn delete_webhook(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Modify>,
    WebhookId(id): WebhookId,
) -> Result<StatusCode, ApiError> {
    if store.delete(id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

async fn update_webhook(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Modify>,
    WebhookId(id): WebhookId,
    JsonBody(change): JsonBody<UpdateWebhook>,
) -> Result<impl IntoResponse, ApiError> {
    store
        .update(id, change)
        .map(Json)
        .map_err(|r| refused(r, UpdateWebhook::INVALID))
}

async fn activate_webhook(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Modify>,
    WebhookId(id): WebhookId,
    OptionalJsonBody(body): OptionalJsonBody<ActivateWebhook>,
) -> Result<StatusCode, ApiError> {
    match store.activate(id, body) {
        Ok(()) => Ok(StatusCode::ACCEPTED),
        Err(Refusal::AlreadyInState) => Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid_change(ErrorCode::InvalidChange.message(), id),
        )),
        Err(other) => Err(refused(other, ActivateWebhook::INVALID)),
    }
}

async fn deactivate_webhook(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Modify>,
    WebhookId(id): WebhookId,
) -> Result<StatusCode, ApiError> {
    store
        .deactivate(id)
        .map(|()| StatusCode::ACCEPTED)
        .map_err(|r| refused(r, ErrorCode::InternalServerError))
}

async fn publish_event(
    State(store): Shared,
    _: Acceptable,
    _: Authed<Publish>,
    JsonBody(event): JsonBody<PublishEvent>,
) -> Result<impl IntoResponse, ApiError> {
    let published = store
        .publish(&event)
        .map_err(|r| refused(r, PublishEvent::INVALID))?;
    Ok((StatusCode::ACCEPTED, Json(published)))
}

/// The hand-written router over `store`, refusing bodies over `body_limit` bytes.
pub fn router(store: Arc<Store>, body_limit: usize) -> axum::Router {
    axum::Router::new()
        .route("/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/webhooks/{id}",
            get(get_webhook)
                .delete(delete_webhook)
                .patch(update_webhook),
        )
        .route("/webhooks/{id}/activate", post(activate_webhook))
        .route("/webhooks/{id}/deactivate", post(deactivate_webhook))
        .route("/events", post(publish_event))
        .fallback(|| async { ApiError::code(StatusCode::NOT_FOUND, ErrorCode::ResourceNotFound) })
        .method_not_allowed_fallback(|| async {
            ApiError::code(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(store)
}
