//! How long a loaded JWKS is trusted before it is loaded again: what the identity provider's
//! `Cache-Control` says, kept within sane bounds, or the configured default when it says nothing.

use std::time::Duration;

use reqwest::header::{CACHE_CONTROL, HeaderMap};

/// The shortest time a key set is kept: a provider that asks for no caching (or a very short
/// one) would otherwise be asked on every request.
pub const MIN_JWKS_TTL: Duration = Duration::from_secs(30);
/// The longest time a key set is kept, whatever the provider allows: a key it removes stops
/// verifying within a day at the latest.
pub const MAX_JWKS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a key set is kept when its source says nothing (`--jwks-refresh`).
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(10 * 60);

/// What a JWKS response said about caching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Freshness {
    /// No usable `Cache-Control` (or a file, which has none).
    Unspecified,
    /// `max-age` seconds.
    MaxAge(Duration),
    /// `no-cache` or `no-store`: as short as the service allows.
    NoCache,
}

impl Freshness {
    /// Reads the `Cache-Control` headers of a response. `no-store` and `no-cache` win over a
    /// `max-age` beside them; a `max-age` that is not a number counts as absent.
    pub(super) fn from_headers(headers: &HeaderMap) -> Freshness {
        let mut max_age = None;
        for value in headers.get_all(CACHE_CONTROL) {
            let Ok(text) = value.to_str() else {
                continue;
            };
            for directive in text.split(',') {
                let (name, argument) = match directive.split_once('=') {
                    Some((name, argument)) => (name.trim(), Some(argument.trim())),
                    None => (directive.trim(), None),
                };
                if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                    return Freshness::NoCache;
                }
                if name.eq_ignore_ascii_case("max-age")
                    && let Some(seconds) = argument
                        .map(|a| a.trim_matches('"'))
                        .and_then(|a| a.parse::<u64>().ok())
                {
                    max_age = Some(Duration::from_secs(seconds));
                }
            }
        }
        max_age.map_or(Freshness::Unspecified, Freshness::MaxAge)
    }

    /// How long keys loaded with this freshness are kept, `default` when the source said
    /// nothing; always within [`MIN_JWKS_TTL`, `MAX_JWKS_TTL`].
    pub(super) fn ttl(self, default: Duration) -> Duration {
        let wanted = match self {
            Freshness::Unspecified => default,
            Freshness::MaxAge(age) => age,
            Freshness::NoCache => MIN_JWKS_TTL,
        };
        wanted.clamp(MIN_JWKS_TTL, MAX_JWKS_TTL)
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn cache_control_is_read() {
        let secs = |s| Freshness::MaxAge(Duration::from_secs(s));
        for (values, expected) in [
            (&[][..], Freshness::Unspecified),
            (&["max-age=300"][..], secs(300)),
            (&["public, max-age=3600, must-revalidate"][..], secs(3600)),
            (&["MAX-AGE = 60"][..], secs(60)),
            (&["max-age=\"90\""][..], secs(90)),
            (&["max-age=0"][..], secs(0)),
            (&["max-age=soon"][..], Freshness::Unspecified),
            (&["max-age=-5"][..], Freshness::Unspecified),
            (&["max-age"][..], Freshness::Unspecified),
            (&["s-maxage=600"][..], Freshness::Unspecified),
            (&["no-cache"][..], Freshness::NoCache),
            (&["max-age=600, no-store"][..], Freshness::NoCache),
            (&["private", "max-age=120"][..], secs(120)),
            (&["max-age=120", "No-Cache"][..], Freshness::NoCache),
        ] {
            assert_eq!(
                Freshness::from_headers(&headers(values)),
                expected,
                "{values:?}"
            );
        }
    }

    #[test]
    fn the_ttl_is_clamped_and_defaults() {
        let default = Duration::from_secs(600);
        let secs = Duration::from_secs;
        assert_eq!(Freshness::Unspecified.ttl(default), default);
        assert_eq!(Freshness::MaxAge(secs(120)).ttl(default), secs(120));
        assert_eq!(Freshness::MaxAge(secs(0)).ttl(default), MIN_JWKS_TTL);
        assert_eq!(Freshness::MaxAge(secs(5)).ttl(default), MIN_JWKS_TTL);
        assert_eq!(Freshness::MaxAge(secs(u64::MAX)).ttl(default), MAX_JWKS_TTL);
        assert_eq!(Freshness::NoCache.ttl(default), MIN_JWKS_TTL);
        assert_eq!(Freshness::Unspecified.ttl(secs(1)), MIN_JWKS_TTL);
    }
}
