//! Checking a delivery: the secrets a receiver trusts, the timestamp window, both header schemes.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use http::HeaderMap;

use crate::sign::{self, HmacSha256, LEGACY_PREFIX, STANDARD_VERSION, TAG_LEN};
use crate::{
    LEGACY_SIGNATURE_HEADER, Secret, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER,
};

/// How far `webhook-timestamp` may be from the receiver's clock, either way, unless
/// [`Verifier::with_tolerance`] says otherwise: five minutes, as Standard Webhooks recommends.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Which signature a delivery was accepted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `webhook-id`, `webhook-timestamp` and `webhook-signature`: body, id and time are signed.
    Standard,
    /// `Signature: sha256=<hex>`: only the body is signed, so a replay is not detected.
    Legacy,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A header the scheme needs is absent (its lowercase name).
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header's value is not visible ASCII, so it cannot be what the service sent.
    #[error("header {0} is not visible ASCII")]
    MalformedHeader(&'static str),
    /// `webhook-timestamp` is not a decimal number of Unix seconds.
    #[error("webhook-timestamp is not a number of Unix seconds")]
    MalformedTimestamp,
    /// `webhook-timestamp` is further in the past than the tolerance: possibly a replay.
    #[error("webhook-timestamp is {}s in the past, beyond the tolerance", .off.as_secs())]
    TimestampTooOld {
        /// How far before the receiver's clock the timestamp is.
        off: Duration,
    },
    /// `webhook-timestamp` is further in the future than the tolerance.
    #[error("webhook-timestamp is {}s in the future, beyond the tolerance", .off.as_secs())]
    TimestampTooNew {
        /// How far after the receiver's clock the timestamp is.
        off: Duration,
    },
    /// The signature header has no usable signature: empty, an entry without `version,`, a `v1`
    /// value that is not standard base64 of 32 bytes, or a `Signature` that is not `sha256=` and
    /// 64 lowercase hex digits. Reported only when no other entry matched.
    #[error("malformed signature header")]
    MalformedSignature,
    /// The signatures are well formed but none is the signature of this delivery under any of
    /// the secrets (entries of other versions, such as `v1a`, are skipped).
    #[error("no signature matches")]
    NoMatchingSignature,
}

/// What a receiver needs to check deliveries: the secrets it trusts and the timestamp tolerance.
///
/// Several secrets are for rotation: a delivery is accepted when any of them matches any of its
/// signatures. Cloning is cheap (the secrets are shared), so a `Verifier` can live in axum state.
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Arc<[Secret]>,
    tolerance: Duration,
    legacy_fallback: bool,
}

