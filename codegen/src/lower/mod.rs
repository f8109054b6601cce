//! Lowering: the parsed document → the generator's model, with every problem reported at its
//! JSON pointer.

mod error_model;
mod operation;
mod schema;

use openapiv3::ReferenceOr;

use crate::diagnostic::{Diagnostics, Pointer};
use crate::load::Document;
use crate::model::Api;
use crate::naming::Namespace;

/// Names the generated crates define beside the schema types; a schema with one of these names
/// is renamed (`Client` → `Client2`) rather than clashing.
const RESERVED_TYPE_NAMES: &[&str] = &["Client", "Error", "UnexpectedResponse", "TokenSource"];

pub fn lower(doc: &Document) -> Result<Api, Diagnostics> {
    let api = &doc.api;
    let empty = indexmap::IndexMap::new();
    let components = api.components.as_ref();
    let schemas = components.map(|c| &c.schemas).unwrap_or(&empty);
    let mut lowerer = schema::SchemaLowerer::new(schemas, RESERVED_TYPE_NAMES);
    lowerer.lower_components();

    let mut diags = Diagnostics::default();
    let error_model = error_model::lower(doc, &lowerer, &mut diags);

    let mut operations = Vec::new();
    let mut fn_names = Namespace::default();
    let mut ids = std::collections::BTreeMap::new();
    let paths = Pointer::root().join("paths");
    for (path, item) in api.paths.iter() {
        let item_ptr = paths.join(path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                diags.push(
                    &item_ptr,
                    "a `$ref` path item is not supported; write the operations inline",
                );
                continue;
            }
        };
        for (method, op) in item.iter() {
            let op_ptr = item_ptr.join(method);
            let Some(id) = &op.operation_id else {
                diags.push(&op_ptr, "the operation has no `operationId`; every operation needs one to name its method");
                continue;
            };
            if let Some(first) = ids.insert(id.clone(), op_ptr.clone()) {
                diags.push(
                    &op_ptr,
                    format!("operationId `{id}` is also used at {first}"),
                );
                continue;
            }
            let ctx = operation::Context {
                doc,
                path,
                method,
                item,
                op,
                pointer: &op_ptr,
                error_model: error_model.as_ref(),
            };
            if let Some(lowered) = operation::lower(&ctx, &mut lowerer, &mut fn_names, &mut diags) {
                operations.push(lowered);
            }
        }
    }
    lowerer.box_recursive_fields();
    diags.0.extend(std::mem::take(&mut lowerer.diags).0);
    diags
        .0
        .sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    diags.0.dedup();

    diags.into_result(Api {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        types: lowerer.types,
        operations,
        error_model,
    })
}
