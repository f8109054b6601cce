//! String enums: values added or removed, and the messages of the error codes enum.

use std::collections::BTreeMap;

use crate::compat::change::Recorder;
use crate::compat::direction::Direction;
use crate::compat::show::quoted;
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
        let reason = if is_codes {
            "an error code was added: old clients see it as `Unknown`, which the generated enum tolerates"
        } else if dir.output {
            "old clients see it as `Unknown`, which the generated enum tolerates; the enum is `#[non_exhaustive]`"
        } else {
            "old clients never send it; the enum is `#[non_exhaustive]`, so implementations keep compiling"
        };
        out.push(format!("{noun} `{}` added", v.value), false, false, reason);
    }
    for v in &old.variants {
        if after.contains_key(v.value.as_str()) {
            continue;
        }
        let clients = dir.input && !is_codes;
        out.push(
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
                format!(
                    "message of {noun} `{value}`: {} → {}",
                    quoted(&b.message),
                    quoted(&a.message)
                ),
                false,
                false,
                "old clients' `message()` returns the old text; the server writes the new one",
            );
        }
    }
}
