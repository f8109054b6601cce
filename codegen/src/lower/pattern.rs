//! A schema's `pattern` (ECMA-262 syntax, as JSON Schema says) rewritten into the syntax of the
//! `regex` crate, which the generated server compiles.
//!
//! The two syntaxes agree on most of what specs write. Where they differ, the rewrite keeps
//! ECMA-262's meaning:
//! - `\d`, `\w` and `\b` are ASCII-only in ECMA-262 but Unicode-aware in `regex`, so a pattern
//!   such as `^\d+$` would otherwise accept Arabic-Indic digits the spec refuses;
//! - `\uXXXX` (with surrogate pairs), `\u{X}`, `\cX` and `\0` have no `regex` spelling;
//! - inside `[...]`, `[` is a plain character and `\b` is backspace in ECMA-262, while `regex`
//!   reads `[` as a nested class and `&&`, `--`, `~~` as set operations.
//!
//! What `regex` cannot do at all (look-around, back-references) is left as written; compiling it
//! fails, and the caller notes the pattern as unchecked.

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";

/// `pattern` in the `regex` crate's syntax, with the meaning it has in ECMA-262.
pub fn to_regex_syntax(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    // Where the current class's members start: a `]` there is a member in `regex`, but ends an
    // (empty) class in ECMA-262.
    let mut class_start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                i += 1;
                i += escape(&chars, i, in_class, &mut out);
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i + 1;
                if chars.get(class_start) == Some(&']') {
                    // `[]` matches nothing and `[^]` anything in ECMA-262.
                    let negated = out.ends_with('^');
                    out.truncate(out.len() - if negated { 2 } else { 1 });
                    out.push_str(if negated { r"[\s\S]" } else { r"[^\s\S]" });
                    in_class = false;
                    i = class_start + 1;
                    continue;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            // `+--` is the range `+` to `-` in ECMA-262; `--` is a difference in `regex`.
            '-' if in_class && i > class_start && chars[i - 1] == '-' => out.push_str(r"\-"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Writes the escape whose letter is at `chars[at]`; returns how many characters it used.
fn escape(chars: &[char], at: usize, in_class: bool, out: &mut String) -> usize {
    let letter = chars[at];
    let class = |members: &str, negated: bool| {
        let caret = if negated { "^" } else { "" };
        if in_class && !negated {
            members.to_owned()
        } else {
            format!("[{caret}{members}]")
        }
    };
    match letter {
        'd' => out.push_str(&class(DIGIT, false)),
        'D' => out.push_str(&class(DIGIT, true)),
        'w' => out.push_str(&class(WORD, false)),
        'W' => out.push_str(&class(WORD, true)),
        'b' if in_class => out.push_str(r"\x08"),
        'b' => out.push_str(r"(?-u:\b)"),
        'B' => out.push_str(r"(?-u:\B)"),
        '0' if !chars.get(at + 1).is_some_and(char::is_ascii_digit) => out.push_str(r"\x00"),
        'c' if chars.get(at + 1).is_some_and(char::is_ascii_alphabetic) => {
            let control = u32::from(chars[at + 1]) % 32;
            out.push_str(&format!(r"\x{{{control:02X}}}"));
            return 2;
        }
        'u' => {
            if let Some((code, used)) = unicode_escape(chars, at + 1) {
                out.push_str(&format!(r"\x{{{code:X}}}"));
                return 1 + used;
            }
            out.push('u');
        }
        _ => {
            out.push('\\');
            out.push(letter);
        }
    }
    1
}

/// The code point of `XXXX`, `XXXX\uYYYY` (a surrogate pair) or `{X...}` after a `\u`, and how
/// many characters it took.
fn unicode_escape(chars: &[char], at: usize) -> Option<(u32, usize)> {
    if chars.get(at) == Some(&'{') {
        let close = chars[at..].iter().position(|&c| c == '}')?;
        let digits: String = chars[at + 1..at + close].iter().collect();
        let code = u32::from_str_radix(&digits, 16).ok()?;
        return Some((code, close + 1));
    }
    let hex4 = |from: usize| -> Option<u32> {
        let digits: String = chars.get(from..from + 4)?.iter().collect();
        u32::from_str_radix(&digits, 16).ok()
    };
    let high = hex4(at)?;
    if (0xD800..0xDC00).contains(&high)
        && chars.get(at + 4) == Some(&'\\')
        && chars.get(at + 5) == Some(&'u')
        && let Some(low) = hex4(at + 6).filter(|low| (0xDC00..0xE000).contains(low))
    {
        return Some((0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 10));
    }
    Some((high, 4))
}

#[cfg(test)]
mod tests {
    use super::to_regex_syntax;

    fn matches(pattern: &str, text: &str) -> bool {
        let rewritten = to_regex_syntax(pattern);
        regex::Regex::new(&rewritten)
            .unwrap_or_else(|e| panic!("{pattern} → {rewritten}: {e}"))
            .is_match(text)
    }

    #[test]
    fn plain_patterns_are_unchanged() {
        for p in [
            r"^[A-Za-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9]*\.v[0-9]+$",
            r"\S",
            "^(a|b)+$",
            r"^\p{L}+$",
        ] {
            assert_eq!(to_regex_syntax(p), p);
        }
    }

    #[test]
    fn digit_and_word_classes_are_ascii_as_in_ecma() {
        assert!(matches(r"^\d+$", "0123456789"));
        assert!(!matches(r"^\d+$", "١٢٣"));
        assert!(matches(r"^\D+$", "١٢٣"));
        assert!(!matches(r"^\w+$", "é"));
        assert!(matches(r"^\W$", "é"));
        assert!(matches(r"^[\d_-]+$", "1_-2"));
        assert!(!matches(r"^[\d]+$", "٣"));
        assert!(matches(r"^[^\d]$", "x"));
        assert!(matches(r"^[\D]$", "x"));
        assert!(!matches(r"^[\D]$", "7"));
        assert!(matches(r"\bcat\b", "a cat sat"));
        assert!(!matches(r"\bé", "é"));
        assert!(matches(r"a\B", "ab"));
    }

    #[test]
    fn ecma_escapes_get_regex_spellings() {
        assert!(matches(r"^\u00e9$", "é"));
        assert!(matches(r"^\uD83D\uDE00$", "😀"));
        assert!(matches(r"^\u{1F600}$", "😀"));
        assert!(matches(r"^\cJ$", "\n"));
        assert!(matches(r"^\0$", "\0"));
        assert!(matches(r"^[\b]$", "\u{8}"));
        assert!(matches(r"^a\/b$", "a/b"));
    }

    #[test]
    fn class_syntax_regex_would_read_differently_is_literal() {
        assert!(matches(r"^[[a]+$", "[a["));
        assert!(matches(r"^[a&&b]+$", "a&b"));
        assert!(matches(r"^[~~]$", "~"));
        assert!(matches(r"^[+--]+$", "+,-"));
        assert!(!matches(r"^[]$", ""));
        assert!(!matches(r"^[]a$", "a"));
        assert!(matches(r"^[^]$", "\n"));
    }

    #[test]
    fn what_regex_cannot_do_still_fails_to_compile() {
        for p in [r"^(?!x)", r"(a)\1", r"(?<n>a)\k<n>"] {
            assert!(regex::Regex::new(&to_regex_syntax(p)).is_err(), "{p}");
        }
    }
}
