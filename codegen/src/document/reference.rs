//! An HTML API reference rendered from the document's JSON tree: every operation (method, path,
//! summary, description, security, parameters, request body, responses) grouped by tag, then
//! every named schema with its properties and constraints.
//!
//! The page is one file with its styles inline, and its content security policy forbids loading
//! anything, so it reads the same with no network: descriptions' images become links, raw HTML
//! in descriptions is shown as text, and script links are dropped.

use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How deep inline schemas are described before the page says only "object".
const MAX_INLINE_DEPTH: usize = 3;

/// How many `$ref` hops are followed before a chain is taken for a cycle.
const MAX_REF_HOPS: usize = 16;

const STYLE: &str = "\
body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330;display:flex}\
nav{position:sticky;top:0;height:100vh;overflow:auto;width:19rem;flex:none;background:#f4f6f9;border-right:1px solid #dde2ea;padding:1rem;box-sizing:border-box;font-size:13px}\
nav h2{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#5b6577;margin:1.2rem 0 .3rem}\
nav h3{font-size:13px;margin:.8rem 0 .2rem}\
nav ul{list-style:none;margin:0;padding:0}nav li{margin:.15rem 0}nav a{color:#1d2330;text-decoration:none}\
nav a:hover{text-decoration:underline}\
main{flex:1;min-width:0;padding:1.5rem 2.5rem;max-width:64rem}\
section{border-top:1px solid #dde2ea;padding:1rem 0}\
h1{margin-top:0}h2.group{margin-top:2rem}h4{margin:1rem 0 .3rem}\
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
pre{background:#f4f6f9;padding:.6rem;overflow:auto;border-radius:4px}\
.method{display:inline-block;min-width:4.2em;text-align:center;border-radius:3px;padding:0 .3em;color:#fff;font:bold 12px/1.6 ui-monospace,monospace;text-transform:uppercase}\
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e5b00}.patch{background:#6a3fa0}.delete{background:#b3261e}.options,.head,.trace{background:#5b6577}\
table{border-collapse:collapse;width:100%;margin:.3rem 0}th,td{text-align:left;vertical-align:top;border-bottom:1px solid #e6e9ef;padding:.3rem .5rem}\
th{font-size:12px;color:#5b6577;font-weight:600}\
.note{color:#5b6577;font-size:13px}.deprecated{text-decoration:line-through}\
";

/// The page for the document `doc`.
pub fn render(doc: &Value) -> String {
    let operations = operations(doc);
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let version = doc["info"]["version"].as_str().unwrap_or("");
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Even opened from a file, the page may load nothing: no scripts, fonts or images.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
    );
    let _ = writeln!(
        out,
        "<title>{} {}: API reference</title>",
        esc(title),
        esc(version)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    nav(&mut out, doc, &operations);
    out.push_str("<main>\n");
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p class=\"note\">Version {}</p>",
        esc(title),
        esc(version)
    );
    if let Some(d) = doc["info"]["description"].as_str() {
        out.push_str(&markdown(d));
    }
    servers(&mut out, doc);
    for (tag, ops) in groups(doc, &operations) {
        let _ = writeln!(
            out,
            "<h2 class=\"group\" id=\"tag-{}\">{}</h2>",
            anchor(tag),
            esc(tag)
        );
        if let Some(d) = tag_description(doc, tag) {
            out.push_str(&markdown(d));
        }
        for op in ops {
            operation(&mut out, doc, op);
        }
    }
    schemas(&mut out, doc);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// One operation as the document declares it.
struct Op<'a> {
    method: &'static str,
    path: &'a str,
    item: &'a Value,
    op: &'a Value,
}

impl Op<'_> {
    fn id(&self) -> String {
        match self.op["operationId"].as_str() {
            Some(id) => id.to_owned(),
            None => format!("{}-{}", self.method, self.path),
        }
    }

    fn tag(&self) -> &str {
        self.op["tags"]
            .get(0)
            .and_then(Value::as_str)
            .unwrap_or("Operations")
    }
}

fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut ops = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return ops;
    };
    for (path, item) in paths {
        let item = resolve(doc, item);
        for method in METHODS {
            if let Some(op) = item.get(method).filter(|op| op.is_object()) {
                ops.push(Op {
                    method,
                    path,
                    item,
                    op,
                });
            }
        }
    }
    ops
}

/// Operations by their first tag: tags in the order the document lists them, then the others in
/// the order they first appear.
fn groups<'o, 'a>(doc: &Value, ops: &'o [Op<'a>]) -> Vec<(&'o str, Vec<&'o Op<'a>>)> {
    let mut order: Vec<&str> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for op in ops {
        if !order.contains(&op.tag()) {
            order.push(op.tag());
        }
    }
    let mut groups: Vec<(&str, Vec<&Op>)> = Vec::new();
    for tag in order {
        let members: Vec<&Op> = ops.iter().filter(|op| op.tag() == tag).collect();
        if let (false, Some(op)) = (members.is_empty(), members.first()) {
            groups.push((op.tag(), members));
        }
    }
    groups
}

