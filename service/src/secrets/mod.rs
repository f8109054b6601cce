//! Webhook secrets at rest: sealed with XChaCha20-Poly1305 under a key the operator gives
//! (`WEBHOOKS_SECRET_KEY` or `--secret-key-file`, see `key`), so a copy of the database alone
//! does not sign deliveries.
//!
//! A sealed value is text: [`SEALED_V1`] and the unpadded base64url of a random 24-byte nonce
//! followed by the ciphertext and its tag. The webhook's id is the associated data, so a value
//! moved to another row does not open. It is not bound to its column: a rotation moves the
//! current secret to `previous_secret` in one SQL statement, without opening it. The version in
//! the prefix leaves room for another key or algorithm later. Text without the `sealed:` prefix
//! is a secret stored in plain text before this existed; it reads as it is until the start-up
//! migration (`migrate`) seals it.

pub mod key;
mod migrate;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

pub use key::SecretKey;
pub use migrate::{SealReport, seal_plain_secrets};

/// What every sealed value starts with, whatever its version.
pub const SEALED: &str = "sealed:";
/// A value sealed with XChaCha20-Poly1305 under the one configured key.
pub const SEALED_V1: &str = "sealed:v1:";

const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "webhook secrets cannot be read or written here: this process was given no secrets key"
    )]
    NoKey,
    #[error(
        "the stored secret of webhook {webhook} does not open with the secrets key (fingerprint \
         {fingerprint}): either the key is not the one it was sealed with (check \
         WEBHOOKS_SECRET_KEY or --secret-key-file) or the stored value was altered"
    )]
    WrongKey {
        webhook: uuid::Uuid,
        fingerprint: String,
    },
    #[error("the stored secret of webhook {webhook} is not a sealed value: {reason}")]
    Malformed { webhook: uuid::Uuid, reason: String },
    #[error(
        "the stored secret of webhook {webhook} is sealed in a format this version does not \
         know ({prefix:?})"
    )]
    UnknownFormat { webhook: uuid::Uuid, prefix: String },
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    #[error("cannot seal the secret of webhook {0}")]
    Seal(uuid::Uuid),
}

/// Seals and opens webhook secrets; without a key (the operator commands that never touch a
/// secret) both refuse, except for reading a value still in plain text.
#[derive(Clone)]
pub struct Secrets {
    sealer: Option<Arc<Sealer>>,
}

struct Sealer {
    cipher: XChaCha20Poly1305,
    fingerprint: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("key", &self.fingerprint().unwrap_or("none"))
            .finish()
    }
}

impl Secrets {
    pub fn new(key: &SecretKey) -> Secrets {
        Secrets {
            sealer: Some(Arc::new(Sealer {
                cipher: XChaCha20Poly1305::new(key.bytes().into()),
                fingerprint: key.fingerprint(),
            })),
        }
    }

    /// Refuses to seal or open (a store opened by a command that never reads secrets).
    pub fn none() -> Secrets {
        Secrets { sealer: None }
    }

    /// The key's fingerprint (see [`SecretKey::fingerprint`]), when there is a key.
    pub fn fingerprint(&self) -> Option<&str> {
        self.sealer.as_deref().map(|s| s.fingerprint.as_str())
    }

    /// `secret` sealed for the webhook `webhook`, with a fresh random nonce.
    pub fn seal(&self, webhook: uuid::Uuid, secret: &str) -> Result<String, SecretError> {
        let sealer = self.sealer.as_deref().ok_or(SecretError::NoKey)?;
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::getrandom(&mut nonce).map_err(|e| SecretError::Random(e.to_string()))?;
        let aad = associated_data(webhook);
        let ciphertext = sealer
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| SecretError::Seal(webhook))?;
        let mut sealed = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_V1}{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// The secret `stored` holds for the webhook `webhook`: opened when sealed, as it is when
    /// it predates sealing.
    pub fn open(&self, webhook: uuid::Uuid, stored: &str) -> Result<String, SecretError> {
        if !is_sealed(stored) {
            return Ok(stored.to_owned());
        }
        let Some(encoded) = stored.strip_prefix(SEALED_V1) else {
            let prefix: String = stored.chars().take(SEALED.len() + 8).collect();
            return Err(SecretError::UnknownFormat { webhook, prefix });
        };
        let sealer = self.sealer.as_deref().ok_or(SecretError::NoKey)?;
        let malformed = |reason: String| SecretError::Malformed { webhook, reason };
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|e| malformed(format!("not unpadded base64url: {e}")))?;
        if bytes.len() < NONCE_BYTES + TAG_BYTES {
            return Err(malformed(format!(
                "{} bytes, shorter than a nonce and a tag",
                bytes.len()
            )));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let aad = associated_data(webhook);
        let plain = sealer
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SecretError::WrongKey {
                webhook,
                fingerprint: sealer.fingerprint.clone(),
            })?;
        // Only `seal` writes these, from a `&str`: text that is not UTF-8 was not written here.
        String::from_utf8(plain).map_err(|_| malformed("the opened value is not UTF-8".into()))
    }
}

