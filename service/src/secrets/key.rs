//! The key webhook secrets are sealed with: 32 bytes, given as standard base64 in
//! `WEBHOOKS_SECRET_KEY` or in a file (`--secret-key-file`), or, for a development start with
//! neither, a file beside the development key that is created on first use (mode 0600).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use crate::key_file::{self, Created, KeyFileError};

/// Bytes in a key.
pub const KEY_BYTES: usize = 32;
/// The environment variable that holds a key.
pub const KEY_VARIABLE: &str = "WEBHOOKS_SECRET_KEY";

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the secrets key in {origin} is not usable: {reason} (it must be the standard base64 of \
         {KEY_BYTES} random bytes, e.g. the output of `openssl rand -base64 32`)"
    )]
    Invalid { origin: String, reason: String },
    #[error("cannot read or create the secrets key file {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "the secrets key file {} can be read by other users (mode {mode:o}); run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
}

/// A key for sealing webhook secrets.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; KEY_BYTES],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> SecretKey {
        SecretKey { bytes }
    }

    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Result<SecretKey, KeyError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::getrandom(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SecretKey { bytes })
    }

    /// The key in `text` (standard base64, surrounding whitespace ignored); `origin` names where
    /// it came from in errors.
    pub fn from_base64(origin: &str, text: &str) -> Result<SecretKey, KeyError> {
        let invalid = |reason: String| KeyError::Invalid {
            origin: origin.to_owned(),
            reason,
        };
        let decoded = STANDARD
            .decode(text.trim())
            .map_err(|e| invalid(format!("not base64: {e}")))?;
        let bytes: [u8; KEY_BYTES] = decoded
            .try_into()
            .map_err(|d: Vec<u8>| invalid(format!("{} bytes, not {KEY_BYTES}", d.len())))?;
        Ok(SecretKey { bytes })
    }

    /// The key in the file at `path`, which must exist and be readable by its owner only.
    pub fn read_file(path: &Path) -> Result<SecretKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|error| KeyError::Io {
            path: path.to_owned(),
            error,
        })?;
        check_private(path)?;
        SecretKey::from_base64(&path.display().to_string(), &text)
    }

    /// The key in the file at `path`, created (with its folder, mode 0600) when missing; `true`
    /// with it when it was created now.
    pub fn load_or_create(path: &Path) -> Result<(SecretKey, bool), KeyError> {
        match SecretKey::read_file(path) {
            Err(KeyError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
                SecretKey::create(path)
            }
            other => other.map(|key| (key, false)),
        }
    }

    fn create(path: &Path) -> Result<(SecretKey, bool), KeyError> {
        let key = SecretKey::generate()?;
        match key_file::create(path, &STANDARD.encode(key.bytes)) {
            Ok(Created::Written) => Ok((key, true)),
            Ok(Created::Existing(text)) => {
                let key = SecretKey::from_base64(&path.display().to_string(), &text)?;
                Ok((key, false))
            }
            Err(error) => Err(KeyError::from_file(path, error)),
        }
    }

    pub(super) fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.bytes
    }

    /// The first 8 bytes of the key's SHA-256, in hex: tells keys apart in logs and errors
    /// without revealing them.
    pub fn fingerprint(&self) -> String {
        Sha256::digest(self.bytes)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Refuses a key file that users other than its owner can access.
fn check_private(path: &Path) -> Result<(), KeyError> {
    key_file::check_private(path).map_err(|error| KeyError::from_file(path, error))
}

impl KeyError {
    fn from_file(path: &Path, error: KeyFileError) -> KeyError {
        match error {
            KeyFileError::Io(error) => KeyError::Io {
                path: path.to_owned(),
                error,
            },
            KeyFileError::Permissions(mode) => KeyError::Permissions {
                path: path.to_owned(),
                mode,
            },
            KeyFileError::Empty => KeyError::Invalid {
                origin: path.display().to_string(),
                reason: "the file is empty".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_from_base64_and_refused_with_the_reason() {
        let text = STANDARD.encode([9u8; 32]);
        let key = SecretKey::from_base64("WEBHOOKS_SECRET_KEY", &format!(" {text}\n")).unwrap();
        assert_eq!(key.bytes, [9u8; 32]);
        for (bad, expected) in [
            ("", "0 bytes"),
            ("not base64!", "not base64"),
            (&STANDARD.encode([1u8; 16])[..], "16 bytes"),
            (&STANDARD.encode([1u8; 33])[..], "33 bytes"),
        ] {
            let message = SecretKey::from_base64("WEBHOOKS_SECRET_KEY", bad)
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("WEBHOOKS_SECRET_KEY") && message.contains(expected),
                "{message}"
            );
        }
        // The key itself never shows in Debug.
        let debug = format!("{key:?}");
        assert!(
            !debug.contains("9, 9") && debug.contains(&key.fingerprint()),
            "{debug}"
        );
    }

    #[test]
    fn a_missing_key_file_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("webhooks-secrets.key");
        let (first, created) = SecretKey::load_or_create(&path).unwrap();
        assert!(created);
        let (again, created) = SecretKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(first.bytes, again.bytes);
        assert_eq!(SecretKey::read_file(&path).unwrap().bytes, first.bytes);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = SecretKey::read_file(&path).unwrap_err();
            assert!(matches!(error, KeyError::Permissions { .. }), "{error:?}");
            assert!(error.to_string().contains("chmod 600"));
        }
        // A given file that does not exist is an error, never a new key.
        let missing = dir.path().join("missing.key");
        let error = SecretKey::read_file(&missing).unwrap_err();
        assert!(error.to_string().contains("missing.key"), "{error}");
        assert!(!missing.exists());
    }
}
