//! Bearer-token authentication: JWTs verified against the local development key or a JWKS.
//!
//! Every token failure is [`AuthError::InvalidCredentials`], except a verified token that lacks
//! one of the operation's scopes, which is [`AuthError::MissingScope`]. Only the algorithm of the
//! key a token names is accepted, so `none` and HMAC/RSA confusion are refused.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use webhooks_server::{AuthError, AuthRequest, Authenticator};

/// Bytes of randomness in a new development key.
const DEV_KEY_BYTES: usize = 32;
/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// JWKS documents larger than this are refused.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Timeout of one JWKS request.
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Least time between two refetches of a JWKS URL triggered by unknown `kid`s.
const URL_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// Least time between two re-reads of a JWKS file triggered by unknown `kid`s.
const FILE_REREAD_INTERVAL: Duration = Duration::from_secs(1);
/// The largest accepted clock-skew allowance.
const MAX_LEEWAY_SECS: u64 = 300;
/// Algorithms an RSA key verifies when its JWK does not name one.
const RSA_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

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
    /// A JWKS document in a file, read at start and re-read when a token names an unknown `kid`.
    JwksFile(PathBuf),
    /// A JWKS URL (https, or http on loopback), cached, refetched on an unknown `kid` (at most
    /// once per 30 s).
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
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: "webhooks-dev".to_owned(),
            audience: "webhooks".to_owned(),
            leeway_secs: 30,
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

/// The local development key: an HS256 secret kept in a file.
#[derive(Clone)]
pub struct DevKey {
    path: PathBuf,
    secret: Arc<[u8]>,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey")
            .field("path", &self.path)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl DevKey {
    /// Reads the key at `path`, or creates it (and its folder) from the operating system's CSPRNG
    /// with mode 0600 when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<DevKey, AuthSetupError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Self::create(path),
            Err(error) => Err(AuthSetupError::DevKeyIo {
                path: path.to_owned(),
                error,
            }),
        }
    }

    /// The file the key lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A signed token: sub/client_id = client_id, scope = space-separated scopes, org_admin
    /// claim, iat/nbf/exp (now + ttl), iss/aud from config.
    pub fn mint(
        &self,
        client_id: &str,
        scopes: &[&str],
        org_admin: bool,
        ttl: std::time::Duration,
        config: &AuthConfig,
    ) -> Result<String, AuthSetupError> {
        if client_id.trim().is_empty() {
            return Err(AuthSetupError::Mint("the client id is empty".to_owned()));
        }
        if let Some(bad) = scopes
            .iter()
            .find(|scope| scope.is_empty() || scope.contains(char::is_whitespace))
        {
            return Err(AuthSetupError::Mint(format!(
                "the scope {bad:?} is empty or contains whitespace"
            )));
        }
        let now = unix_now();
        let claims = MintedClaims {
            iss: &config.issuer,
            aud: &config.audience,
            sub: client_id,
            client_id,
            scope: scopes.join(" "),
            org_admin,
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl.as_secs()),
        };
        self.sign(&claims)
    }

    /// Signs any claims with this key (HS256).
    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, AuthSetupError> {
        ensure_jwt_crypto();
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("JWT".to_owned());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(&self.secret))
            .map_err(|e| AuthSetupError::Mint(e.to_string()))
    }

    fn parse(path: &Path, text: &str) -> Result<DevKey, AuthSetupError> {
        check_private(path)?;
        let invalid = |reason: String| AuthSetupError::DevKeyInvalid {
            path: path.to_owned(),
            reason,
        };
        let secret = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|e| invalid(format!("not unpadded base64url: {e}")))?;
        if secret.len() < DEV_KEY_BYTES {
            return Err(invalid(format!(
                "{} bytes, at least {DEV_KEY_BYTES} are needed",
                secret.len()
            )));
        }
        Ok(DevKey {
            path: path.to_owned(),
            secret: secret.into(),
        })
    }

    fn create(path: &Path) -> Result<DevKey, AuthSetupError> {
        let io = |error: std::io::Error| AuthSetupError::DevKeyIo {
            path: path.to_owned(),
            error,
        };
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut secret = vec![0u8; DEV_KEY_BYTES];
        getrandom::getrandom(&mut secret).map_err(|e| AuthSetupError::Random(e.to_string()))?;

        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                let text = format!("{}\n", URL_SAFE_NO_PAD.encode(&secret));
                file.write_all(text.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(DevKey {
                    path: path.to_owned(),
                    secret: secret.into(),
                })
            }
            // Another process created it first: use that key once it is written.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                for _ in 0..20 {
                    let text = std::fs::read_to_string(path).map_err(io)?;
                    if !text.trim().is_empty() {
                        return Self::parse(path, &text);
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(AuthSetupError::DevKeyInvalid {
                    path: path.to_owned(),
                    reason: "the file is empty".to_owned(),
                })
            }
            Err(error) => Err(io(error)),
        }
    }
}

