//! A webhook's secret and the two keys derived from it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The prefix Standard Webhooks gives a base64-encoded symmetric secret.
pub const STANDARD_SECRET_PREFIX: &str = "whsec_";

/// A webhook's secret, as the text the Webhooks API stores and shows.
///
/// One text yields two HMAC keys:
///
/// - the **legacy** key (for the `Signature` header) is always the UTF-8 bytes of the whole text,
///   so every secret in use today keeps signing exactly as before;
/// - the **Standard Webhooks** key is the decoded bytes when the text is `whsec_` followed by
///   valid standard (padded) base64, and the UTF-8 bytes of the whole text otherwise.
///
/// `Debug` prints no key material, so a `Secret` may sit inside structs that get logged.
#[derive(Clone)]
pub struct Secret {
    legacy: Box<[u8]>,
    standard: Box<[u8]>,
}

impl Secret {
    /// The keys for the secret `text`. Never fails: text that is not `whsec_` + base64 is used as
    /// it is, which is how a caller-given plain secret keeps working for both schemes.
    pub fn new(text: &str) -> Self {
        let legacy: Box<[u8]> = text.as_bytes().into();
        let standard = text
            .strip_prefix(STANDARD_SECRET_PREFIX)
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .map_or_else(|| legacy.clone(), Vec::into_boxed_slice);
        Self { legacy, standard }
    }

    /// The key of the legacy `Signature` header.
    pub(crate) fn legacy_key(&self) -> &[u8] {
        &self.legacy
    }

    /// The key of the Standard Webhooks `webhook-signature` header.
    pub(crate) fn standard_key(&self) -> &[u8] {
        &self.standard
    }
}

impl From<&str> for Secret {
    /// Same as [`Secret::new`].
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl fmt::Debug for Secret {
    // Keys never reach logs, not even their length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whsec_base64_decodes_for_the_standard_key_only() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert_eq!(
            secret.standard_key(),
            STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        );
        assert_eq!(
            secret.legacy_key(),
            b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
    }

    #[test]
    fn plain_text_is_both_keys() {
        let secret = Secret::new("correct horse battery staple");
        assert_eq!(secret.legacy_key(), b"correct horse battery staple");
        assert_eq!(secret.standard_key(), b"correct horse battery staple");
    }

    #[test]
    fn base64_without_the_prefix_is_not_decoded() {
        let secret = Secret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert_eq!(secret.standard_key(), b"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn prefix_with_invalid_base64_is_plain_text() {
        // Not base64 at all, missing padding, and URL-safe alphabet: none is *standard* base64.
        for text in [
            "whsec_not base64!",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
            "whsec_ab-_",
        ] {
            let secret = Secret::new(text);
            assert_eq!(secret.standard_key(), text.as_bytes(), "{text}");
            assert_eq!(secret.legacy_key(), text.as_bytes(), "{text}");
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let shown = format!(
            "{:?}",
            Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        );
        assert_eq!(shown, "Secret { .. }");
        let shown = format!("{:#?}", Secret::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
