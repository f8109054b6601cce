//! The ignore file: reviewed exceptions, one rule at one location each, with the reason.
//!
//! ```text
//! # RULE-ID             POINTER                                   REASON
//! enum-value-removed    #/components/schemas/WebhookScope         no caller ever sent `Tenant` (access logs, 2026-11)
//! ```
//!
//! The pointer is the change's, as `--format json` prints it. An ignored change stays in the
//! report with its reason; it no longer counts for `--fail-on`.

use std::path::Path;

use codegen::compat::{Report, rules};

/// Where `diff` looks for the file when `--ignore` is not given.
pub const DEFAULT: &str = "spec/diff-ignore";

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rule: String,
    pub pointer: String,
    pub reason: String,
    /// 1-based, for messages.
    pub line: usize,
}

/// Reads and checks the file: every entry names a known rule, a pointer and a reason.
pub fn read(path: &Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|(line, e)| format!("{}:{line}: {e}", path.display()))
}

/// The entries of `text`, or the first bad line and what is wrong with it.
pub fn parse(text: &str) -> Result<Vec<Entry>, (usize, String)> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Columns may be aligned with any run of spaces; the reason is the rest of the line.
        let (rule, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim_start();
        let (pointer, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let reason = reason.trim();
        if rules::rule(rule).is_none() {
            return Err((
                i + 1,
                format!("`{rule}` is not a rule id (`cargo xtask diff --rules` lists them)"),
            ));
        }
        if !pointer.starts_with('#') {
            return Err((
                i + 1,
                format!("`{pointer}` is not a JSON pointer such as #/components/schemas/Name"),
            ));
        }
        if reason.is_empty() {
            return Err((
                i + 1,
                "an exception needs its reason after the pointer".to_owned(),
            ));
        }
        entries.push(Entry {
            rule: rule.to_owned(),
            pointer: pointer.to_owned(),
            reason: reason.to_owned(),
            line: i + 1,
        });
    }
    Ok(entries)
}

/// Marks the changes each entry matches (same rule, same pointer) as ignored, and returns the
/// entries that matched nothing: a stale exception should go.
pub fn apply<'a>(entries: &'a [Entry], report: &mut Report) -> Vec<&'a Entry> {
    let mut unused = Vec::new();
    for entry in entries {
        let mut matched = false;
        for change in &mut report.changes {
            if change.rule.id == entry.rule && change.pointer == entry.pointer {
                change.ignored = Some(entry.reason.clone());
                matched = true;
            }
        }
        if !matched {
            unused.push(entry);
        }
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_a_rule_a_pointer_and_a_reason() {
        let entries = parse(
            "# reviewed\n\nenum-value-removed  #/components/schemas/Size   nobody sends `large`\n",
        )
        .unwrap();
        assert_eq!(
            entries,
            vec![Entry {
                rule: "enum-value-removed".into(),
                pointer: "#/components/schemas/Size".into(),
                reason: "nobody sends `large`".into(),
                line: 3,
            }]
        );
    }

    #[test]
    fn a_bad_line_is_located() {
        let e = parse("no-such-rule #/x why\n").unwrap_err();
        assert_eq!(e.0, 1);
        assert!(e.1.contains("not a rule id"), "{}", e.1);
        let e = parse("\nschema-removed components/schemas/X why\n").unwrap_err();
        assert_eq!(e.0, 2);
        assert!(e.1.contains("JSON pointer"), "{}", e.1);
        let e = parse("schema-removed #/components/schemas/X\n").unwrap_err();
        assert!(e.1.contains("reason"), "{}", e.1);
    }
}