/// Whether a stored value is sealed (in any version) rather than plain text from before.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// What a sealed value is bound to: its webhook, under a label of its own use.
fn associated_data(webhook: uuid::Uuid) -> Vec<u8> {
    let mut aad = b"webhooks secret of ".to_vec();
    aad.extend_from_slice(webhook.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(byte: u8) -> Secrets {
        Secrets::new(&SecretKey::from_bytes([byte; 32]))
    }

    #[test]
    fn a_sealed_secret_opens_for_its_row_only() {
        let box1 = secrets(1);
        let id = uuid::Uuid::new_v4();
        let secret = "whsec_bxwOm0p9Lo87XBqdfi9LbIoNPl97nB4qO0xdbn+AkRI=";
        let sealed = box1.seal(id, secret).unwrap();
        assert!(sealed.starts_with(SEALED_V1), "{sealed}");
        assert!(!sealed.contains(secret));
        assert_eq!(box1.open(id, &sealed).unwrap(), secret);
        // A fresh nonce each time: the same secret never seals to the same text.
        assert_ne!(box1.seal(id, secret).unwrap(), sealed);
        // Unicode and the empty text round-trip too.
        for text in ["", "ünïcödé secret ✓ with spaces and\nlines"] {
            assert_eq!(box1.open(id, &box1.seal(id, text).unwrap()).unwrap(), text);
        }

        // Moved to another row: refused.
        let other = uuid::Uuid::new_v4();
        let error = box1.open(other, &sealed).unwrap_err();
        assert!(matches!(error, SecretError::WrongKey { webhook, .. } if webhook == other));

        // Another key: refused, with a message that says what to check.
        let error = secrets(2).open(id, &sealed).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, SecretError::WrongKey { .. }), "{error:?}");
        assert!(
            message.contains("WEBHOOKS_SECRET_KEY") && message.contains(&id.to_string()),
            "{message}"
        );

        // No key: refused both ways.
        assert!(matches!(
            Secrets::none().open(id, &sealed),
            Err(SecretError::NoKey)
        ));
        assert!(matches!(
            Secrets::none().seal(id, secret),
            Err(SecretError::NoKey)
        ));
    }

    #[test]
    fn tampered_values_are_refused() {
        let box1 = secrets(1);
        let id = uuid::Uuid::new_v4();
        let sealed = box1.seal(id, &"s".repeat(40)).unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(&sealed[SEALED_V1.len()..]).unwrap();
        // Every single flipped bit, in the nonce, the ciphertext or the tag.
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut changed = bytes.clone();
                changed[at] ^= 1 << bit;
                let text = format!("{SEALED_V1}{}", URL_SAFE_NO_PAD.encode(&changed));
                assert!(
                    matches!(box1.open(id, &text), Err(SecretError::WrongKey { .. })),
                    "{at}/{bit}"
                );
            }
        }
        // Cut short, or not base64 at all.
        for text in [
            format!(
                "{SEALED_V1}{}",
                URL_SAFE_NO_PAD.encode(&bytes[..NONCE_BYTES + 15])
            ),
            format!(
                "{SEALED_V1}{}",
                URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1])
            ),
            format!("{SEALED_V1}***"),
            SEALED_V1.to_owned(),
        ] {
            assert!(box1.open(id, &text).is_err(), "{text}");
        }
        assert!(matches!(
            box1.open(id, &format!("{SEALED_V1}***")),
            Err(SecretError::Malformed { .. })
        ));
        // A version this build does not know.
        let future = sealed.replacen("sealed:v1:", "sealed:v9:", 1);
        assert!(matches!(
            box1.open(id, &future),
            Err(SecretError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn plain_text_from_before_sealing_reads_as_it_is() {
        let id = uuid::Uuid::new_v4();
        for plain in [
            "s".repeat(32),
            "v1:abc-looks-versioned-but-is-plain-text".to_owned(),
        ] {
            assert!(!is_sealed(&plain));
            assert_eq!(secrets(1).open(id, &plain).unwrap(), plain);
            assert_eq!(Secrets::none().open(id, &plain).unwrap(), plain);
        }
    }

    #[test]
    fn debug_shows_no_key() {
        let text = format!("{:?}", secrets(7));
        assert!(
            text.contains("Secrets") && !text.contains("[7, 7"),
            "{text}"
        );
    }
}
