//! Error bodies. Every code and message comes from the spec's `ErrorCode` and its `message()`.

use webhooks_server::types::{Error, ErrorCode, ErrorResponse};

/// An error with `code` and the spec's standard message for it.
pub fn entry(code: ErrorCode) -> Error {
    Error {
        message: code.message().map(str::to_owned),
        code: Some(code),
        ..Error::default()
    }
}

/// The error body for `code`, with its standard message.
pub fn error(code: ErrorCode) -> ErrorResponse {
    ErrorResponse::from_code(code)
}

/// The error body for `code` with `details` beneath it.
pub fn with_details(code: ErrorCode, details: Vec<Error>) -> ErrorResponse {
    let mut outer = entry(code);
    if !details.is_empty() {
        outer.details = Some(details);
    }
    ErrorResponse { error: Some(outer) }
}

/// A detail with `code` (and its standard message) naming `target`.
pub fn detail(code: ErrorCode, target: &str) -> Error {
    Error {
        target: Some(target.to_owned()),
        ..entry(code)
    }
}

/// The seed's `InvalidChange` detail: activating a webhook that is already active, in the
/// code's standard message from the spec with the id filled in.
pub fn invalid_change(id: uuid::Uuid) -> Error {
    Error {
        code: Some(ErrorCode::InvalidChange),
        message: ErrorCode::InvalidChange
            .message()
            .map(|t| t.replace("{id}", &id.to_string())),
        target: Some("IsActive".to_owned()),
        details: None,
    }
}
