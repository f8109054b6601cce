//! What every generated client holds: where the API is, the reqwest client (its connection
//! pool), where tokens come from, and when to send again.

use std::sync::Arc;

use reqwest::{Method, Url};

use super::outgoing::Outgoing;
use super::retry::RetryPolicy;
use super::token::{StaticToken, TokenSource};

/// The state a generated client wraps. Cheap to clone: clones share one connection pool and
/// token source.
#[derive(Clone)]
pub struct Connection {
    base_url: Url,
    http: reqwest::Client,
    token: Option<Arc<dyn TokenSource>>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token source may hold a credential: never printed.
        f.debug_struct("Connection")
            .field("base_url", &self.base_url.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// The API at `base_url` (e.g. `https://api.example.com`), with a default reqwest client
    /// and no credentials.
    pub fn new(base_url: &str) -> Result<Self, InvalidBaseUrl> {
        #[cfg(feature = "rustls")]
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| InvalidBaseUrl::new(base_url, e.to_string()))?;
        Self::with_http_client(base_url, http)
    }

    /// The API at `base_url`, reached through `http` (for timeouts, proxies, middleware).
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Result<Self, InvalidBaseUrl> {
        let parsed =
            Url::parse(base_url).map_err(|e| InvalidBaseUrl::new(base_url, e.to_string()))?;
        if parsed.cannot_be_a_base() {
            return Err(InvalidBaseUrl::new(
                base_url,
                "it cannot have a path".to_owned(),
            ));
        }
        Ok(Connection {
            base_url: parsed,
            http,
            token: None,
            retry: RetryPolicy::none(),
        })
    }

    /// Sends `Authorization: Bearer <token>` from `source` with every request that needs it.
    pub fn with_token_source(mut self, source: impl TokenSource) -> Self {
        self.token = Some(Arc::new(source));
        self
    }

    /// Sends this fixed bearer token with every request that needs one.
    pub fn with_bearer_token(self, token: impl Into<String>) -> Self {
        self.with_token_source(StaticToken::new(token))
    }

    /// Sends requests again after a 429 or 503, as `policy` allows (off by default).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// A request to the base URL with `segments` appended, each percent-encoded as one path
    /// segment.
    pub fn request(&self, method: Method, segments: &[&str]) -> Outgoing<'_> {
        let mut url = self.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        Outgoing::new(&self.http, self.token.as_deref(), &self.retry, method, url)
    }
}

impl Connection {
    /// A request to the base URL with `segments` appended as they are: each is already
    /// percent-encoded (see [`super::path`]), and a reserved expansion may hold `/`.
    pub fn request_encoded(&self, method: Method, segments: &[&str]) -> Outgoing<'_> {
        let mut url = self.base_url.clone();
        let mut path = url.path().trim_end_matches('/').to_owned();
        for segment in segments {
            path.push('/');
            path.push_str(segment);
        }
        url.set_path(&path);
        Outgoing::new(&self.http, self.token.as_deref(), &self.retry, method, url)
    }
}

/// Makes ring the process's rustls crypto provider, unless the application installed one.
///
/// reqwest is built here without a provider of its own (ring builds far faster than reqwest's
/// default aws-lc); [`Connection::new`] calls this. Call it yourself before building a
/// `reqwest::Client` of your own for [`Connection::with_http_client`].
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
    fn new(url: &str, reason: String) -> Self {
        InvalidBaseUrl {
            url: url.to_owned(),
            reason,
        }
    }
}

impl std::fmt::Display for InvalidBaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not a usable base URL: {}",
            self.url, self.reason
        )
    }
}

impl std::error::Error for InvalidBaseUrl {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_one_by_one() {
        #[cfg(feature = "rustls")]
        install_crypto_provider();
        let c = Connection::with_http_client("http://127.0.0.1:1/api/", reqwest::Client::new())
            .unwrap();
        let url = c.request(Method::GET, &["webhooks", "a/b c"]).url().clone();
        assert_eq!(url.as_str(), "http://127.0.0.1:1/api/webhooks/a%2Fb%20c");
        let url = c
            .request_encoded(Method::GET, &["v1", "a%2Eb.json", "x/y"])
            .url()
            .clone();
        assert_eq!(url.as_str(), "http://127.0.0.1:1/api/v1/a%2Eb.json/x/y");
        assert!(
            Connection::with_http_client("mailto:x@example.com", reqwest::Client::new()).is_err()
        );
        assert!(Connection::with_http_client("not a url", reqwest::Client::new()).is_err());
    }
}
