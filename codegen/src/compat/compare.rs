//! The comparison's entry point: two lowered models in, a report of classified changes out.

use std::collections::{BTreeMap, BTreeSet};

use super::change::{Group, Recorder};
use super::direction::{Direction, usage};
use super::report::Report;
use super::{operation, schema};
use crate::model::{Api, Operation};

/// Every change from `old` to `new`, operations first (in the new spec's order, then removed
/// ones), then schemas by name.
pub fn compare(old: &Api, new: &Api) -> Report {
    let mut out = Recorder {
        changes: Vec::new(),
        group: Group::Operation(String::new()),
    };
    operations(&mut out, old, new);
    schemas(&mut out, old, new);
    Report {
        changes: out.changes,
    }
}

fn operations(out: &mut Recorder, old: &Api, new: &Api) {
    let old_ops: BTreeMap<&str, &Operation> =
        old.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    let new_ids: BTreeSet<&str> = new.operations.iter().map(|o| o.id.as_str()).collect();
    for op in &new.operations {
        out.group = Group::Operation(op.id.clone());
        match old_ops.get(op.id.as_str()) {
            None => out.push(
                format!("operation added: {} {}", op.method.as_str(), op.path),
                false,
                true,
                "a new operation: servers must implement a new `Api` trait method",
            ),
            Some(before) => operation::compare(out, before, op),
        }
    }
    for op in &old.operations {
        if !new_ids.contains(op.id.as_str()) {
            out.group = Group::Operation(op.id.clone());
            out.push(
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
    for name in names {
        out.group = Group::Schema(name.clone());
        let (before, after) = (old.types.get(name), new.types.get(name));
        let (i0, o0) = old_use.get(name).copied().unwrap_or_default();
        let (i1, o1) = new_use.get(name).copied().unwrap_or_default();
        let dir = Direction {
            input: i0 || i1,
            output: o0 || o1,
        };
        match (before, after) {
            (None, Some(_)) => out.push(
                "schema added",
                false,
                false,
                "a new type: nothing that exists uses it",
            ),
            (Some(_), None) => out.push(
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
