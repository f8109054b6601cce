//! The checks of one bearer token: its size, its header's key and algorithm, its signature, its
//! issuer, audience and lifetime, who it names, and the scopes it grants.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use webhooks_server::AuthError;

use super::cache::KeyCache;
use super::freshness::{MAX_JWKS_TTL, MIN_JWKS_TTL};
use super::jwks::Origin;
use super::keys::KeySet;
use super::verified::{Verified, VerifiedTokens};
use super::{AuthConfig, AuthSetupError, Caller, KeySource, ensure_jwt_crypto};

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The largest accepted clock-skew allowance.
const MAX_LEEWAY_SECS: u64 = 300;

/// Verifies bearer JWTs and turns them into a [`Caller`].
#[derive(Clone)]
pub struct JwtAuthenticator {
    inner: Arc<Inner>,
}

struct Inner {
    validation: Validation,
    keys: KeyCache,
    verified: VerifiedTokens,
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
        if !(MIN_JWKS_TTL..=MAX_JWKS_TTL).contains(&config.jwks_refresh) {
            return Err(AuthSetupError::Config(format!(
                "a JWKS refresh interval of {} is outside {} to {}",
                humantime::format_duration(config.jwks_refresh),
                humantime::format_duration(MIN_JWKS_TTL),
                humantime::format_duration(MAX_JWKS_TTL),
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

        let keys = match source {
            KeySource::Dev(key) => KeyCache::fixed(KeySet::dev(&key)),
            KeySource::JwksFile(path) => {
                KeyCache::load(Origin::File(path), config.jwks_refresh).await?
            }
            KeySource::JwksUrl(url) => {
                KeyCache::load(Origin::url(&url)?, config.jwks_refresh).await?
            }
        };
        Ok(JwtAuthenticator {
            inner: Arc::new(Inner {
                validation,
                keys,
                verified: VerifiedTokens::default(),
            }),
        })
    }

    /// How many reloads of the JWKS have failed since the start (the keys loaded before stayed
    /// in use), for the metrics.
    pub fn jwks_reload_failures(&self) -> Arc<AtomicU64> {
        self.inner.keys.failure_counter()
    }

    #[cfg(test)]
    pub(super) fn keys(&self) -> &KeyCache {
        &self.inner.keys
    }

    /// Checks a bearer token and that it grants every one of `scopes`.
    pub(super) async fn verify(
        &self,
        token: Option<&str>,
        scopes: &[&str],
    ) -> Result<Caller, AuthError> {
        let token = token.ok_or(AuthError::InvalidCredentials)?;
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::InvalidCredentials);
        }
        let now = jsonwebtoken::get_current_timestamp();
        let leeway = self.inner.validation.leeway;
        if let Some(verified) = self.inner.verified.get(token) {
            // Only while the key that verified it is still the current key for its `kid`
            // (this also reloads stale keys, as below).
            let current = self.inner.keys.key_for(verified.kid.as_deref()).await;
            if current.is_some_and(|key| Arc::ptr_eq(&key, &verified.key)) {
                if !verified.is_current(now, leeway) {
                    return Err(AuthError::InvalidCredentials);
                }
                if !verified.grants(scopes) {
                    return Err(AuthError::MissingScope);
                }
                return Ok(verified.caller.clone());
            }
            self.inner.verified.forget(token);
        }
        // An unsupported `alg` (including `none`) fails here.
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| AuthError::InvalidCredentials)?;
        let key = self
            .inner
            .keys
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
        let caller = Caller {
            client_id,
            org_admin: claims.org_admin.unwrap_or(false),
        };
        // `exp` was required and checked above; a value this service cannot read as seconds
        // is not kept, so the next request checks the token in full again.
        if let Some(expires) = claims.exp.and_then(seconds) {
            let verified = Verified {
                kid: header.kid,
                key,
                caller: caller.clone(),
                scopes: granted.iter().map(|s| (*s).to_owned()).collect(),
                expires,
                not_before: claims.nbf.and_then(seconds),
            };
            self.inner.verified.keep(token, verified, now, leeway);
        }
        if !scopes.iter().all(|scope| granted.contains(scope)) {
            return Err(AuthError::MissingScope);
        }
        Ok(caller)
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
    /// Read again for [`VerifiedTokens`]; a number of seconds, possibly with a fraction.
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
}

/// Whole seconds since the epoch (rounded down, so a kept token never outlives its `exp`).
fn seconds(value: f64) -> Option<u64> {
    // `as` saturates; the range check keeps NaN, negatives and absurd values out.
    (value.is_finite() && (0.0..1e15).contains(&value)).then(|| value.floor() as u64)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::EncodingKey;
    use serde_json::json;

    use super::*;
    use crate::auth::test_support::*;

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
            let token = sign(alg, None, &body, &EncodingKey::from_secret(key.secret()));
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
            &EncodingKey::from_secret(key.secret()),
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
}