/// Refuses a key file that users other than its owner can access.
fn check_private(path: &Path) -> Result<(), AuthSetupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = std::fs::metadata(path).map_err(|error| AuthSetupError::DevKeyIo {
            path: path.to_owned(),
            error,
        })?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(AuthSetupError::DevKeyPermissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Verifies bearer JWTs and turns them into a [`Caller`].
#[derive(Clone)]
pub struct JwtAuthenticator {
    inner: Arc<Inner>,
}

struct Inner {
    validation: Validation,
    origin: Origin,
    keys: RwLock<Arc<KeySet>>,
    /// When the last refetch started; also serialises refetches.
    last_refetch: tokio::sync::Mutex<Option<Instant>>,
}

enum Origin {
    Dev,
    File(PathBuf),
    Url {
        url: reqwest::Url,
        client: reqwest::Client,
    },
}

impl Origin {
    fn refetch_interval(&self) -> Option<Duration> {
        match self {
            Origin::Dev => None,
            Origin::File(_) => Some(FILE_REREAD_INTERVAL),
            Origin::Url { .. } => Some(URL_REFETCH_INTERVAL),
        }
    }

    async fn load(&self) -> Result<KeySet, AuthSetupError> {
        match self {
            Origin::Dev => Err(AuthSetupError::Config(
                "the development key cannot be reloaded".to_owned(),
            )),
            Origin::File(path) => {
                let owned = path.clone();
                let bytes = tokio::task::spawn_blocking(move || std::fs::read(owned))
                    .await
                    .map_err(|e| AuthSetupError::JwksFileIo {
                        path: path.clone(),
                        error: std::io::Error::other(e.to_string()),
                    })?
                    .map_err(|error| AuthSetupError::JwksFileIo {
                        path: path.clone(),
                        error,
                    })?;
                KeySet::from_jwks(&path.display().to_string(), &bytes)
            }
            Origin::Url { url, client } => {
                let bytes = fetch(client, url).await?;
                KeySet::from_jwks(url.as_str(), &bytes)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Origin::Dev => "the development key".to_owned(),
            Origin::File(path) => path.display().to_string(),
            Origin::Url { url, .. } => url.to_string(),
        }
    }
}

/// One verification key and the algorithms it may verify.
struct VerifyKey {
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<VerifyKey>>,
    /// The key for tokens without a `kid`: the development key, or a JWKS's only key.
    without_kid: Option<Arc<VerifyKey>>,
}

impl KeySet {
    fn find(&self, kid: Option<&str>) -> Option<Arc<VerifyKey>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None => self.without_kid.clone(),
        }
    }

    fn from_jwks(origin: &str, bytes: &[u8]) -> Result<KeySet, AuthSetupError> {
        #[derive(Deserialize)]
        struct RawSet {
            keys: Vec<serde_json::Value>,
        }
        let invalid = |reason: String| AuthSetupError::JwksInvalid {
            origin: origin.to_owned(),
            reason,
        };
        let raw: RawSet = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("not a JWKS document: {e}")))?;
        let mut set = KeySet::default();
        let mut usable = Vec::new();
        for value in raw.keys {
            // Keys of a type or use this service cannot verify with are skipped, not fatal.
            let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
                continue;
            };
            let Some(key) = verify_key(&jwk) else {
                continue;
            };
            let key = Arc::new(key);
            if let Some(kid) = &jwk.common.key_id {
                if set.by_kid.contains_key(kid) {
                    return Err(invalid(format!("the kid {kid:?} appears twice")));
                }
                set.by_kid.insert(kid.clone(), key.clone());
            }
            usable.push(key);
        }
        match usable.len() {
            0 => Err(invalid(
                "no usable signing key (RSA, EC P-256/P-384 or Ed25519, with use \"sig\" if any)"
                    .to_owned(),
            )),
            1 => {
                set.without_kid = usable.pop();
                Ok(set)
            }
            _ => Ok(set),
        }
    }

    fn dev(key: &DevKey) -> KeySet {
        KeySet {
            by_kid: HashMap::new(),
            without_kid: Some(Arc::new(VerifyKey {
                key: DecodingKey::from_secret(&key.secret),
                algorithms: vec![Algorithm::HS256],
            })),
        }
    }
}

/// The verification key of a JWK and the algorithms its type allows, or `None` when it is not a
/// public signing key this service supports. Symmetric (`oct`) keys are never taken from a JWKS.
fn verify_key(jwk: &Jwk) -> Option<VerifyKey> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let allowed: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => RSA_ALGORITHMS,
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            &[Algorithm::EdDSA]
        }
        _ => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        None => allowed.to_vec(),
        Some(named) => {
            let alg = Algorithm::try_from(named).ok()?;
            if !allowed.contains(&alg) {
                return None;
            }
            vec![alg]
        }
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(VerifyKey { key, algorithms })
}

impl JwtAuthenticator {
    /// Loads the keys (reading the JWKS file or fetching the JWKS URL once) and checks the
    /// configuration.
    pub async fn new(source: KeySource, config: AuthConfig) -> Result<Self, AuthSetupError> {
        ensure_jwt_crypto();
        if config.issuer.is_empty() || config.audience.is_empty() {
            return Err(AuthSetupError::Config(
                "the issuer and the audience must not be empty".to_owned(),
            ));
        }
        if config.leeway_secs > MAX_LEEWAY_SECS {
            return Err(AuthSetupError::Config(format!(
                "a leeway of {} s is too large (at most {MAX_LEEWAY_SECS} s)",
                config.leeway_secs
            )));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);

        let (origin, keys) = match source {
            KeySource::Dev(key) => (Origin::Dev, KeySet::dev(&key)),
            KeySource::JwksFile(path) => {
                let origin = Origin::File(path);
                let keys = origin.load().await?;
                (origin, keys)
            }
            KeySource::JwksUrl(url) => {
                let origin = Origin::Url {
                    url: check_jwks_url(&url)?,
                    client: jwks_client()?,
                };
                let keys = origin.load().await?;
                (origin, keys)
            }
        };
        Ok(JwtAuthenticator {
            inner: Arc::new(Inner {
                validation,
                origin,
                keys: RwLock::new(Arc::new(keys)),
                last_refetch: tokio::sync::Mutex::new(None),
            }),
        })
    }

