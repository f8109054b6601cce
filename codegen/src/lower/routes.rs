//! The generated server's routes: every path as axum 0.8 can route it, or a located error where
//! axum would panic when the router is built.
//!
//! axum (through matchit) refuses a segment with text after a parameter or with two parameters
//! (`/{id}.json`, `/{a}-{b}`), a segment starting with `:` or `*` (old-style captures), and two
//! routes that differ only in their parameters' names (`/a/{x}` and `/a/{y}`). The last is
//! handled here when the two have different methods: both get the first one's names and share a
//! route. Text before a parameter (`/files/v{version}`) is fine.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{Method, Operation};

/// One piece of a path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Param(String),
}

/// Splits a segment into text and `{name}` parameters; braces that do not enclose a name are
/// text.
fn pieces(segment: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find(['{', '}']) {
            Some(close) if after.as_bytes()[close] == b'}' && close > 0 => {
                text.push_str(&rest[..open]);
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Param(after[..close].to_owned()));
                rest = &after[close + 1..];
            }
            _ => {
                text.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// Percent-encodes literal path text as the client's URL builder does for a path segment, so a
/// route matches the requests the generated client sends.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        let plain = b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'/' | b'%'
            );
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fills in every operation's `route` and reports the paths axum cannot route.
pub fn assign(operations: &mut [Operation], diags: &mut Diagnostics) {
    // Shape (parameters unnamed) → the first route of that shape and who uses it per method.
    let mut shapes: BTreeMap<String, (Vec<String>, BTreeMap<Method, String>)> = BTreeMap::new();
    for op in operations.iter_mut() {
        let at = Pointer::root().join("paths").join(&op.path);
        let Some((shape, names)) = parse(&op.path, &at, diags) else {
            continue;
        };
        let (first_names, methods) = shapes
            .entry(shape.clone())
            .or_insert_with(|| (names.clone(), BTreeMap::new()));
        if let Some(other) = methods.get(&op.method) {
            diags.push_server(
                &op.pointer,
                format!(
                    "`{} {}` is the same route as {other} (only the parameter names differ), so the server could not tell them apart; give one of them another path or method to serve both",
                    op.method.as_str(),
                    op.path
                ),
            );
            continue;
        }
        methods.insert(op.method, op.pointer.clone());
        let mut names = first_names.iter();
        op.route = shape
            .split("{}")
            .enumerate()
            .map(|(i, text)| {
                if i == 0 {
                    text.to_owned()
                } else {
                    format!(
                        "{{{}}}{text}",
                        names.next().map(String::as_str).unwrap_or("")
                    )
                }
            })
            .collect();
    }
}

/// The route's shape (encoded text with `{}` for each parameter) and its parameter names, or
/// `None` after reporting why axum cannot route the path.
fn parse(path: &str, at: &Pointer, diags: &mut Diagnostics) -> Option<(String, Vec<String>)> {
    let Some(rest) = path.strip_prefix('/') else {
        diags.push(at, "a path must start with `/`");
        return None;
    };
    let mut shape = String::new();
    let mut names = Vec::new();
    for segment in rest.split('/') {
        shape.push('/');
        let pieces = pieces(segment);
        let params = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Param(_)))
            .count();
        let ends_with_param = matches!(pieces.last(), Some(Piece::Param(_)));
        if params > 1 || (params == 1 && !ends_with_param) {
            diags.push(
                at,
                format!(
                    "the path segment `{segment}` has text after a parameter or several parameters; axum 0.8 can only capture a whole segment or its end"
                ),
            );
            return None;
        }
        if segment.starts_with([':', '*']) {
            diags.push(
                at,
                format!(
                    "the path segment `{segment}` starts with `{}`, which axum 0.8 refuses in a route",
                    &segment[..1]
                ),
            );
            return None;
        }
        for piece in pieces {
            match piece {
                Piece::Text(text) => shape.push_str(&encode(&text)),
                Piece::Param(name) if name.starts_with('*') => {
                    diags.push(
                        at,
                        format!("the path parameter `{{{name}}}` starts with `*`, which axum reads as a catch-all"),
                    );
                    return None;
                }
                Piece::Param(name) => {
                    shape.push_str("{}");
                    names.push(name);
                }
            }
        }
    }
    Some((shape, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_into_text_and_parameters() {
        assert_eq!(
            pieces("v{version}"),
            [Piece::Text("v".into()), Piece::Param("version".into())]
        );
        assert_eq!(pieces("{a"), [Piece::Text("{a".into())]);
        assert_eq!(pieces("{}"), [Piece::Text("{}".into())]);
    }

    fn lowered(paths: &str) -> Result<crate::model::Api, crate::Diagnostics> {
        let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}");
        let doc = crate::load::load(&text).map_err(crate::Diagnostics::from)?;
        crate::lower::lower(&doc)
    }

    const ID: &str = "{name: x, in: path, required: true, schema: {type: string}}";

    #[test]
    fn same_shaped_paths_share_a_route_with_the_first_names() {
        let api = lowered(&format!(
            "  /a/{{x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n  /a/{{y}}:\n    delete:\n      parameters: [{}]\n      responses: {{'204': {{description: ok}}}}\n",
            ID.replace("x,", "y,")
        ))
        .expect("lowers");
        let routes: Vec<(&str, Vec<&str>)> = api
            .operations
            .iter()
            .map(|o| (o.route.as_str(), o.route_params()))
            .collect();
        assert_eq!(routes, [("/a/{x}", vec!["x"]), ("/a/{x}", vec!["x"])]);
        assert_eq!(api.operations[1].path_params[0].name, "y");
    }

    #[test]
    fn same_shaped_paths_with_one_method_are_located() {
        let err = lowered(&format!(
            "  /a/{{x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n  /a/{{y}}:\n    get:\n      parameters: [{}]\n      responses: {{'204': {{description: ok}}}}\n",
            ID.replace("x,", "y,")
        ))
        .expect_err("conflict");
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].pointer, "#/paths/~1a~1{y}/get");
        assert!(err.0[0].message.contains("#/paths/~1a~1{x}/get"), "{err}");
        // Only the server is stopped: the client can call both.
        assert_eq!(err.0[0].side, crate::diagnostic::Side::Server);
    }

    #[test]
    fn segments_axum_cannot_route_are_located() {
        for (path, needle) in [
            ("/a/{x}.json", "text after a parameter"),
            ("/a/{x}{y}", "several parameters"),
            ("/a/:x/{x}", "starts with `:`"),
        ] {
            let err = lowered(&format!(
                "  {path}:\n    get:\n      parameters: [{ID}, {}]\n      responses: {{'204': {{description: ok}}}}\n",
                ID.replace("x,", "y,")
            ))
            .expect_err(path);
            let at = crate::diagnostic::Pointer::root().join("paths").join(path);
            assert!(
                err.0
                    .iter()
                    .any(|d| d.pointer == at.as_str() && d.message.contains(needle)),
                "{path}: {err}"
            );
        }
        // Text before a parameter is fine.
        let api = lowered(&format!(
            "  /files/v{{x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n"
        ))
        .expect("lowers");
        assert_eq!(api.operations[0].route, "/files/v{x}");
    }

    #[test]
    fn literal_text_is_encoded_like_the_client_does() {
        assert_eq!(encode("cookies#form"), "cookies%23form");
        assert_eq!(encode("a b%"), "a%20b%25");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("a-b_c.d~e:f"), "a-b_c.d~e:f");
    }
}
