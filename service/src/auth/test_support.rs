//! Tokens, keys and key files for the authentication tests: valid claims to start from, signing
//! with any algorithm, hand-made tokens, a development key in a temporary folder, and EC and RSA
//! key pairs with their JWKs.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey as _;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use webhooks_server::AuthError;

use super::dev_key::unix_now;
use super::{AuthConfig, Caller, DevKey, JwtAuthenticator, KeySource};

pub(super) const READ: &[&str] = &["webhooks:read"];
pub(super) const READ_MODIFY: &[&str] = &["webhooks:read", "webhooks:modify"];
pub(super) const INVALID: Result<Caller, AuthError> = Err(AuthError::InvalidCredentials);
pub(super) const HOUR: Duration = Duration::from_secs(3600);

pub(super) fn now() -> i64 {
    i64::try_from(unix_now()).unwrap()
}

pub(super) fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Valid claims for the default config, with `changes` applied (`null` removes a claim).
pub(super) fn claims(changes: Value) -> Value {
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

pub(super) fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// A token assembled by hand, for headers jsonwebtoken would not produce.
pub(super) fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string()),
        b64(claims.to_string())
    )
}

pub(super) fn dev_key(dir: &tempfile::TempDir) -> DevKey {
    DevKey::load_or_create(&dir.path().join("keys").join("dev.key")).unwrap()
}

pub(super) async fn dev_auth(key: &DevKey) -> JwtAuthenticator {
    JwtAuthenticator::new(KeySource::Dev(key.clone()), AuthConfig::default())
        .await
        .unwrap()
}

pub(super) struct TestKey {
    pub(super) encoding: EncodingKey,
    pub(super) jwk: Value,
    /// Raw public key material, for algorithm-confusion attempts.
    pub(super) public: Vec<u8>,
}

pub(super) fn ec_key(kid: &str) -> TestKey {
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
pub(super) fn rsa_key() -> &'static TestKey {
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

pub(super) fn write_jwks(path: &Path, keys: &[&Value]) {
    std::fs::write(path, json!({ "keys": keys }).to_string()).unwrap();
}
