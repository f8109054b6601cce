//! Object schemas: properties added, removed, retyped, and made required, optional, nullable or
//! read-only.

use std::collections::BTreeMap;

use crate::compat::change::Recorder;
use crate::compat::direction::Direction;
use crate::compat::show::show;
use crate::model::{Field, StructDef};

pub(super) fn compare(out: &mut Recorder, old: &StructDef, new: &StructDef, dir: Direction) {
    let before: BTreeMap<&str, &Field> = old
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f))
        .collect();
    let after: BTreeMap<&str, &Field> = new
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f))
        .collect();
    for f in &new.fields {
        if before.contains_key(f.json_name.as_str()) {
            continue;
        }
        let what = format!(
            "property `{}` added ({})",
            f.json_name,
            if f.required { "required" } else { "optional" }
        );
        // What an old client sending this type misses, and what it receiving it does.
        let sent = dir.input && f.required && !f.read_only;
        let strict = dir.output && old.deny_unknown && !f.write_only;
        let clients = sent || strict;
        let servers = dir.output;
        let reason = match (sent, strict, servers) {
            (true, _, _) => {
                "a required request property: old clients don't send it, so the server refuses them"
            }
            (_, true, _) => {
                "old clients refuse unknown properties (additionalProperties: false) and cannot decode the response"
            }
            (_, _, true) => {
                "old clients ignore the new property; implementations building the type must set the new field"
            }
            _ => {
                "optional in requests, so old clients may omit it; implementations get one more field to read"
            }
        };
        out.push(what, clients, servers, reason);
    }
    for f in &old.fields {
        if after.contains_key(f.json_name.as_str()) {
            continue;
        }
        let refused = dir.input && new.deny_unknown && !f.read_only;
        let expected = dir.output && f.required && !f.write_only;
        out.push(
            format!("property `{}` removed", f.json_name),
            refused || expected,
            true,
            if refused {
                "old clients still send it and the server refuses unknown properties; the field is gone from the Rust type"
            } else if expected {
                "old clients require it in responses and cannot decode them; the field is gone from the Rust type"
            } else {
                "old clients cope without it; implementations using the field no longer compile"
            },
        );
    }
    for (name, a) in &after {
        let Some(b) = before.get(name) else { continue };
        field(out, b, a, dir);
    }
}

fn field(out: &mut Recorder, old: &Field, new: &Field, dir: Direction) {
    let name = &new.json_name;
    let rust_changed = old.is_option() != new.is_option();
    if old.ty != new.ty {
        out.push(
            format!(
                "property `{name}` type: {} → {}",
                show(&old.ty),
                show(&new.ty)
            ),
            true,
            true,
            "values of the old type no longer decode on the other side; the field's Rust type changes",
        );
    }
    if old.required != new.required {
        let (what, clients, reason) = if new.required {
            (
                "became required",
                dir.input && !new.read_only,
                if dir.input {
                    "old clients may omit it in requests and are refused"
                } else {
                    "old clients always get it now"
                },
            )
        } else {
            (
                "became optional",
                dir.output && !new.write_only,
                if dir.output {
                    "old clients require it in responses and cannot decode them without it"
                } else {
                    "old clients always send it anyway"
                },
            )
        };
        out.push(
            format!("property `{name}` {what}"),
            clients,
            rust_changed,
            reason,
        );
    }
    if old.nullable != new.nullable {
        let (what, clients, reason) = if new.nullable {
            (
                "became nullable",
                dir.output,
                if dir.output {
                    "old clients cannot decode a null in responses"
                } else {
                    "old clients never send null"
                },
            )
        } else {
            (
                "is no longer nullable",
                dir.input,
                if dir.input {
                    "old clients may send null and are refused"
                } else {
                    "old clients never receive null now"
                },
            )
        };
        out.push(
            format!("property `{name}` {what}"),
            clients,
            rust_changed,
            reason,
        );
    }
    if old.read_only != new.read_only {
        if new.read_only {
            out.push(
                format!("property `{name}` became read-only"),
                dir.input,
                false,
                "old clients may set it in requests and the server now ignores or refuses it; the Rust type is unchanged",
            );
        } else {
            out.push(
                format!("property `{name}` is no longer read-only"),
                false,
                false,
                "old clients may send it now, and need not; the Rust type is unchanged",
            );
        }
    }
}
