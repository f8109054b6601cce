//! `--skip-unsupported`: generate what can be generated, leave out what cannot, and say so.
//!
//! A refused construct stops the whole document by default, because a crate that silently lacks
//! an operation is worse than no crate. When the user asks for it, the units that hold a located
//! error are taken out of the document and it is lowered again: an operation (its own pointer,
//! or its path item's), or a component (`#/components/schemas/Pet`). Whatever refers to a
//! removed component is removed with it, with that as its reason, so what remains is whole and
//! every removal is listed. Errors that belong to no such unit (the document's version, the error
//! model) still refuse the document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Side};
use crate::emit::{Generated, Options};
use crate::load::METHODS;

/// Rounds of remove-and-lower before giving up; each removes at least one unit, and real
/// documents settle in two or three.
const ROUNDS: usize = 12;

/// What was left out of the document, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `GET /pets/{id}` for an operation, the pointer for a component.
    pub what: String,
    /// The operation's or component's pointer.
    pub pointer: String,
    /// The first located error that made it go, or the removed component it uses.
    pub reason: String,
}

/// The crates of a document, less what had to be skipped.
#[derive(Debug, Clone)]
pub struct Report {
    pub generated: Generated,
    /// Operations (path × method) in the document as written.
    pub operations: usize,
    /// Operations left out, in document order.
    pub skipped_operations: Vec<Skipped>,
    /// Components left out (with every operation that uses them).
    pub skipped_components: Vec<Skipped>,
    /// Operations the client has but the server leaves out: it could not tell them from others
    /// (see [`Side::Server`]).
    pub left_out_of_server: Vec<Skipped>,
    /// What the document holds that is not generated (see [`crate::load::Document::notes`]).
    pub notes: Vec<Diagnostic>,
}

/// A unit of the document that can be taken out on its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    /// A path and a method (`get`), as written in `paths`.
    Operation(String, String),
    /// `#/components/{section}/{name}`.
    Component(String, String),
}

/// Generates `spec`, skipping the operations and components that hold errors when `skip` is set
/// (and failing on any error when it is not).
pub fn generate(spec: &str, options: &Options, skip: bool) -> Result<Report, Diagnostics> {
    let (mut raw, notes) = crate::load::read(spec)?;
    let paths = raw.get("paths").and_then(Value::as_object);
    let operations = paths
        .into_iter()
        .flatten()
        .filter_map(|(_, item)| item.as_object())
        .map(|item| {
            item.keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .count()
        })
        .sum();
    let order: Vec<String> = paths
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let mut skipped: BTreeMap<Unit, String> = BTreeMap::new();
    for _ in 0..ROUNDS {
        // The JSON tree takes as much memory as the typed document, and lowering reads it only
        // for where `$ref`s lead: that is gathered, then the tree is consumed into the typed
        // document, and a round that has to leave something out reads it again from the text.
        let local = crate::lower::LocalSchemas::collect(&raw);
        let typed = crate::load::typed(raw, spec)?;
        let diags = match crate::lower::lower_with_references(&typed, &local) {
            Ok((api, server)) => {
                if !server.is_empty() && !skip {
                    return Err(server);
                }
                let left_out: Vec<&crate::model::Operation> = api
                    .operations
                    .iter()
                    .filter(|op| server.iter().any(|d| d.pointer == op.pointer))
                    .collect();
                let omit: BTreeSet<String> = left_out.iter().map(|op| op.id.clone()).collect();
                let server_only = left_out
                    .iter()
                    .map(|op| Skipped {
                        what: format!("{} {}", op.method.as_str(), op.path),
                        pointer: op.pointer.clone(),
                        reason: server
                            .iter()
                            .find(|d| d.pointer == op.pointer)
                            .map(|d| format!("{}: {}", d.pointer, d.message))
                            .unwrap_or_default(),
                    })
                    .collect();
                // The typed document is the biggest thing in memory; nothing after lowering
                // reads it.
                drop((typed, local));
                let mut generated = crate::emit::emit_leaving_out(&api, options, &omit)?;
                drop(api);
                // The whole document as written, skipped parts included: it is what the
                // crates were generated from.
                crate::document::attach(&mut generated, spec)?;
                let mut report = report(generated, operations, &order, skipped, notes);
                report.left_out_of_server = server_only;
                return Ok(report);
            }
            Err(diags) => diags,
        };
        if !skip {
            return Err(diags);
        }
        // The document as last lowered: as written (3.1 already rewritten), less what earlier
        // rounds left out.
        raw = crate::load::read(spec)?.0;
        for unit in skipped.keys() {
            remove(&mut raw, unit);
        }
        let mut culprits: BTreeMap<Unit, String> = BTreeMap::new();
        let mut whole_document = false;
        // Server-only problems leave their operations out of the server once the rest is whole.
        for d in diags.0.iter().filter(|d| d.side != Side::Server) {
            match unit_of(&d.pointer, &raw) {
                Some(units) => {
                    for unit in units {
                        culprits.entry(unit).or_insert_with(|| d.to_string());
                    }
                }
                // Nothing smaller than the document holds it.
                None => whole_document = true,
            }
        }
        if whole_document {
            return Err(diags);
        }
        culprits.retain(|unit, _| !skipped.contains_key(unit));
        if culprits.is_empty() {
            return Err(diags);
        }
        users_of_removed(&raw, &mut culprits);
        for (unit, reason) in culprits {
            remove(&mut raw, &unit);
            skipped.insert(unit, reason);
        }
    }
    Err(Diagnostics::from(Diagnostic::new(
        "#",
        format!(
            "the document still holds errors after skipping {} operations and components",
            skipped.len()
        ),
    )))
}