fn tag_description<'a>(doc: &'a Value, tag: &str) -> Option<&'a str> {
    doc["tags"]
        .as_array()?
        .iter()
        .find(|t| t["name"].as_str() == Some(tag))?["description"]
        .as_str()
}

fn nav(out: &mut String, doc: &Value, ops: &[Op]) {
    out.push_str("<nav>\n<h2>Operations</h2>\n");
    for (tag, members) in groups(doc, ops) {
        let _ = writeln!(
            out,
            "<h3><a href=\"#tag-{}\">{}</a></h3>\n<ul>",
            anchor(tag),
            esc(tag)
        );
        for op in members {
            let label = op.op["summary"].as_str().unwrap_or(op.path);
            let _ = writeln!(
                out,
                "<li><a href=\"#op-{}\"><span class=\"method {m}\">{m}</span> {}</a></li>",
                anchor(&op.id()),
                esc(label),
                m = op.method,
            );
        }
        out.push_str("</ul>\n");
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        out.push_str("<h2>Schemas</h2>\n<ul>\n");
        for name in schemas.keys() {
            let _ = writeln!(
                out,
                "<li><a href=\"#schema-{}\">{}</a></li>",
                anchor(name),
                esc(name)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</nav>\n");
}

fn servers(out: &mut String, doc: &Value) {
    let Some(servers) = doc["servers"].as_array().filter(|s| !s.is_empty()) else {
        return;
    };
    out.push_str("<h4>Servers</h4>\n<ul>\n");
    for server in servers {
        let url = server["url"].as_str().unwrap_or("");
        let _ = write!(out, "<li><code>{}</code>", esc(url));
        if let Some(d) = server["description"].as_str() {
            let _ = write!(out, ": {}", esc(d));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

fn operation(out: &mut String, doc: &Value, op: &Op) {
    let id = op.id();
    let deprecated = op.op["deprecated"].as_bool() == Some(true);
    let _ = writeln!(
        out,
        "<section class=\"operation\" id=\"op-{}\" data-operation-id=\"{}\">",
        anchor(&id),
        esc(&id)
    );
    let _ = writeln!(
        out,
        "<h3{}><span class=\"method {m}\">{m}</span> <code>{}</code></h3>",
        if deprecated {
            " class=\"deprecated\""
        } else {
            ""
        },
        esc(op.path),
        m = op.method,
    );
    if let Some(s) = op.op["summary"].as_str() {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", esc(s));
    }
    let mut facts = vec![format!("Operation id <code>{}</code>", esc(&id))];
    if deprecated {
        facts.push("deprecated".to_owned());
    }
    if let Some(security) = security(doc, op.op) {
        facts.push(security);
    }
    let _ = writeln!(out, "<p class=\"note\">{}</p>", facts.join(" · "));
    if let Some(d) = op.op["description"].as_str() {
        out.push_str(&markdown(d));
    }
    parameters(out, doc, op);
    request_body(out, doc, op.op);
    responses(out, doc, op.op);
    out.push_str("</section>\n");
}

/// "Needs …" for the operation's security requirements (its own, else the document's).
fn security(doc: &Value, op: &Value) -> Option<String> {
    let requirements = op
        .get("security")
        .or_else(|| doc.get("security"))?
        .as_array()?;
    if requirements.is_empty() {
        return Some("no authentication".to_owned());
    }
    let alternatives: Vec<String> = requirements
        .iter()
        .filter_map(Value::as_object)
        .map(|req| {
            if req.is_empty() {
                return "none".to_owned();
            }
            req.iter()
                .map(|(scheme, scopes)| {
                    let scopes: Vec<String> = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|s| format!("<code>{}</code>", esc(s)))
                        .collect();
                    if scopes.is_empty() {
                        esc(scheme)
                    } else {
                        format!("{} ({})", esc(scheme), scopes.join(", "))
                    }
                })
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    Some(format!("Security: {}", alternatives.join(" or ")))
}

fn parameters(out: &mut String, doc: &Value, op: &Op) {
    // The path item's parameters, unless the operation redeclares one (same name and place).
    let own: Vec<&Value> = op.op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .collect();
    let mut all: Vec<&Value> = op.item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter(|p| {
            !own.iter()
                .any(|o| o["name"] == p["name"] && o["in"] == p["in"])
        })
        .collect();
    all.extend(own);
    if all.is_empty() {
        return;
    }
    out.push_str("<h4>Parameters</h4>\n<table>\n<tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr>\n");
    for p in all {
        let name = p["name"].as_str().unwrap_or("");
        let required = p["required"].as_bool() == Some(true);
        let schema = p
            .get("schema")
            .or_else(|| first_media_schema(&p["content"]))
            .unwrap_or(&Value::Null);
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            esc(name),
            if required { " <em>required</em>" } else { "" },
            esc(p["in"].as_str().unwrap_or("")),
            type_html(schema, 0),
            constraints_html(schema),
            p["description"].as_str().map(markdown).unwrap_or_default(),
        );
    }
    out.push_str("</table>\n");
}

fn first_media_schema(content: &Value) -> Option<&Value> {
    content.as_object()?.values().next()?.get("schema")
}

fn request_body(out: &mut String, doc: &Value, op: &Value) {
    let Some(body) = op.get("requestBody").map(|b| resolve(doc, b)) else {
        return;
    };
    let required = body["required"].as_bool() == Some(true);
    let _ = writeln!(
        out,
        "<h4>Request body{}</h4>",
        if required { "" } else { " (optional)" }
    );
    if let Some(d) = body["description"].as_str() {
        out.push_str(&markdown(d));
    }
    media(out, doc, &body["content"]);
}

fn responses(out: &mut String, doc: &Value, op: &Value) {
    let Some(responses) = op["responses"].as_object() else {
        return;
    };
    out.push_str("<h4>Responses</h4>\n<table>\n<tr><th>Status</th><th>Description</th></tr>\n");
    for (status, response) in responses {
        let response = resolve(doc, response);
        let _ = write!(out, "<tr><td><code>{}</code></td><td>", esc(status));
        if let Some(d) = response["description"].as_str() {
            out.push_str(&markdown(d));
        }
        if let Some(headers) = response["headers"].as_object().filter(|h| !h.is_empty()) {
            let names: Vec<String> = headers
                .keys()
                .map(|h| format!("<code>{}</code>", esc(h)))
                .collect();
            let _ = writeln!(out, "<p class=\"note\">Headers: {}</p>", names.join(", "));
        }
        media(out, doc, &response["content"]);
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

/// Each media type of a `content` map with its schema, and an inline object's properties.
fn media(out: &mut String, doc: &Value, content: &Value) {
    let Some(content) = content.as_object() else {
        return;
    };
    for (media_type, media) in content {
        let schema = media.get("schema").unwrap_or(&Value::Null);
        let _ = writeln!(
            out,
            "<p><code>{}</code>: {}</p>",
            esc(media_type),
            type_html(schema, 0)
        );
        if schema.get("$ref").is_none() {
            properties(out, doc, schema, 0);
        }
    }
}

fn schemas(out: &mut String, doc: &Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object() else {
        return;
    };
    out.push_str("<h2 class=\"group\" id=\"schemas\">Schemas</h2>\n");
    for (name, schema) in schemas {
        let _ = writeln!(
            out,
            "<section class=\"schema\" id=\"schema-{}\">\n<h3>{}</h3>",
            anchor(name),
            esc(name)
        );
        let _ = writeln!(
            out,
            "<p>{}{}</p>",
            type_html(schema, 0),
            constraints_html(schema)
        );
        if let Some(d) = schema["description"].as_str() {
            out.push_str(&markdown(d));
        }
        properties(out, doc, schema, 0);
        if let Some(example) = schema.get("example")
            && let Ok(text) = serde_json::to_string_pretty(example)
        {
            let _ = writeln!(
                out,
                "<p class=\"note\">Example</p>\n<pre>{}</pre>",
                esc(&text)
            );
        }
        out.push_str("</section>\n");
    }
}

/// A table of an object schema's properties (those of its `allOf` members included).
fn properties(out: &mut String, doc: &Value, schema: &Value, depth: usize) {
    let mut rows: Vec<(&str, &Value, bool)> = Vec::new();
    collect_properties(doc, schema, &mut rows, 0);
    if rows.is_empty() {
        return;
    }
    out.push_str("<table>\n<tr><th>Property</th><th>Type</th><th>Description</th></tr>\n");
    for (name, property, required) in rows {
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{}</td><td>{}{}</td><td>",
            esc(name),
            if required { " <em>required</em>" } else { "" },
            type_html(property, depth + 1),
            constraints_html(property),
        );
        if let Some(d) = property["description"].as_str() {
            out.push_str(&markdown(d));
        }
        // An inline object is described in place, a few levels deep.
        if property.get("$ref").is_none() && depth + 1 < MAX_INLINE_DEPTH {
            let inner = if property["type"] == "array" {
                &property["items"]
            } else {
                property
            };
            if inner.get("$ref").is_none() {
                properties(out, doc, inner, depth + 1);
            }
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

fn collect_properties<'a>(
    doc: &'a Value,
    schema: &'a Value,
    rows: &mut Vec<(&'a str, &'a Value, bool)>,
    hops: usize,
) {
    if hops > MAX_REF_HOPS {
        return;
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(props) = schema["properties"].as_object() {
        for (name, property) in props {
            if !rows.iter().any(|(n, _, _)| n == name) {
                rows.push((name, property, required.contains(&name.as_str())));
            }
        }
    }
    for member in schema["allOf"].as_array().into_iter().flatten() {
        collect_properties(doc, resolve(doc, member), rows, hops + 1);
    }
}

/// A schema's type in a few words, named schemas as links.
fn type_html(schema: &Value, depth: usize) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return match reference.strip_prefix("#/components/schemas/") {
            Some(name) => {
                let name = unescape_pointer(name);
                format!("<a href=\"#schema-{}\">{}</a>", anchor(&name), esc(&name))
            }
            None => format!("<code>{}</code>", esc(reference)),
        };
    }
    if depth > MAX_INLINE_DEPTH + 2 {
        return "…".to_owned();
    }
    let members = |key: &str, joiner: &str| -> Option<String> {
        let list = schema[key].as_array()?;
        Some(
            list.iter()
                .map(|m| type_html(m, depth + 1))
                .collect::<Vec<_>>()
                .join(joiner),
        )
    };
    let mut text = if let Some(m) = members("oneOf", " | ") {
        format!("one of {m}")
    } else if let Some(m) = members("anyOf", " | ") {
        format!("any of {m}")
    } else if let Some(m) = members("allOf", " &amp; ") {
        format!("all of {m}")
    } else {
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ if schema.get("properties").is_some() => vec!["object"],
            _ => vec![],
        };
        let words: Vec<String> = types
            .iter()
            .map(|t| match *t {
                "array" => format!("array of {}", type_html(&schema["items"], depth + 1)),
                "object" => match &schema["additionalProperties"] {
                    v @ Value::Object(_) if schema.get("properties").is_none() => {
                        format!("map of {}", type_html(v, depth + 1))
                    }
                    _ => "object".to_owned(),
                },
                other => match schema["format"].as_str() {
                    Some(format) => format!("{} ({})", esc(other), esc(format)),
                    None => esc(other),
                },
            })
            .collect();
        if words.is_empty() {
            "any".to_owned()
        } else {
            words.join(" or ")
        }
    };
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .map(|v| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                format!("<code>{}</code>", esc(&text))
            })
            .collect();
        let _ = write!(text, ", one of {}", values.join(", "));
    }
    if schema["nullable"].as_bool() == Some(true) {
        text.push_str(" or null");
    }
    text
}

/// The constraints a schema puts on its values, as a short note.
fn constraints_html(schema: &Value) -> String {
    let mut notes: Vec<String> = Vec::new();
    let number = |key: &str| {
        schema
            .get(key)
            .filter(|v| v.is_number())
            .map(Value::to_string)
    };
    let exclusive = |key: &str| schema[key].as_bool() == Some(true);
    for (key, words) in [
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("minProperties", "at least {} properties"),
        ("maxProperties", "at most {} properties"),
        ("multipleOf", "a multiple of {}"),
    ] {
        if let Some(n) = number(key) {
            notes.push(words.replace("{}", &n));
        }
    }
    if let Some(n) = number("minimum") {
        let op = if exclusive("exclusiveMinimum") {
            ">"
        } else {
            "≥"
        };
        notes.push(format!("{op} {n}"));
    } else if let Some(n) = number("exclusiveMinimum") {
        notes.push(format!("> {n}"));
    }
    if let Some(n) = number("maximum") {
        let op = if exclusive("exclusiveMaximum") {
            "<"
        } else {
            "≤"
        };
        notes.push(format!("{op} {n}"));
    } else if let Some(n) = number("exclusiveMaximum") {
        notes.push(format!("< {n}"));
    }
    if schema["uniqueItems"].as_bool() == Some(true) {
        notes.push("unique items".to_owned());
    }
    if let Some(p) = schema["pattern"].as_str() {
        notes.push(format!("pattern <code>{}</code>", esc(p)));
    }
    if let Some(d) = schema.get("default") {
        notes.push(format!("default <code>{}</code>", esc(&d.to_string())));
    }
    for (key, word) in [
        ("readOnly", "read-only"),
        ("writeOnly", "write-only"),
        ("deprecated", "deprecated"),
    ] {
        if schema[key].as_bool() == Some(true) {
            notes.push(word.to_owned());
        }
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("<br><span class=\"note\">{}</span>", notes.join("; "))
    }
}

/// Follows local `$ref`s (`#/...`) to what they name; anything else is returned as it is.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..MAX_REF_HOPS {
        let Some(target) = value["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| doc.pointer(pointer))
        else {
            return value;
        };
        value = target;
    }
    value
}

fn unescape_pointer(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// CommonMark to HTML that loads nothing and runs nothing: raw HTML is shown as text, images
/// become links, and links to scripts lead nowhere.
fn markdown(text: &str) -> String {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Image {
                dest_url,
                title,
                id,
                ..
            }) => Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url: safe_url(dest_url),
                title,
                id,
            }),
            Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: safe_url(dest_url),
                title,
                id,
            }),
            other => other,
        },
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let scheme = url.trim_start().to_ascii_lowercase();
    if ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| scheme.starts_with(s))
    {
        CowStr::Borrowed("#")
    } else {
        url
    }
}

