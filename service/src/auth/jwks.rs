//! Where a JWKS comes from: a file, or an https URL fetched with the service's outbound rules
//! (with what its `Cache-Control` says about keeping it). When to load it again is the key
//! cache's business (`cache`).

use std::path::PathBuf;
use std::time::Duration;

use super::AuthSetupError;
use super::freshness::Freshness;
use super::keys::KeySet;
use crate::outbound::{self, Redirects, error_chain, is_loopback};

/// JWKS documents larger than this are refused.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Timeout of one JWKS request.
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Least time between two refetches of a JWKS URL triggered by unknown `kid`s.
const URL_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// Least time between two re-reads of a JWKS file triggered by unknown `kid`s.
pub(super) const FILE_REREAD_INTERVAL: Duration = Duration::from_secs(1);

/// Where an authenticator's keys were loaded from, so it knows whether and how to load them again.
pub(super) enum Origin {
    /// The development key: fixed for the life of the process.
    Dev,
    File(PathBuf),
    Url {
        url: reqwest::Url,
        client: reqwest::Client,
    },
}

impl Origin {
    /// An https JWKS URL (or http on loopback) and the client that fetches it.
    pub(super) fn url(raw: &str) -> Result<Origin, AuthSetupError> {
        Ok(Origin::Url {
            url: check_jwks_url(raw)?,
            client: jwks_client()?,
        })
    }

    /// How often unknown key ids may trigger a reload; `None` when the keys never change.
    pub(super) fn refetch_interval(&self) -> Option<Duration> {
        match self {
            Origin::Dev => None,
            Origin::File(_) => Some(FILE_REREAD_INTERVAL),
            Origin::Url { .. } => Some(URL_REFETCH_INTERVAL),
        }
    }

    /// Reads or fetches the key set, and how long its source allows keeping it.
    pub(super) async fn load(&self) -> Result<(KeySet, Freshness), AuthSetupError> {
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
                let keys = KeySet::from_jwks(&path.display().to_string(), &bytes)?;
                Ok((keys, Freshness::Unspecified))
            }
            Origin::Url { url, client } => {
                let (bytes, freshness) = fetch(client, url).await?;
                Ok((KeySet::from_jwks(url.as_str(), &bytes)?, freshness))
            }
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Origin::Dev => "the development key".to_owned(),
            Origin::File(path) => path.display().to_string(),
            Origin::Url { url, .. } => url.to_string(),
        }
    }
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

fn jwks_client() -> Result<reqwest::Client, AuthSetupError> {
    outbound::client_builder(JWKS_FETCH_TIMEOUT, Redirects::SecureOnly)
        .build()
        .map_err(|e| AuthSetupError::HttpClient(error_chain(&e)))
}

