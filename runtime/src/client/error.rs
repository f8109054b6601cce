//! The errors every operation shares, around the typed errors each one declares.

use reqwest::StatusCode;

use super::token::BoxError;

/// What an operation's typed error (one variant per error status its spec declares) tells the
/// runtime.
pub trait OperationError: std::fmt::Debug {
    /// The spec's `operationId`, for messages.
    const OPERATION: &'static str;

    /// The status of the answer this error stands for (one the spec declares, so a valid one).
    fn status(&self) -> u16;
}

/// Why an operation did not succeed: an answer its spec declares as an error (`E`, typed), or a
/// failure to send or to understand the answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// An error status the spec declares for the operation, decoded.
    Api(E),
    /// A status the spec does not list for this operation, or a body that does not decode as
    /// the spec says; the status, headers and raw body are kept.
    Unexpected(UnexpectedResponse),
    /// The request could not be built: the token source failed or the body could not be encoded.
    Request(BoxError),
    /// The request or response failed on the way (connection, TLS, timeout).
    Transport(reqwest::Error),
}

impl<E: OperationError> Error<E> {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => StatusCode::from_u16(e.status()).ok(),
            Error::Unexpected(response) => Some(response.status),
            Error::Request(_) => None,
            Error::Transport(error) => error.status(),
        }
    }
}

impl<E> Error<E> {
    /// The declared error, when the answer was one.
    pub fn api(&self) -> Option<&E> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The declared error, or this error back.
    pub fn into_api(self) -> Result<E, Self> {
        match self {
            Error::Api(e) => Ok(e),
            other => Err(other),
        }
    }
}

impl<E> From<E> for Error<E> {
    fn from(e: E) -> Self {
        Error::Api(e)
    }
}

impl<E: OperationError> std::fmt::Display for Error<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let operation = E::OPERATION;
        match self {
            Error::Api(e) => match StatusCode::from_u16(e.status()) {
                Ok(status) => write!(f, "{operation} answered {status}"),
                Err(_) => write!(f, "{operation} answered {}", e.status()),
            },
            Error::Unexpected(response) => write!(
                f,
                "{operation} got an answer the spec does not describe: {response}"
            ),
            Error::Request(error) => write!(f, "{operation} could not be sent: {error}"),
            Error::Transport(error) => write!(f, "{operation} failed in transport: {error}"),
        }
    }
}

impl<E: OperationError> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Request(error) => Some(&**error),
            Error::Transport(error) => Some(error),
            _ => None,
        }
    }
}

/// An answer the spec does not describe for the operation (an undocumented status, or a body
/// that is not what the spec says), kept whole so nothing about it is lost.
#[derive(Debug, Clone)]
pub struct UnexpectedResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
    /// Why the body could not be decoded, when that is what was unexpected.
    pub decode_error: Option<String>,
}

impl UnexpectedResponse {
    pub fn new(
        status: StatusCode,
        headers: reqwest::header::HeaderMap,
        body: bytes::Bytes,
        decode_error: Option<String>,
    ) -> Self {
        UnexpectedResponse {
            status,
            headers,
            body,
            decode_error,
        }
    }
}

impl std::fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "status {}", self.status)?;
        if let Some(e) = &self.decode_error {
            write!(f, ", body not as specified: {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    enum GetThingError {
        NotFound,
    }

    impl OperationError for GetThingError {
        const OPERATION: &'static str = "getThing";

        fn status(&self) -> u16 {
            match self {
                GetThingError::NotFound => 404,
            }
        }
    }

    #[test]
    fn messages_name_the_operation() {
        let declared = Error::from(GetThingError::NotFound);
        assert_eq!(declared.to_string(), "getThing answered 404 Not Found");
        assert_eq!(declared.status(), Some(StatusCode::NOT_FOUND));
        let unexpected = Error::<GetThingError>::Unexpected(UnexpectedResponse::new(
            StatusCode::IM_A_TEAPOT,
            Default::default(),
            Default::default(),
            Some("expected value".into()),
        ));
        assert_eq!(
            unexpected.to_string(),
            "getThing got an answer the spec does not describe: status 418 I'm a teapot, body not as specified: expected value"
        );
        assert!(unexpected.api().is_none());
        assert!(matches!(declared.into_api(), Ok(GetThingError::NotFound)));
    }
}
