//! Path segments the generated router splits itself: axum captures whole segments, so a segment
//! with text beside its parameters (`{name}:cancel`, `{name}.{ext}`, `{a}-{b}`) is captured whole
//! and split here by its template.
//!
//! Splitting works on the segment as sent (still percent-encoded), so a value in which the client
//! encoded the template's text (`a%2Eb.json`) splits where the template says; each value is then
//! percent-decoded. When several splits fit (`a.b.json` for `{name}.{ext}`), the one with the
//! shortest first values is taken.

/// A piece of a segment's template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, percent-encoded as the generated client sends it.
    Text(&'static str),
    /// A parameter: at least one character.
    Param,
}

/// The raw (percent-encoded) values of the template's parameters in `segment`, in order, or
/// `None` when the segment does not fit the template.
pub fn split<'s>(segment: &'s str, template: &[Piece]) -> Option<Vec<&'s str>> {
    let mut values = Vec::new();
    split_into(segment, template, &mut values).then_some(values)
}

fn split_into<'s>(segment: &'s str, template: &[Piece], values: &mut Vec<&'s str>) -> bool {
    match template {
        [] => segment.is_empty(),
        [Piece::Text(text), rest @ ..] => segment
            .strip_prefix(text)
            .is_some_and(|after| split_into(after, rest, values)),
        [Piece::Param] => {
            let fits = !segment.is_empty();
            if fits {
                values.push(segment);
            }
            fits
        }
        [Piece::Param, rest @ ..] => {
            // The text that ends this value; two parameters side by side cannot be split (the
            // generator refuses such templates).
            let Some(Piece::Text(text)) = rest.first() else {
                return false;
            };
            // A value has at least one character.
            let mut from = segment.chars().next().map_or(1, char::len_utf8);
            while let Some(found) = segment.get(from..).and_then(|s| s.find(text)) {
                let end = from + found;
                let mark = values.len();
                values.push(&segment[..end]);
                if split_into(&segment[end..], rest, values) {
                    return true;
                }
                values.truncate(mark);
                from = end + 1;
                while !segment.is_char_boundary(from) {
                    from += 1;
                }
            }
            false
        }
    }
}

/// The segment at `index` of `path` (0 is the one after the leading `/`), as sent.
pub fn segment(path: &str, index: usize) -> Option<&str> {
    path.strip_prefix('/')?.split('/').nth(index)
}

/// What follows the segment boundary before `index`: the segment at `index` and every one after.
pub fn rest(path: &str, index: usize) -> Option<&str> {
    let mut rest = path.strip_prefix('/')?;
    for _ in 0..index {
        rest = &rest[rest.find('/')? + 1..];
    }
    Some(rest)
}

/// Whether the segment at `index` of `path` fits `template`: how the generated router picks,
/// among operations of one route and method, the one a request is for.
pub fn fits(path: &str, index: usize, template: &[Piece]) -> bool {
    segment(path, index).is_some_and(|s| split(s, template).is_some())
}

/// Percent-decodes `text` into UTF-8; `None` for invalid UTF-8. A `%` without two hex digits
/// after it is kept as it is, as browsers and axum do.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME_EXT: &[Piece] = &[Piece::Param, Piece::Text("."), Piece::Param];

    #[test]
    fn segments_split_by_their_template() {
        assert_eq!(split("a.json", NAME_EXT), Some(vec!["a", "json"]));
        assert_eq!(split("a.tar.gz", NAME_EXT), Some(vec!["a", "tar.gz"]));
        assert_eq!(split("a%2Etar.gz", NAME_EXT), Some(vec!["a%2Etar", "gz"]));
        assert_eq!(split(".json", NAME_EXT), None);
        assert_eq!(split("a.", NAME_EXT), None);
        assert_eq!(split("ajson", NAME_EXT), None);
        let cancel = &[Piece::Param, Piece::Text(":cancel")];
        assert_eq!(split("op1:cancel", cancel), Some(vec!["op1"]));
        assert_eq!(split("op1:cancelx", cancel), None);
        assert_eq!(split("a:cancel:cancel", cancel), Some(vec!["a:cancel"]));
        let dash = &[
            Piece::Text("v"),
            Piece::Param,
            Piece::Text("-"),
            Piece::Param,
        ];
        assert_eq!(split("v1-2-3", dash), Some(vec!["1", "2-3"]));
        assert_eq!(
            split("é-ü", &[Piece::Param, Piece::Text("-"), Piece::Param]),
            Some(vec!["é", "ü"])
        );
    }

    #[test]
    fn segments_and_rests_are_found_by_index() {
        assert_eq!(segment("/a/b.c/d", 1), Some("b.c"));
        assert_eq!(segment("/a", 3), None);
        assert_eq!(rest("/a/b/c/d", 1), Some("b/c/d"));
        assert_eq!(rest("/a", 2), None);
        assert!(fits("/files/a.json", 1, NAME_EXT));
        assert!(!fits("/files/a", 1, NAME_EXT));
    }

    #[test]
    fn values_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
