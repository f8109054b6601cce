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

/// When the client sends a request again after a 429 or 503. Off unless the caller sets one
/// with [`Client::with_retry_policy`](crate::Client::with_retry_policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 never retries.
    pub max_attempts: u32,
    /// The most the client waits in all; past it, the last answer is returned as it is.
    pub max_total_wait: std::time::Duration,
    /// The first wait when an answer has no usable `retry-after`; it doubles with each attempt,
    /// and each wait is drawn at random from its upper half.
    pub base_delay: std::time::Duration,
    /// Whether POST and PATCH are sent again too. They may not be idempotent, so only when the
    /// caller knows that repeating them is safe.
    pub retry_non_idempotent: bool,
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy::attempts(1)
    }

    /// Up to `max_attempts` attempts, waiting at most 30 s in all, backing off from 200 ms.
    pub fn attempts(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            max_total_wait: std::time::Duration::from_secs(30),
            base_delay: std::time::Duration::from_millis(200),
            retry_non_idempotent: false,
        }
    }

    pub fn with_max_total_wait(mut self, wait: std::time::Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    pub fn with_base_delay(mut self, delay: std::time::Duration) -> Self {
        self.base_delay = delay;
        self
    }

    pub fn with_retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = retry;
        self
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::none()
    }
}

/// Sends `request`, and again after a 429 or 503 while `policy` allows; the last answer is
/// returned whatever it is, so the caller still gets the typed 429 when retries run out.
pub(crate) async fn send(
    policy: &RetryPolicy,
    mut request: reqwest::RequestBuilder,
    idempotent: bool,
) -> Result<reqwest::Response, reqwest::Error> {
    let may_retry = policy.max_attempts > 1 && (idempotent || policy.retry_non_idempotent);
    let mut waited = std::time::Duration::ZERO;
    let mut attempt = 1;
    loop {
        // A body of bytes always clones; anything else is sent once.
        let again = if may_retry { request.try_clone() } else { None };
        let response = request.send().await?;
        let status = response.status().as_u16();
        let Some(next) = again else { return Ok(response) };
        if !(status == 429 || status == 503) || attempt >= policy.max_attempts {
            return Ok(response);
        }
        let wait = retry_after(response.headers(), std::time::SystemTime::now())
            .unwrap_or_else(|| backoff(policy.base_delay, attempt));
        if waited + wait > policy.max_total_wait {
            return Ok(response);
        }
        tokio::time::sleep(wait).await;
        waited += wait;
        attempt += 1;
        request = next;
    }
}

/// How long `retry-after` asks to wait, given in seconds or as an HTTP date; `None` when it is
/// absent or neither.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: std::time::SystemTime) -> Option<std::time::Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(std::time::Duration::from_secs(seconds));
    }
    // An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) is an RFC 2822 date.
    let when = std::time::SystemTime::from(chrono::DateTime::parse_from_rfc2822(value).ok()?);
    Some(when.duration_since(now).unwrap_or_default())
}

/// Exponential backoff with jitter: a random point in the upper half of `base * 2^(attempt-1)`.
fn backoff(base: std::time::Duration, attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    let ceiling = base.saturating_mul(1 << (attempt.saturating_sub(1)).min(16));
    let half = ceiling / 2;
    // Each RandomState is seeded afresh, which is randomness enough for spreading retries.
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + std::time::Duration::from_nanos(random % span)
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
