//! Turning spec names (operationIds, schema and property names, enum values, status codes) into
//! Rust identifiers. Names never come from description text.

use std::collections::BTreeSet;

/// Splits a name into lowercase words at case changes, digits-to-letters changes and any
/// character that cannot appear in an identifier: `getHTTPResponse2x` → get, http, response2x.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_is_lower) {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Keeps only characters valid in a Rust identifier (ASCII, so generated code stays readable
/// everywhere); other letters are transliterated away.
fn ascii_only(word: &str) -> String {
    word.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// `PascalCase` for types and variants. Empty or symbol-only names become `fallback`.
pub fn pascal(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for w in words(name) {
        let w = ascii_only(&w);
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    finish(out, fallback, "V")
}

/// `snake_case` for fields, methods, modules and parameters.
pub fn snake(name: &str, fallback: &str) -> String {
    let parts: Vec<String> = words(name)
        .iter()
        .map(|w| ascii_only(w))
        .filter(|w| !w.is_empty())
        .collect();
    finish(parts.join("_"), fallback, "n")
}

/// `SCREAMING_SNAKE_CASE` for constants.
pub fn screaming(name: &str, fallback: &str) -> String {
    snake(name, fallback).to_uppercase()
}

fn finish(out: String, fallback: &str, digit_prefix: &str) -> String {
    if out.is_empty() {
        return fallback.to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{digit_prefix}{out}");
    }
    out
}

/// Rust keywords: usable as raw identifiers (`r#type`), except the few that cannot be raw.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// An identifier token for `name`, raw where it is a keyword, suffixed where even raw is not allowed.
pub fn ident(name: &str) -> proc_macro2::Ident {
    if NOT_RAW.contains(&name) {
        return proc_macro2::Ident::new(&format!("{name}_"), proc_macro2::Span::call_site());
    }
    if KEYWORDS.contains(&name) {
        return proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site());
    }
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
}

/// Hands out names unique within one scope: a second `fooBar` and `foo_bar` become `foo_bar` and
/// `foo_bar_2`, decided in the order the spec lists them, so output is stable.
#[derive(Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namespace {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn claim(&mut self, wanted: String) -> String {
        if self.taken.insert(wanted.clone()) {
            return wanted;
        }
        let sep = if wanted.chars().next().is_some_and(|c| c.is_uppercase()) {
            ""
        } else {
            "_"
        };
        (2..)
            .map(|n| format!("{wanted}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or(wanted)
    }
}

/// The variant name for an HTTP status, from the status itself (never its description).
pub fn status_variant(status: u16) -> String {
    let name = match status {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        407 => "ProxyAuthenticationRequired",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        414 => "UriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        417 => "ExpectationFailed",
        418 => "ImATeapot",
        421 => "MisdirectedRequest",
        422 => "UnprocessableEntity",
        423 => "Locked",
        424 => "FailedDependency",
        425 => "TooEarly",
        426 => "UpgradeRequired",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        451 => "UnavailableForLegalReasons",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        507 => "InsufficientStorage",
        511 => "NetworkAuthenticationRequired",
        _ => return format!("Status{status}"),
    };
    name.to_owned()
}

/// The variant name for a status range such as `4XX`.
pub fn range_variant(class: u16) -> String {
    match class {
        1 => "Informational".to_owned(),
        2 => "Success".to_owned(),
        3 => "Redirection".to_owned(),
        4 => "ClientError".to_owned(),
        5 => "ServerError".to_owned(),
        n => format!("Status{n}xx"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal("activateWebhook", "X"), "ActivateWebhook");
        assert_eq!(pascal("get_HTTPResponse", "X"), "GetHttpResponse");
        assert_eq!(pascal("iTwin", "X"), "ITwin");
        assert_eq!(pascal("2fa-code", "X"), "V2faCode");
        assert_eq!(pascal("", "Empty"), "Empty");
        assert_eq!(pascal("-", "Minus"), "Minus");
        assert_eq!(snake("expirationDateTime", "f"), "expiration_date_time");
        assert_eq!(snake("X-Rate-Limit", "f"), "x_rate_limit");
        assert_eq!(snake("$ref", "f"), "ref");
        assert_eq!(snake("1st", "f"), "n1st");
        assert_eq!(screaming("retry-after", "F"), "RETRY_AFTER");
    }

    #[test]
    fn keywords_become_raw_or_suffixed() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("name").to_string(), "name");
    }

    #[test]
    fn namespace_suffixes_collisions_in_order() {
        let mut ns = Namespace::default();
        assert_eq!(ns.claim("foo_bar".into()), "foo_bar");
        assert_eq!(ns.claim("foo_bar".into()), "foo_bar_2");
        assert_eq!(ns.claim("Pet".into()), "Pet");
        assert_eq!(ns.claim("Pet".into()), "Pet2");
    }
}
