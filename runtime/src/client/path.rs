//! Path values the generated client writes itself: parameters in a segment with text beside them
//! (`{name}:cancel`, `{name}.{ext}`) and reserved expansions (`{+name}`). Whole-segment
//! parameters are encoded by [`Connection::request`](super::Connection::request).

/// A parameter's value in a path segment: every byte but the unreserved characters of RFC 3986
/// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded, and so are the unreserved punctuation marks that
/// occur in `beside`, the segment's literal text, so the server can split the segment where the
/// template says (`.` in the value `a.b` of `{name}.{ext}`). Letters and digits are sent as
/// they are: a template whose text between parameters is alphanumeric (`{a}x{b}`) splits values
/// holding that text at its first occurrence.
pub fn segment_value(value: &str, beside: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        let plain = b.is_ascii_alphanumeric()
            || (matches!(b, b'-' | b'.' | b'_' | b'~') && !beside.as_bytes().contains(&b));
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A reserved expansion's value (RFC 6570 `{+name}`): unreserved and reserved characters are sent
/// as they are, so `/` separates segments, and percent-encoded triplets stay; everything else is
/// percent-encoded, and so are `?` and `#`, which would end the path.
pub fn reserved_value(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    for (i, &b) in bytes.iter().enumerate() {
        let triplet = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let plain = b.is_ascii_alphanumeric() || b"-._~:/[]@!$&'()*+,;=".contains(&b) || triplet;
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_values_encode_the_templates_text() {
        assert_eq!(segment_value("a.b", "."), "a%2Eb");
        assert_eq!(segment_value("a.b", ":cancel"), "a.b");
        assert_eq!(segment_value("a:b/c d", ":cancel"), "a%3Ab%2Fc%20d");
        assert_eq!(segment_value("é", ""), "%C3%A9");
    }

    #[test]
    fn reserved_values_keep_slashes() {
        assert_eq!(reserved_value("a/b c/d%2F"), "a/b%20c/d%2F");
        assert_eq!(reserved_value("a?b#c%"), "a%3Fb%23c%25");
    }
}
