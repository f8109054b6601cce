//! The signature headers of one delivery attempt. The signing math is `webhooks-verify`'s, the
//! crate receivers verify with, so the sender and the receivers' check cannot drift apart.
//!
//! - `Signature: sha256=<lowercase hex HMAC-SHA256 of the body>`, keyed with the UTF-8 bytes of
//!   the current secret (the platform's original contract, unchanged).
//! - Standard Webhooks: `webhook-id` (the delivery's `messageId`), `webhook-timestamp` (Unix
//!   seconds of this attempt) and `webhook-signature`: one `v1,<base64>` entry per signing
//!   secret, the current one first, then a rotated-out one during its grace period. How a
//!   secret's text becomes its keys is `webhooks_verify::Secret`'s rule.

use webhooks_verify::{Secret, sign_legacy, sign_standard};

/// The legacy header.
pub const HEADER: &str = "Signature";
/// The Standard Webhooks headers (lowercase, as the specification writes them).
pub use webhooks_verify::{WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER};

/// The headers that sign one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `Signature`.
    pub legacy: String,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: String,
    /// `webhook-signature`.
    pub signatures: String,
}

/// Signs `body` for an attempt at `timestamp` (Unix seconds). `secrets` are the texts that sign,
/// the current one first; the legacy header uses that one alone. `None` when `secrets` is empty.
pub fn sign<'a>(
    mut secrets: impl Iterator<Item = &'a str>,
    message_id: uuid::Uuid,
    timestamp: i64,
    body: &[u8],
) -> Option<Signed> {
    let current = Secret::new(secrets.next()?);
    // Hyphenated lowercase, as in the body's `messageId`: receivers can match the two.
    let id = message_id.to_string();
    let mut signatures = sign_standard(&current, &id, timestamp, body);
    for other in secrets {
        signatures.push(' ');
        signatures.push_str(&sign_standard(&Secret::new(other), &id, timestamp, body));
    }
    Some(Signed {
        legacy: sign_legacy(&current, body),
        id,
        timestamp: timestamp.to_string(),
        signatures,
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use axum::http::HeaderMap;
    use webhooks_verify::{Scheme, Verifier, VerifyError};

    use super::*;

    const BODY: &[u8] = br#"{"eventType":"iModels.iModelDeleted.v1"}"#;
    const TS: i64 = 1_700_000_000;

    fn headers(signed: &Signed) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, signed.legacy.parse().unwrap());
        headers.insert(WEBHOOK_ID_HEADER, signed.id.parse().unwrap());
        headers.insert(WEBHOOK_TIMESTAMP_HEADER, signed.timestamp.parse().unwrap());
        headers.insert(WEBHOOK_SIGNATURE_HEADER, signed.signatures.parse().unwrap());
        headers
    }

    #[test]
    fn legacy_header_is_unchanged() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?". The header
        // the platform always sent, byte for byte.
        let signed = sign(
            ["Jefe"].into_iter(),
            uuid::Uuid::nil(),
            TS,
            b"what do ya want for nothing?",
        )
        .unwrap();
        assert_eq!(
            signed.legacy,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn one_secret_one_entry_that_verifies() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = uuid::Uuid::from_u128(7);
        let signed = sign([secret].into_iter(), id, TS, BODY).unwrap();
        assert_eq!(signed.id, "00000000-0000-0000-0000-000000000007");
        assert_eq!(signed.timestamp, "1700000000");
        assert_eq!(signed.signatures.split(' ').count(), 1);
        let now = UNIX_EPOCH + Duration::from_secs(TS as u64);
        let verifier = Verifier::new([Secret::new(secret)]).standard_only();
        assert_eq!(
            verifier.verify(&headers(&signed), BODY, now),
            Ok(Scheme::Standard)
        );
        assert_eq!(verifier.verify_legacy(&signed.legacy, BODY), Ok(()));
    }

    #[test]
    fn rotation_signs_new_first_and_legacy_with_the_new_only() {
        let new = "whsec_Q2hhbmdlIG1lOiB0aGlzIGlzIGFuIGV4YW1wbGUgc2VjcmV0Lg==";
        let old = "a caller-given plain secret of 32+ chars";
        let signed = sign([new, old].into_iter(), uuid::Uuid::from_u128(9), TS, BODY).unwrap();
        let entries: Vec<&str> = signed.signatures.split(' ').collect();
        let id = signed.id.as_str();
        assert_eq!(
            entries,
            [
                sign_standard(&Secret::new(new), id, TS, BODY),
                sign_standard(&Secret::new(old), id, TS, BODY),
            ]
        );
        let now = UNIX_EPOCH + Duration::from_secs(TS as u64);
        for secret in [new, old] {
            let verifier = Verifier::new([Secret::new(secret)]).standard_only();
            assert_eq!(
                verifier.verify(&headers(&signed), BODY, now),
                Ok(Scheme::Standard),
                "{secret}"
            );
        }
        assert_eq!(signed.legacy, sign_legacy(&Secret::new(new), BODY));
        assert_eq!(
            Verifier::new([Secret::new(old)]).verify_legacy(&signed.legacy, BODY),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn no_secret_no_signature() {
        assert_eq!(sign(std::iter::empty(), uuid::Uuid::nil(), TS, BODY), None);
    }
}
