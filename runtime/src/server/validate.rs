//! The checks that generated validators call: a vocabulary of JSON Schema keywords over
//! `serde_json::Value`, collecting every problem with where it is, not only the first.

/// Where in a request body decoding failed, as the spec's `target` names it (`eventTypes[0]`);
/// `None` for the body as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub target: Option<String>,
}

impl FieldError {
    /// The top-level property the error is in.
    pub fn root_field(&self) -> Option<&str> {
        let target = self.target.as_deref()?;
        Some(target.split(['.', '[']).next().unwrap_or(target))
    }
}

/// How a JSON request body is checked: generated from its schema.
pub struct BodyCheck<T> {
    /// Finds every problem in the body as JSON, each with its place.
    pub located: fn(&serde_json::Value, &mut Problems),
    /// Whether a decoded value passes every check `located` makes, for a body without `null`;
    /// `None` for a type with checks only the JSON can answer (a union, a date's spelling).
    pub quick: Option<fn(&T) -> bool>,
}

/// At most this many problems are reported for one body, so a huge bad body cannot make a huge
/// answer.
const MAX_PROBLEMS: usize = 32;

/// The problems found in a request body so far, and where the check is now.
#[derive(Default)]
pub struct Problems {
    found: Vec<FieldError>,
    path: String,
}

impl Problems {
    /// The value at the current place breaks the schema.
    pub fn here(&mut self) {
        if self.found.len() < MAX_PROBLEMS {
            let target = (!self.path.is_empty()).then(|| self.path.clone());
            self.found.push(FieldError { target });
        }
    }

    /// Checks the member `name` of the current object.
    pub fn field(&mut self, name: &str, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        self.path.push_str(name);
        check(self);
        self.path.truncate(len);
    }

    /// Checks the item `index` of the current array.
    pub fn item(&mut self, index: usize, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        // Writing to a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut self.path, format_args!("[{index}]"));
        check(self);
        self.path.truncate(len);
    }

    pub(crate) fn is_clean(&self) -> bool {
        self.found.is_empty()
    }

    pub(crate) fn into_found(self) -> Vec<FieldError> {
        self.found
    }
}

pub fn text<'v>(value: &'v serde_json::Value, problems: &mut Problems) -> Option<&'v str> {
    let text = value.as_str();
    if text.is_none() {
        problems.here();
    }
    text
}

pub fn boolean(value: &serde_json::Value, problems: &mut Problems) {
    if !value.is_boolean() {
        problems.here();
    }
}

/// An RFC 3339 date-time, as JSON Schema's `date-time` format says.
pub fn date_time(value: &serde_json::Value, problems: &mut Problems) {
    if let Some(text) = text(value, problems)
        && chrono::DateTime::parse_from_rfc3339(text).is_err()
    {
        problems.here();
    }
}

/// An RFC 3339 full-date (`2021-06-07`).
pub fn date(value: &serde_json::Value, problems: &mut Problems) {
    if let Some(text) = text(value, problems)
        && (text.len() != 10 || chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err())
    {
        problems.here();
    }
}

/// A UUID in RFC 4122's hyphenated form (the only one `format: uuid` names; `Uuid::try_parse`
/// would also take the simple, braced and URN forms, all of another length).
pub fn uuid(value: &serde_json::Value, problems: &mut Problems) {
    if let Some(text) = text(value, problems)
        && (text.len() != 36 || uuid::Uuid::try_parse(text).is_err())
    {
        problems.here();
    }
}

/// An integer within `lo..=hi` (the Rust type's range), as a float for the bound checks.
pub fn whole(
    value: &serde_json::Value,
    problems: &mut Problems,
    lo: i128,
    hi: i128,
) -> Option<f64> {
    let n = value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
        .filter(|n| (lo..=hi).contains(n));
    if n.is_none() {
        problems.here();
    }
    n.map(|n| n as f64)
}

pub fn real(value: &serde_json::Value, problems: &mut Problems) -> Option<f64> {
    let n = value.as_f64();
    if n.is_none() {
        problems.here();
    }
    n
}

pub fn array<'v>(
    value: &'v serde_json::Value,
    problems: &mut Problems,
) -> Option<&'v Vec<serde_json::Value>> {
    let items = value.as_array();
    if items.is_none() {
        problems.here();
    }
    items
}