/// Text for HTML, in element content and in quoted attributes alike.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An element id made of the name: letters, digits, `-`, `_` and `.` kept, the rest `-`.
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(yaml: &str) -> String {
        render(&serde_yaml::from_str::<Value>(yaml).unwrap())
    }

    const PETS: &str = r##"
openapi: 3.0.3
info: {title: Pets, version: "2", description: "All the **pets**."}
tags: [{name: pets, description: Pet things.}]
security: [{oauth: [read]}]
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
    get:
      operationId: getPet
      tags: [pets]
      summary: Read a pet
      responses:
        "200":
          description: The pet.
          headers: {etag: {schema: {type: string}}}
          content:
            application/json: {schema: {$ref: "#/components/schemas/Pet"}}
        "404": {$ref: "#/components/responses/NotFound"}
    delete:
      operationId: deletePet
      security: []
      responses: {"204": {description: Gone.}}
components:
  responses:
    NotFound: {description: No such pet.}
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 20, description: "Its <b>name</b>."}
        tags: {type: array, items: {type: string}}
        kind: {type: string, enum: [cat, dog], nullable: true}
"##;

    #[test]
    fn every_operation_and_schema_has_its_section() {
        let html = page(PETS);
        assert!(html.contains("id=\"op-getPet\" data-operation-id=\"getPet\""));
        assert!(html.contains("id=\"op-deletePet\""));
        assert!(html.contains("id=\"schema-Pet\""));
        assert!(html.contains("href=\"#op-getPet\""));
        // Untagged operations get a group of their own.
        assert!(html.contains("id=\"tag-Operations\""));
    }

    #[test]
    fn operations_show_their_inputs_outputs_and_security() {
        let html = page(PETS);
        // The path item's parameter, with its constraint.
        assert!(html.contains("<code>id</code> <em>required</em></td><td>path</td><td>integer"));
        assert!(html.contains("≥ 1"));
        assert!(html.contains("<a href=\"#schema-Pet\">Pet</a>"));
        assert!(html.contains("No such pet."), "a response $ref is followed");
        assert!(html.contains("Headers: <code>etag</code>"));
        assert!(html.contains("Security: oauth (<code>read</code>)"));
        assert!(html.contains("no authentication"), "security: [] opts out");
        assert!(html.contains("array of string"));
        assert!(html.contains("one of <code>cat</code>, <code>dog</code> or null"));
        assert!(html.contains("at most 20 characters"));
    }

    #[test]
    fn descriptions_cannot_load_or_run_anything() {
        let html = page(PETS);
        assert!(
            html.contains("Its &lt;b&gt;name&lt;/b&gt;."),
            "raw HTML is text"
        );
        let md = markdown("![logo](https://cdn.example.com/x.png) [x](javascript:alert(1))");
        assert!(!md.contains("<img"), "{md}");
        assert!(
            md.contains("href=\"https://cdn.example.com/x.png\""),
            "{md}"
        );
        assert!(md.contains("href=\"#\""), "{md}");
        assert!(html.contains("default-src 'none'"));
        for remote in ["<script", "<link", "<img", "@import", "url("] {
            assert!(!html.contains(remote), "{remote}");
        }
    }

    #[test]
    fn cyclic_references_end() {
        let html = page(
            r##"
openapi: 3.0.3
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    A: {allOf: [{$ref: "#/components/schemas/B"}]}
    B: {allOf: [{$ref: "#/components/schemas/A"}]}
"##,
        );
        assert!(html.contains("id=\"schema-A\""));
    }
}
