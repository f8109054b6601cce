//! Verifying Webhooks API deliveries, for receivers (and the signing half the service uses).
//!
//! Every delivery is signed with the webhook's secret in two ways:
//!
//! - **Standard Webhooks** (<https://www.standardwebhooks.com/>, as used by Svix and others):
//!   `webhook-id` (the delivery's message id), `webhook-timestamp` (Unix seconds) and
//!   `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. The header may
//!   list several space-separated signatures (one per secret during a rotation); a receiver
//!   accepts the delivery when one matches and refuses timestamps more than five minutes off,
//!   which is what stops a captured delivery from being replayed later.
//! - **Legacy**: `Signature: sha256=<lowercase hex HMAC-SHA256 of the body>`, the only header of
//!   older deliveries. It covers no time, so it cannot detect replays.
//!
//! [`Verifier::verify`] prefers the first and falls back to the second;
//! [`Verifier::standard_only`] turns the fallback off.
//!
//! # Secrets
//!
//! A secret is the text the API shows. [`Secret::new`] keys the legacy scheme with its UTF-8
//! bytes, always. For Standard Webhooks, a `whsec_` + base64 text (what the service generates)
//! is keyed with the decoded bytes, like every Standard Webhooks library does; any other text,
//! such as a plain secret chosen by the caller, is keyed with its UTF-8 bytes.
//!
//! So a receiver that uses this crate passes the secret text as it is. A receiver that uses
//! another Standard Webhooks library passes a `whsec_` secret as it is, but a plain secret `s` as
//! `"whsec_" + base64(s)`, because those libraries base64-decode text (or as raw bytes, where the
//! library takes a key as bytes, like Python's `standardwebhooks`).
//!
//! The two readings of a `whsec_` text agree only when the rest is canonical padded base64
//! (libraries differ on anything else: stray characters, missing padding, non-zero trailing
//! bits). The Webhooks API refuses any other `whsec_` secret, and the secrets it generates are
//! canonical, so every secret it holds keys the same way here and in those libraries; the CI
//! checks that against Python's `standardwebhooks` with real deliveries.
//!
//! # Receiving a delivery
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//!
//! use http::HeaderMap;
//! use webhooks_verify::{Scheme, Secret, Verifier, VerifyError};
//!
//! // Once, at start-up: the secret(s) of the webhook, as the API returned them.
//! let verifier = Verifier::new([Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]);
//!
//! // Per request: the headers and the raw body bytes, before any JSON parsing (re-serialized
//! // JSON would not match the signature).
//! fn handle(verifier: &Verifier, headers: &HeaderMap, body: &[u8], now: SystemTime)
//!     -> Result<Scheme, VerifyError>
//! {
//!     let scheme = verifier.verify(headers, body, now)?;
//!     // ... only now parse `body` and act on it ...
//!     Ok(scheme)
//! }
//!
//! // A delivery as the service sends it (this one is the Standard Webhooks test vector).
//! let mut headers = HeaderMap::new();
//! headers.insert("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse()?);
//! headers.insert("webhook-timestamp", "1614265330".parse()?);
//! headers.insert("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".parse()?);
//! let body = br#"{"test": 2432232314}"#;
//!
//! // Real receivers pass `SystemTime::now()`; the vector was signed at this time.
//! let signed_at = UNIX_EPOCH + Duration::from_secs(1614265330);
//! assert_eq!(handle(&verifier, &headers, body, signed_at), Ok(Scheme::Standard));
//!
//! // The same delivery replayed an hour later is refused.
//! let later = signed_at + Duration::from_secs(3600);
//! assert!(matches!(
//!     handle(&verifier, &headers, body, later),
//!     Err(VerifyError::TimestampTooOld { .. })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With the `axum` feature, `VerifiedBody` does this as an axum extractor.

mod secret;
mod sign;
mod verifier;

#[cfg(feature = "axum")]
mod axum;

pub use secret::{STANDARD_SECRET_PREFIX, Secret};
pub use sign::{LEGACY_PREFIX, STANDARD_VERSION, sign_legacy, sign_standard};
pub use verifier::{DEFAULT_TOLERANCE, Scheme, Verifier, VerifyError};

#[cfg(feature = "axum")]
pub use crate::axum::{VerifiedBody, VerifiedBodyRejection};

/// The Standard Webhooks header carrying the delivery's message id.
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// The Standard Webhooks header carrying the attempt's time in Unix seconds.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The Standard Webhooks header carrying the space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";
/// The legacy header carrying `sha256=<hex>` (sent as `Signature`; header names are
/// case-insensitive, and `http` stores them in lowercase).
pub const LEGACY_SIGNATURE_HEADER: &str = "signature";