    fn current_keys(&self) -> Arc<KeySet> {
        self.inner
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The key a token names; on an unknown `kid`, reloads the keys (rate limited) and looks
    /// again.
    async fn key_for(&self, kid: Option<&str>) -> Option<Arc<VerifyKey>> {
        if let Some(key) = self.current_keys().find(kid) {
            return Some(key);
        }
        let interval = self.inner.origin.refetch_interval()?;
        let mut last = self.inner.last_refetch.lock().await;
        // Another request may have reloaded while this one waited.
        if let Some(key) = self.current_keys().find(kid) {
            return Some(key);
        }
        if last.is_some_and(|at| at.elapsed() < interval) {
            return None;
        }
        *last = Some(Instant::now());
        match self.inner.origin.load().await {
            Ok(keys) => {
                tracing::info!(
                    source = %self.inner.origin.describe(),
                    keys = keys.by_kid.len(),
                    "reloaded the JWKS after a token named an unknown key id"
                );
                *self
                    .inner
                    .keys
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
            }
            Err(error) => {
                tracing::warn!(%error, "could not reload the JWKS; keeping the cached keys");
            }
        }
        drop(last);
        self.current_keys().find(kid)
    }

    /// Checks a bearer token and that it grants every one of `scopes`.
    async fn verify(&self, token: Option<&str>, scopes: &[&str]) -> Result<Caller, AuthError> {
        let token = token.ok_or(AuthError::InvalidCredentials)?;
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::InvalidCredentials);
        }
        // An unsupported `alg` (including `none`) fails here.
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| AuthError::InvalidCredentials)?;
        let key = self
            .key_for(header.kid.as_deref())
            .await
            .ok_or(AuthError::InvalidCredentials)?;
        if !key.algorithms.contains(&header.alg) {
            return Err(AuthError::InvalidCredentials);
        }
        let mut validation = self.inner.validation.clone();
        validation.algorithms = vec![header.alg];
        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|_| AuthError::InvalidCredentials)?
            .claims;

        let client_id = claims
            .client_id
            .filter(|id| !id.is_empty())
            .or(claims.sub.filter(|sub| !sub.is_empty()))
            .ok_or(AuthError::InvalidCredentials)?;
        let granted: HashSet<&str> = [&claims.scope, &claims.scp]
            .into_iter()
            .flatten()
            .flat_map(ScopeClaim::scopes)
            .collect();
        if !scopes.iter().all(|scope| granted.contains(scope)) {
            return Err(AuthError::MissingScope);
        }
        Ok(Caller {
            client_id,
            org_admin: claims.org_admin.unwrap_or(false),
        })
    }
}

impl Authenticator for JwtAuthenticator {
    type Caller = Caller;

    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthError> {
        self.verify(request.token, request.scopes).await
    }
}

/// The claims this service reads; `exp`, `nbf`, `iss` and `aud` are checked by `Validation`.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scope: Option<ScopeClaim>,
    #[serde(default)]
    scp: Option<ScopeClaim>,
    #[serde(default)]
    org_admin: Option<bool>,
}

/// A scope claim: a space-separated string or an array of strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeClaim {
    Text(String),
    List(Vec<String>),
}

impl ScopeClaim {
    fn scopes(&self) -> Vec<&str> {
        match self {
            ScopeClaim::Text(text) => text.split_whitespace().collect(),
            ScopeClaim::List(list) => list.iter().flat_map(|s| s.split_whitespace()).collect(),
        }
    }
}

#[derive(Serialize)]
struct MintedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    client_id: &'a str,
    scope: String,
    org_admin: bool,
    iat: u64,
    nbf: u64,
    exp: u64,
}

/// A JWKS URL must be https, or http to a loopback address.
fn check_jwks_url(raw: &str) -> Result<reqwest::Url, AuthSetupError> {
    let invalid = |reason: &str| AuthSetupError::JwksUrlInvalid {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = reqwest::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(invalid("plain http is only allowed to a loopback address")),
        _ => Err(invalid("the scheme must be https")),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

fn jwks_client() -> Result<reqwest::Client, AuthSetupError> {
    webhooks_client::support::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(JWKS_FETCH_TIMEOUT)
        .connect_timeout(JWKS_FETCH_TIMEOUT)
        // Follow a few redirects, never from https down to plain http off loopback.
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if attempt.url().scheme() == "https" || is_loopback(attempt.url()) {
                attempt.follow()
            } else {
                attempt.error("redirect to plain http off loopback")
            }
        }))
        .build()
        .map_err(|e| AuthSetupError::HttpClient(error_chain(&e)))
}

