//! One in-memory implementation of the Webhooks API, served two ways: through the generated
//! router ([`generated`]) and through a hand-written axum router doing the same checks and
//! answers ([`handwritten`]). The `overhead-server` and `overhead-client` binaries and
//! `bench/overhead.sh` compare them under load.

pub mod generated;
pub mod handwritten;
pub mod store;

use webhooks_client::types::{Error, ErrorCode, ErrorResponse};

/// The one bearer token both servers accept.
pub const TOKEN: &str = "overhead-bench-token";

/// The scopes [`TOKEN`] carries.
pub const GRANTED_SCOPES: &[&str] = &["webhooks:read", "webhooks:modify", "webhooks:publish"];

/// Scopes the spec requires, per kind of operation.
pub const READ: &[&str] = &["webhooks:read"];
pub const MODIFY: &[&str] = &["webhooks:modify"];
pub const PUBLISH: &[&str] = &["webhooks:publish"];

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub client_id: &'static str,
}

/// Why a token was refused; both servers answer either with the spec's 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    UnknownToken,
    MissingScope,
}

/// The token check both servers run: a fixed token, and every required scope granted.
pub fn authenticate(token: &str, required: &[&str]) -> Result<Caller, Denied> {
    if token != TOKEN {
        return Err(Denied::UnknownToken);
    }
    if !required.iter().all(|s| GRANTED_SCOPES.contains(s)) {
        return Err(Denied::MissingScope);
    }
    Ok(Caller {
        client_id: "overhead-bench",
    })
}

/// The spec's error body for `code`, with one `details` entry per `(code, target)`.
pub fn error_body(code: ErrorCode, details: Vec<(ErrorCode, Option<String>)>) -> ErrorResponse {
    let mut body = ErrorResponse::from_code(code);
    if !details.is_empty()
        && let Some(error) = body.error.as_mut()
    {
        error.details = Some(
            details
                .into_iter()
                .map(|(code, target)| Error {
                    message: code.message().map(str::to_owned),
                    code: Some(code),
                    target,
                    details: None,
                })
                .collect(),
        );
    }
    body
}

/// The 422 for a rule the store enforces: the operation's code, with the field in `details`.
pub fn invalid(operation_code: ErrorCode, target: &str) -> ErrorResponse {
    let detail = if target == "expirationDateTime" {
        ErrorCode::InvalidValue
    } else {
        ErrorCode::InvalidRequestBody
    };
    error_body(operation_code, vec![(detail, Some(target.to_owned()))])
}

/// The 422 `InvalidChange` for activating an active (or deactivating an inactive) webhook, with
/// the operation's message and its `{id}` filled in.
pub fn invalid_change(template: Option<&str>, id: uuid::Uuid) -> ErrorResponse {
    let mut body = ErrorResponse::from_code(ErrorCode::InvalidChange);
    if let (Some(error), Some(template)) = (body.error.as_mut(), template) {
        error.message = Some(template.replace("{id}", &id.to_string()));
    }
    body
}
