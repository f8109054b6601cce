//! What every generated client needs besides its operations: credentials and the record of an
//! answer the spec does not describe.

use std::future::Future;
use std::pin::Pin;

/// Any error, boxed: what a token source may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where bearer tokens come from. Called before every request that needs one, so an
/// implementation can cache a token and refresh it when it expires.
pub trait TokenSource: Send + Sync + 'static {
    /// The token to send as `Authorization: Bearer <token>`.
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + '_>>;
}

/// A fixed bearer token.
#[derive(Clone)]
pub struct StaticToken(String);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(token.into())
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a credential.
        f.write_str("StaticToken(..)")
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + '_>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// A token source from an async closure, e.g. one that asks an OAuth2 server for a fresh token.
pub fn token_fn<F, Fut>(f: F) -> TokenFn<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    TokenFn(f)
}

/// See [`token_fn`].
pub struct TokenFn<F>(F);

impl<F, Fut> TokenSource for TokenFn<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + '_>> {
        Box::pin((self.0)())
    }
}

/// An answer the spec does not describe for the operation (an undocumented status, or a body
/// that is not what the spec says), kept whole so nothing about it is lost.
#[derive(Debug, Clone)]
pub struct UnexpectedResponse {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
    /// Why the body could not be decoded, when that is what was unexpected.
    pub decode_error: Option<String>,
}

impl UnexpectedResponse {
    pub fn new(
        status: reqwest::StatusCode,
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

/// Decodes a JSON body as the spec says it is; otherwise the whole answer is kept as unexpected.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &bytes::Bytes,
) -> Result<T, UnexpectedResponse> {
    serde_json::from_slice(body)
        .map_err(|e| UnexpectedResponse::new(status, headers.clone(), body.clone(), Some(e.to_string())))
}

/// A response header parsed as its declared type; `None` when absent or not of that type.
pub fn optional_header<T: std::str::FromStr>(headers: &reqwest::header::HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// A header the spec requires; its absence makes the whole answer unexpected.
pub fn required_header<T: std::str::FromStr>(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &bytes::Bytes,
    name: &str,
) -> Result<T, UnexpectedResponse> {
    optional_header(headers, name).ok_or_else(|| {
        let reason = format!("the required header `{name}` is missing or not a valid value");
        UnexpectedResponse::new(status, headers.clone(), body.clone(), Some(reason))
    })
}

/// Makes ring the process's rustls crypto provider, unless the application installed one.
///
/// reqwest is built here without a provider of its own (ring builds far faster than reqwest's
/// default aws-lc); [`Client::new`](crate::Client::new) calls this. Call it yourself before
/// building a `reqwest::Client` of your own for [`Client::with_http_client`](crate::Client::with_http_client).
#[cfg(feature = "rustls")]
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread is fine: either way a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A base URL the client cannot use.
#[derive(Debug, Clone)]
pub struct InvalidBaseUrl {
    url: String,
    reason: String,
}

impl InvalidBaseUrl {
    pub(crate) fn new(url: &str, reason: String) -> Self {
        InvalidBaseUrl {
            url: url.to_owned(),
            reason,
        }
    }
}

impl std::fmt::Display for InvalidBaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a usable base URL: {}", self.url, self.reason)
    }
}

impl std::error::Error for InvalidBaseUrl {}
