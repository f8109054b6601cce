//! OpenAPI 3.1 input: rewritten into the 3.0 form the rest of the generator reads.
//!
//! 3.1 schemas are JSON Schema 2020-12. The constructs real 3.1 documents use most have exact 3.0
//! equivalents, which this module substitutes in the raw tree before parsing:
//! - `type: [T, "null"]` → `type: T, nullable: true`; several non-null types → `oneOf` with one
//!   member per type, each carrying the keywords that apply to it;
//! - `type: "null"` alone → `nullable: true`;
//! - `const: v` → `enum: [v]`;
//! - numeric `exclusiveMinimum: n` / `exclusiveMaximum: n` → `minimum: n, exclusiveMinimum: true`;
//! - `examples: [...]` on a schema → its first element as `example`;
//! - a string's `contentEncoding: base64` → `format: byte`, its `contentMediaType` otherwise →
//!   `format: binary` (kept as `x-content-media-type`);
//! - `paths` may be absent (a document of `webhooks` or components only);
//! - an operation may leave out `responses`: it gets a `default` response without a body (noted);
//! - `$recursiveRef: "#"` / `$dynamicRef: "#"` in a component → a `$ref` to that component;
//! - `items: false` → `maxItems` of the `prefixItems` count; `items: true` → no `items`;
//! - a `mutualTLS` security scheme is left out of the requirements (noted: TLS carries it).
//!
//! Everything else 3.1 adds (`webhooks`, `jsonSchemaDialect`, `$defs`, `prefixItems`...) is not
//! used for code and is left for the 3.0 parser to ignore.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Pointer};
use crate::load::methods::METHODS;

/// Rewrites a 3.1 document in place so it parses as 3.0.3; returns notes on what the rewrite
/// could only approximate, for the user to see.
pub fn downgrade(doc: &mut Value) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("openapi".into(), Value::String("3.0.3".into()));
        obj.entry("paths")
            .or_insert_with(|| Value::Object(Map::new()));
        for (key, value) in obj.iter_mut() {
            // Examples and extensions are data, not schemas.
            if key != "info" && !key.starts_with("x-") {
                walk(value);
            }
        }
        recursive_refs(obj);
        undescribed_responses(obj, &mut notes);
        mutual_tls(obj, &mut notes);
    }
    notes
}

/// `$recursiveRef: "#"` (2019-09) and `$dynamicRef: "#"` inside a component schema refer to
/// that component itself (a component has no `$id` of its own here): a plain `$ref` to it.
fn recursive_refs(doc: &mut Map<String, Value>) {
    let Some(schemas) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        let target = Pointer::root()
            .join("components")
            .join("schemas")
            .join(name)
            .to_string();
        replace_recursive(schema, &target);
    }
}

fn replace_recursive(value: &mut Value, target: &str) {
    match value {
        Value::Object(obj) => {
            for key in ["$recursiveRef", "$dynamicRef"] {
                if obj.get(key).and_then(Value::as_str) == Some("#") {
                    obj.shift_remove(key);
                    obj.insert("$ref".into(), Value::String(target.to_owned()));
                }
            }
            for (key, child) in obj.iter_mut() {
                if key != "example" && key != "examples" && key != "default" && key != "enum" {
                    replace_recursive(child, target);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_recursive(v, target)),
        _ => {}
    }
}

/// 3.1 lets an operation leave out `responses`; 3.0 requires them. Such an operation answers
/// anything, which is what a lone `default` response without content says.
fn undescribed_responses(doc: &mut Map<String, Value>, notes: &mut Vec<Diagnostic>) {
    let mut filled = Vec::new();
    let paths = doc.get_mut("paths").and_then(Value::as_object_mut);
    for (path, item) in paths.into_iter().flatten() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if let Some(op) = op.as_object_mut()
                && METHODS.contains(&method.as_str())
                && !op.contains_key("responses")
            {
                op.insert(
                    "responses".into(),
                    serde_json::json!({"default": {"description": "The document describes no responses for this operation."}}),
                );
                filled.push(Pointer::root().join("paths").join(path).join(method));
            }
        }
    }
    if let Some(first) = filled.first() {
        notes.push(Diagnostic::new(
            first.as_str(),
            format!(
                "{} operation(s) declare no `responses` (allowed in 3.1); each gets a `default` response without a body, so any answer is accepted and none is typed",
                filled.len()
            ),
        ));
    }
}

