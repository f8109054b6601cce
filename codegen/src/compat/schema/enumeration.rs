//! String enums: values added or removed, and the messages of the error codes enum.

use std::collections::BTreeMap;

use crate::compat::change::Recorder;
use crate::compat::direction::Direction;
use crate::compat::rules;
use crate::compat::show::quoted;
use crate::compat::verdict::Impact;
use crate::model::EnumDef;

pub(super) fn compare(
    out: &mut Recorder,
    old: &EnumDef,
    new: &EnumDef,
    dir: Direction,
    is_codes: bool,
) {
    let before: BTreeMap<&str, _> = old.variants.iter().map(|v| (v.value.as_str(), v)).collect();
    let after: BTreeMap<&str, _> = new.variants.iter().map(|v| (v.value.as_str(), v)).collect();
    let noun = if is_codes { "error code" } else { "value" };
    for v in &new.variants {
        if before.contains_key(v.value.as_str()) {
            continue;
        }
        let what = format!("{noun} `{}` added", v.value);
        if is_codes {
            out.push(
                rules::ERROR_CODE_ADDED,
                what,
                Impact::Warning,
                false,
                "an error code was added: old generated clients see it as `Unknown`; clients that match codes exhaustively fail on it",
            );
        } else if dir.output {
            out.push(
                rules::ENUM_VALUE_ADDED,
                what,
                Impact::Warning,
                false,
                "in responses: old generated clients see it as `Unknown`, but clients that match the values exhaustively cannot decode it; the enum is `#[non_exhaustive]`",
            );
        } else {
            out.push(
                rules::ENUM_VALUE_ADDED,
                what,
                false,
                false,
                "old clients never send it; the enum is `#[non_exhaustive]`, so implementations keep compiling",
            );
        }
    }
    for v in &old.variants {
        if after.contains_key(v.value.as_str()) {
            continue;
        }
        let clients = dir.input && !is_codes;
        let rule = if is_codes {
            rules::ERROR_CODE_REMOVED
        } else {
            rules::ENUM_VALUE_REMOVED
        };
        out.push(
            rule,
            format!("{noun} `{}` removed", v.value),
            clients,
            true,
            if clients {
                "old clients may send it and are refused; implementations naming the variant no longer compile"
            } else {
                "old clients keep a variant that never comes; implementations naming the variant no longer compile"
            },
        );
    }
    for (value, a) in &after {
        let Some(b) = before.get(value) else { continue };
        if a.message != b.message {
            out.push(
                rules::ERROR_MESSAGE,
                format!(
                    "message of {noun} `{value}`: {} → {}",
                    quoted(&b.message),
                    quoted(&a.message)
                ),
                Impact::Warning,
                false,
                "old clients' `message()` returns the old text, and code comparing messages sees another; the server writes the new one",
            );
        }
    }
}
