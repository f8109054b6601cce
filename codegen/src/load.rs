//! Reading a document: YAML or JSON text → an `openapiv3::OpenAPI`, with located errors.

mod integers;
mod lenient;
pub(crate) mod methods;

use crate::diagnostic::{Diagnostic, Pointer};

pub use methods::METHODS;

/// A parsed spec: the typed document plus the raw JSON tree, which vendor extensions and
/// error messages are read from.
pub struct Document {
    pub api: openapiv3::OpenAPI,
    pub raw: serde_json::Value,
    /// What the document holds that the generator reads but does not turn into code (3.1's
    /// `webhooks`), each located, for the user to see.
    pub notes: Vec<Diagnostic>,
}

/// Parses `text` (YAML 1.2 or JSON) as an OpenAPI 3.0.x or 3.1.x document.
///
/// A document that starts with `{` is read as JSON first: JSON allows what YAML's double-quoted
/// strings do not (C1 control characters, surrogate pairs written as two `\u` escapes), and large
/// public descriptions use both. Numbers beyond the 64-bit integers are kept as floating point
/// (see [`integers::settle`]) rather than refusing the document.
pub fn load(text: &str) -> Result<Document, Diagnostic> {
    load_value(parse(text)?)
}

/// The JSON tree of `text`, read as [`load`] reads it, and made ready to be read as OpenAPI 3.0
/// (see [`prepare`]), with the notes on what is not generated.
pub fn read(text: &str) -> Result<(serde_json::Value, Vec<Diagnostic>), Diagnostic> {
    prepare(parse(text)?)
}

/// The typed document of a tree from [`read`] of `text`, consuming the tree as it goes so the
/// two are never whole in memory at once. A tree that does not read as OpenAPI is read again
/// from `text` to locate the problem.
pub fn typed(raw: serde_json::Value, text: &str) -> Result<openapiv3::OpenAPI, Diagnostic> {
    match serde_json::from_value(raw) {
        Ok(api) => Ok(api),
        Err(e) => {
            let (raw, _) = read(text)?;
            let located = typed_at_root(&raw).err();
            Err(located.unwrap_or_else(|| {
                Diagnostic::new("#", format!("not a valid OpenAPI 3.0 construct: {e}"))
            }))
        }
    }
}

/// The JSON tree of `text` (YAML or JSON) exactly as written: no reference resolved, nothing
/// rewritten.
pub fn tree(text: &str) -> Result<serde_json::Value, Diagnostic> {
    parse(text)
}

fn parse(text: &str) -> Result<serde_json::Value, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json) => Ok(json),
            // Not JSON after all (YAML flow style, or a comment): YAML has the last word, and
            // the JSON parser's message names the place when both fail.
            Err(json_err) => parse_yaml(text).map_err(|_| {
                Diagnostic::new(
                    "#",
                    format!(
                        "the document is not valid JSON at line {}, column {}: {json_err}",
                        json_err.line(),
                        json_err.column()
                    ),
                )
            }),
        }
    } else {
        parse_yaml(text)
    }
}

fn parse_yaml(text: &str) -> Result<serde_json::Value, Diagnostic> {
    let yaml: lenient::Yaml = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        Diagnostic::new(
            "#",
            format!("the document is not valid YAML or JSON{at}: {e}"),
        )
    })?;
    let mut yaml = yaml.0;
    yaml.apply_merge().map_err(|e| {
        Diagnostic::new(
            "#",
            format!("a YAML merge key (`<<`) cannot be applied: {e}"),
        )
    })?;
    to_json(yaml, &Pointer::root())
}

/// The rest of [`load`], once the text is a JSON tree.
pub fn load_value(raw: serde_json::Value) -> Result<Document, Diagnostic> {
    let (raw, notes) = prepare(raw)?;
    let api = typed_at_root(&raw)?;
    Ok(Document { api, raw, notes })
}

