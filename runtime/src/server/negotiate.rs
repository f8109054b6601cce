//! Content negotiation: which media types a request sends and accepts.

use http::HeaderMap;
use http::header::CONTENT_TYPE;

/// The media type of `Content-Type`, without parameters.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// Whether the request says its body is JSON (`application/json` or any `+json` type).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    content_type(headers)
        .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"))
}

/// Whether the request's `Content-Type` has this media type.
pub(crate) fn has_content_type(headers: &HeaderMap, media: &str) -> bool {
    content_type(headers).is_some_and(|essence| essence.eq_ignore_ascii_case(media))
}

/// Whether the spec's media type `pattern` (lower case; `image/*` and `*/*` are patterns)
/// admits the request's media type `essence` (lower case, without parameters).
pub(crate) fn media_matches(pattern: &str, essence: &str) -> bool {
    match pattern.split_once('/') {
        Some(("*", "*")) => true,
        Some((kind, "*")) => essence.split_once('/').is_some_and(|(k, _)| k == kind),
        _ => pattern == essence,
    }
}

fn is_json_media(media: &str) -> bool {
    let media = media.as_bytes();
    let starts = media.len() >= 12 && media[..12].eq_ignore_ascii_case(b"application/");
    let ends = media.len() >= 5 && media[media.len() - 5..].eq_ignore_ascii_case(b"+json");
    media.eq_ignore_ascii_case(b"application/json") || (starts && ends)
}

/// Whether the request's `Accept` admits one of the media types the operation answers with
/// (`produces`, lower case). No `Accept` admits everything; an empty one, or a range with
/// `q=0`, admits nothing; every JSON type (`application/json`, `application/*+json`) stands for
/// the others, because the answer's bytes are the same JSON whichever of them the client names.
pub(crate) fn acceptable(headers: &HeaderMap, produces: &[&str]) -> bool {
    let mut values = headers.get_all(http::header::ACCEPT).iter().peekable();
    if values.peek().is_none() {
        return true;
    }
    values.any(|value| {
        // An empty header is an empty list of media ranges: nothing is acceptable.
        let Ok(value) = value.to_str() else {
            return false;
        };
        value.split(',').any(|range| admits(range, produces))
    })
}

/// Whether one media range of `Accept` admits one of `produces`. Written without allocating:
/// it runs on every request.
fn admits(range: &str, produces: &[&str]) -> bool {
    let mut parts = range.split(';');
    let media = parts.next().unwrap_or("").trim();
    let refused = parts.any(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
        })
    });
    if refused {
        return false;
    }
    let Some((kind, _)) = media.split_once('/') else {
        return false;
    };
    let media_is_json = is_json_media(media);
    produces.iter().any(|p| {
        media == "*/*"
            || media.eq_ignore_ascii_case(p)
            || (media.ends_with("/*")
                && p.split_once('/')
                    .is_some_and(|(k, _)| k.eq_ignore_ascii_case(kind)))
            || (media_is_json && is_json_media(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(http::header::ACCEPT, v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn negotiation() {
        let json = &["application/json"];
        assert!(acceptable(&HeaderMap::new(), json));
        assert!(!acceptable(&accept(&[""]), json));
        assert!(acceptable(
            &accept(&["application/vnd.example.v1+json"]),
            json
        ));
        assert!(acceptable(&accept(&["application/*"]), json));
        assert!(acceptable(&accept(&["*/*;q=0.5"]), json));
        assert!(!acceptable(&accept(&["application/json;q=0"]), json));
        assert!(!acceptable(&accept(&["text/html"]), json));
        assert!(acceptable(
            &accept(&["text/html", "application/json"]),
            json
        ));
        assert!(!acceptable(&accept(&["nonsense"]), json));
    }

    #[test]
    fn content_types() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            "Application/Problem+JSON; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&headers));
        assert!(has_content_type(&headers, "application/problem+json"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
