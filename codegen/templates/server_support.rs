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

/// Whether the request's `Accept` admits one of the media types the operation answers with.
/// No `Accept` admits everything; an empty one, or a range with `q=0`, admits nothing; every JSON type
/// (`application/json`, `application/*+json`) stands for the others, because the answer's
/// bytes are the same JSON whichever of them the client names.
pub(crate) fn acceptable(headers: &HeaderMap, produces: &[&str]) -> bool {
    let mut values = headers.get_all(http::header::ACCEPT).iter().peekable();
    if values.peek().is_none() {
        return true;
    }
    let is_json = |media: &str| {
        let media = media.as_bytes();
        let starts = media.len() >= 12 && media[..12].eq_ignore_ascii_case(b"application/");
        let ends = media.len() >= 5 && media[media.len() - 5..].eq_ignore_ascii_case(b"+json");
        media.eq_ignore_ascii_case(b"application/json") || (starts && ends)
    };
    values.any(|value| {
        // An empty header is an empty list of media ranges: nothing is acceptable.
        let Ok(value) = value.to_str() else { return false };
        value.split(',').any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            if refused {
                return false;
            }
            let Some((kind, _)) = media.split_once('/') else { return false };
            let media_is_json = is_json(media);
            // `produces` comes from the spec, already lower case.
            produces.iter().any(|p| {
                media == "*/*"
                    || media.eq_ignore_ascii_case(p)
                    || (media.ends_with("/*") && p.split_once('/').is_some_and(|(k, _)| k.eq_ignore_ascii_case(kind)))
                    || (media_is_json && is_json(p))
            })
        })
    })
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

/// Decodes a JSON body after `check` (generated from the schema, see `validate.rs`) found no
/// problem in it; otherwise every problem found, each naming its field.
pub(crate) fn decode_checked<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    check: fn(&serde_json::Value, &mut Problems),
) -> Result<T, Vec<FieldError>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| vec![FieldError { target: None }])?;
    let mut problems = Problems::default();
    check(&value, &mut problems);
    if !problems.found.is_empty() {
        return Err(problems.found);
    }
    // The checks cover the schema; serde still has the last word on the Rust type. Tracking
    // serde's path costs time on every request, so it is only done again when serde refuses.
    T::deserialize(value).map_err(|_| {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => vec![field_error(e)],
            Ok(_) => vec![FieldError { target: None }],
        }
    })
}

/// Where a serde error is, as a target (`eventTypes[0]`, `scope`).
fn field_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> FieldError {
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
}

/// At most this many problems are reported for one body, so a huge bad body cannot make a huge
/// answer.
const MAX_PROBLEMS: usize = 32;

/// The problems found in a request body so far, and where the check is now.
#[derive(Default)]
pub(crate) struct Problems {
    found: Vec<FieldError>,
    path: String,
}

impl Problems {
    /// The value at the current place breaks the schema.
    pub fn here(&mut self) {
        if self.found.len() < MAX_PROBLEMS {
            let target = (!self.path.is_empty()).then(|| self.path.clone());
            self.found.push(FieldError { target });
        }
    }

    /// Checks the member `name` of the current object.
    pub fn field(&mut self, name: &str, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        self.path.push_str(name);
        check(self);
        self.path.truncate(len);
    }

    /// Checks the item `index` of the current array.
    pub fn item(&mut self, index: usize, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        // Writing to a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut self.path, format_args!("[{index}]"));
        check(self);
        self.path.truncate(len);
    }

    fn is_clean(&self) -> bool {
        self.found.is_empty()
    }
}

pub(crate) fn text<'v>(value: &'v serde_json::Value, problems: &mut Problems) -> Option<&'v str> {
    let text = value.as_str();
    if text.is_none() {
        problems.here();
    }
    text
}

pub(crate) fn boolean(value: &serde_json::Value, problems: &mut Problems) {
    if !value.is_boolean() {
        problems.here();
    }
}

/// An RFC 3339 date-time, as JSON Schema's `date-time` format says.
pub(crate) fn date_time(value: &serde_json::Value, problems: &mut Problems) {
    if let Some(text) = text(value, problems)
        && chrono::DateTime::parse_from_rfc3339(text).is_err()
    {
        problems.here();
    }
}

/// An RFC 3339 full-date (`2021-06-07`).
pub(crate) fn date(value: &serde_json::Value, problems: &mut Problems) {
    if let Some(text) = text(value, problems)
        && (text.len() != 10 || chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err())
    {
        problems.here();
    }
}

/// A UUID in RFC 4122's hyphenated form (the only one `format: uuid` names; `Uuid::try_parse`
/// would also take the simple, braced and URN forms, all of another length).
pub(crate) fn uuid(value: &serde_json::Value, problems: &mut Problems) {
    if let Some(text) = text(value, problems)
        && (text.len() != 36 || uuid::Uuid::try_parse(text).is_err())
    {
        problems.here();
    }
}

