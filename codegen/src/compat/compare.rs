//! The comparison's entry point: two lowered models in, a report of classified changes out.

use std::collections::{BTreeMap, BTreeSet};

use super::change::{Group, Recorder};
use super::direction::{Direction, usage};
use super::paths::path_shape;
use super::report::Report;
use super::rules;
use super::{operation, schema};
use crate::model::{Api, Operation};

/// Every change from `old` to `new`, operations first (in the new spec's order, then removed
/// ones), then schemas by name.
pub fn compare(old: &Api, new: &Api) -> Report {
    let mut out = Recorder::new();
    out.renamed = schema_renames(old, new);
    operations(&mut out, old, new);
    schemas(&mut out, old, new);
    Report {
        changes: out.changes,
        ..Report::default()
    }
}

/// Operations that only changed their `operationId`: new id → the old operation. Each is paired
/// by method and path shape with exactly one operation that is gone.
fn operation_renames<'a>(old: &'a Api, new: &Api) -> BTreeMap<String, &'a Operation> {
    let old_ids: BTreeSet<&str> = old.operations.iter().map(|o| o.id.as_str()).collect();
    let new_ids: BTreeSet<&str> = new.operations.iter().map(|o| o.id.as_str()).collect();
    let mut pairs = BTreeMap::new();
    for op in new
        .operations
        .iter()
        .filter(|o| !old_ids.contains(o.id.as_str()))
    {
        let mut candidates = old.operations.iter().filter(|o| {
            !new_ids.contains(o.id.as_str())
                && o.method == op.method
                && path_shape(&o.path) == path_shape(&op.path)
        });
        if let (Some(before), None) = (candidates.next(), candidates.next()) {
            pairs.insert(op.id.clone(), before);
        }
    }
    pairs
}

/// Schemas that only changed their name: old name → new name, each paired with exactly one
/// schema of the same content that is gone.
fn schema_renames(old: &Api, new: &Api) -> BTreeMap<String, String> {
    let content = |t: &crate::model::TypeDef| format!("{:?}{:?}", t.kind, t.checks);
    let mut pairs = BTreeMap::new();
    for (name, def) in old
        .types
        .iter()
        .filter(|(n, _)| !new.types.contains_key(*n))
    {
        let mut candidates = new
            .types
            .iter()
            .filter(|(n, t)| !old.types.contains_key(*n) && content(t) == content(def));
        if let (Some((to, _)), None) = (candidates.next(), candidates.next()) {
            pairs.insert(name.clone(), to.clone());
        }
    }
    // Two old schemas may have matched the same new one: then neither is a rename.
    let mut targets: BTreeMap<String, usize> = BTreeMap::new();
    for to in pairs.values() {
        *targets.entry(to.clone()).or_default() += 1;
    }
    pairs.retain(|_, to| targets[to.as_str()] == 1);
    pairs
}

fn operations(out: &mut Recorder, old: &Api, new: &Api) {
    let old_ops: BTreeMap<&str, &Operation> =
        old.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    let new_ids: BTreeSet<&str> = new.operations.iter().map(|o| o.id.as_str()).collect();
    let renames = operation_renames(old, new);
    let renamed_from: BTreeSet<&str> = renames.values().map(|o| o.id.as_str()).collect();
    for op in &new.operations {
        out.group = Group::Operation(op.id.clone());
        out.at = op.pointer.clone();
        if let Some(before) = renames.get(&op.id) {
            out.was_at = before.pointer.clone();
            out.push(
                rules::OPERATION_RENAMED,
                format!("operationId: {} → {}", before.id, op.id),
                false,
                true,
                "the same requests and answers on the wire; the client function and the `Api` trait method take the new name",
            );
            operation::compare(out, before, op);
            continue;
        }
        match old_ops.get(op.id.as_str()) {
            None => out.push(
                rules::OPERATION_ADDED,
                format!("operation added: {} {}", op.method.as_str(), op.path),
                false,
                true,
                "a new operation: servers must implement a new `Api` trait method",
            ),
            Some(before) => {
                out.was_at = before.pointer.clone();
                operation::compare(out, before, op)
            }
        }
    }
    for op in &old.operations {
        if !new_ids.contains(op.id.as_str()) && !renamed_from.contains(op.id.as_str()) {
            out.group = Group::Operation(op.id.clone());
            out.was_at = op.pointer.clone();
            out.push_removed(
                rules::OPERATION_REMOVED,
                format!("operation removed: {} {}", op.method.as_str(), op.path),
                true,
                true,
                "old clients call an operation that is gone; implementations define a method the `Api` trait no longer has",
            );
        }
    }
}

fn schemas(out: &mut Recorder, old: &Api, new: &Api) {
    let old_use = usage(old);
    let new_use = usage(new);
    let codes = |api: &Api| api.error_model.as_ref().map(|m| m.codes.clone());
    let (old_codes, new_codes) = (codes(old), codes(new));
    let names: BTreeSet<&String> = old.types.keys().chain(new.types.keys()).collect();
    let renamed_to: BTreeMap<String, String> = out
        .renamed
        .iter()
        .map(|(o, n)| (n.clone(), o.clone()))
        .collect();
    for name in names {
        if out.renamed.contains_key(name.as_str()) {
            continue;
        }
        if let Some(was) = renamed_to.get(name.as_str()) {
            out.group = Group::Schema(name.clone());
            out.at = new.types[name].pointer.clone();
            out.push(
                rules::SCHEMA_RENAMED,
                format!("renamed from `{was}`"),
                false,
                true,
                "the same JSON under another name; the Rust type takes the new name, so code naming the old one no longer compiles",
            );
            continue;
        }
        out.group = Group::Schema(name.clone());
        let (before, after) = (old.types.get(name), new.types.get(name));
        if let Some(t) = after {
            out.at = t.pointer.clone();
        }
        if let Some(t) = before {
            out.was_at = t.pointer.clone();
        }
        let (i0, o0) = old_use.get(name).copied().unwrap_or_default();
        let (i1, o1) = new_use.get(name).copied().unwrap_or_default();
        let dir = Direction {
            input: i0 || i1,
            output: o0 || o1,
        };
        match (before, after) {
            (None, Some(_)) => out.push(
                rules::SCHEMA_ADDED,
                "schema added",
                false,
                false,
                "a new type: nothing that exists uses it",
            ),
            (Some(_), None) => out.push_removed(
                rules::SCHEMA_REMOVED,
                "schema removed",
                false,
                true,
                "implementations naming the type no longer compile; changes on the wire are listed where it was used",
            ),
            (Some(b), Some(a)) => {
                let is_codes =
                    old_codes.as_deref() == Some(name) && new_codes.as_deref() == Some(name);
                schema::compare(out, b, a, dir, is_codes);
            }
            (None, None) => {}
        }
    }
}
