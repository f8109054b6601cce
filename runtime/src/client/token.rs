//! Where bearer tokens come from.

use std::future::Future;
use std::pin::Pin;

/// Any error, boxed: what a token source may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where bearer tokens come from. Called before every request that needs one, so an
/// implementation can cache a token and refresh it when it expires.
pub trait TokenSource: Send + Sync + 'static {
    /// The token to send as `Authorization: Bearer <token>`.
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + '_>>;

    /// The token, when it never changes: the client then sends it without asking [`token`]
    /// (and without the allocation of its future) on every request.
    ///
    /// [`token`]: TokenSource::token
    fn fixed(&self) -> Option<&str> {
        None
    }
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

    fn fixed(&self) -> Option<&str> {
        Some(&self.0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_static_token_is_fixed_and_a_closure_is_asked() {
        let fixed = StaticToken::new("abc");
        assert_eq!(fixed.fixed(), Some("abc"));
        assert_eq!(fixed.token().await.unwrap(), "abc");
        assert_eq!(format!("{fixed:?}"), "StaticToken(..)");
        let asked = token_fn(|| async { Ok::<_, BoxError>("fresh".to_owned()) });
        assert_eq!(asked.fixed(), None);
        assert_eq!(asked.token().await.unwrap(), "fresh");
    }
}
