//! Writing an answer the implementation chose.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

use super::refusal::ErrorBody;

/// An answer being written: status, headers and body. Anything that cannot be written (a body
/// that does not serialize, a header value with a newline) turns the whole answer into the API's
/// 500 when it is finished, never into a half-written one.
#[derive(Debug)]
#[must_use = "a reply does nothing until it is finished"]
pub struct Reply {
    parts: Option<(StatusCode, HeaderMap, Body)>,
}

impl Reply {
    fn new(status: impl TryInto<StatusCode>, body: Option<(&'static str, Body)>) -> Self {
        let Ok(status) = status.try_into() else {
            return Reply { parts: None };
        };
        let mut headers = HeaderMap::new();
        let body = match body {
            Some((content_type, body)) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                body
            }
            None => Body::empty(),
        };
        Reply {
            parts: Some((status, headers, body)),
        }
    }

    /// An answer without a body.
    pub fn empty(status: impl TryInto<StatusCode>) -> Self {
        Reply::new(status, None)
    }

    /// An answer with `body` as JSON.
    pub fn json<T: serde::Serialize>(
        status: impl TryInto<StatusCode>,
        content_type: &'static str,
        body: &T,
    ) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => Reply::new(status, Some((content_type, Body::from(bytes)))),
            Err(_) => Reply { parts: None },
        }
    }

    /// An answer with a body that is already bytes (or text).
    pub fn bytes(
        status: impl TryInto<StatusCode>,
        content_type: &'static str,
        body: impl Into<Body>,
    ) -> Self {
        Reply::new(status, Some((content_type, body.into())))
    }

    /// Adds a header the spec declares for this answer.
    pub fn header(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        let value = HeaderValue::from_str(value.as_ref());
        self.parts = match (self.parts, value) {
            (Some((status, mut headers, body)), Ok(value)) => {
                headers.append(HeaderName::from_static(name), value);
                Some((status, headers, body))
            }
            _ => None,
        };
        self
    }

    /// Adds an optional header when it has a value.
    pub fn optional_header(self, name: &'static str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    /// The response, or the API's 500 when something in it could not be written.
    pub fn finish<E: ErrorBody>(self) -> Response {
        match self.parts {
            Some(parts) => parts.into_response(),
            None => E::internal_error(),
        }
    }
}

/// A refusal's JSON body at `status`; a bare 500 in the unlikely case that it cannot be encoded
/// (a refusal cannot fall back on the API's 500, which is itself a refusal).
pub fn error_json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::Detail;

    struct Errors;

    impl ErrorBody for Errors {
        fn refuse(status: StatusCode, _: &'static str, _: Vec<Detail>) -> Response {
            status.into_response()
        }

        fn internal_error() -> Response {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal").into_response()
        }
    }

    #[test]
    fn headers_and_bodies() {
        let ok = Reply::json(201, "application/json", &[1, 2])
            .header("x-count", "2")
            .optional_header("retry-after", None::<String>)
            .finish::<Errors>();
        assert_eq!(ok.status(), 201);
        assert_eq!(ok.headers()["content-type"], "application/json");
        assert_eq!(ok.headers()["x-count"], "2");
        assert!(ok.headers().get("retry-after").is_none());
    }

    #[test]
    fn what_cannot_be_written_is_a_500() {
        let bad_header = Reply::empty(204)
            .header("x-note", "line\nbreak")
            .finish::<Errors>();
        assert_eq!(bad_header.status(), 500);
        let bad_status = Reply::empty(1000u16).finish::<Errors>();
        assert_eq!(bad_status.status(), 500);
        let unencodable = std::collections::HashMap::from([((1, 2), 3)]);
        assert_eq!(
            Reply::json(200, "application/json", &unencodable)
                .finish::<Errors>()
                .status(),
            500
        );
    }
}
