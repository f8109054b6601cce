//! Object schemas: properties added, removed, retyped, and made required, optional, nullable or
//! read-only.

use std::collections::BTreeMap;

use crate::compat::change::{Recorder, segment};
use crate::compat::constraints;
use crate::compat::direction::Direction;
use crate::compat::rules;
use crate::compat::show::show;
use crate::compat::verdict::{Impact, Semver};
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
        out.within(&properties(&f.json_name), |out| {
            out.push(rules::PROPERTY_ADDED, what, clients, servers, reason)
        });
    }
    for f in &old.fields {
        if after.contains_key(f.json_name.as_str()) {
            continue;
        }
        let refused = dir.input && new.deny_unknown && !f.read_only;
        let expected = dir.output && f.required && !f.write_only;
        out.within(&properties(&f.json_name), |out| out.push_removed(
            rules::PROPERTY_REMOVED,
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
        ));
    }
    for (name, a) in &after {
        let Some(b) = before.get(name) else { continue };
        out.within(&properties(name), |out| field(out, b, a, dir));
    }
    if old.deny_unknown != new.deny_unknown {
        let (what, clients, reason) = if new.deny_unknown {
            (
                "refuses properties it does not declare (additionalProperties: false)",
                dir.input,
                "old clients that send other properties are refused",
            )
        } else {
            (
                "accepts properties it does not declare",
                dir.output && old.deny_unknown,
                "old clients that refuse unknown properties cannot decode responses that carry some",
            )
        };
        out.push(
            rules::ADDITIONAL_PROPERTIES,
            what,
            clients,
            Impact::Warning,
            reason,
        );
    }
}

/// The pointer fragment of a property.
fn properties(name: &str) -> String {
    format!("/properties{}", segment(name))
}

fn field(out: &mut Recorder, old: &Field, new: &Field, dir: Direction) {
    let name = &new.json_name;
    let rust_changed = old.is_option() != new.is_option();
    // A type that only widened or narrowed is a moved bound; any other is another type.
    let subject = format!("property `{name}`");
    if !constraints::type_moved(out, &subject, &old.ty, &new.ty, dir) && !out.same(&old.ty, &new.ty)
    {
        out.push(
            rules::PROPERTY_TYPE,
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
            rules::PROPERTY_REQUIRED,
            format!("property `{name}` {what}"),
            clients,
            rust_changed,
            reason,
        );
        if !rust_changed {
            out.rust(Semver::Patch);
        }
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
            rules::PROPERTY_NULLABLE,
            format!("property `{name}` {what}"),
            clients,
            rust_changed,
            reason,
        );
        if !rust_changed {
            out.rust(Semver::Patch);
        }
    }
    if old.write_only != new.write_only {
        if new.write_only {
            let required = dir.output && old.required;
            out.push(
                rules::PROPERTY_WRITE_ONLY,
                format!("property `{name}` became write-only"),
                if required {
                    Impact::Breaks
                } else if dir.output {
                    Impact::Warning
                } else {
                    Impact::Ok
                },
                if dir.output { Impact::Warning } else { Impact::Ok },
                if required {
                    "responses stop carrying it and old clients require it; old implementations still fill it in"
                } else {
                    "responses stop carrying it: old clients that read it get nothing; old implementations still fill it in"
                },
            );
        } else {
            out.push(
                rules::PROPERTY_WRITE_ONLY,
                format!("property `{name}` is no longer write-only"),
                false,
                false,
                "responses may carry it now; old clients ignore or read it as an optional field",
            );
        }
    }
    if old.doc.deprecated != new.doc.deprecated {
        out.push(
            rules::PROPERTY_DEPRECATED,
            format!(
                "property `{name}` {}",
                if new.doc.deprecated {
                    "became deprecated"
                } else {
                    "is no longer deprecated"
                }
            ),
            false,
            false,
            "documentation only: the field carries `#[deprecated]`, a warning, not an error",
        );
    }
    if old.default != new.default {
        let show =
            |d: &Option<serde_json::Value>| d.as_ref().map_or("none".to_owned(), |v| v.to_string());
        out.push(
            rules::PROPERTY_DEFAULT,
            format!(
                "property `{name}` default: {} → {}",
                show(&old.default),
                show(&new.default)
            ),
            if dir.input { Impact::Warning } else { Impact::Ok },
            Impact::Warning,
            "where absence meant something else, the server now reads an omitted value as the default; implementations that told absence apart see it filled in",
        );
    }
    if old.error_code != new.error_code {
        out.push(
            rules::PROPERTY_ERROR_CODE,
            format!(
                "property `{name}` x-error-code: {} → {}",
                old.error_code.as_deref().unwrap_or("none"),
                new.error_code.as_deref().unwrap_or("none")
            ),
            dir.input,
            false,
            "old clients that match the detail code of a refused field see another code",
        );
    }
    constraints::compare(out, &old.checks, &new.checks, dir, &subject);
    if old.read_only != new.read_only {
        if new.read_only {
            out.push(
                rules::PROPERTY_READ_ONLY,
                format!("property `{name}` became read-only"),
                dir.input,
                false,
                "old clients may set it in requests and the server now ignores or refuses it; the Rust type is unchanged",
            );
        } else {
            out.push(
                rules::PROPERTY_READ_ONLY,
                format!("property `{name}` is no longer read-only"),
                false,
                false,
                "old clients may send it now, and need not; the Rust type is unchanged",
            );
        }
    }
}
