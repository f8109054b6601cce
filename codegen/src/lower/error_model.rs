//! `x-error-model`: which schemas the generated server writes when it rejects a request itself.
//!
//! ```yaml
//! x-error-model:
//!   schema: ErrorResponse      # {error: {code, message, target?, details?}}
//!   codes: ErrorCode           # a string enum; `x-enum-messages` holds each code's message
//!   invalidField: InvalidRequestBody   # detail code for a body field that fails to decode
//! ```

use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{ErrorModel, Field, TypeKind, TypeRef};

use super::schema::SchemaLowerer;

pub fn lower(
    doc: &openapiv3::OpenAPI,
    schemas: &SchemaLowerer<'_>,
    diags: &mut Diagnostics,
) -> Option<ErrorModel> {
    let value = doc.extensions.get("x-error-model")?;
    let at = Pointer::root().join("x-error-model");
    let get = |key: &str, diags: &mut Diagnostics| -> Option<String> {
        match value.get(key).and_then(|v| v.as_str()) {
            Some(s) => Some(s.to_owned()),
            None => {
                diags.push(
                    at.join(key),
                    format!("`x-error-model` needs `{key}`, a string"),
                );
                None
            }
        }
    };
    let schema_name = get("schema", diags)?;
    let codes_name = get("codes", diags)?;
    let invalid_field = get("invalidField", diags)?;
    let optional = |key: &str, diags: &mut Diagnostics| -> Option<String> {
        let value = value.get(key)?;
        let code = value.as_str().map(str::to_owned);
        if code.is_none() {
            diags.push(
                at.join(key),
                format!("`{key}` must be a string, an error code"),
            );
        }
        code
    };

    let lookup = |name: &str, key: &str, diags: &mut Diagnostics| -> Option<String> {
        let found = schemas.component_type(name).map(str::to_owned);
        if found.is_none() {
            diags.push(
                at.join(key),
                format!("`{name}` is not a schema in #/components/schemas"),
            );
        }
        found
    };
    let schema = lookup(&schema_name, "schema", diags)?;
    let codes = lookup(&codes_name, "codes", diags)?;

    let fields_of = |ty: &str| -> Option<&Vec<Field>> {
        match schemas.types.get(ty).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => Some(&s.fields),
            _ => None,
        }
    };
    let shape_error = |diags: &mut Diagnostics, what: &str| {
        diags.push(
            at.join("schema"),
            format!("`{schema_name}` must have the shape {{error: {{code, message, target?, details?}}}}: {what}"),
        );
    };
    let Some(outer) = fields_of(&schema) else {
        shape_error(diags, "it is not an object with properties");
        return None;
    };
    let Some(error_field) = outer.iter().find(|f| f.json_name == "error") else {
        shape_error(diags, "there is no `error` property");
        return None;
    };
    let TypeRef::Named(error_type) = &error_field.ty else {
        shape_error(diags, "`error` is not a `$ref` to an object schema");
        return None;
    };
    let Some(inner) = fields_of(error_type) else {
        shape_error(diags, "`error` is not an object schema");
        return None;
    };
    let field = |name: &str| inner.iter().find(|f| f.json_name == name);
    let Some(code) = field("code") else {
        shape_error(diags, "the error has no `code`");
        return None;
    };
    if code.ty != TypeRef::Named(codes.clone()) {
        shape_error(
            diags,
            &format!("the error's `code` is not a `$ref` to `{codes_name}`"),
        );
        return None;
    }
    let Some(message) = field("message").filter(|f| f.ty == TypeRef::String) else {
        shape_error(diags, "the error has no string `message`");
        return None;
    };
    let target = field("target");
    if target.is_some_and(|t| t.ty != TypeRef::String) {
        shape_error(diags, "the error's `target` is not a string");
        return None;
    }
    let details = field("details");
    if details.is_some_and(|d| d.ty != TypeRef::Vec(Box::new(TypeRef::Named(error_type.clone())))) {
        shape_error(
            diags,
            "the error's `details` is not an array of the error schema",
        );
        return None;
    }
    let model = ErrorModel {
        schema,
        error_type: error_type.clone(),
        error_field: (error_field.rust_name.clone(), error_field.is_option()),
        codes,
        code_field: (code.rust_name.clone(), code.is_option()),
        message_field: (message.rust_name.clone(), message.is_option()),
        target_field: target.map(|t| (t.rust_name.clone(), t.is_option())),
        details_field: details.map(|d| (d.rust_name.clone(), d.is_option())),
        invalid_field,
        unknown_path: optional("unknownPath", diags),
        method_not_allowed: optional("methodNotAllowed", diags),
    };
    for (key, code) in [
        ("unknownPath", &model.unknown_path),
        ("methodNotAllowed", &model.method_not_allowed),
    ] {
        if let Some(code) = code {
            check_code(&model, schemas, code, &at.join(key), diags);
        }
    }
    check_code(
        &model,
        schemas,
        &model.invalid_field,
        &at.join("invalidField"),
        diags,
    );
    Some(model)
}

/// Reports a code that is not one of the code enum's values.
pub fn check_code(
    model: &ErrorModel,
    schemas: &SchemaLowerer<'_>,
    code: &str,
    at: &Pointer,
    diags: &mut Diagnostics,
) {
    let known = match schemas.types.get(&model.codes).map(|t| &t.kind) {
        Some(TypeKind::Enum(e)) => e.variants.iter().any(|v| v.value == code),
        _ => false,
    };
    if !known {
        diags.push(
            at,
            format!(
                "`{code}` is not one of the values of the error code enum `{}`",
                model.codes
            ),
        );
    }
}