async fn fetch(
    client: &reqwest::Client,
    url: &reqwest::Url,
) -> Result<(Vec<u8>, Freshness), AuthSetupError> {
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
    let freshness = Freshness::from_headers(response.headers());
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
    Ok((body, freshness))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use jsonwebtoken::Algorithm;
    use serde_json::{Value, json};
    use webhooks_server::AuthError;

    use super::*;
    use crate::auth::test_support::*;
    use crate::auth::{
        AuthConfig, Caller, DEFAULT_JWKS_TTL, JwtAuthenticator, KeySource, MAX_JWKS_TTL,
        MIN_JWKS_TTL,
    };

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
        /// The `Cache-Control` header `/jwks` answers with, if any.
        cache_control: Arc<Mutex<Option<String>>>,
        /// While set, `/jwks` answers 503.
        down: Arc<AtomicBool>,
    }

    /// Serves `/jwks` (the current document, counting requests) and `/broken` (a 502).
    async fn serve_jwks(initial: Value) -> JwksServer {
        let jwks = Arc::new(Mutex::new(initial));
        let hits = Arc::new(AtomicUsize::new(0));
        let cache_control = Arc::new(Mutex::new(None::<String>));
        let down = Arc::new(AtomicBool::new(false));
        let handler = {
            let jwks = jwks.clone();
            let hits = hits.clone();
            let cache_control = cache_control.clone();
            let down = down.clone();
            move || {
                hits.fetch_add(1, Ordering::SeqCst);
                let body = jwks.lock().unwrap().clone();
                let header = cache_control.lock().unwrap().clone();
                let down = down.load(Ordering::SeqCst);
                async move {
                    use axum::response::IntoResponse as _;
                    if down {
                        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down")
                            .into_response();
                    }
                    let mut response = axum::Json(body).into_response();
                    if let Some(value) = header {
                        response
                            .headers_mut()
                            .insert(reqwest::header::CACHE_CONTROL, value.parse().unwrap());
                    }
                    response
                }
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
        JwksServer {
            base,
            jwks,
            hits,
            cache_control,
            down,
        }
    }

    impl JwksServer {
        fn hits(&self) -> usize {
            self.hits.load(Ordering::SeqCst)
        }

        fn cache_control(&self, value: Option<&str>) {
            *self.cache_control.lock().unwrap() = value.map(str::to_owned);
        }

        async fn authenticator(&self, config: AuthConfig) -> JwtAuthenticator {
            let url = format!("{}/jwks", self.base);
            JwtAuthenticator::new(KeySource::JwksUrl(url), config)
                .await
                .unwrap()
        }
    }

    /// Whether the keys stay fresh for `expected` from now (give or take the test's own time).
    fn fresh_for_about(auth: &JwtAuthenticator, expected: Duration) -> bool {
        auth.keys()
            .fresh_for()
            .is_some_and(|left| left <= expected && left + Duration::from_secs(5) > expected)
    }

    #[tokio::test]
    async fn a_removed_key_stops_verifying_after_max_age() {
        let (kept, removed) = (ec_key("kept"), ec_key("removed"));
        let server = serve_jwks(json!({ "keys": [kept.jwk, removed.jwk] })).await;
        server.cache_control(Some("public, max-age=120"));
        let auth = server.authenticator(AuthConfig::default()).await;
        assert!(fresh_for_about(&auth, Duration::from_secs(120)));
        let body = claims(json!({}));
        let old = sign(Algorithm::ES256, Some("removed"), &body, &removed.encoding);
        let current = sign(Algorithm::ES256, Some("kept"), &body, &kept.encoding);

        // The provider drops a key: it verifies until the key set's max-age has passed.
        *server.jwks.lock().unwrap() = json!({ "keys": [kept.jwk] });
        assert!(auth.verify(Some(&old), READ).await.is_ok());
        auth.keys().age(Duration::from_secs(100));
        assert!(auth.verify(Some(&old), READ).await.is_ok());
        assert_eq!(server.hits(), 1);
        auth.keys().age(Duration::from_secs(21));
        assert_eq!(auth.verify(Some(&old), READ).await, INVALID);
        assert_eq!(server.hits(), 2);
        assert!(auth.verify(Some(&current), READ).await.is_ok());
        assert_eq!(server.hits(), 2);

        // A later max-age is honoured from the reload on, clamped to the bounds.
        for (header, ttl) in [
            ("max-age=3600", Duration::from_secs(3600)),
            ("max-age=1", MIN_JWKS_TTL),
            ("no-store", MIN_JWKS_TTL),
            ("max-age=31536000", MAX_JWKS_TTL),
        ] {
            server.cache_control(Some(header));
            auth.keys().age(MAX_JWKS_TTL);
            assert!(auth.verify(Some(&current), READ).await.is_ok());
            assert!(fresh_for_about(&auth, ttl), "{header}");
        }
    }

    #[tokio::test]
    async fn without_max_age_the_configured_refresh_applies() {
        let key = ec_key("k1");
        let server = serve_jwks(json!({ "keys": [key.jwk] })).await;
        let config = AuthConfig {
            jwks_refresh: Duration::from_secs(300),
            ..AuthConfig::default()
        };
        let auth = server.authenticator(config).await;
        assert!(fresh_for_about(&auth, Duration::from_secs(300)));
        let token = sign(
            Algorithm::ES256,
            Some("k1"),
            &claims(json!({})),
            &key.encoding,
        );
        auth.keys().age(Duration::from_secs(290));
        assert!(auth.verify(Some(&token), READ).await.is_ok());
        assert_eq!(server.hits(), 1);
        auth.keys().age(Duration::from_secs(11));
        assert!(auth.verify(Some(&token), READ).await.is_ok());
        assert_eq!(server.hits(), 2);
        assert!(fresh_for_about(&auth, Duration::from_secs(300)));

        // And the default is ten minutes.
        let auth = server.authenticator(AuthConfig::default()).await;
        assert!(fresh_for_about(&auth, DEFAULT_JWKS_TTL));
        assert_eq!(DEFAULT_JWKS_TTL, Duration::from_secs(600));

        // A refresh interval outside the bounds is a configuration error.
        for secs in [0, 29, 86_401] {
            let config = AuthConfig {
                jwks_refresh: Duration::from_secs(secs),
                ..AuthConfig::default()
            };
            let url = format!("{}/jwks", server.base);
            let result = JwtAuthenticator::new(KeySource::JwksUrl(url), config).await;
            assert!(matches!(result, Err(AuthSetupError::Config(_))), "{secs}");
        }
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_the_keys_and_is_retried_later() {
        let key = ec_key("k1");
        let server = serve_jwks(json!({ "keys": [key.jwk] })).await;
        let auth = server.authenticator(AuthConfig::default()).await;
        let failures = auth.jwks_reload_failures();
        let token = sign(
            Algorithm::ES256,
            Some("k1"),
            &claims(json!({})),
            &key.encoding,
        );

        server.down.store(true, Ordering::SeqCst);
        auth.keys().age(DEFAULT_JWKS_TTL);
        assert!(auth.verify(Some(&token), READ).await.is_ok());
        assert_eq!((server.hits(), failures.load(Ordering::SeqCst)), (2, 1));
        // Not again on every request: after the retry interval.
        assert!(fresh_for_about(&auth, URL_REFETCH_INTERVAL));
        for _ in 0..3 {
            assert!(auth.verify(Some(&token), READ).await.is_ok());
        }
        assert_eq!(server.hits(), 2);
        auth.keys().age(URL_REFETCH_INTERVAL);
        assert!(auth.verify(Some(&token), READ).await.is_ok());
        assert_eq!((server.hits(), failures.load(Ordering::SeqCst)), (3, 2));

        // Back up, with the key gone: the next retry takes the new set.
        let other = ec_key("k2");
        *server.jwks.lock().unwrap() = json!({ "keys": [other.jwk] });
        server.down.store(false, Ordering::SeqCst);
        auth.keys().age(URL_REFETCH_INTERVAL);
        assert_eq!(auth.verify(Some(&token), READ).await, INVALID);
        assert_eq!((server.hits(), failures.load(Ordering::SeqCst)), (4, 2));
        assert!(fresh_for_about(&auth, DEFAULT_JWKS_TTL));
    }

    #[tokio::test]
    async fn concurrent_requests_on_stale_keys_fetch_once() {
        let key = ec_key("k1");
        let server = serve_jwks(json!({ "keys": [key.jwk] })).await;
        let auth = server.authenticator(AuthConfig::default()).await;
        let token = sign(
            Algorithm::ES256,
            Some("k1"),
            &claims(json!({})),
            &key.encoding,
        );
        auth.keys().age(DEFAULT_JWKS_TTL);
        let results = futures_join(&auth, &token).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(server.hits(), 2);
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
