//! Path, query and header parameters added, removed, retyped, made required or optional.

use std::collections::BTreeMap;

use crate::compat::change::Recorder;
use crate::compat::show::show;
use crate::model::{Operation, Param, ParamLocation};

fn location(p: &Param) -> &'static str {
    match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    let key = |p: &Param| (location(p), p.name.to_ascii_lowercase());
    let all = |op: &Operation| -> Vec<Param> {
        op.path_params.iter().chain(&op.params).cloned().collect()
    };
    let (old_all, new_all) = (all(old), all(new));
    let before: BTreeMap<_, &Param> = old_all.iter().map(|p| (key(p), p)).collect();
    let after: BTreeMap<_, &Param> = new_all.iter().map(|p| (key(p), p)).collect();
    // Query and header parameters reach the implementation as one `{Op}Params` argument: a new
    // one only changes the trait method's signature when the argument appears or disappears.
    let struct_appears = old.params.is_empty() && !new.params.is_empty();
    let struct_goes = !old.params.is_empty() && new.params.is_empty();
    for (k, p) in &after {
        if before.contains_key(k) {
            continue;
        }
        let what = format!(
            "{} parameter `{}` added ({})",
            k.0,
            p.name,
            if p.required { "required" } else { "optional" }
        );
        if p.location == ParamLocation::Path {
            out.push(
                what,
                true,
                true,
                "the path changes for old clients; the trait method gains an argument",
            );
        } else if p.required {
            out.push(
                what,
                true,
                struct_appears,
                if struct_appears {
                    "old clients don't send it, so the server refuses them; the trait method gains a params argument"
                } else {
                    "old clients don't send it, so the server refuses them; implementations get one more field to read"
                },
            );
        } else {
            out.push(
                what,
                false,
                struct_appears,
                if struct_appears {
                    "optional, so old clients may omit it; the trait method gains a params argument"
                } else {
                    "optional, so old clients may omit it; implementations get one more field to read"
                },
            );
        }
    }
    for (k, p) in &before {
        let Some(n) = after.get(k) else {
            let what = format!("{} parameter `{}` removed", k.0, p.name);
            if p.location == ParamLocation::Path {
                out.push(
                    what,
                    true,
                    true,
                    "the path changes for old clients; the trait method loses an argument",
                );
            } else {
                out.push(
                    what,
                    false,
                    true,
                    if struct_goes {
                        "the server ignores it when old clients send it; the trait method loses its params argument"
                    } else {
                        "the server ignores it when old clients send it; implementations reading the field no longer compile"
                    },
                );
            }
            continue;
        };
        if p.ty != n.ty {
            out.push(
                format!(
                    "{} parameter `{}` type: {} → {}",
                    k.0,
                    p.name,
                    show(&p.ty),
                    show(&n.ty)
                ),
                true,
                true,
                "old clients send values of the old type; implementations receive another Rust type",
            );
        }
        if p.required != n.required {
            let path = p.location == ParamLocation::Path;
            if n.required {
                out.push(
                    format!("{} parameter `{}` became required", k.0, p.name),
                    true,
                    !path,
                    "old clients may omit it and are refused; the field is no longer an Option",
                );
            } else {
                out.push(
                    format!("{} parameter `{}` became optional", k.0, p.name),
                    false,
                    !path,
                    "old clients always send it; the field becomes an Option in implementations",
                );
            }
        }
    }
}