/// 3.1's `mutualTLS` scheme is a client certificate, negotiated by TLS below HTTP: nothing in a
/// request carries it. The scheme is dropped from the requirements (the generated code could not
/// send or check it) and a note says where it belongs instead.
fn mutual_tls(doc: &mut Map<String, Value>, notes: &mut Vec<Diagnostic>) {
    let Some(schemes) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let names: Vec<String> = schemes
        .iter()
        .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS"))
        .map(|(name, _)| name.clone())
        .collect();
    for name in &names {
        schemes.shift_remove(name);
        notes.push(Diagnostic::new(
            Pointer::root()
                .join("components")
                .join("securitySchemes")
                .join(name)
                .as_str(),
            format!("`{name}` is a mutualTLS scheme: a client certificate is set on the HTTP client (reqwest's `ClientBuilder::identity`) and checked where TLS ends, not by the generated code, which leaves it out of every security requirement"),
        ));
    }
    if names.is_empty() {
        return;
    }
    let drop = |security: &mut Value| {
        for requirement in security.as_array_mut().into_iter().flatten() {
            if let Some(requirement) = requirement.as_object_mut() {
                for name in &names {
                    requirement.shift_remove(name);
                }
            }
        }
    };
    if let Some(security) = doc.get_mut("security") {
        drop(security);
    }
    let paths = doc.get_mut("paths").and_then(Value::as_object_mut);
    for item in paths.into_iter().flat_map(|p| p.values_mut()) {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if METHODS.contains(&method.as_str())
                && let Some(security) = op.get_mut("security")
            {
                drop(security);
            }
        }
    }
}

/// Keywords whose value is a map from names to schemas: every entry is a schema, whatever its
/// name (a property may be called `default` or `enum`).
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
];

fn walk(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if looks_like_schema(obj) {
                rewrite_schema(obj);
            }
            for (key, child) in obj.iter_mut() {
                if key == "example"
                    || key == "examples"
                    || key == "default"
                    || key == "enum"
                    || key.starts_with("x-")
                {
                    continue;
                }
                if SCHEMA_MAPS.contains(&key.as_str())
                    && let Value::Object(named) = child
                {
                    named.values_mut().for_each(walk);
                    continue;
                }
                walk(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

/// A schema object, told apart from a map of properties by its keywords' value types.
fn looks_like_schema(obj: &Map<String, Value>) -> bool {
    matches!(obj.get("type"), Some(Value::String(_) | Value::Array(_)))
        || obj.contains_key("const")
        || obj.get("exclusiveMinimum").is_some_and(Value::is_number)
        || obj.get("exclusiveMaximum").is_some_and(Value::is_number)
        || obj.get("items").is_some_and(Value::is_boolean)
}

fn rewrite_schema(obj: &mut Map<String, Value>) {
    // `items: false` (no items beyond `prefixItems`) is a length bound; `items: true` says
    // nothing.
    match obj.get("items") {
        Some(Value::Bool(false)) => {
            obj.shift_remove("items");
            let positions = obj
                .get("prefixItems")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            obj.entry("maxItems").or_insert(Value::from(positions));
        }
        Some(Value::Bool(true)) => {
            obj.shift_remove("items");
        }
        _ => {}
    }
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let named: Vec<&Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .collect();
        if named.len() < types.len() {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        let mut named: Vec<Value> = named.into_iter().cloned().collect();
        // Every integer is a number: `[integer, number]` is `number`.
        if named.iter().any(|t| t == "number") {
            named.retain(|t| t != "integer");
        }
        match named.as_slice() {
            [single] => {
                obj.insert("type".into(), single.clone());
            }
            [] => {
                obj.remove("type");
            }
            several => split_types(obj, several),
        }
    }
    if obj.get("type").and_then(Value::as_str) == Some("null") {
        obj.remove("type");
        obj.insert("nullable".into(), Value::Bool(true));
    }
    if let Some(value) = obj.remove("const") {
        obj.insert("enum".into(), Value::Array(vec![value]));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n) = obj.get(exclusive).filter(|v| v.is_number()).cloned() {
            obj.insert(bound.into(), n);
            obj.insert(exclusive.into(), Value::Bool(true));
        }
    }
    // A string's `contentEncoding: base64` is 3.0's `format: byte`; any other string with a
    // `contentMediaType` holds raw content, 3.0's `format: binary` (a file in a multipart
    // body). The media type is kept as `x-content-media-type`, the part's default.
    if obj.get("type").and_then(Value::as_str) == Some("string") && !obj.contains_key("format") {
        let base64 = obj.get("contentEncoding").and_then(Value::as_str) == Some("base64");
        if base64 {
            obj.insert("format".into(), Value::String("byte".into()));
        } else if let Some(media) = obj.get("contentMediaType").cloned() {
            obj.insert("format".into(), Value::String("binary".into()));
            obj.insert("x-content-media-type".into(), media);
        }
    }
    if let Some(Value::Array(examples)) = obj.get("examples").cloned() {
        obj.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            obj.entry("example").or_insert(first);
        }
    }
}

/// The keywords that apply to values of each JSON type (JSON Schema's validation vocabulary).
fn keywords_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &[
            "minLength",
            "maxLength",
            "pattern",
            "format",
            "contentMediaType",
            "contentEncoding",
        ],
        "integer" | "number" => &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
        "array" => &[
            "items",
            "prefixItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
        ],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "minProperties",
            "maxProperties",
            "propertyNames",
        ],
        _ => &[],
    }
}

