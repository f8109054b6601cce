//! Bearer-token authentication: JWTs verified against the local development key or a JWKS.
//!
//! Every token failure is [`AuthError::InvalidCredentials`], except a verified token that lacks
//! one of the operation's scopes, which is [`AuthError::MissingScope`]. Only the algorithm of the
//! key a token names is accepted, so `none` and HMAC/RSA confusion are refused.
//!
//! This file is the contract: who a [`Caller`] is, where keys come from, what a token must say,
//! and the generated server's [`Authenticator`]. The development key (`dev_key`), the keys a
//! token may be verified with (`keys`), where a JWKS is read or fetched from (`jwks`), how long
//! it is kept (`freshness`), when it is loaded again (`cache`) and the checks of one token
//! (`verify`) each have their own file.

mod cache;
mod dev_key;
mod freshness;
mod jwks;
mod keys;
#[cfg(test)]
mod test_support;
mod verified;
mod verify;

use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use webhooks_server::{AuthError, AuthRequest, Authenticator};

pub use dev_key::DevKey;
pub use freshness::{DEFAULT_JWKS_TTL, MAX_JWKS_TTL, MIN_JWKS_TTL};
pub use verify::JwtAuthenticator;

/// Who is calling, from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub client_id: String,
    pub org_admin: bool,
}

/// Where verification keys come from.
pub enum KeySource {
    /// The local development key (HS256 secret in a file, created on first use with a CSPRNG,
    /// file mode 0600).
    Dev(DevKey),
    /// A JWKS document in a file, read at start, re-read after [`AuthConfig::jwks_refresh`] and
    /// when a token names an unknown `kid` (at most once a second).
    JwksFile(PathBuf),
    /// A JWKS URL (https, or http on loopback), cached for its `Cache-Control: max-age` (else
    /// [`AuthConfig::jwks_refresh`]; within 30 s and a day), refetched sooner when a token names
    /// an unknown `kid` (at most once per 30 s).
    JwksUrl(String),
}

/// What a token must say about who issued it and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Required `iss` claim.
    pub issuer: String,
    /// Required `aud` claim (or one of its entries).
    pub audience: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds (at most 300).
    pub leeway_secs: u64,
    /// How long a JWKS is kept when its source does not say (no `Cache-Control: max-age`, or a
    /// file); between [`MIN_JWKS_TTL`] and [`MAX_JWKS_TTL`].
    pub jwks_refresh: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: "webhooks-dev".to_owned(),
            audience: "webhooks".to_owned(),
            leeway_secs: 30,
            jwks_refresh: DEFAULT_JWKS_TTL,
        }
    }
}

/// Why authentication could not be set up, or a development token not minted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthSetupError {
    #[error("cannot read or create the development key file {}: {error}", path.display())]
    DevKeyIo {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "the development key file {} is not a valid key ({reason}); delete it to create a new one",
        path.display()
    )]
    DevKeyInvalid { path: PathBuf, reason: String },
    #[error(
        "the development key file {} can be read by other users (mode {mode:o}); run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    DevKeyPermissions { path: PathBuf, mode: u32 },
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    #[error("cannot mint a token: {0}")]
    Mint(String),
    #[error("cannot read the JWKS file {}: {error}", path.display())]
    JwksFileIo {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the JWKS from {origin} is not usable: {reason}")]
    JwksInvalid { origin: String, reason: String },
    #[error("the JWKS URL {url} is not allowed: {reason}")]
    JwksUrlInvalid { url: String, reason: String },
    #[error("cannot fetch the JWKS from {url}: {reason}")]
    JwksFetch { url: String, reason: String },
    #[error("cannot build the HTTP client for the JWKS: {0}")]
    HttpClient(String),
    #[error("invalid auth configuration: {0}")]
    Config(String),
}

impl Authenticator for JwtAuthenticator {
    type Caller = Caller;

    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthError> {
        let caller = self.verify(request.token, request.scopes).await?;
        // The request's span (see `request_span`) names who called; outside one this does
        // nothing.
        tracing::Span::current().record("caller", caller.client_id.as_str());
        Ok(caller)
    }
}

/// Selects jsonwebtoken's pure-Rust crypto for the process, whatever features others enable.
fn ensure_jwt_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed, which is fine.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}