impl Verifier {
    /// A verifier that trusts `secrets`, with the [`DEFAULT_TOLERANCE`] and the legacy fallback
    /// of [`Verifier::verify`] on. With no secrets, every delivery is refused.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self {
            secrets: secrets.into_iter().collect(),
            tolerance: DEFAULT_TOLERANCE,
            legacy_fallback: true,
        }
    }

    /// The same verifier accepting `webhook-timestamp` up to `tolerance` away from the clock.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The same verifier whose [`Verifier::verify`] refuses deliveries without the Standard
    /// Webhooks headers instead of falling back to `Signature`.
    ///
    /// Worth turning on once the sender sends both: the legacy signature does not cover a time,
    /// so otherwise someone who captured a delivery can replay it with the `webhook-*` headers
    /// stripped.
    pub fn standard_only(mut self) -> Self {
        self.legacy_fallback = false;
        self
    }

    /// The accepted distance between `webhook-timestamp` and the clock.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Checks a delivery's Standard Webhooks headers against `body` (the raw bytes, before any
    /// JSON parsing). `now` is the receiver's clock, a parameter so that tests can fix it.
    ///
    /// The timestamp is checked first, then each `v1,` entry of the space-separated
    /// `signature_header` against each secret; entries of other versions are skipped. Tags are
    /// compared in constant time.
    pub fn verify_standard(
        &self,
        id: &str,
        timestamp_header: &str,
        signature_header: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), VerifyError> {
        let timestamp = parse_timestamp(timestamp_header)?;
        self.check_window(timestamp, now)?;
        let macs: Vec<HmacSha256> = self
            .secrets
            .iter()
            .map(|secret| sign::standard_mac(secret, id, timestamp, body))
            .collect();

        let mut malformed = false;
        let mut entries = 0;
        for entry in signature_header.split_ascii_whitespace() {
            entries += 1;
            let Some((version, encoded)) = entry.split_once(',') else {
                malformed = true;
                continue;
            };
            if version != STANDARD_VERSION {
                // v1a (ed25519) or a future version: another verifier's business.
                continue;
            }
            let Some(tag) = STANDARD.decode(encoded).ok().filter(|t| t.len() == TAG_LEN) else {
                malformed = true;
                continue;
            };
            if matches_any(&macs, &tag) {
                return Ok(());
            }
        }
        if malformed || entries == 0 {
            Err(VerifyError::MalformedSignature)
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }

    /// Checks a legacy `Signature` header (`sha256=` and lowercase hex) against `body`.
    ///
    /// The same rules as the service: surrounding whitespace is ignored, upper-case hex is
    /// refused (one accepted spelling), and the comparison runs in constant time.
    pub fn verify_legacy(&self, signature_header: &str, body: &[u8]) -> Result<(), VerifyError> {
        let tag = signature_header
            .trim()
            .strip_prefix(LEGACY_PREFIX)
            .filter(|hex| !hex.bytes().any(|b| b.is_ascii_uppercase()))
            .and_then(|hex| hex::decode(hex).ok())
            .filter(|tag| tag.len() == TAG_LEN)
            .ok_or(VerifyError::MalformedSignature)?;
        let macs: Vec<HmacSha256> = self
            .secrets
            .iter()
            .map(|secret| sign::legacy_mac(secret, body))
            .collect();
        if matches_any(&macs, &tag) {
            Ok(())
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }

    /// Checks a delivery from its headers: the Standard Webhooks headers when any of them is
    /// present (then all three are required), otherwise `Signature` (unless
    /// [`Verifier::standard_only`]). Says which scheme accepted it.
    ///
    /// A delivery with none of them is refused as missing `webhook-signature`.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Scheme, VerifyError> {
        let standard = [
            WEBHOOK_ID_HEADER,
            WEBHOOK_TIMESTAMP_HEADER,
            WEBHOOK_SIGNATURE_HEADER,
        ];
        if standard.iter().any(|name| headers.contains_key(*name)) || !self.legacy_fallback {
            let id = header(headers, WEBHOOK_ID_HEADER)?;
            let timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER)?;
            let signature = header(headers, WEBHOOK_SIGNATURE_HEADER)?;
            self.verify_standard(id, timestamp, signature, body, now)?;
            return Ok(Scheme::Standard);
        }
        if !headers.contains_key(LEGACY_SIGNATURE_HEADER) {
            return Err(VerifyError::MissingHeader(WEBHOOK_SIGNATURE_HEADER));
        }
        let signature = header(headers, LEGACY_SIGNATURE_HEADER)?;
        self.verify_legacy(signature, body)?;
        Ok(Scheme::Legacy)
    }

    fn check_window(&self, timestamp: i64, now: SystemTime) -> Result<(), VerifyError> {
        // Whole seconds, rounded down, as the header carries them: a delivery signed this second
        // is zero seconds old, not a fraction.
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => i128::from(since.as_secs()),
            Err(before) => {
                let before = before.duration();
                -i128::from(before.as_secs()) - i128::from(before.subsec_nanos() > 0)
            }
        };
        let ahead = i128::from(timestamp) - now;
        let off = Duration::from_secs(u64::try_from(ahead.unsigned_abs()).unwrap_or(u64::MAX));
        if off <= self.tolerance {
            Ok(())
        } else if ahead < 0 {
            Err(VerifyError::TimestampTooOld { off })
        } else {
            Err(VerifyError::TimestampTooNew { off })
        }
    }
}

/// Whether `tag` is the result of any of `macs`, each compared in constant time. Every secret is
/// tried even after a match, so the time taken does not tell which secret matched.
fn matches_any(macs: &[HmacSha256], tag: &[u8]) -> bool {
    macs.iter().fold(false, |found, mac| {
        mac.clone().verify_slice(tag).is_ok() | found
    })
}