fn report(
    generated: Generated,
    operations_in_document: usize,
    order: &[String],
    skipped: BTreeMap<Unit, String>,
    notes: Vec<Diagnostic>,
) -> Report {
    let mut operations = Vec::new();
    let mut components = Vec::new();
    for (unit, reason) in skipped {
        match unit {
            Unit::Operation(path, method) => operations.push((
                order.iter().position(|p| *p == path).unwrap_or(usize::MAX),
                METHODS
                    .iter()
                    .position(|m| *m == method)
                    .unwrap_or(usize::MAX),
                Skipped {
                    what: format!("{} {path}", method.to_uppercase()),
                    pointer: pointer(&["paths", &path, &method]),
                    reason,
                },
            )),
            Unit::Component(section, name) => components.push(Skipped {
                what: format!("{section} `{name}`"),
                pointer: pointer(&["components", &section, &name]),
                reason,
            }),
        }
    }
    operations.sort_by_key(|(p, m, _)| (*p, *m));
    Report {
        generated,
        operations: operations_in_document,
        skipped_operations: operations.into_iter().map(|(_, _, s)| s).collect(),
        skipped_components: components,
        left_out_of_server: Vec::new(),
        notes,
    }
}

fn pointer(segments: &[&str]) -> String {
    let mut out = String::from("#");
    for s in segments {
        out.push('/');
        out.push_str(&s.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// The segments of a JSON pointer (`#/paths/~1a/get` → `paths`, `/a`, `get`).
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .trim_start_matches('#')
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The units a located error belongs to: one operation, every operation of a path item (an
/// error in its shared parameters or its path template), or one component.
fn unit_of(pointer: &str, raw: &Value) -> Option<Vec<Unit>> {
    let segs = segments(pointer);
    match segs.as_slice() {
        [paths, path, method, ..] if paths == "paths" && METHODS.contains(&method.as_str()) => {
            Some(vec![Unit::Operation(path.clone(), method.clone())])
        }
        [paths, path, ..] if paths == "paths" => {
            let item = raw.get("paths")?.get(path)?.as_object()?;
            let units: Vec<Unit> = item
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(|m| Unit::Operation(path.clone(), m.clone()))
                .collect();
            (!units.is_empty()).then_some(units)
        }
        [components, section, name, ..] if components == "components" => {
            Some(vec![Unit::Component(section.clone(), name.clone())])
        }
        _ => None,
    }
}

/// Adds to `removed` every operation and component that refers, directly or through others, to a
/// removed component, each with the component it uses as its reason.
fn users_of_removed(raw: &Value, removed: &mut BTreeMap<Unit, String>) {
    let mut units: Vec<(Unit, &Value)> = Vec::new();
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                units.push((Unit::Operation(path.clone(), method.clone()), op));
            }
        }
        // Parameters shared by the path item belong to each of its operations.
        if let Some(shared) = item.get("parameters") {
            for method in item.as_object().into_iter().flatten().map(|(k, _)| k) {
                if METHODS.contains(&method.as_str()) {
                    units.push((Unit::Operation(path.clone(), method.clone()), shared));
                }
            }
        }
    }
    for (section, entries) in raw
        .get("components")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (name, value) in entries.as_object().into_iter().flatten() {
            units.push((Unit::Component(section.clone(), name.clone()), value));
        }
    }
    let refs: Vec<(Unit, BTreeSet<String>)> = units
        .into_iter()
        .map(|(unit, value)| {
            let mut out = BTreeSet::new();
            gather_refs(value, &mut out);
            (unit, out)
        })
        .collect();
    loop {
        let mut added = Vec::new();
        for (unit, targets) in &refs {
            if removed.contains_key(unit) {
                continue;
            }
            let hit = removed.keys().find_map(|r| match r {
                Unit::Component(section, name) => {
                    let at = pointer(&["components", section, name]);
                    targets
                        .iter()
                        .find(|t| *t == &at || t.starts_with(&format!("{at}/")))
                        .map(|_| at)
                }
                Unit::Operation(..) => None,
            });
            if let Some(at) = hit {
                added.push((unit.clone(), format!("uses {at}, which is skipped")));
            }
        }
        if added.is_empty() {
            return;
        }
        removed.extend(added);
    }
}

