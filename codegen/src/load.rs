//! Reading a document: YAML or JSON text → an `openapiv3::OpenAPI`, with located errors.

use crate::diagnostic::{Diagnostic, Pointer};

/// A parsed spec: the typed document plus the raw JSON tree, which vendor extensions and
/// error messages are read from.
pub struct Document {
    pub api: openapiv3::OpenAPI,
    pub raw: serde_json::Value,
}

/// Parses `text` (YAML 1.2 or JSON) as an OpenAPI 3.0.x document.
pub fn load(text: &str) -> Result<Document, Diagnostic> {
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        Diagnostic::new("#", format!("the document is not valid YAML or JSON{at}: {e}"))
    })?;
    yaml.apply_merge()
        .map_err(|e| Diagnostic::new("#", format!("a YAML merge key (`<<`) cannot be applied: {e}")))?;
    let raw = to_json(yaml, &Pointer::root())?;

    let version = match raw.get("openapi") {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(_) => return Err(Diagnostic::new("#/openapi", "`openapi` must be a string such as \"3.0.3\"")),
        None if raw.get("swagger").is_some() => {
            return Err(Diagnostic::new(
                "#/swagger",
                "this is a Swagger 2.0 document; only OpenAPI 3.0.x is supported (convert it first)",
            ));
        }
        None => return Err(Diagnostic::new("#", "the document has no `openapi` version field")),
    };
    if !version.starts_with("3.0") {
        return Err(Diagnostic::new(
            "#/openapi",
            format!("OpenAPI version {version} is not supported; this generator reads 3.0.x"),
        ));
    }

    let api = serde_path_to_error::deserialize(&raw).map_err(|e| {
        let mut pointer = Pointer::root();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Map { key } => pointer = pointer.join(key),
                Segment::Seq { index } => pointer = pointer.join(index),
                Segment::Enum { variant } => pointer = pointer.join(variant),
                Segment::Unknown => {}
            }
        }
        Diagnostic::new(pointer, format!("not a valid OpenAPI 3.0 construct: {}", e.inner()))
    })?;
    Ok(Document { api, raw })
}

/// YAML allows non-string keys (`200:` is an integer); OpenAPI means them as strings.
fn to_json(value: serde_yaml::Value, at: &Pointer) -> Result<serde_json::Value, Diagnostic> {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(J::Number)
                    .ok_or_else(|| Diagnostic::new(at, format!("the number {n} has no JSON form")))?
            }
        }
        Y::String(s) => J::String(s),
        Y::Sequence(items) => J::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| to_json(v, &at.join(i)))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_owned(),
                    other => {
                        return Err(Diagnostic::new(
                            at,
                            format!("a mapping key must be a string, found {other:?}"),
                        ));
                    }
                };
                let child = at.join(&key);
                out.insert(key, to_json(v, &child)?);
            }
            J::Object(out)
        }
        Y::Tagged(tagged) => to_json(tagged.value, at)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_input_is_accepted() {
        let doc = load(r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}"#).unwrap();
        assert_eq!(doc.api.info.title, "t");
    }

    #[test]
    fn integer_status_keys_are_read_as_strings() {
        let doc = load(
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n",
        )
        .unwrap();
        let op = doc.api.paths.paths["/a"].as_item().unwrap().get.as_ref().unwrap();
        assert_eq!(op.responses.responses.len(), 1);
    }

    #[test]
    fn openapi_3_1_is_rejected_with_its_location() {
        let err = load("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").err().unwrap();
        assert_eq!(err.pointer, "#/openapi");
        assert!(err.message.contains("3.1.0"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = load("openapi: 3.0.0\ninfo: [unclosed\n").err().unwrap();
        assert!(err.message.contains("line"), "{}", err.message);
    }

    #[test]
    fn structural_errors_are_located() {
        let err = load("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n")
            .err()
            .unwrap();
        assert_eq!(err.pointer, "#/paths/~1a/get/responses", "{}", err.message);
    }
}