async fn fetch(client: &reqwest::Client, url: &reqwest::Url) -> Result<Vec<u8>, AuthSetupError> {
    let failed = |reason: String| AuthSetupError::JwksFetch {
        url: url.to_string(),
        reason,
    };
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| failed(error_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!("the server answered {status}")));
    }
    let too_large = || {
        failed(format!(
            "the document is larger than {MAX_JWKS_BYTES} bytes"
        ))
    };
    if response
        .content_length()
        .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| failed(error_chain(&e)))?
    {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An error with its causes, for messages.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Selects jsonwebtoken's pure-Rust crypto for the process, whatever features others enable.
fn ensure_jwt_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed, which is fine.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, OnceLock};

    use p256::pkcs8::EncodePrivateKey as _;
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::rand_core::OsRng;
    use rsa::traits::PublicKeyParts as _;
    use serde_json::{Value, json};

    use super::*;

    const READ: &[&str] = &["webhooks:read"];
    const READ_MODIFY: &[&str] = &["webhooks:read", "webhooks:modify"];
    const INVALID: Result<Caller, AuthError> = Err(AuthError::InvalidCredentials);
    const HOUR: Duration = Duration::from_secs(3600);

    fn now() -> i64 {
        i64::try_from(unix_now()).unwrap()
    }

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Valid claims for the default config, with `changes` applied (`null` removes a claim).
    fn claims(changes: Value) -> Value {
        let mut claims = json!({
            "iss": "webhooks-dev",
            "aud": "webhooks",
            "sub": "client-1",
            "scope": "webhooks:read webhooks:modify",
            "iat": now(),
            "nbf": now(),
            "exp": now() + 600,
        });
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    }

    fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    /// A token assembled by hand, for headers jsonwebtoken would not produce.
    fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
        format!(
            "{}.{}.{signature}",
            b64(header.to_string()),
            b64(claims.to_string())
        )
    }

    fn dev_key(dir: &tempfile::TempDir) -> DevKey {
        DevKey::load_or_create(&dir.path().join("keys").join("dev.key")).unwrap()
    }

    async fn dev_auth(key: &DevKey) -> JwtAuthenticator {
        JwtAuthenticator::new(KeySource::Dev(key.clone()), AuthConfig::default())
            .await
            .unwrap()
    }

    struct TestKey {
        encoding: EncodingKey,
        jwk: Value,
        /// Raw public key material, for algorithm-confusion attempts.
        public: Vec<u8>,
    }

    fn ec_key(kid: &str) -> TestKey {
        let secret = p256::ecdsa::SigningKey::random(&mut OsRng);
        let der = secret.to_pkcs8_der().unwrap();
        let point = secret.verifying_key().to_encoded_point(false);
        TestKey {
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap()),
            }),
            public: point.as_bytes().to_vec(),
        }
    }

    /// One RSA key per test run: generating it is slow in debug builds.
    fn rsa_key() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
            let der = private.to_pkcs1_der().unwrap();
            let n = private.n().to_bytes_be();
            TestKey {
                encoding: EncodingKey::from_rsa_der(der.as_bytes()),
                // No `alg`: the key type alone limits it to RS*/PS*.
                jwk: json!({
                    "kty": "RSA", "kid": "rsa-1",
                    "n": b64(&n), "e": b64(private.e().to_bytes_be()),
                }),
                public: n,
            }
        })
    }

    fn write_jwks(path: &Path, keys: &[&Value]) {
        std::fs::write(path, json!({ "keys": keys }).to_string()).unwrap();
    }

    /// Tokens that must be refused by any authenticator.
    fn garbage() -> Vec<String> {
        let mut tokens: Vec<String> = [
            "",
            " ",
            "abc",
            ".",
            "..",
            "...",
            "a.b.c",
            "a.b.c.d",
            "Bearer x.y.z",
            "é.ü.ß",
            "\u{0}.\u{0}.\u{0}",
            "eyJhbGciOiJIUzI1NiJ9..",
            "eyJhbGciOiJIUzI1NiJ9.e30.",
            "eyJhbGciOiJIUzI1NiJ9.!!!.abc",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        tokens.push("a".repeat(100_000));
        tokens.push(format!(
            "{}.{}.{}",
            "a".repeat(20),
            "b".repeat(20),
            "c".repeat(20)
        ));
        for header in [
            json!([]),
            json!("HS256"),
            json!({}),
            json!({ "alg": 1 }),
            json!({ "alg": "HS999" }),
            json!({ "alg": "HS256", "kid": 7 }),
        ] {
            tokens.push(raw_token(&header, &claims(json!({})), "c2ln"));
        }
        tokens.push(format!("{}.{}.c2ln", b64("{\"alg\":"), b64("not json")));
        tokens
    }

    #[tokio::test]
    async fn dev_key_file_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let path = dir.path().join("keys").join("dev.key");
        assert_eq!(key.path(), path);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{key:?}").contains(std::fs::read_to_string(&path).unwrap().trim()));

        // A second load reads the same secret: its tokens verify with the first key.
        let again = DevKey::load_or_create(&path).unwrap();
        let token = again
            .mint("client-1", READ, false, HOUR, &AuthConfig::default())
            .unwrap();
        let caller = dev_auth(&key).await.verify(Some(&token), READ).await;
        assert_eq!(
            caller,
            Ok(Caller {
                client_id: "client-1".to_owned(),
                org_admin: false
            })
        );

        // Two fresh keys differ.
        let other = tempfile::tempdir().unwrap();
        let token = dev_key(&other)
            .mint("client-1", READ, false, HOUR, &AuthConfig::default())
            .unwrap();
        assert_eq!(
            dev_auth(&key).await.verify(Some(&token), READ).await,
            INVALID
        );
    }

    #[test]
    fn dev_key_file_problems_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.key");
        let write_private = |text: &str| {
            std::fs::write(&path, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
        };
        let path_text = path.display().to_string();

        write_private("not base64 !!!\n");
        let error = DevKey::load_or_create(&path).unwrap_err();
        assert!(
            matches!(error, AuthSetupError::DevKeyInvalid { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(&path_text), "{error}");

        write_private(&b64([1u8; 8]));
        let error = DevKey::load_or_create(&path).unwrap_err();
        assert!(error.to_string().contains("at least 32"), "{error}");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::write(&path, b64([1u8; 32])).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = DevKey::load_or_create(&path).unwrap_err();
            assert!(matches!(
                error,
                AuthSetupError::DevKeyPermissions { mode: 0o644, .. }
            ));
            assert!(error.to_string().contains(&path_text), "{error}");
        }

        let error = DevKey::load_or_create(dir.path()).unwrap_err();
        assert!(
            matches!(error, AuthSetupError::DevKeyIo { .. }),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn minted_dev_token_verifies_with_its_claims() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;
        let config = AuthConfig::default();

        let token = key
            .mint("client-7", READ_MODIFY, true, HOUR, &config)
            .unwrap();
        let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert_eq!(claims["sub"], "client-7");
        assert_eq!(claims["client_id"], "client-7");
        assert_eq!(claims["scope"], "webhooks:read webhooks:modify");
        assert_eq!(claims["iss"], "webhooks-dev");
        assert_eq!(claims["aud"], "webhooks");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            3600
        );
        assert_eq!(claims["nbf"], claims["iat"]);

        let expected = Ok(Caller {
            client_id: "client-7".to_owned(),
            org_admin: true,
        });
        assert_eq!(auth.verify(Some(&token), READ_MODIFY).await, expected);
        assert_eq!(auth.verify(Some(&token), READ).await, expected);
        assert_eq!(auth.verify(Some(&token), &[]).await, expected);
        assert_eq!(auth.verify(None, READ).await, INVALID);
    }

    #[tokio::test]
    async fn every_required_scope_must_be_granted() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;
        let config = AuthConfig::default();

        let read_only = key.mint("c", READ, false, HOUR, &config).unwrap();
        assert!(auth.verify(Some(&read_only), READ).await.is_ok());
        let missing = Err(AuthError::MissingScope);
        assert_eq!(auth.verify(Some(&read_only), READ_MODIFY).await, missing);
        assert_eq!(
            auth.verify(Some(&read_only), &["webhooks:modify"]).await,
            missing
        );

        let none = key.mint("c", &[], false, HOUR, &config).unwrap();
        assert_eq!(auth.verify(Some(&none), READ).await, missing);
        assert!(auth.verify(Some(&none), &[]).await.is_ok());

        // A scope is matched whole, never as a prefix or substring.
        let similar = key.sign(&claims(json!({ "scope": "webhooks:reader webhooks" })));
        assert_eq!(auth.verify(Some(&similar.unwrap()), READ).await, missing);

        // `scp` as an array, `scope` as an array, and both together.
        for changes in [
            json!({ "scope": null, "scp": ["webhooks:read", "webhooks:modify"] }),
            json!({ "scope": ["webhooks:read", "webhooks:modify"] }),
            json!({ "scope": "webhooks:read", "scp": ["webhooks:modify"] }),
            json!({ "scope": " webhooks:modify  webhooks:read " }),
        ] {
            let token = key.sign(&claims(changes.clone())).unwrap();
            assert!(
                auth.verify(Some(&token), READ_MODIFY).await.is_ok(),
                "{changes}"
            );
        }
        let scp_read = key
            .sign(&claims(json!({ "scope": null, "scp": ["webhooks:read"] })))
            .unwrap();
        assert_eq!(auth.verify(Some(&scp_read), READ_MODIFY).await, missing);

        // A scope claim of the wrong type is a malformed token, not a missing scope.
        let bad = key.sign(&claims(json!({ "scope": 5 }))).unwrap();
        assert_eq!(auth.verify(Some(&bad), READ).await, INVALID);
    }

    #[tokio::test]
    async fn expired_and_not_yet_valid_tokens_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;

        for (changes, accepted) in [
            (json!({ "exp": now() - 120 }), false),
            (json!({ "exp": now() - 3600 * 24 }), false),
            (json!({ "exp": now() - 5 }), true), // within the 30 s leeway
            (json!({ "nbf": now() + 120 }), false),
            (json!({ "nbf": now() + 5 }), true),
            (json!({ "exp": null }), false),
            (json!({ "exp": "tomorrow" }), false),
            (json!({ "nbf": "now" }), false),
            (json!({ "exp": -1 }), false),
            (json!({ "exp": 1e300 }), false),
        ] {
            let token = key.sign(&claims(changes.clone())).unwrap();
            let result = auth.verify(Some(&token), READ).await;
            assert_eq!(result.is_ok(), accepted, "{changes}: {result:?}");
            if !accepted {
                assert_eq!(result, INVALID, "{changes}");
            }
        }
        // Minted with a zero lifetime, a token is only valid for the leeway.
        let token = key
            .mint("c", READ, false, Duration::ZERO, &AuthConfig::default())
            .unwrap();
        assert!(auth.verify(Some(&token), READ).await.is_ok());
    }

    #[tokio::test]
    async fn wrong_issuer_or_audience_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;

        let other_issuer = AuthConfig {
            issuer: "someone-else".to_owned(),
            ..AuthConfig::default()
        };
        let other_audience = AuthConfig {
            audience: "other-api".to_owned(),
            ..AuthConfig::default()
        };
        for config in [other_issuer, other_audience] {
            let token = key.mint("c", READ, false, HOUR, &config).unwrap();
            assert_eq!(auth.verify(Some(&token), READ).await, INVALID, "{config:?}");
        }
        for (changes, accepted) in [
            (json!({ "iss": null }), false),
            (json!({ "aud": null }), false),
            (json!({ "aud": [] }), false),
            (json!({ "aud": ["other-api"] }), false),
            (json!({ "aud": ["other-api", "webhooks"] }), true),
            (json!({ "iss": ["webhooks-dev"] }), true),
            (json!({ "iss": 3 }), false),
        ] {
            let token = key.sign(&claims(changes.clone())).unwrap();
            let result = auth.verify(Some(&token), READ).await;
            assert_eq!(result.is_ok(), accepted, "{changes}: {result:?}");
        }

        // An authenticator configured for another issuer refuses the default dev tokens.
        let strict = JwtAuthenticator::new(
            KeySource::Dev(key.clone()),
            AuthConfig {
                issuer: "prod".to_owned(),
                ..AuthConfig::default()
            },
        )
        .await
        .unwrap();
        let token = key
            .mint("c", READ, false, HOUR, &AuthConfig::default())
            .unwrap();
        assert_eq!(strict.verify(Some(&token), READ).await, INVALID);
    }

    #[tokio::test]
    async fn caller_comes_from_client_id_then_sub() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;

        for (changes, expected) in [
            (json!({ "client_id": "app-1" }), Ok(("app-1", false))),
            (
                json!({ "client_id": "app-1", "sub": null }),
                Ok(("app-1", false)),
            ),
            (json!({}), Ok(("client-1", false))),
            (json!({ "client_id": "" }), Ok(("client-1", false))),
            (json!({ "org_admin": true }), Ok(("client-1", true))),
            (json!({ "org_admin": false }), Ok(("client-1", false))),
            (json!({ "org_admin": null }), Ok(("client-1", false))),
            (json!({ "org_admin": "true" }), Err(())),
            (json!({ "sub": null }), Err(())),
            (json!({ "sub": "" }), Err(())),
            (json!({ "sub": 42 }), Err(())),
        ] {
            let token = key.sign(&claims(changes.clone())).unwrap();
            let expected = match expected {
                Ok((client_id, org_admin)) => Ok(Caller {
                    client_id: client_id.to_owned(),
                    org_admin,
                }),
                Err(()) => INVALID,
            };
            assert_eq!(auth.verify(Some(&token), READ).await, expected, "{changes}");
        }
    }

    #[tokio::test]
    async fn tampered_tokens_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;
        let token = key
            .mint("c", READ, false, HOUR, &AuthConfig::default())
            .unwrap();
        assert!(auth.verify(Some(&token), READ).await.is_ok());
        let parts: Vec<&str> = token.split('.').collect();

        // Every single-character change of the signature is refused.
        let signature = parts[2];
        for at in 0..signature.len() {
            let mut changed = signature.as_bytes().to_vec();
            changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).unwrap();
            let tampered = format!("{}.{}.{changed}", parts[0], parts[1]);
            assert_eq!(auth.verify(Some(&tampered), READ).await, INVALID, "{at}");
        }
        // Claims swapped for others (an admin, more scopes) under the original signature.
        let forged = b64(claims(json!({ "org_admin": true })).to_string());
        let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
        assert_eq!(auth.verify(Some(&tampered), READ).await, INVALID);
        // Truncated, or with the signature dropped.
        assert_eq!(
            auth.verify(Some(&token[..token.len() - 2]), READ).await,
            INVALID
        );
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(auth.verify(Some(&unsigned), READ).await, INVALID);
        // Signed with another secret.
        let other = EncodingKey::from_secret(&[7u8; 32]);
        let token = sign(Algorithm::HS256, None, &claims(json!({})), &other);
        assert_eq!(auth.verify(Some(&token), READ).await, INVALID);
    }

    #[tokio::test]
    async fn alg_none_and_other_algorithms_are_refused_by_the_dev_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let auth = dev_auth(&key).await;
        let body = claims(json!({ "org_admin": true }));

        for header in [
            json!({ "alg": "none", "typ": "JWT" }),
            json!({ "alg": "None" }),
            json!({ "alg": "NONE" }),
            json!({ "typ": "JWT" }),
        ] {
            for signature in ["", "c2ln"] {
                let token = raw_token(&header, &body, signature);
                assert_eq!(auth.verify(Some(&token), READ).await, INVALID, "{header}");
            }
        }
        // The dev secret under HS384/HS512 is still not HS256.
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let token = sign(alg, None, &body, &EncodingKey::from_secret(&key.secret));
            assert_eq!(auth.verify(Some(&token), READ).await, INVALID, "{alg:?}");
        }
        // Asymmetric tokens mean nothing to the dev key.
        let ec = ec_key("ec-1");
        let token = sign(Algorithm::ES256, None, &body, &ec.encoding);
        assert_eq!(auth.verify(Some(&token), READ).await, INVALID);
        // A dev token that names a key id does not match the dev key.
        let token = sign(
            Algorithm::HS256,
            Some("dev"),
            &body,
            &EncodingKey::from_secret(&key.secret),
        );
        assert_eq!(auth.verify(Some(&token), READ).await, INVALID);
    }

    #[tokio::test]
    async fn garbage_tokens_are_refused_without_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let dev = dev_auth(&key).await;
        let jwks = dir.path().join("jwks.json");
        write_jwks(&jwks, &[&ec_key("ec-1").jwk]);
        let file = JwtAuthenticator::new(KeySource::JwksFile(jwks), AuthConfig::default())
            .await
            .unwrap();
        for token in garbage() {
            assert_eq!(dev.verify(Some(&token), READ).await, INVALID, "{token:.80}");
            assert_eq!(file.verify(Some(&token), &[]).await, INVALID, "{token:.80}");
        }
    }

    #[tokio::test]
    async fn mint_refuses_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        let config = AuthConfig::default();
        for (client_id, scopes) in [
            ("", READ),
            ("  ", READ),
            ("c", &["webhooks:read webhooks:modify"][..]),
            ("c", &[""][..]),
        ] {
            let error = key
                .mint(client_id, scopes, false, HOUR, &config)
                .unwrap_err();
            assert!(matches!(error, AuthSetupError::Mint(_)), "{error:?}");
        }
        // A huge lifetime saturates instead of overflowing.
        let token = key.mint("c", READ, false, Duration::MAX, &config).unwrap();
        let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert_eq!(claims["exp"], u64::MAX);
        let verified = dev_auth(&key).await.verify(Some(&token), READ).await;
        assert!(verified.is_ok(), "{verified:?}");
    }

    #[tokio::test]
    async fn configuration_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let key = dev_key(&dir);
        for config in [
            AuthConfig {
                leeway_secs: 301,
                ..AuthConfig::default()
            },
            AuthConfig {
                leeway_secs: u64::MAX,
                ..AuthConfig::default()
            },
            AuthConfig {
                issuer: String::new(),
                ..AuthConfig::default()
            },
            AuthConfig {
                audience: String::new(),
                ..AuthConfig::default()
            },
        ] {
            let result = JwtAuthenticator::new(KeySource::Dev(key.clone()), config).await;
            assert!(matches!(result, Err(AuthSetupError::Config(_))));
        }
    }

    #[tokio::test]
    async fn jwks_file_rsa_and_ec_keys_verify_their_own_algorithms_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        let rsa = rsa_key();
        let ec = ec_key("ec-1");
        let unusable = [
            json!({ "kty": "oct", "kid": "secret", "k": b64([1u8; 32]) }),
            json!({ "kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc",
                    "x": ec.jwk["x"], "y": ec.jwk["y"] }),
            json!({ "kty": "RSA", "kid": "rsa-as-ec", "alg": "ES256",
                    "n": rsa.jwk["n"], "e": rsa.jwk["e"] }),
            json!({ "kty": "XYZ", "kid": "unknown" }),
        ];
        let mut keys = vec![&rsa.jwk, &ec.jwk];
        keys.extend(unusable.iter());
        write_jwks(&path, &keys);
        let auth = JwtAuthenticator::new(KeySource::JwksFile(path.clone()), AuthConfig::default())
            .await
            .unwrap();
        let body = claims(json!({ "client_id": "svc" }));

        let rs256 = sign(Algorithm::RS256, Some("rsa-1"), &body, &rsa.encoding);
        let caller = auth.verify(Some(&rs256), READ_MODIFY).await.unwrap();
        assert_eq!(caller.client_id, "svc");
        let ps256 = sign(Algorithm::PS256, Some("rsa-1"), &body, &rsa.encoding);
        assert!(auth.verify(Some(&ps256), READ).await.is_ok());
        let es256 = sign(Algorithm::ES256, Some("ec-1"), &body, &ec.encoding);
        assert!(auth.verify(Some(&es256), READ).await.is_ok());
        let missing = claims(json!({ "scope": "webhooks:read" }));
        let es256_read = sign(Algorithm::ES256, Some("ec-1"), &missing, &ec.encoding);
        assert_eq!(
            auth.verify(Some(&es256_read), READ_MODIFY).await,
            Err(AuthError::MissingScope)
        );

        // A key id the JWKS does not hold, or no key id while it holds several keys.
        for (alg, kid, key) in [
            (Algorithm::ES256, Some("ec-9"), &ec.encoding),
            (Algorithm::ES256, None, &ec.encoding),
            (Algorithm::RS256, Some("rsa-as-ec"), &rsa.encoding),
            (Algorithm::ES256, Some("enc"), &ec.encoding),
        ] {
            let token = sign(alg, kid, &body, key);
            assert_eq!(auth.verify(Some(&token), READ).await, INVALID, "{kid:?}");
        }
        // Algorithm confusion: HMAC with the public key as secret, or the other key's algorithm.
        for (kid, public) in [("rsa-1", &rsa.public), ("ec-1", &ec.public)] {
            for secret in [public.clone(), json!(keys[0]).to_string().into_bytes()] {
                let token = sign(
                    Algorithm::HS256,
                    Some(kid),
                    &body,
                    &EncodingKey::from_secret(&secret),
                );
                assert_eq!(auth.verify(Some(&token), READ).await, INVALID, "{kid}");
            }
        }
        let rsa_as_ec = sign(Algorithm::RS256, Some("ec-1"), &body, &rsa.encoding);
        assert_eq!(auth.verify(Some(&rsa_as_ec), READ).await, INVALID);
        let ec_as_rsa = sign(Algorithm::ES256, Some("rsa-1"), &body, &ec.encoding);
        assert_eq!(auth.verify(Some(&ec_as_rsa), READ).await, INVALID);
        let none = raw_token(&json!({ "alg": "none", "kid": "rsa-1" }), &body, "");
        assert_eq!(auth.verify(Some(&none), READ).await, INVALID);
        // A signature from a different key under a known key id.
        let impostor = ec_key("ec-1");
        let forged = sign(Algorithm::ES256, Some("ec-1"), &body, &impostor.encoding);
        assert_eq!(auth.verify(Some(&forged), READ).await, INVALID);

        // Rotation: the file is re-read when a token names a new key id, but not within a
        // second of the last re-read (the unknown key ids above caused one)...
        let ec2 = ec_key("ec-2");
        write_jwks(&path, &[&ec2.jwk]);
        let rotated = sign(Algorithm::ES256, Some("ec-2"), &body, &ec2.encoding);
        assert_eq!(auth.verify(Some(&rotated), READ).await, INVALID);
        tokio::time::sleep(FILE_REREAD_INTERVAL + Duration::from_millis(100)).await;
        assert!(auth.verify(Some(&rotated), READ).await.is_ok());
        // ...the old keys are gone, and a JWKS with one key also serves tokens without a kid.
        assert_eq!(auth.verify(Some(&es256), READ).await, INVALID);
        let no_kid = sign(Algorithm::ES256, None, &body, &ec2.encoding);
        assert!(auth.verify(Some(&no_kid), READ).await.is_ok());
    }

    #[tokio::test]
    async fn jwks_file_problems_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        let path_text = path.display().to_string();
        let new =
            || JwtAuthenticator::new(KeySource::JwksFile(path.clone()), AuthConfig::default());

        let error = new().await.err().unwrap();
        assert!(
            matches!(error, AuthSetupError::JwksFileIo { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(&path_text), "{error}");

        for (text, expected) in [
            ("not json", "not a JWKS document"),
            ("{\"keys\": 3}", "not a JWKS document"),
            ("{\"keys\": []}", "no usable signing key"),
            (
                "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"s\", \"k\": \"c2VjcmV0\"}]}",
                "no usable signing key",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let error = new().await.err().unwrap();
            assert!(
                matches!(error, AuthSetupError::JwksInvalid { .. }),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(
                message.contains(&path_text) && message.contains(expected),
                "{message}"
            );
        }

        let ec = ec_key("same");
        let twin = ec_key("same");
        write_jwks(&path, &[&ec.jwk, &twin.jwk]);
        let error = new().await.err().unwrap();
        assert!(error.to_string().contains("appears twice"), "{error}");

        // A broken file during a re-read keeps the keys already loaded.
        write_jwks(&path, &[&ec.jwk]);
        let auth = new().await.unwrap();
        std::fs::write(&path, "garbage").unwrap();
        let body = claims(json!({}));
        let unknown = sign(Algorithm::ES256, Some("other"), &body, &ec.encoding);
        assert_eq!(auth.verify(Some(&unknown), READ).await, INVALID);
        let known = sign(Algorithm::ES256, Some("same"), &body, &ec.encoding);
        assert!(auth.verify(Some(&known), READ).await.is_ok());
    }

    struct JwksServer {
        base: String,
        jwks: Arc<Mutex<Value>>,
        hits: Arc<AtomicUsize>,
    }

    /// Serves `/jwks` (the current document, counting requests) and `/broken` (a 500).
    async fn serve_jwks(initial: Value) -> JwksServer {
        let jwks = Arc::new(Mutex::new(initial));
        let hits = Arc::new(AtomicUsize::new(0));
        let handler = {
            let jwks = jwks.clone();
            let hits = hits.clone();
            move || {
                hits.fetch_add(1, Ordering::SeqCst);
                let body = jwks.lock().unwrap().clone();
                async move { axum::Json(body) }
            }
        };
        let app = axum::Router::new()
            .route("/jwks", axum::routing::get(handler))
            .route(
                "/broken",
                axum::routing::get(|| async { (axum::http::StatusCode::BAD_GATEWAY, "down") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JwksServer { base, jwks, hits }
    }

    #[tokio::test]
    async fn jwks_url_is_cached_and_refetched_on_unknown_kid_at_most_once_per_interval() {
        let first = ec_key("k1");
        let server = serve_jwks(json!({ "keys": [first.jwk] })).await;
        let url = format!("{}/jwks", server.base);
        let auth = JwtAuthenticator::new(KeySource::JwksUrl(url), AuthConfig::default())
            .await
            .unwrap();
        assert_eq!(server.hits.load(Ordering::SeqCst), 1);
        let body = claims(json!({}));

        // Known key: served from the cache.
        let token = sign(Algorithm::ES256, Some("k1"), &body, &first.encoding);
        for _ in 0..3 {
            assert!(auth.verify(Some(&token), READ).await.is_ok());
        }
        assert_eq!(server.hits.load(Ordering::SeqCst), 1);

        // Rotation: a token with the new key id makes the service refetch once.
        let second = ec_key("k2");
        *server.jwks.lock().unwrap() = json!({ "keys": [second.jwk] });
        let rotated = sign(Algorithm::ES256, Some("k2"), &body, &second.encoding);
        let results = futures_join(&auth, &rotated).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(server.hits.load(Ordering::SeqCst), 2);

        // Unknown key ids within the next 30 s do not reach the server again.
        let third = ec_key("k3");
        *server.jwks.lock().unwrap() = json!({ "keys": [second.jwk, third.jwk] });
        for kid in ["k3", "k4", "k5"] {
            let token = sign(Algorithm::ES256, Some(kid), &body, &third.encoding);
            assert_eq!(auth.verify(Some(&token), READ).await, INVALID, "{kid}");
        }
        // The retired key went with the refetch.
        assert_eq!(auth.verify(Some(&token), READ).await, INVALID);
        assert_eq!(server.hits.load(Ordering::SeqCst), 2);
        assert!(auth.verify(Some(&rotated), READ).await.is_ok());
    }

    /// Verifies the same token from several concurrent tasks.
    async fn futures_join(auth: &JwtAuthenticator, token: &str) -> Vec<Result<Caller, AuthError>> {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let auth = auth.clone();
                let token = token.to_owned();
                tokio::spawn(async move { auth.verify(Some(&token), READ).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    }

    #[tokio::test]
    async fn jwks_url_problems_name_the_url() {
        for (url, expected) in [
            ("http://example.invalid/jwks", "loopback"),
            ("ftp://127.0.0.1/jwks", "https"),
            ("not a url", "not allowed"),
        ] {
            let result =
                JwtAuthenticator::new(KeySource::JwksUrl(url.to_owned()), AuthConfig::default())
                    .await;
            let error = result.err().unwrap();
            assert!(
                matches!(error, AuthSetupError::JwksUrlInvalid { .. }),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(
                message.contains(url) && message.contains(expected),
                "{message}"
            );
        }
        for url in ["http://localhost:1/jwks", "http://[::1]:1/jwks"] {
            assert!(check_jwks_url(url).is_ok(), "{url}");
        }

        let server = serve_jwks(json!({ "keys": [] })).await;
        for (path, expected) in [
            ("/broken", "502"),
            ("/jwks", "no usable signing key"),
            ("/missing", "404"),
        ] {
            let url = format!("{}{path}", server.base);
            let result =
                JwtAuthenticator::new(KeySource::JwksUrl(url.clone()), AuthConfig::default()).await;
            let message = result.err().unwrap().to_string();
            assert!(
                message.contains(&url) && message.contains(expected),
                "{message}"
            );
        }

        // Nothing listens on port 1: a connection error, still naming the URL.
        let url = "http://127.0.0.1:1/jwks";
        let result =
            JwtAuthenticator::new(KeySource::JwksUrl(url.to_owned()), AuthConfig::default()).await;
        let error = result.err().unwrap();
        assert!(
            matches!(error, AuthSetupError::JwksFetch { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(url), "{error}");
    }
}
