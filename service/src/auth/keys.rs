//! The keys a token may be verified with: the development key, or the usable keys of a JWKS
//! document, each limited to the algorithms its type allows.

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::{AuthSetupError, DevKey};

/// Algorithms an RSA key verifies when its JWK does not name one.
const RSA_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// One verification key and the algorithms it may verify.
pub(super) struct VerifyKey {
    pub(super) key: DecodingKey,
    pub(super) algorithms: Vec<Algorithm>,
}

#[derive(Default)]
pub(super) struct KeySet {
    pub(super) by_kid: HashMap<String, Arc<VerifyKey>>,
    /// The key for tokens without a `kid`: the development key, or a JWKS's only key.
    without_kid: Option<Arc<VerifyKey>>,
}

impl KeySet {
    pub(super) fn find(&self, kid: Option<&str>) -> Option<Arc<VerifyKey>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None => self.without_kid.clone(),
        }
    }

    pub(super) fn from_jwks(origin: &str, bytes: &[u8]) -> Result<KeySet, AuthSetupError> {
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

    pub(super) fn dev(key: &DevKey) -> KeySet {
        KeySet {
            by_kid: HashMap::new(),
            without_kid: Some(Arc::new(VerifyKey {
                key: DecodingKey::from_secret(key.secret()),
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{Algorithm, EncodingKey};
    use serde_json::json;
    use webhooks_server::AuthError;

    use crate::auth::jwks::FILE_REREAD_INTERVAL;
    use crate::auth::test_support::*;
    use crate::auth::{AuthConfig, JwtAuthenticator, KeySource};

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
}
