//! Tokens whose signature and claims were already checked, so that a client's next request with
//! the same token skips the parsing and the signature check (an RS256 or ES256 verification
//! costs tens of microseconds; a client sends the same token for its whole lifetime).
//!
//! An entry holds what the checks found and the key that verified it. It is used only while
//! that same key is still the one the current key set gives for the token's `kid`: a JWKS
//! reload (after its time to live, or for an unknown `kid`) makes new keys, so tokens are
//! verified again against them, and a key the provider removed verifies nothing from then on.
//! The lifetime (`exp`, `nbf`) is checked again on every use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::Caller;
use super::keys::VerifyKey;

/// How many tokens are kept at most; when full, expired ones go, and if that is not enough,
/// all of them.
const CAPACITY: usize = 10_000;

/// What checking one token found.
pub(super) struct Verified {
    /// The `kid` of its header, and the key that verified it.
    pub kid: Option<String>,
    pub key: Arc<VerifyKey>,
    pub caller: Caller,
    pub scopes: Vec<String>,
    /// `exp` and `nbf`, seconds since the epoch.
    pub expires: u64,
    pub not_before: Option<u64>,
}

impl Verified {
    /// Within its lifetime at `now` (seconds since the epoch), allowing `leeway` seconds of
    /// clock skew either way, as the first check did.
    pub fn is_current(&self, now: u64, leeway: u64) -> bool {
        // The same comparisons as jsonwebtoken's `Validation`: expired once `exp` is more than
        // `leeway` in the past, not yet valid while `nbf` is more than `leeway` ahead.
        now <= self.expires.saturating_add(leeway)
            && self
                .not_before
                .is_none_or(|nbf| now.saturating_add(leeway) >= nbf)
    }

    pub fn grants(&self, scopes: &[&str]) -> bool {
        scopes
            .iter()
            .all(|wanted| self.scopes.iter().any(|granted| granted == wanted))
    }
}

/// Verified tokens by their text.
#[derive(Default)]
pub(super) struct VerifiedTokens {
    entries: Mutex<HashMap<Box<str>, Arc<Verified>>>,
}

impl VerifiedTokens {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Arc<Verified>>> {
        // Every statement leaves the map whole, so a panic elsewhere leaves it usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, token: &str) -> Option<Arc<Verified>> {
        self.entries().get(token).cloned()
    }

    /// Keeps `verified` for `token`; `now` and `leeway` decide which entries have expired when
    /// room is needed.
    pub fn keep(&self, token: &str, verified: Verified, now: u64, leeway: u64) {
        let mut entries = self.entries();
        if entries.len() >= CAPACITY && !entries.contains_key(token) {
            entries.retain(|_, entry| entry.is_current(now, leeway));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(token.into(), Arc::new(verified));
    }

    /// Forgets `token` (its key is no longer the current one).
    pub fn forget(&self, token: &str) {
        self.entries().remove(token);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(expires: u64, not_before: Option<u64>, scopes: &[&str]) -> Verified {
        Verified {
            kid: None,
            key: Arc::new(VerifyKey {
                key: jsonwebtoken::DecodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
                algorithms: vec![jsonwebtoken::Algorithm::HS256],
            }),
            caller: Caller {
                client_id: "alice".to_owned(),
                org_admin: false,
            },
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires,
            not_before,
        }
    }

    #[test]
    fn lifetime_is_checked_with_the_leeway() {
        let entry = verified(1_000, Some(500), &[]);
        assert!(entry.is_current(1_000, 0));
        assert!(!entry.is_current(1_001, 0));
        assert!(entry.is_current(1_030, 30));
        assert!(!entry.is_current(1_031, 30));
        assert!(!entry.is_current(499, 0));
        assert!(entry.is_current(480, 30));
    }

    #[test]
    fn every_wanted_scope_must_be_granted() {
        let entry = verified(1_000, None, &["webhooks:read", "webhooks:modify"]);
        assert!(entry.grants(&[]));
        assert!(entry.grants(&["webhooks:read"]));
        assert!(entry.grants(&["webhooks:modify", "webhooks:read"]));
        assert!(!entry.grants(&["webhooks:read", "events:publish"]));
    }

    #[test]
    fn stays_within_its_capacity_dropping_expired_tokens_first() {
        let tokens = VerifiedTokens::default();
        for i in 0..CAPACITY {
            // Half of them expired before 100.
            let expires = if i % 2 == 0 { 50 } else { 1_000 };
            tokens.keep(&format!("t{i}"), verified(expires, None, &[]), 100, 0);
        }
        assert_eq!(tokens.len(), CAPACITY);
        tokens.keep("new", verified(1_000, None, &[]), 100, 0);
        assert_eq!(tokens.len(), CAPACITY / 2 + 1);
        assert!(tokens.get("t1").is_some());
        assert!(tokens.get("t0").is_none());
    }
}