/// `type: [string, integer]`: a value of either type, each with the keywords that apply to it.
/// JSON Schema ignores a keyword for values of other types, so `oneOf` of one member per type,
/// each carrying its own keywords, admits exactly the same values; the members' types are
/// disjoint, so `oneOf` and `anyOf` agree. A schema that already combines (`oneOf`, `allOf`...)
/// keeps no `type`, which admits a superset.
fn split_types(obj: &mut Map<String, Value>, types: &[Value]) {
    obj.remove("type");
    if ["oneOf", "anyOf", "allOf", "not"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return;
    }
    let enumeration = obj.remove("enum");
    let mut members = Vec::new();
    let mut moved = std::collections::BTreeSet::new();
    for ty in types {
        let Some(name) = ty.as_str() else { continue };
        let mut member = Map::new();
        member.insert("type".into(), ty.clone());
        for keyword in keywords_of(name) {
            if let Some(v) = obj.get(*keyword) {
                member.insert((*keyword).into(), v.clone());
                moved.insert(*keyword);
            }
        }
        if let Some(Value::Array(values)) = &enumeration {
            let fitting: Vec<Value> = values
                .iter()
                .filter(|v| json_type_fits(v, name))
                .cloned()
                .collect();
            if fitting.is_empty() {
                continue;
            }
            member.insert("enum".into(), Value::Array(fitting));
        }
        members.push(Value::Object(member));
    }
    for keyword in moved {
        obj.remove(keyword);
    }
    obj.insert("oneOf".into(), Value::Array(members));
}

fn json_type_fits(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_arrays_become_nullable() {
        let mut doc = serde_json::json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"Pet": {"type": "object", "properties": {
                "name": {"type": ["string", "null"]},
                "any": {"type": ["string", "integer"]},
                "kind": {"const": "pet"},
                "age": {"type": "integer", "exclusiveMinimum": 0},
                "type": {"type": "string", "examples": ["cat"]}
            }}}}
        });
        downgrade(&mut doc);
        let props = &doc["components"]["schemas"]["Pet"]["properties"];
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(doc["paths"], serde_json::json!({}));
        assert_eq!(
            props["name"],
            serde_json::json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            props["any"],
            serde_json::json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})
        );
        assert_eq!(props["kind"], serde_json::json!({"enum": ["pet"]}));
        assert_eq!(
            props["age"],
            serde_json::json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            props["type"],
            serde_json::json!({"type": "string", "example": "cat"})
        );
    }

    #[test]
    fn properties_named_like_keywords_are_schemas() {
        let mut doc = serde_json::json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"Box": {"type": "object", "properties": {
                "default": {"type": ["boolean", "null"]},
                "enum": {"type": ["string", "null"]}
            }}}}
        });
        downgrade(&mut doc);
        let props = &doc["components"]["schemas"]["Box"]["properties"];
        assert_eq!(
            props["default"],
            serde_json::json!({"type": "boolean", "nullable": true})
        );
        assert_eq!(
            props["enum"],
            serde_json::json!({"type": "string", "nullable": true})
        );
    }

    #[test]
    fn several_types_keep_each_types_keywords() {
        let mut doc = serde_json::json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"Id": {
                "type": ["string", "integer", "null"],
                "description": "An id.",
                "maxLength": 8,
                "minimum": 1,
                "enum": ["a", 2, null]
            }, "Num": {"type": ["integer", "number"], "minimum": 0}}}
        });
        downgrade(&mut doc);
        assert_eq!(
            doc["components"]["schemas"]["Id"],
            serde_json::json!({
                "description": "An id.",
                "nullable": true,
                "oneOf": [
                    {"type": "string", "maxLength": 8, "enum": ["a"]},
                    {"type": "integer", "minimum": 1, "enum": [2]}
                ]
            })
        );
        assert_eq!(
            doc["components"]["schemas"]["Num"],
            serde_json::json!({"type": "number", "minimum": 0})
        );
    }

    #[test]
    fn recursive_refs_and_boolean_items() {
        let mut doc = serde_json::json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"Filter": {"type": "object", "properties": {
                "filters": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"$recursiveRef": "#"}]}},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}
            }}}}
        });
        downgrade(&mut doc);
        let props = &doc["components"]["schemas"]["Filter"]["properties"];
        assert_eq!(
            props["filters"]["items"]["oneOf"][1],
            serde_json::json!({"$ref": "#/components/schemas/Filter"})
        );
        assert_eq!(props["pair"]["maxItems"], serde_json::json!(2));
        assert!(props["pair"].get("items").is_none());
    }
}
