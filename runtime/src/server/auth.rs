//! Credentials: what the router asks of the application's authenticator.

use http::HeaderMap;

/// What the router asks of an authenticator for one request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AuthRequest<'a> {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// The bearer token from `Authorization: Bearer <token>`, when the scheme uses one.
    pub token: Option<&'a str>,
    /// The scopes the spec requires for this operation.
    pub scopes: &'static [&'static str],
    /// All request headers, for schemes that read others.
    pub headers: &'a HeaderMap,
}

/// Why credentials were refused. Either way the client gets the spec's 401.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// The token is malformed, expired, badly signed or from an unknown issuer.
    InvalidCredentials,
    /// The token is valid but lacks a scope the operation requires.
    MissingScope,
}

/// Turns credentials into a caller. The router passes the scopes the spec names for the
/// operation; checking them is the authenticator's job.
pub trait Authenticator: Send + Sync + 'static {
    /// The caller handed to the API's methods.
    type Caller: Send + 'static;

    fn authenticate(
        &self,
        request: AuthRequest<'_>,
    ) -> impl Future<Output = Result<Self::Caller, AuthError>> + Send;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer_token(&HeaderMap::new()), Ok(None));
        assert_eq!(bearer_token(&with("Bearer abc")), Ok(Some("abc")));
        assert_eq!(bearer_token(&with("bearer  abc ")), Ok(Some("abc")));
        assert_eq!(bearer_token(&with("Basic abc")), Err(()));
        assert_eq!(bearer_token(&with("Bearer ")), Err(()));
        assert_eq!(bearer_token(&with("Bearer")), Err(()));
    }
}