/// Checks the version, rewrites 3.1 as 3.0 with the same meaning, settles integers beyond 64
/// bits, and refuses what openapiv3 would silently drop; returns the tree with the notes.
fn prepare(mut raw: serde_json::Value) -> Result<(serde_json::Value, Vec<Diagnostic>), Diagnostic> {
    if !raw.is_object() {
        return Err(Diagnostic::new(
            "#",
            "the document must be a mapping with `openapi`, `info` and `paths`",
        ));
    }

    let version = match raw.get("openapi") {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(_) => {
            return Err(Diagnostic::new(
                "#/openapi",
                "`openapi` must be a string such as \"3.0.3\"",
            ));
        }
        None if raw.get("swagger").is_some() => {
            return Err(Diagnostic::new(
                "#/swagger",
                "this is a Swagger 2.0 document; only OpenAPI 3.0.x is supported (convert it first)",
            ));
        }
        None => {
            return Err(Diagnostic::new(
                "#",
                "the document has no `openapi` version field",
            ));
        }
    };
    let mut notes = Vec::new();
    if version.starts_with("3.1") {
        if let Some(hooks) = raw.get("webhooks").and_then(|w| w.as_object())
            && !hooks.is_empty()
        {
            notes.push(Diagnostic::new(
                "#/webhooks",
                format!(
                    "the document's {} `webhooks` (requests the API sends to its users) are not generated: the crates hold the API's own operations; their schemas under `components` are generated as types",
                    hooks.len()
                ),
            ));
        }
        if let Some(dialect) = raw.get("jsonSchemaDialect").and_then(|d| d.as_str())
            && !dialect.starts_with("https://spec.openapis.org/oas/3.1/dialect/")
            && dialect != "https://json-schema.org/draft/2020-12/schema"
        {
            notes.push(Diagnostic::new(
                "#/jsonSchemaDialect",
                format!(
                    "schemas are read as OpenAPI 3.1's JSON Schema 2020-12 dialect, not `{dialect}`"
                ),
            ));
        }
        notes.extend(crate::openapi31::downgrade(&mut raw));
    } else if !version.starts_with("3.0") {
        return Err(Diagnostic::new(
            "#/openapi",
            format!(
                "OpenAPI version {version} is not supported; this generator reads 3.0.x and 3.1.x"
            ),
        ));
    }

    integers::settle(&mut raw);
    // openapiv3 silently drops `paths` keys that do not start with `/`; say so instead.
    let paths = raw.get("paths").and_then(|p| p.as_object());
    if let Some(key) = paths
        .into_iter()
        .flat_map(|p| p.keys())
        .find(|k| !k.starts_with('/') && !k.starts_with("x-"))
    {
        return Err(Diagnostic::new(
            Pointer::root().join("paths").join(key),
            format!("the path `{key}` does not start with `/`"),
        ));
    }
    Ok((raw, notes))
}

/// The typed document of a prepared tree, or the deepest place that does not read.
fn typed_at_root(raw: &serde_json::Value) -> Result<openapiv3::OpenAPI, Diagnostic> {
    try_at::<openapiv3::OpenAPI>(raw, &Pointer::root())
        .map_err(|whole| locate(raw).unwrap_or(whole))
}

/// Deserializes the value at `at`, reporting a failure at the deepest place serde can name.
fn try_at<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    at: &Pointer,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = at.clone();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Map { key } => pointer = pointer.join(key),
                Segment::Seq { index } => pointer = pointer.join(index),
                Segment::Enum { variant } => pointer = pointer.join(variant),
                Segment::Unknown => {}
            }
        }
        Diagnostic::new(
            pointer,
            format!("not a valid OpenAPI 3.0 construct: {}", e.inner()),
        )
    })
}

