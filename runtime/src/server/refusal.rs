//! Refusals: how a request that never reaches the implementation is answered.
//!
//! Readers fail with a [`Failure`], which says what is wrong and nothing about the spec. The
//! generated code owns the policy: per operation a [`Refusals`] table (status and error code per
//! failure, from the spec), and per API an [`ErrorBody`] (what the spec's error body looks like).

use std::panic::AssertUnwindSafe;

use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::StatusCode;

use super::validate::FieldError;

/// Why a request was refused before the implementation saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// `Accept` admits none of the media types the operation answers with.
    NotAcceptable,
    /// No credentials at all.
    MissingCredentials,
    /// Credentials that are malformed, or that the authenticator refused.
    InvalidCredentials,
    /// A path parameter that is not of its declared type.
    InvalidPath,
    /// A query or header parameter that is missing or not of its declared type (`None`: the
    /// query string as a whole is not form encoding).
    InvalidParam(Option<&'static str>),
    /// Query or header parameters of their declared type that break their schema's keywords
    /// (a range, a length, a pattern): every such parameter's name, in the spec's order.
    InvalidParams(Vec<&'static str>),
    /// A body that is missing, unreadable or breaks its schema; each problem with its place
    /// (one without a place when the body as a whole is wrong).
    InvalidBody(Vec<FieldError>),
    /// A body of a media type the operation does not take.
    UnsupportedMediaType,
    /// A body over the configured limit.
    TooLarge,
}

/// A status and the spec's error code for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
}

impl Refusal {
    pub const fn new(status: u16, code: &'static str) -> Self {
        Refusal { status, code }
    }
}

/// How one operation answers each [`Failure`], as its spec says.
#[derive(Debug, Clone, Copy)]
pub struct Refusals {
    /// The operation these are the refusals of. Every answer of the operation, refusal or not,
    /// carries it as a response extension, so a layer outside the router (request logs,
    /// metrics) can tell which operation answered without knowing the spec.
    pub operation: crate::operation::Operation,
    /// `None` for an operation that does not negotiate (its spec declares no 406).
    pub not_acceptable: Option<Refusal>,
    pub missing_credentials: Refusal,
    pub invalid_credentials: Refusal,
    pub invalid_path: Refusal,
    pub invalid_params: Refusal,
    pub invalid_body: Refusal,
    pub unsupported_media_type: Refusal,
    pub too_large: Refusal,
    /// The detail code for a parameter or body field that is wrong...
    pub invalid_field: &'static str,
    /// ...unless the body's property names its own (`x-error-code`): property, code.
    pub field_codes: &'static [(&'static str, &'static str)],
    /// ...or the parameter names its own (`x-error-code` on the parameter): name, code.
    pub param_codes: &'static [(&'static str, &'static str)],
}

/// One entry of an error body's `details`: a code and the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub code: &'static str,
    pub target: Option<String>,
}

/// What an API's error body looks like; implemented by the generated code.
pub trait ErrorBody {
    /// The spec's error body for `code` with `details`, answered with `status`.
    fn refuse(status: StatusCode, code: &'static str, details: Vec<Detail>) -> Response;

    /// The answer when the server cannot give the one the implementation chose: it panicked,
    /// or its answer cannot be written (a header value that is not valid in a header).
    fn internal_error() -> Response;
}

impl Refusals {
    /// The spec's answer to `failure`.
    pub fn answer<E: ErrorBody>(&self, failure: Failure) -> Response {
        let (refusal, details) = match failure {
            Failure::NotAcceptable => (
                self.not_acceptable
                    .unwrap_or(Refusal::new(406, "NotAcceptable")),
                Vec::new(),
            ),
            Failure::MissingCredentials => (self.missing_credentials, Vec::new()),
            Failure::InvalidCredentials => (self.invalid_credentials, Vec::new()),
            Failure::InvalidPath => (self.invalid_path, Vec::new()),
            Failure::InvalidParam(name) => (self.invalid_params, vec![self.param_detail(name)]),
            Failure::InvalidParams(names) => (
                self.invalid_params,
                names
                    .into_iter()
                    .map(|name| self.param_detail(Some(name)))
                    .collect(),
            ),
            Failure::InvalidBody(errors) => {
                let details = errors
                    .into_iter()
                    .map(|error| Detail {
                        code: self.field_code(error.root_field()),
                        target: error.target,
                    })
                    .collect();
                (self.invalid_body, details)
            }
            Failure::UnsupportedMediaType => (self.unsupported_media_type, Vec::new()),
            Failure::TooLarge => (self.too_large, Vec::new()),
        };
        let status =
            StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        E::refuse(status, refusal.code, details)
    }

    fn param_detail(&self, name: Option<&'static str>) -> Detail {
        let code = name
            .and_then(|name| self.param_codes.iter().find(|(param, _)| *param == name))
            .map_or(self.invalid_field, |(_, code)| code);
        Detail {
            code,
            target: name.map(str::to_owned),
        }
    }

