//! Pagination: `$top` and opaque, tamper-evident `$continuationToken`s.
//!
//! A list is read in keyset order (`created`, then `id`), so a page starts strictly after the
//! last row of the page before, whatever was inserted or deleted meanwhile: a walk returns every
//! row that existed for the whole walk exactly once. The token carries that position, and the
//! list it belongs to (the caller, the list's name and its filters), as base64url JSON followed
//! by `.` and the base64url HMAC-SHA256 of that text under a key the service keeps in its
//! database (`service_keys`, made once, shared by every process). A token that was altered, made
//! for another caller or another list (other filters), or is not a token at all is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::{Store, StoreError};

/// `$top` when the request gives none.
pub const DEFAULT_TOP: i64 = 100;
/// The largest `$top`.
pub const MAX_TOP: i64 = 1000;

/// The page size `top` asks for, or `None` when it is out of range.
pub fn page_size(top: Option<i64>) -> Option<i64> {
    match top {
        None => Some(DEFAULT_TOP),
        Some(top) if (1..=MAX_TOP).contains(&top) => Some(top),
        Some(_) => None,
    }
}

pub use crate::store::Position;

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    /// The list the token belongs to: caller, name and filters.
    l: String,
    /// The last row's creation time (store text) and id.
    c: String,
    i: uuid::Uuid,
}

/// Makes and checks continuation tokens under one key.
#[derive(Clone)]
pub struct Tokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(key: Vec<u8>) -> Self {
        Tokens { key }
    }

    fn mac(&self, text: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(b"webhooks continuation token v1\n");
        mac.update(text.as_bytes());
        mac
    }

    /// The token for the page after `last` in `list`.
    pub fn issue(&self, list: &str, last: &Position) -> String {
        let payload = Payload {
            l: list.to_owned(),
            c: crate::store::timestamp(last.created),
            i: last.id,
        };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let text = URL_SAFE_NO_PAD.encode(json);
        let tag = URL_SAFE_NO_PAD.encode(self.mac(&text).finalize().into_bytes());
        format!("{text}.{tag}")
    }

    /// The position `token` names, when this service issued it for `list` unaltered.
    pub fn check(&self, list: &str, token: &str) -> Option<Position> {
        let (text, tag) = token.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        // Constant-time comparison.
        self.mac(text).verify_slice(&tag).ok()?;
        let json = URL_SAFE_NO_PAD.decode(text).ok()?;
        let payload: Payload = serde_json::from_slice(&json).ok()?;
        if payload.l != list {
            return None;
        }
        let created = DateTime::parse_from_rfc3339(&payload.c).ok()?.to_utc();
        Some(Position {
            created,
            id: payload.i,
        })
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl Store {
    /// The continuation-token key: read, or made and stored by the first process that asks
    /// (concurrent first askers agree: the insert that loses changes nothing, and all read the
    /// row that won).
    pub async fn token_key(&self) -> Result<Vec<u8>, StoreError> {
        let mut fresh = [0u8; 32];
        getrandom::getrandom(&mut fresh).map_err(|e| StoreError::Unstorable(e.to_string()))?;
        sqlx::query(
            "INSERT INTO service_keys (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind("continuation-token")
        .bind(URL_SAFE_NO_PAD.encode(fresh))
        .execute(&mut *self.write_conn().await?)
        .await?;
        let secret: String = sqlx::query_scalar("SELECT secret FROM service_keys WHERE name = $1")
            .bind("continuation-token")
            .fetch_one(&self.pool)
            .await?;
        URL_SAFE_NO_PAD
            .decode(secret)
            .map_err(|e| StoreError::Corrupt(format!("continuation-token key: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position() -> Position {
        Position {
            created: crate::store::now(),
            id: uuid::Uuid::new_v4(),
        }
    }

    #[test]
    fn a_token_names_its_position_in_its_own_list_only() {
        let tokens = Tokens::new(b"key one".to_vec());
        let at = position();
        let token = tokens.issue("webhooks\nalice", &at);
        assert_eq!(tokens.check("webhooks\nalice", &token), Some(at));
        assert_eq!(tokens.check("webhooks\nbob", &token), None);
        assert_eq!(
            Tokens::new(b"key two".to_vec()).check("webhooks\nalice", &token),
            None
        );
    }

    #[test]
    fn altered_and_garbage_tokens_are_refused() {
        let tokens = Tokens::new(b"key".to_vec());
        let token = tokens.issue("l", &position());
        let (text, tag) = token.split_once('.').unwrap();
        // Every single-character change of the text or the tag is caught.
        for (i, c) in token.char_indices() {
            if c == '.' {
                continue;
            }
            let other = if c == 'A' { 'B' } else { 'A' };
            let mut altered = token.clone();
            altered.replace_range(i..i + c.len_utf8(), &other.to_string());
            assert_eq!(tokens.check("l", &altered), None, "{altered}");
        }
        // A payload re-encoded with another position but the old tag.
        let forged = URL_SAFE_NO_PAD.encode(br#"{"l":"l","c":"2000-01-01T00:00:00.000000Z","i":"00000000-0000-0000-0000-000000000000"}"#);
        assert_eq!(tokens.check("l", &format!("{forged}.{tag}")), None);
        for garbage in [
            "",
            ".",
            "x",
            "x.y",
            &format!("{text}."),
            &format!(".{tag}"),
            "%%%.%%%",
        ] {
            assert_eq!(tokens.check("l", garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn top_is_bounded() {
        assert_eq!(page_size(None), Some(DEFAULT_TOP));
        assert_eq!(page_size(Some(1)), Some(1));
        assert_eq!(page_size(Some(MAX_TOP)), Some(MAX_TOP));
        assert_eq!(page_size(Some(0)), None);
        assert_eq!(page_size(Some(-5)), None);
        assert_eq!(page_size(Some(MAX_TOP + 1)), None);
    }
}
