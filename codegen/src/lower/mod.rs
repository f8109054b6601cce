//! Lowering: the parsed document → the generator's model, with every problem reported at its
//! JSON pointer.

mod checks;
mod error_model;
mod operation;
mod pattern;
mod routes;
mod schema;

use openapiv3::ReferenceOr;

use crate::diagnostic::{Diagnostics, Pointer};
use crate::load::Document;
use crate::model::Api;

pub use routes::{fixed_query, wire_path};
pub(crate) use schema::LocalSchemas;

/// Schema types live in a `types` module of their own, so no schema name can clash with the
/// client's or server's items; only `Self`, which is a keyword, is reserved.
const RESERVED_TYPE_NAMES: &[&str] = &["Self"];

pub fn lower(doc: &Document) -> Result<Api, Diagnostics> {
    let (api, server_problems) = lower_with_server_problems(doc)?;
    server_problems.into_result(api)
}

/// Like [`lower`], but problems that concern only the generated server ([`Side::Server`]: two
/// operations it could not tell apart, a route axum cannot hold) come back beside the model
/// instead of stopping it: the client can be generated with every operation, the server without
/// the operations at their pointers. Any other problem stops lowering as in [`lower`].
///
/// [`Side::Server`]: crate::diagnostic::Side::Server
pub fn lower_with_server_problems(doc: &Document) -> Result<(Api, Diagnostics), Diagnostics> {
    lower_with_references(&doc.api, &LocalSchemas::collect(&doc.raw))
}

/// [`lower_with_server_problems`], with what the document's local `$ref`s lead to gathered
/// beforehand from its JSON tree: the rest of lowering reads only the typed document, so a
/// caller need not keep the tree.
pub(crate) fn lower_with_references(
    doc: &openapiv3::OpenAPI,
    local: &LocalSchemas,
) -> Result<(Api, Diagnostics), Diagnostics> {
    let empty = indexmap::IndexMap::new();
    let components = doc.components.as_ref();
    let schemas = components.map(|c| &c.schemas).unwrap_or(&empty);
    let mut lowerer = schema::SchemaLowerer::new(schemas, local, RESERVED_TYPE_NAMES);
    lowerer.lower_components();

    let mut diags = Diagnostics::default();
    let error_model = error_model::lower(doc, &lowerer, &mut diags);

    // Every operation with where it is; `$ref` path items are resolved within the document.
    let mut found = Vec::new();
    let paths = Pointer::root().join("paths");
    for (path, item) in doc.paths.iter() {
        let item_ptr = paths.join(path);
        let Some(item) = path_item(doc, item, &item_ptr, &mut diags) else {
            continue;
        };
        for (method, op) in item.iter() {
            found.push((path, item, method, op, item_ptr.join(method)));
        }
    }

    // Operations with an `operationId` are named first, so a declared name never changes
    // because of an operation without one; those are named after their method and path.
    let mut ids = std::collections::BTreeMap::new();
    for (_, _, _, op, op_ptr) in &found {
        if let Some(id) = &op.operation_id {
            if let Some(first) = ids.get(id) {
                diags.push(
                    op_ptr,
                    format!("operationId `{id}` is also used at {first}"),
                );
            } else {
                ids.insert(id.clone(), op_ptr.clone());
            }
        }
    }
    let mut names = operation::OperationNames::default();
    let mut lowered = Vec::new();
    for declared in [true, false] {
        for (order, (path, item, method, op, op_ptr)) in found.iter().enumerate() {
            if op.operation_id.is_some() != declared {
                continue;
            }
            let id = match &op.operation_id {
                Some(id) if ids.get(id) == Some(op_ptr) => id.clone(),
                Some(_) => continue,
                None => {
                    let wanted = operation::synthesized_id(method, path);
                    let id = (1..)
                        .map(|n| match n {
                            1 => wanted.clone(),
                            n => format!("{wanted}_{n}"),
                        })
                        .find(|id| !ids.contains_key(id))
                        .unwrap_or(wanted);
                    ids.insert(id.clone(), op_ptr.clone());
                    id
                }
            };
            let ctx = operation::Context {
                doc,
                id: &id,
                path,
                method,
                item,
                op,
                pointer: op_ptr,
                error_model: error_model.as_ref(),
            };
            if let Some(op) = operation::lower(&ctx, &mut lowerer, &mut names, &mut diags) {
                lowered.push((order, op));
            }
        }
    }
    lowered.sort_by_key(|(order, _)| *order);
    let mut operations: Vec<_> = lowered.into_iter().map(|(_, op)| op).collect();
    routes::assign(&mut operations, &mut diags);
    lowerer.box_recursive_fields();
    diags.0.extend(std::mem::take(&mut lowerer.diags).0);
    diags
        .0
        .sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    diags.0.dedup();

    if !diags.server_only() {
        return Err(diags);
    }
    let api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        types: lowerer.types,
        operations,
        error_model,
    };
    Ok((api, diags))
}

/// A path item, following a `$ref` to another path of the same document (`#/paths/~1pets`).
fn path_item<'d>(
    doc: &'d openapiv3::OpenAPI,
    item: &'d ReferenceOr<openapiv3::PathItem>,
    at: &Pointer,
    diags: &mut Diagnostics,
) -> Option<&'d openapiv3::PathItem> {
    let mut current = item;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(item) => return Some(item),
            ReferenceOr::Reference { reference } => {
                let target = reference
                    .strip_prefix("#/paths/")
                    .map(schema::unescape)
                    .and_then(|p| doc.paths.paths.get(&p));
                match target {
                    Some(next) => current = next,
                    None => {
                        diags.push(
                            at,
                            format!("`$ref: {reference}` is not supported here: a path item can only refer to another path of this document (#/paths/...)"),
                        );
                        return None;
                    }
                }
            }
        }
    }
    diags.push(at, "a cycle of `$ref` path items");
    None
}