    fn field_code(&self, root: Option<&str>) -> &'static str {
        root.and_then(|root| self.field_codes.iter().find(|(field, _)| *field == root))
            .map_or(self.invalid_field, |(_, code)| code)
    }
}

/// Runs one request: `handling` reads it and calls the implementation. A refusal is answered
/// through `refusals`, a panic in the implementation with the API's 500 rather than a dropped
/// connection.
pub async fn respond<E, R>(
    refusals: &Refusals,
    handling: impl Future<Output = Result<R, Failure>>,
) -> Response
where
    E: ErrorBody,
    R: IntoResponse,
{
    let mut response = match AssertUnwindSafe(handling).catch_unwind().await {
        Ok(Ok(answer)) => answer.into_response(),
        Ok(Err(failure)) => refusals.answer::<E>(failure),
        Err(_) => E::internal_error(),
    };
    response.extensions_mut().insert(refusals.operation);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;

    impl ErrorBody for Plain {
        fn refuse(status: StatusCode, code: &'static str, details: Vec<Detail>) -> Response {
            let details: Vec<String> = details
                .into_iter()
                .map(|d| format!("{}@{}", d.code, d.target.unwrap_or_default()))
                .collect();
            (status, format!("{code} {}", details.join(","))).into_response()
        }

        fn internal_error() -> Response {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }

    const TABLE: Refusals = Refusals {
        operation: crate::operation::Operation {
            id: "getThing",
            method: "GET",
            route: "/things/{id}",
        },
        not_acceptable: Some(Refusal::new(406, "NotAcceptable")),
        missing_credentials: Refusal::new(401, "HeaderNotFound"),
        invalid_credentials: Refusal::new(401, "InvalidToken"),
        invalid_path: Refusal::new(404, "NotFound"),
        invalid_params: Refusal::new(422, "InvalidParams"),
        invalid_body: Refusal::new(422, "InvalidBody"),
        unsupported_media_type: Refusal::new(415, "Unsupported"),
        too_large: Refusal::new(413, "TooLarge"),
        invalid_field: "InvalidValue",
        field_codes: &[("scope", "InvalidScope")],
        param_codes: &[("$skip", "InvalidSkip")],
    };

    async fn read(response: Response) -> (u16, String) {
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn failures_follow_the_table() {
        let body = Failure::InvalidBody(vec![
            FieldError {
                target: Some("scope".into()),
            },
            FieldError {
                target: Some("eventTypes[0]".into()),
            },
        ]);
        let (status, text) = read(TABLE.answer::<Plain>(body)).await;
        assert_eq!(
            (status, text.as_str()),
            (
                422,
                "InvalidBody InvalidScope@scope,InvalidValue@eventTypes[0]"
            )
        );
        let (status, text) = read(TABLE.answer::<Plain>(Failure::InvalidParam(Some("$top")))).await;
        assert_eq!(
            (status, text.as_str()),
            (422, "InvalidParams InvalidValue@$top")
        );
        let failure = Failure::InvalidParams(vec!["$top", "$skip"]);
        let (status, text) = read(TABLE.answer::<Plain>(failure)).await;
        assert_eq!(
            (status, text.as_str()),
            (422, "InvalidParams InvalidValue@$top,InvalidSkip@$skip")
        );
        let (status, _) = read(TABLE.answer::<Plain>(Failure::MissingCredentials)).await;
        assert_eq!(status, 401);
    }

    #[tokio::test]
    async fn a_panic_is_the_apis_500() {
        let handling = async {
            if true {
                panic!("the implementation failed");
            }
            Ok::<_, Failure>(StatusCode::OK)
        };
        let response = respond::<Plain, _>(&TABLE, handling).await;
        assert_eq!(response.status(), 500);
        let ok = respond::<Plain, _>(&TABLE, async { Ok(StatusCode::CREATED) }).await;
        assert_eq!(ok.status(), 201);
    }

    #[tokio::test]
    async fn every_answer_names_its_operation() {
        let named = |response: &Response| {
            response
                .extensions()
                .get()
                .copied()
                .map(|o: crate::operation::Operation| o.id)
        };
        let ok = respond::<Plain, _>(&TABLE, async { Ok(StatusCode::OK) }).await;
        assert_eq!(named(&ok), Some("getThing"));
        let refused =
            respond::<Plain, StatusCode>(&TABLE, async { Err(Failure::InvalidPath) }).await;
        assert_eq!(
            (refused.status().as_u16(), named(&refused)),
            (404, Some("getThing"))
        );
        let failed =
            respond::<Plain, StatusCode>(&TABLE, async { panic!("the implementation failed") })
                .await;
        assert_eq!(
            (failed.status().as_u16(), named(&failed)),
            (500, Some("getThing"))
        );
    }
}