/// An integer within `lo..=hi` (the Rust type's range), as a float for the bound checks.
pub(crate) fn whole(value: &serde_json::Value, problems: &mut Problems, lo: i128, hi: i128) -> Option<f64> {
    let n = value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
        .filter(|n| (lo..=hi).contains(n));
    if n.is_none() {
        problems.here();
    }
    n.map(|n| n as f64)
}

pub(crate) fn real(value: &serde_json::Value, problems: &mut Problems) -> Option<f64> {
    let n = value.as_f64();
    if n.is_none() {
        problems.here();
    }
    n
}

pub(crate) fn array<'v>(value: &'v serde_json::Value, problems: &mut Problems) -> Option<&'v Vec<serde_json::Value>> {
    let items = value.as_array();
    if items.is_none() {
        problems.here();
    }
    items
}

pub(crate) fn object<'v>(
    value: &'v serde_json::Value,
    problems: &mut Problems,
) -> Option<&'v serde_json::Map<String, serde_json::Value>> {
    let object = value.as_object();
    if object.is_none() {
        problems.here();
    }
    object
}

/// A string enum's value: one of `values` (a request may not use values the server does not
/// know, even though a client accepts them in answers).
pub(crate) fn one_of_text(value: &serde_json::Value, problems: &mut Problems, values: &[&str]) {
    if let Some(text) = text(value, problems)
        && !values.contains(&text)
    {
        problems.here();
    }
}

/// `anyOf` without a discriminator: the value passes at least one member's checks.
pub(crate) fn any_of(value: &serde_json::Value, problems: &mut Problems, candidates: &[fn(&serde_json::Value, &mut Problems)]) {
    if !candidates.iter().any(|check| fits(value, *check)) {
        problems.here();
    }
}

/// `oneOf` without a discriminator: the value passes exactly one member's checks.
pub(crate) fn one_of(value: &serde_json::Value, problems: &mut Problems, candidates: &[fn(&serde_json::Value, &mut Problems)]) {
    if candidates.iter().filter(|check| fits(value, **check)).take(2).count() != 1 {
        problems.here();
    }
}

fn fits(value: &serde_json::Value, check: fn(&serde_json::Value, &mut Problems)) -> bool {
    let mut trial = Problems::default();
    check(value, &mut trial);
    trial.is_clean()
}

/// `minLength`/`maxLength` count characters (code points), not bytes.
pub(crate) fn length_ok(text: &str, min: Option<usize>, max: Option<usize>) -> bool {
    count_ok(text.chars().count(), min, max)
}

pub(crate) fn count_ok(count: usize, min: Option<usize>, max: Option<usize>) -> bool {
    min.is_none_or(|min| count >= min) && max.is_none_or(|max| count <= max)
}

/// `minimum`/`maximum` (each with whether it is exclusive) and `multipleOf`.
pub(crate) fn bounds_ok(n: f64, min: Option<(f64, bool)>, max: Option<(f64, bool)>, multiple: Option<f64>) -> bool {
    let above = min.is_none_or(|(m, exclusive)| if exclusive { n > m } else { n >= m });
    let below = max.is_none_or(|(m, exclusive)| if exclusive { n < m } else { n <= m });
    let multiple = multiple.is_none_or(|m| {
        let q = n / m;
        (q - q.round()).abs() < 1e-9
    });
    above && below && multiple
}

/// `uniqueItems`: no two items are equal JSON values.
pub(crate) fn unique(items: &[serde_json::Value]) -> bool {
    items.iter().enumerate().all(|(i, a)| items[..i].iter().all(|b| !same_json(a, b)))
}

/// JSON Schema's equality: numbers by value (`1` and `1.0` are equal, which `Value`'s `==` denies),
/// arrays item by item, objects member by member in any order.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(x), Some(y), _, _) => x == y,
            (_, _, Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// The string formats the generated checks read.
#[derive(Clone, Copy)]
pub(crate) enum TextFormat {
    Uri,
    UriReference,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
}

impl TextFormat {
    pub fn accepts(self, text: &str) -> bool {
        match self {
            TextFormat::Uri => uri_reference(text) && has_scheme(text),
            TextFormat::UriReference => uri_reference(text),
            TextFormat::Email => text.rsplit_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && local.len() <= 64 && !local.chars().any(|c| c.is_whitespace() || c.is_control()) && hostname(domain)
            }),
            TextFormat::Hostname => hostname(text),
            TextFormat::Ipv4 => text.parse::<std::net::Ipv4Addr>().is_ok(),
            TextFormat::Ipv6 => text.parse::<std::net::Ipv6Addr>().is_ok(),
        }
    }
}

/// RFC 3986 `scheme ":"`: a letter, then letters, digits, `+`, `-` or `.`.
fn has_scheme(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, _)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Only characters RFC 3986 allows in a URI, and `%` only before two hex digits.
fn uri_reference(text: &str) -> bool {
    let bytes = text.as_bytes();
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
                if !hex {
                    return false;
                }
                i += 3;
            }
            b if allowed(b) => i += 1,
            _ => return false,
        }
    }
    true
}

/// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, each at most
/// 63 characters, 253 in all.
fn hostname(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
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
