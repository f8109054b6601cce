//! What every generated server needs besides its operations: writing answers and reading
//! requests without ever panicking on what a client sends.

// Not every spec uses every helper (a spec without query parameters never parses a query).
#![allow(dead_code)]

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

/// The status for a code the spec declares (always valid: the generator checked it).
pub(crate) fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A response with a JSON body of `status`.
pub(crate) fn json<T: serde::Serialize>(status: StatusCode, content_type: &'static str, body: &T, headers: HeaderMap) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => raw(status, content_type, bytes, headers),
        Err(_) => crate::rejection::internal_error(),
    }
}

/// A response with a body of already encoded bytes.
pub(crate) fn raw(status: StatusCode, content_type: &'static str, bytes: impl Into<Body>, mut headers: HeaderMap) -> Response {
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    (status, headers, bytes.into()).into_response()
}

/// A response without a body.
pub(crate) fn empty(status: StatusCode, headers: HeaderMap) -> Response {
    (status, headers).into_response()
}

/// Adds a response header; `false` when the value cannot be sent in a header.
pub(crate) fn set_header(headers: &mut HeaderMap, name: &'static str, value: &str) -> bool {
    match HeaderValue::from_str(value) {
        Ok(value) => {
            headers.insert(HeaderName::from_static(name), value);
            true
        }
        Err(_) => false,
    }
}

/// Whether the request says its body is JSON (`application/json` or any `+json` type).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"))
}

/// Whether the request's `Content-Type` has this media type.
pub(crate) fn has_content_type(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|essence| essence.eq_ignore_ascii_case(media))
}

pub(crate) enum BodyError {
    TooLarge,
    Unreadable,
}

/// Reads the whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, BodyError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<http_body_util::LengthLimitError>())
                .is_some()
                || e.to_string().contains("length limit");
            Err(if too_large { BodyError::TooLarge } else { BodyError::Unreadable })
        }
    }
}

/// Where in a request body decoding failed, as the spec's `target` names it (`eventTypes[0]`).
pub(crate) struct FieldError {
    pub target: Option<String>,
}

impl FieldError {
    /// The top-level property the error is in.
    pub fn root_field(&self) -> Option<&str> {
        let target = self.target.as_deref()?;
        Some(target.split(['.', '[']).next().unwrap_or(target))
    }
}

/// Decodes a JSON body, naming the field that is wrong when it is not what the schema says.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut target = String::new();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => target.push_str(&format!("[{index}]")),
                serde_path_to_error::Segment::Map { key } => {
                    if !target.is_empty() {
                        target.push('.');
                    }
                    target.push_str(key);
                }
                serde_path_to_error::Segment::Enum { variant } => {
                    if !target.is_empty() {
                        target.push('.');
                    }
                    target.push_str(variant);
                }
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        // serde names a missing property only in its message (an unknown one is in the path).
        let message = e.into_inner().to_string();
        let missing = message
            .split_once("missing field `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        if let Some(name) = missing {
            if !target.is_empty() {
                target.push('.');
            }
            target.push_str(&name);
        }
        FieldError { target: (!target.is_empty()).then_some(target) }
    })?;
    de.end().map_err(|_| FieldError { target: None })?;
    Ok(value)
}

/// The query string's pairs, percent-decoded; `None` when it is not valid form encoding.
pub(crate) fn query_pairs(uri: &http::Uri) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_str(uri.query().unwrap_or("")).ok()
}

/// Parses one text value (path segment, query value, header) as `T`.
pub(crate) fn parse<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

/// Splits a comma-separated list and parses each item.
pub(crate) fn parse_list<T: std::str::FromStr>(text: &str) -> Option<Vec<T>> {
    text.split(',').map(|item| item.trim().parse().ok()).collect()
}

/// The bearer token of an `Authorization` header: `Ok(None)` when there is no header,
/// `Err(())` when there is one but it is not `Bearer <token>`.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, token) = value.split_once(' ').ok_or(())?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
        Ok(Some(token))
    } else {
        Err(())
    }
}