/// openapiv3 flattens vendor extensions into every object, which hides the path of an error
/// from serde. So when the whole document fails, try its parts one by one, deepest first.
fn locate(raw: &serde_json::Value) -> Option<Diagnostic> {
    use openapiv3::{
        Header, Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, SecurityScheme,
    };
    let root = Pointer::root();
    if let Some(paths) = raw.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let at = root.join("paths").join(path);
            let Err(item_err) = try_at::<ReferenceOr<PathItem>>(item, &at) else {
                continue;
            };
            for (key, value) in item.as_object().into_iter().flatten() {
                let here = at.join(key);
                let found = match key.as_str() {
                    "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => {
                        try_at::<Operation>(value, &here)
                            .err()
                            .map(|e| locate_operation(value, &here).unwrap_or(e))
                    }
                    "parameters" => {
                        locate_list::<ReferenceOr<Parameter>>(value, &here, locate_parameter)
                    }
                    _ => None,
                };
                if found.is_some() {
                    return found;
                }
            }
            return Some(item_err);
        }
    }
    let components = raw.get("components").and_then(|c| c.as_object());
    for (section, entries) in components.into_iter().flatten() {
        let at = root.join("components").join(section);
        for (name, value) in entries.as_object().into_iter().flatten() {
            let here = at.join(name);
            let found = match section.as_str() {
                "schemas" => locate_schema(value, &here),
                "responses" => locate_one::<ReferenceOr<Response>>(value, &here, locate_response),
                "parameters" => {
                    locate_one::<ReferenceOr<Parameter>>(value, &here, locate_parameter)
                }
                "requestBodies" => {
                    locate_one::<ReferenceOr<RequestBody>>(value, &here, locate_content_holder)
                }
                "headers" => locate_one::<ReferenceOr<Header>>(value, &here, locate_parameter),
                "securitySchemes" => try_at::<ReferenceOr<SecurityScheme>>(value, &here).err(),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
    }
    None
}

type Locator = fn(&serde_json::Value, &Pointer) -> Option<Diagnostic>;

fn locate_one<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    at: &Pointer,
    deeper: Locator,
) -> Option<Diagnostic> {
    let err = try_at::<T>(value, at).err()?;
    Some(deeper(value, at).unwrap_or(err))
}

fn locate_list<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    at: &Pointer,
    deeper: Locator,
) -> Option<Diagnostic> {
    match value.as_array() {
        Some(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| locate_one::<T>(v, &at.join(i), deeper)),
        None => try_at::<Vec<T>>(value, at).err(),
    }
}

