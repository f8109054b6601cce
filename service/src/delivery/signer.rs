//! The `Signature` header: `sha256=` and the lowercase hex HMAC-SHA256 of the exact body bytes,
//! keyed with the webhook's secret (its UTF-8 bytes).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The name of the header that carries the signature.
pub const HEADER: &str = "Signature";

const PREFIX: &str = "sha256=";

/// HMAC takes keys of any length, so the library's key-length error never happens; it is still
/// passed on as a value rather than unwrapped.
#[derive(Debug, thiserror::Error)]
#[error("the secret is not a usable HMAC key")]
pub struct KeyError;

fn keyed(secret: &[u8], body: &[u8]) -> Result<HmacSha256, KeyError> {
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| KeyError)?;
    mac.update(body);
    Ok(mac)
}

/// The header value for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> Result<String, KeyError> {
    let mac = keyed(secret, body)?;
    Ok(format!(
        "{PREFIX}{}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

/// Whether `header` is the signature of `body` under `secret`. The comparison of the MAC runs in
/// constant time, so a forger learns nothing from how long a refusal takes.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_mac) = header.trim().strip_prefix(PREFIX) else {
        return false;
    };
    // Upper-case hex is not what we send; refusing it keeps one accepted spelling.
    if hex_mac.bytes().any(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let Ok(expected) = hex::decode(hex_mac) else {
        return false;
    };
    keyed(secret, body).is_ok_and(|mac| mac.verify_slice(&expected).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?").unwrap(),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_accepts_own_signature_and_nothing_else() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let body = br#"{"eventType":"iModels.iModelDeleted.v1"}"#;
        let header = sign(secret, body).unwrap();
        assert!(verify(secret, body, &header));
        assert!(!verify(b"another secret, just as long!!!!", body, &header));
        assert!(!verify(secret, b"{}", &header));
        assert!(!verify(secret, body, &header.to_uppercase()));
        assert!(!verify(secret, body, header.trim_start_matches("sha256=")));
        assert!(!verify(secret, body, "sha256=zz"));
        assert!(!verify(secret, body, "sha256="));
        assert!(!verify(secret, body, ""));
        let truncated = &header[..header.len() - 2];
        assert!(!verify(secret, body, truncated));
    }
}
