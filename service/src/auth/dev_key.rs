//! The local development key: an HS256 secret in a file, created on first use, that mints the
//! tokens `webhooks-service token` prints.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::{AuthConfig, AuthSetupError, ensure_jwt_crypto};
use crate::key_file::{self, Created, KeyFileError};

/// Bytes of randomness in a new development key.
const DEV_KEY_BYTES: usize = 32;

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

    /// The shared secret, for verifying what this key signed.
    pub(super) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// Signs any claims with this key (HS256).
    pub(super) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, AuthSetupError> {
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
        let mut secret = vec![0u8; DEV_KEY_BYTES];
        getrandom::getrandom(&mut secret).map_err(|e| AuthSetupError::Random(e.to_string()))?;
        match key_file::create(path, &URL_SAFE_NO_PAD.encode(&secret)) {
            Ok(Created::Written) => Ok(DevKey {
                path: path.to_owned(),
                secret: secret.into(),
            }),
            Ok(Created::Existing(text)) => Self::parse(path, &text),
            Err(error) => Err(file_error(path, error)),
        }
    }
}

/// Refuses a key file that users other than its owner can access.
fn check_private(path: &Path) -> Result<(), AuthSetupError> {
    key_file::check_private(path).map_err(|error| file_error(path, error))
}

fn file_error(path: &Path, error: KeyFileError) -> AuthSetupError {
    match error {
        KeyFileError::Io(error) => AuthSetupError::DevKeyIo {
            path: path.to_owned(),
            error,
        },
        KeyFileError::Permissions(mode) => AuthSetupError::DevKeyPermissions {
            path: path.to_owned(),
            mode,
        },
        KeyFileError::Empty => AuthSetupError::DevKeyInvalid {
            path: path.to_owned(),
            reason: "the file is empty".to_owned(),
        },
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

pub(super) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::auth::Caller;
    use crate::auth::test_support::*;

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
        let token = key
            .mint("c", READ, false, std::time::Duration::MAX, &config)
            .unwrap();
        let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert_eq!(claims["exp"], u64::MAX);
        let verified = dev_auth(&key).await.verify(Some(&token), READ).await;
        assert!(verified.is_ok(), "{verified:?}");
    }
}