/// Unix seconds: ASCII digits only (no sign, no fraction, no spaces inside), at most an `i64`.
fn parse_timestamp(text: &str) -> Result<i64, VerifyError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::MalformedTimestamp);
    }
    text.parse().map_err(|_| VerifyError::MalformedTimestamp)
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, VerifyError> {
    headers
        .get(name)
        .ok_or(VerifyError::MissingHeader(name))?
        .to_str()
        .map_err(|_| VerifyError::MalformedHeader(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{sign_legacy, sign_standard};

    // The Python and JavaScript libraries' vector (their tests' `sign function works`).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn at(secs: i64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs.try_into().unwrap())
    }

    fn verifier() -> Verifier {
        Verifier::new([Secret::new(SECRET)])
    }

    #[test]
    fn published_vectors_verify() {
        verifier()
            .verify_standard(ID, "1614265330", SIG, BODY, at(TS))
            .unwrap();
        // The Rust library's vector.
        Verifier::new([Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")])
            .verify_standard(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                "1649367553",
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
                br#"{"email":"test@example.com","username":"test_user"}"#,
                at(1649367553),
            )
            .unwrap();
    }

    #[test]
    fn replay_older_than_the_tolerance_is_refused() {
        let v = verifier();
        // Exactly at the edge is still accepted, one second more is not.
        v.verify_standard(ID, "1614265330", SIG, BODY, at(TS + 300))
            .unwrap();
        assert_eq!(
            v.verify_standard(ID, "1614265330", SIG, BODY, at(TS + 301)),
            Err(VerifyError::TimestampTooOld {
                off: Duration::from_secs(301)
            })
        );
        // A day-old capture, replayed as it was.
        assert_eq!(
            v.verify_standard(ID, "1614265330", SIG, BODY, at(TS + 86_400)),
            Err(VerifyError::TimestampTooOld {
                off: Duration::from_secs(86_400)
            })
        );
        // Sub-second parts of the clock do not count: 300.9 s is 300 s.
        let late = at(TS + 300) + Duration::from_millis(900);
        v.verify_standard(ID, "1614265330", SIG, BODY, late)
            .unwrap();
    }

    #[test]
    fn timestamp_too_far_in_the_future_is_refused() {
        let v = verifier();
        v.verify_standard(ID, "1614265330", SIG, BODY, at(TS - 300))
            .unwrap();
        assert_eq!(
            v.verify_standard(ID, "1614265330", SIG, BODY, at(TS - 301)),
            Err(VerifyError::TimestampTooNew {
                off: Duration::from_secs(301)
            })
        );
    }

    #[test]
    fn tolerance_is_configurable() {
        let v = verifier().with_tolerance(Duration::from_secs(10));
        assert_eq!(v.tolerance(), Duration::from_secs(10));
        assert!(matches!(
            v.verify_standard(ID, "1614265330", SIG, BODY, at(TS + 11)),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        v.verify_standard(ID, "1614265330", SIG, BODY, at(TS + 10))
            .unwrap();
    }

    #[test]
    fn rotation_either_secret_either_entry() {
        let old = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let new = Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
        let header = format!(
            "{} {}",
            sign_standard(&old, ID, TS, BODY),
            sign_standard(&new, ID, TS, BODY)
        );
        for secrets in [vec![old.clone()], vec![new.clone()], vec![new, old]] {
            Verifier::new(secrets)
                .verify_standard(ID, "1614265330", &header, BODY, at(TS))
                .unwrap();
        }
        let stranger = Verifier::new([Secret::new("whsec_c3RyYW5nZXI=")]);
        assert_eq!(
            stranger.verify_standard(ID, "1614265330", &header, BODY, at(TS)),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn unknown_versions_are_skipped() {
        let v = verifier();
        let header = format!(
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== \
             v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {SIG}"
        );
        v.verify_standard(ID, "1614265330", &header, BODY, at(TS))
            .unwrap();
        // Only unknown versions: nothing to check against, which is no match rather than an error
        // in the header.
        assert_eq!(
            v.verify_standard(ID, "1614265330", "v1a,AAAA v2,BBBB", BODY, at(TS)),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn tampering_is_refused() {
        let v = verifier();
        let refused = Err(VerifyError::NoMatchingSignature);
        assert_eq!(
            v.verify_standard(ID, "1614265330", SIG, br#"{"test": 2432232315}"#, at(TS)),
            refused
        );
        assert_eq!(
            v.verify_standard("msg_other", "1614265330", SIG, BODY, at(TS)),
            refused
        );
        assert_eq!(
            v.verify_standard(ID, "1614265331", SIG, BODY, at(TS)),
            refused
        );
        // A valid signature of another delivery.
        let other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
        assert_eq!(
            v.verify_standard(ID, "1614265330", other, BODY, at(TS)),
            refused
        );
    }

    #[test]
    fn malformed_timestamps() {
        let v = verifier();
        for ts in [
            "",
            "hello",
            "-1614265330",
            "+1614265330",
            "1614265330.5",
            "16 14",
            "99999999999999999999",
        ] {
            assert_eq!(
                v.verify_standard(ID, ts, SIG, BODY, at(TS)),
                Err(VerifyError::MalformedTimestamp),
                "{ts:?}"
            );
        }
    }

    #[test]
    fn malformed_signatures() {
        let v = verifier();
        let truncated = &SIG[..8];
        for sig in [
            "",
            "   ",
            "v1,",
            truncated,
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,AAAA",
        ] {
            assert_eq!(
                v.verify_standard(ID, "1614265330", sig, BODY, at(TS)),
                Err(VerifyError::MalformedSignature),
                "{sig:?}"
            );
        }
        // A malformed entry beside a matching one does not spoil it.
        v.verify_standard(ID, "1614265330", &format!("v1,%%% {SIG}"), BODY, at(TS))
            .unwrap();
    }

    #[test]
    fn no_secrets_refuses_everything() {
        assert_eq!(
            Verifier::new([]).verify_standard(ID, "1614265330", SIG, BODY, at(TS)),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn legacy_rules() {
        let v = Verifier::new([Secret::new("Jefe")]);
        let body = b"what do ya want for nothing?";
        let good = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        v.verify_legacy(good, body).unwrap();
        v.verify_legacy(&format!(" {good} "), body).unwrap();
        assert_eq!(
            v.verify_legacy(good, b"what do ya want for nothing!"),
            Err(VerifyError::NoMatchingSignature)
        );
        let upper = format!("sha256={}", good["sha256=".len()..].to_uppercase());
        let truncated = &good[..good.len() - 2];
        for bad in [
            upper.as_str(),
            truncated,
            &good[7..],
            "sha256=zz",
            "sha256=",
            "",
        ] {
            assert_eq!(
                v.verify_legacy(bad, body),
                Err(VerifyError::MalformedSignature),
                "{bad:?}"
            );
        }
        // Rotation applies to the legacy scheme too.
        let rotated = Verifier::new([Secret::new("new secret"), Secret::new("Jefe")]);
        rotated.verify_legacy(good, body).unwrap();
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn verify_prefers_standard_headers() {
        let secret = Secret::new(SECRET);
        let legacy = sign_legacy(&secret, BODY);
        let v = Verifier::new([secret]);
        let both = headers(&[
            ("webhook-id", ID),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", SIG),
            ("signature", &legacy),
        ]);
        assert_eq!(v.verify(&both, BODY, at(TS)), Ok(Scheme::Standard));
        // With the standard headers present, a good legacy signature does not rescue a replay.
        assert!(matches!(
            v.verify(&both, BODY, at(TS + 3600)),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        let only_legacy = headers(&[("Signature", &legacy)]);
        assert_eq!(v.verify(&only_legacy, BODY, at(TS)), Ok(Scheme::Legacy));
        assert_eq!(
            v.clone().standard_only().verify(&only_legacy, BODY, at(TS)),
            Err(VerifyError::MissingHeader("webhook-id"))
        );
    }

    #[test]
    fn verify_missing_and_malformed_headers() {
        let v = verifier();
        assert_eq!(
            v.verify(&HeaderMap::new(), BODY, at(TS)),
            Err(VerifyError::MissingHeader("webhook-signature"))
        );
        let partial = headers(&[("webhook-id", ID), ("webhook-signature", SIG)]);
        assert_eq!(
            v.verify(&partial, BODY, at(TS)),
            Err(VerifyError::MissingHeader("webhook-timestamp"))
        );
        let mut odd = headers(&[
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", SIG),
        ]);
        odd.insert(
            "webhook-id",
            http::HeaderValue::from_bytes(b"msg_\xff").unwrap(),
        );
        assert_eq!(
            v.verify(&odd, BODY, at(TS)),
            Err(VerifyError::MalformedHeader("webhook-id"))
        );
    }

    #[test]
    fn errors_read_clearly() {
        assert_eq!(
            VerifyError::TimestampTooOld {
                off: Duration::from_secs(301)
            }
            .to_string(),
            "webhook-timestamp is 301s in the past, beyond the tolerance"
        );
        assert_eq!(
            VerifyError::MissingHeader("webhook-id").to_string(),
            "missing header webhook-id"
        );
    }
}
