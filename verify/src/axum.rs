//! An axum extractor that reads a delivery's body and verifies it before the handler runs.

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::{Scheme, Verifier, VerifyError};

/// A delivery's raw body, verified with the [`Verifier`] in the router's state.
///
/// The body is read like axum's [`Bytes`] extractor, so its size is limited by
/// [`axum::extract::DefaultBodyLimit`] (2 MB unless the router sets another limit) and a larger
/// one is refused with 413 before anything is verified. A delivery that fails verification is
/// refused with 401 and a one-line reason.
///
/// ```
/// use axum::{Router, routing::post};
/// use webhooks_verify::{Secret, VerifiedBody, Verifier};
///
/// async fn receive(delivery: VerifiedBody) -> &'static str {
///     // `delivery.body` is exactly what was signed; parse it now.
///     let _event = delivery.body;
///     "ok"
/// }
///
/// let verifier = Verifier::new([Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]);
/// let app: Router = Router::new().route("/webhooks", post(receive)).with_state(verifier);
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedBody {
    /// Which signature accepted the delivery.
    pub scheme: Scheme,
    /// The body bytes, exactly as received.
    pub body: Bytes,
}

/// Why [`VerifiedBody`] refused a request.
#[derive(Debug)]
pub enum VerifiedBodyRejection {
    /// The body could not be read (too large, or the connection failed); answered as axum's
    /// [`Bytes`] extractor would.
    Body(BytesRejection),
    /// The body was read but its signature headers do not verify; answered with 401.
    Verify(VerifyError),
}

impl IntoResponse for VerifiedBodyRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Body(rejection) => rejection.into_response(),
            // The reason names no secret and helps whoever set the webhook up; the sender
            // learns nothing it did not send.
            Self::Verify(error) => (
                StatusCode::UNAUTHORIZED,
                format!("webhook verification failed: {error}"),
            )
                .into_response(),
        }
    }
}

impl<S> FromRequest<S> for VerifiedBody
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = VerifiedBodyRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        // The body extractor consumes the request, so the headers are kept aside first.
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(VerifiedBodyRejection::Body)?;
        let scheme = verifier
            .verify(&headers, &body, SystemTime::now())
            .map_err(VerifiedBodyRejection::Verify)?;
        Ok(Self { scheme, body })
    }
}
