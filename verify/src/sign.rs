//! Producing signatures: what the service sends, and what verification recomputes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::Secret;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The prefix of the legacy `Signature` header's value.
pub const LEGACY_PREFIX: &str = "sha256=";

/// The Standard Webhooks version identifier of an HMAC-SHA256 signature.
pub const STANDARD_VERSION: &str = "v1";

/// The length of an HMAC-SHA256 tag; a signature of any other length cannot match.
pub(crate) const TAG_LEN: usize = 32;

pub(crate) fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC hashes long keys and pads short ones, so no key length is refused.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// The MAC state after the legacy content: the raw body.
pub(crate) fn legacy_mac(secret: &Secret, body: &[u8]) -> HmacSha256 {
    let mut mac = keyed(secret.legacy_key());
    mac.update(body);
    mac
}

/// The MAC state after the Standard Webhooks content: `{id}.{timestamp}.{body}`.
pub(crate) fn standard_mac(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = keyed(secret.standard_key());
    mac.update(id.as_bytes());
    mac.update(b".");
    // The decimal form without leading zeros, as the reference implementations sign it.
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The legacy `Signature` header value for `body`: `sha256=` and the lowercase hex HMAC-SHA256
/// of the exact body bytes under the secret's legacy key (its text's UTF-8 bytes).
pub fn sign_legacy(secret: &Secret, body: &[u8]) -> String {
    let tag = legacy_mac(secret, body).finalize().into_bytes();
    format!("{LEGACY_PREFIX}{}", hex::encode(tag))
}

/// One Standard Webhooks `webhook-signature` entry: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` under the secret's Standard Webhooks key.
///
/// `id` goes into the `webhook-id` header and `timestamp` (Unix seconds) into
/// `webhook-timestamp`. The id must not contain `.`: the full stop is the content's delimiter, so
/// a dot in the id would let a signature be re-read with a different split. During a secret
/// rotation, send one entry per secret joined by a space.
pub fn sign_standard(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = standard_mac(secret, id, timestamp, body)
        .finalize()
        .into_bytes();
    format!("{STANDARD_VERSION},{}", STANDARD.encode(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_rfc_4231_case_2() {
        // Key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign_legacy(&Secret::new("Jefe"), b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn legacy_keys_whsec_text_as_it_is() {
        // Today's receivers key with the whole text, prefix included.
        let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let mut mac = keyed(text.as_bytes());
        mac.update(b"{}");
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(sign_legacy(&Secret::new(text), b"{}"), expected);
    }

    #[test]
    fn standard_vector_from_the_python_and_javascript_libraries() {
        assert_eq!(
            sign_standard(
                &Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#,
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn standard_vector_from_the_rust_library() {
        assert_eq!(
            sign_standard(
                &Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                br#"{"email":"test@example.com","username":"test_user"}"#,
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn plain_secret_signs_like_whsec_of_its_base64() {
        // What the crate docs promise receivers using a Standard Webhooks library.
        let text = "a caller-given plain secret";
        let wrapped = format!("whsec_{}", STANDARD.encode(text));
        let body = br#"{"eventType":"x"}"#;
        assert_eq!(
            sign_standard(&Secret::new(text), "msg_1", 1_700_000_000, body),
            sign_standard(&Secret::new(&wrapped), "msg_1", 1_700_000_000, body)
        );
    }
}