pub fn object<'v>(
    value: &'v serde_json::Value,
    problems: &mut Problems,
) -> Option<&'v serde_json::Map<String, serde_json::Value>> {
    let object = value.as_object();
    if object.is_none() {
        problems.here();
    }
    object
}

/// A string enum's value: one of `values` (a request may not use values the server does not
/// know, even though a client accepts them in answers).
pub fn one_of_text(value: &serde_json::Value, problems: &mut Problems, values: &[&str]) {
    if let Some(text) = text(value, problems)
        && !values.contains(&text)
    {
        problems.here();
    }
}

/// `anyOf` without a discriminator: the value passes at least one member's checks.
pub fn any_of(
    value: &serde_json::Value,
    problems: &mut Problems,
    candidates: &[fn(&serde_json::Value, &mut Problems)],
) {
    if !candidates.iter().any(|check| fits(value, *check)) {
        problems.here();
    }
}

/// `oneOf` without a discriminator: the value passes exactly one member's checks.
pub fn one_of(
    value: &serde_json::Value,
    problems: &mut Problems,
    candidates: &[fn(&serde_json::Value, &mut Problems)],
) {
    if candidates
        .iter()
        .filter(|check| fits(value, **check))
        .take(2)
        .count()
        != 1
    {
        problems.here();
    }
}

fn fits(value: &serde_json::Value, check: fn(&serde_json::Value, &mut Problems)) -> bool {
    let mut trial = Problems::default();
    check(value, &mut trial);
    trial.is_clean()
}

/// `minLength`/`maxLength` count characters (code points), not bytes.
pub fn length_ok(text: &str, min: Option<usize>, max: Option<usize>) -> bool {
    count_ok(text.chars().count(), min, max)
}

pub fn count_ok(count: usize, min: Option<usize>, max: Option<usize>) -> bool {
    min.is_none_or(|min| count >= min) && max.is_none_or(|max| count <= max)
}

/// `minimum`/`maximum` (each with whether it is exclusive) and `multipleOf`.
pub fn bounds_ok(
    n: f64,
    min: Option<(f64, bool)>,
    max: Option<(f64, bool)>,
    multiple: Option<f64>,
) -> bool {
    let above = min.is_none_or(|(m, exclusive)| if exclusive { n > m } else { n >= m });
    let below = max.is_none_or(|(m, exclusive)| if exclusive { n < m } else { n <= m });
    let multiple = multiple.is_none_or(|m| {
        let q = n / m;
        (q - q.round()).abs() < 1e-9
    });
    above && below && multiple
}

/// `uniqueItems`: no two items are equal JSON values.
pub fn unique(items: &[serde_json::Value]) -> bool {
    items
        .iter()
        .enumerate()
        .all(|(i, a)| items[..i].iter().all(|b| !same_json(a, b)))
}

/// JSON Schema's equality: numbers by value (`1` and `1.0` are equal, which `Value`'s `==` denies),
/// arrays item by item, objects member by member in any order.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// The string formats the generated checks read.
#[derive(Clone, Copy)]
pub enum TextFormat {
    Uri,
    UriReference,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
}

impl TextFormat {
    pub fn accepts(self, text: &str) -> bool {
        match self {
            TextFormat::Uri => uri_reference(text) && has_scheme(text),
            TextFormat::UriReference => uri_reference(text),
            TextFormat::Email => text.rsplit_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && !local.chars().any(|c| c.is_whitespace() || c.is_control())
                    && hostname(domain)
            }),
            TextFormat::Hostname => hostname(text),
            TextFormat::Ipv4 => text.parse::<std::net::Ipv4Addr>().is_ok(),
            TextFormat::Ipv6 => text.parse::<std::net::Ipv6Addr>().is_ok(),
        }
    }
}

/// RFC 3986 `scheme ":"`: a letter, then letters, digits, `+`, `-` or `.`.
fn has_scheme(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, _)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Only characters RFC 3986 allows in a URI, and `%` only before two hex digits.
fn uri_reference(text: &str) -> bool {
    let bytes = text.as_bytes();
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
                if !hex {
                    return false;
                }
                i += 3;
            }
            b if allowed(b) => i += 1,
            _ => return false,
        }
    }
    true
}

/// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, each at most
/// 63 characters, 253 in all.
fn hostname(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_field() {
        let e = FieldError {
            target: Some("eventTypes[0]".into()),
        };
        assert_eq!(e.root_field(), Some("eventTypes"));
        assert_eq!(FieldError { target: None }.root_field(), None);
    }
}
