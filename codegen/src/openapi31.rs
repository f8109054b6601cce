//! OpenAPI 3.1 input: rewritten into the 3.0 form the rest of the generator reads.
//!
//! 3.1 schemas are JSON Schema 2020-12. The constructs real 3.1 documents use most have exact 3.0
//! equivalents, which this module substitutes in the raw tree before parsing:
//! - `type: [T, "null"]` → `type: T, nullable: true` (several non-null types → no `type`: any value);
//! - `type: "null"` alone → `nullable: true`;
//! - `const: v` → `enum: [v]`;
//! - numeric `exclusiveMinimum: n` / `exclusiveMaximum: n` → `minimum: n, exclusiveMinimum: true`;
//! - `examples: [...]` on a schema → its first element as `example`;
//! - a string's `contentEncoding: base64` → `format: byte`, its `contentMediaType` otherwise →
//!   `format: binary` (kept as `x-content-media-type`);
//! - `paths` may be absent (a document of `webhooks` or components only).
//!
//! Everything else 3.1 adds (`webhooks`, `jsonSchemaDialect`, `$defs`, `prefixItems`...) is not
//! used for code and is left for the 3.0 parser to ignore.

use serde_json::{Map, Value};

/// Rewrites a 3.1 document in place so it parses as 3.0.3.
pub fn downgrade(doc: &mut Value) {
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
    }
}

fn walk(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if looks_like_schema(obj) {
                rewrite_schema(obj);
            }
            for (key, child) in obj.iter_mut() {
                if key == "example" || key == "default" || key == "enum" || key.starts_with("x-") {
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
}

fn rewrite_schema(obj: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let named: Vec<&Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .collect();
        if named.len() < types.len() {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        match named.as_slice() {
            [single] => {
                obj.insert("type".into(), (*single).clone());
            }
            _ => {
                obj.remove("type");
            }
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
        assert_eq!(props["any"], serde_json::json!({}));
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
}
