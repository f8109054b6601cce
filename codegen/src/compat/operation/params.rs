//! Path, query and header parameters added, removed, retyped, made required or optional.

use std::collections::BTreeMap;

use crate::compat::change::Recorder;
use crate::compat::constraints;
use crate::compat::direction::Direction;
use crate::compat::paths::path_shape;
use crate::compat::rules;
use crate::compat::show::show;
use crate::model::{Operation, Param, ParamLocation, ParamShape};

fn location(p: &Param) -> &'static str {
    match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// Which of the path's parameters `name` is, counting from 0.
fn place(path: &str, name: &str) -> Option<usize> {
    path.split('{')
        .skip(1)
        .map(|rest| rest.split('}').next().unwrap_or(""))
        .position(|n| n == name)
}

pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    // Path parameters of the same path shape are matched by their place in the path, so a
    // renamed one is the same parameter; the rest by location and name.
    let same_shape = path_shape(&old.path) == path_shape(&new.path);
    let key = |op: &Operation, p: &Param| match p.location {
        ParamLocation::Path if same_shape => (
            "path",
            format!("#{}", place(&op.path, &p.name).unwrap_or(usize::MAX)),
        ),
        _ => (location(p), p.name.to_ascii_lowercase()),
    };
    let all = |op: &Operation| -> Vec<Param> {
        op.path_params.iter().chain(&op.params).cloned().collect()
    };
    let (old_all, new_all) = (all(old), all(new));
    let before: BTreeMap<_, &Param> = old_all.iter().map(|p| (key(old, p), p)).collect();
    let after: BTreeMap<_, &Param> = new_all.iter().map(|p| (key(new, p), p)).collect();
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
                rules::PARAMETER_ADDED,
                what,
                true,
                true,
                "the path changes for old clients; the trait method gains an argument",
            );
        } else if p.required {
            out.push(
                rules::PARAMETER_ADDED,
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
                rules::PARAMETER_ADDED,
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
                out.push_removed(
                    rules::PARAMETER_REMOVED,
                    what,
                    true,
                    true,
                    "the path changes for old clients; the trait method loses an argument",
                );
            } else {
                out.push_removed(
                    rules::PARAMETER_REMOVED,
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
        if p.name != n.name {
            out.push(
                rules::PARAMETER_RENAMED,
                format!("path parameter `{}` renamed to `{}`", p.name, n.name),
                false,
                false,
                "the URL is the same; Rust arguments are positional, so callers and implementations compile unchanged",
            );
        }
        // Parameters travel in requests only.
        let request = Direction {
            input: true,
            output: false,
        };
        let subject = format!("{} parameter `{}`", k.0, p.name);
        // A type that only widened or narrowed is a moved bound; any other is another type.
        if !constraints::type_moved(out, &subject, &p.ty, &n.ty, request) && !out.same(&p.ty, &n.ty)
        {
            out.push(
                rules::PARAMETER_TYPE,
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
        // A single text value is written the same in every style.
        let styled = |q: &Param| q.shape != ParamShape::Text;
        if (styled(p) || styled(n)) && (p.style != n.style || p.explode != n.explode) {
            out.push(
                rules::PARAMETER_STYLE,
                format!(
                    "{} parameter `{}` serialisation: {:?}{} → {:?}{}",
                    k.0,
                    p.name,
                    p.style,
                    if p.explode { ", explode" } else { "" },
                    n.style,
                    if n.explode { ", explode" } else { "" }
                ),
                true,
                false,
                "old clients write the value the old way, which the server no longer reads",
            );
        }
        constraints::compare(out, &p.checks, &n.checks, request, &subject);
        if p.doc.deprecated != n.doc.deprecated {
            out.push(
                rules::PARAMETER_DEPRECATED,
                format!(
                    "{} parameter `{}` {}",
                    k.0,
                    p.name,
                    if n.doc.deprecated {
                        "became deprecated"
                    } else {
                        "is no longer deprecated"
                    }
                ),
                false,
                false,
                "documentation only",
            );
        }
        if p.required != n.required {
            let path = p.location == ParamLocation::Path;
            if n.required {
                out.push(
                    rules::PARAMETER_REQUIRED,
                    format!("{} parameter `{}` became required", k.0, p.name),
                    true,
                    !path,
                    "old clients may omit it and are refused; the field is no longer an Option",
                );
            } else {
                out.push(
                    rules::PARAMETER_OPTIONAL,
                    format!("{} parameter `{}` became optional", k.0, p.name),
                    false,
                    !path,
                    "old clients always send it; the field becomes an Option in implementations",
                );
            }
        }
    }
}