fn gather_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(obj) => {
            for (k, v) in obj {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    // A discriminator's mapping names schemas too.
                    ("mapping", Value::Object(m)) => {
                        for target in m.values().filter_map(Value::as_str) {
                            out.insert(if target.starts_with('#') {
                                target.to_owned()
                            } else {
                                pointer(&["components", "schemas", target])
                            });
                        }
                    }
                    _ => gather_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| gather_refs(v, out)),
        _ => {}
    }
}

fn remove(raw: &mut Value, unit: &Unit) {
    match unit {
        Unit::Operation(path, method) => {
            if let Some(item) = raw
                .get_mut("paths")
                .and_then(|p| p.get_mut(path))
                .and_then(Value::as_object_mut)
            {
                item.shift_remove(method);
            }
        }
        Unit::Component(section, name) => {
            if let Some(entries) = raw
                .get_mut("components")
                .and_then(|c| c.get_mut(section))
                .and_then(Value::as_object_mut)
            {
                entries.shift_remove(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /good:
    get:
      operationId: good
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Fine"}
  /bad:
    get:
      operationId: bad
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Uses"}
    post:
      operationId: alsoGood
      responses:
        "204": {description: done}
components:
  schemas:
    Fine: {type: object, properties: {a: {type: string}}}
    Broken: {not: {type: string}}
    Uses: {type: object, properties: {b: {$ref: "#/components/schemas/Broken"}}}
"##;

    fn options() -> Options {
        Options {
            client_crate: "t_client".into(),
            regenerate_with: "test".into(),
        }
    }

    #[test]
    fn without_skipping_an_error_refuses_the_document() {
        let err = generate(SPEC, &options(), false).unwrap_err();
        assert!(
            err.to_string().contains("#/components/schemas/Broken"),
            "{err}"
        );
    }

    #[test]
    fn skipping_removes_the_component_and_its_users_only() {
        let report = generate(SPEC, &options(), true).unwrap();
        let ops: Vec<&str> = report
            .skipped_operations
            .iter()
            .map(|s| s.what.as_str())
            .collect();
        assert_eq!(ops, ["GET /bad"]);
        assert!(
            report.skipped_operations[0]
                .reason
                .contains("#/components/schemas/Uses")
        );
        let components: Vec<&str> = report
            .skipped_components
            .iter()
            .map(|s| s.pointer.as_str())
            .collect();
        assert_eq!(
            components,
            ["#/components/schemas/Broken", "#/components/schemas/Uses"]
        );
        let client = &report.generated.client["src/client.rs"];
        assert!(client.contains("pub async fn good"));
        assert!(client.contains("pub async fn also_good"));
        assert!(!client.contains("pub async fn bad("));
    }

    #[test]
    fn server_only_problems_leave_the_operation_in_the_client() {
        let spec = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /mounts/{a}/login:
    post:
      operationId: loginA
      parameters: [{name: a, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: done}}
  /mounts/{b}/login:
    post:
      operationId: loginB
      parameters: [{name: b, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: done}}
"##;
        let err = generate(spec, &options(), false).unwrap_err();
        assert!(err.iter().all(|d| d.side == Side::Server), "{err}");
        let report = generate(spec, &options(), true).unwrap();
        let left: Vec<&str> = report
            .left_out_of_server
            .iter()
            .map(|s| s.what.as_str())
            .collect();
        assert_eq!(left, ["POST /mounts/{b}/login"]);
        assert!(report.skipped_operations.is_empty());
        assert!(report.generated.client["src/client.rs"].contains("pub async fn login_b"));
        assert!(!report.generated.server["src/api.rs"].contains("fn login_b"));
    }

    #[test]
    fn an_error_outside_any_unit_still_refuses() {
        let spec = SPEC.replace("openapi: 3.0.3", "openapi: 3.0.3\nx-error-model: 7");
        // Whatever the generator says of a malformed error model, skipping cannot remove it.
        if let Err(err) = generate(&spec, &options(), true) {
            assert!(!err.is_empty());
        }
    }
}