fn locate_operation(op: &serde_json::Value, at: &Pointer) -> Option<Diagnostic> {
    use openapiv3::{Parameter, ReferenceOr, RequestBody, Response};
    for (key, value) in op.as_object()? {
        let here = at.join(key);
        let found = match key.as_str() {
            "parameters" => locate_list::<ReferenceOr<Parameter>>(value, &here, locate_parameter),
            "requestBody" => {
                locate_one::<ReferenceOr<RequestBody>>(value, &here, locate_content_holder)
            }
            "responses" => match value.as_object() {
                Some(map) => map.iter().find_map(|(status, r)| {
                    let at = here.join(status);
                    if status.starts_with("x-") {
                        return None;
                    }
                    locate_one::<ReferenceOr<Response>>(r, &at, locate_response)
                }),
                None => Some(Diagnostic::new(
                    here,
                    "`responses` must be a map from status to response",
                )),
            },
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn locate_parameter(p: &serde_json::Value, at: &Pointer) -> Option<Diagnostic> {
    p.get("schema")
        .and_then(|s| locate_schema(s, &at.join("schema")))
}

fn locate_response(r: &serde_json::Value, at: &Pointer) -> Option<Diagnostic> {
    use openapiv3::{Header, ReferenceOr};
    if let Some(headers) = r.get("headers").and_then(|h| h.as_object()) {
        for (name, h) in headers {
            if let Some(d) = locate_one::<ReferenceOr<Header>>(
                h,
                &at.join("headers").join(name),
                locate_parameter,
            ) {
                return Some(d);
            }
        }
    }
    locate_content_holder(r, at)
}

fn locate_content_holder(v: &serde_json::Value, at: &Pointer) -> Option<Diagnostic> {
    let content = v.get("content")?.as_object()?;
    content.iter().find_map(|(media, m)| {
        let here = at.join("content").join(media);
        let schema = m.get("schema")?;
        locate_schema(schema, &here.join("schema"))
    })
}

/// Descends into a schema's subschemas; the deepest one that fails on its own is the culprit.
fn locate_schema(schema: &serde_json::Value, at: &Pointer) -> Option<Diagnostic> {
    use openapiv3::{ReferenceOr, Schema};
    let err = try_at::<ReferenceOr<Schema>>(schema, at).err()?;
    let obj = schema.as_object()?;
    let mut children: Vec<(Pointer, &serde_json::Value)> = Vec::new();
    for key in ["items", "not", "additionalProperties"] {
        if let Some(v) = obj.get(key).filter(|v| v.is_object()) {
            children.push((at.join(key), v));
        }
    }
    if let Some(props) = obj.get("properties").and_then(|p| p.as_object()) {
        children.extend(
            props
                .iter()
                .map(|(k, v)| (at.join("properties").join(k), v)),
        );
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = obj.get(key).and_then(|l| l.as_array()) {
            children.extend(
                list.iter()
                    .enumerate()
                    .map(|(i, v)| (at.join(key).join(i), v)),
            );
        }
    }
    Some(
        children
            .iter()
            .find_map(|(p, v)| locate_schema(v, p))
            .unwrap_or(err),
    )
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
                    .ok_or_else(|| {
                        Diagnostic::new(at, format!("the number {n} has no JSON form"))
                    })?
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
        let doc =
            load(r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}"#).unwrap();
        assert_eq!(doc.api.info.title, "t");
    }

    #[test]
    fn json_escapes_that_yaml_refuses_are_read() {
        // A surrogate pair written as two escapes, and a C1 control character (U+0085).
        let doc = load(
            r#"{"openapi":"3.0.0","info":{"title":"\ud83d\udc4d \u0085 ok","version":"1"},"paths":{}}"#,
        )
        .unwrap();
        assert_eq!(doc.api.info.title, "\u{1f44d} \u{85} ok");
    }

    #[test]
    fn invalid_json_is_located_by_the_json_reader() {
        let err = load("{\"openapi\": \"3.0.0\",\n \"info\": {\"title\": \"t\"\n")
            .err()
            .unwrap();
        assert!(
            err.message.contains("not valid JSON at line"),
            "{}",
            err.message
        );
    }

    #[test]
    fn integer_bounds_beyond_64_bits_do_not_refuse_the_document() {
        let doc = load(
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Seed: {type: integer, minimum: -9223372036854776000, maximum: 9223372036854776000}\n",
        )
        .unwrap();
        let seed = doc.api.components.unwrap().schemas["Seed"].clone();
        let openapiv3::ReferenceOr::Item(seed) = seed else {
            panic!("an inline schema")
        };
        let openapiv3::SchemaKind::Type(openapiv3::Type::Integer(int)) = seed.schema_kind else {
            panic!("still an integer schema: {:?}", seed.schema_kind)
        };
        assert_eq!((int.minimum, int.maximum), (Some(i64::MIN), Some(i64::MAX)));
    }

    #[test]
    fn integer_status_keys_are_read_as_strings() {
        let doc = load(
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n",
        )
        .unwrap();
        let op = doc.api.paths.paths["/a"]
            .as_item()
            .unwrap()
            .get
            .as_ref()
            .unwrap();
        assert_eq!(op.responses.responses.len(), 1);
    }

    #[test]
    fn openapi_3_2_is_rejected_with_its_location() {
        let err = load("openapi: 3.2.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
            .err()
            .unwrap();
        assert_eq!(err.pointer, "#/openapi");
        assert!(err.message.contains("3.2.0"));
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
