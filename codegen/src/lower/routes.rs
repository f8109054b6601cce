//! The generated server's routes, and the path each operation's client sends.
//!
//! axum (through matchit) captures whole segments, or a segment's end after literal text
//! (`/files/v{version}`). Every other segment with a parameter (`{name}:cancel`, `{name}.{ext}`,
//! `{a}-{b}`) and every literal segment axum refuses (one starting with `:` or `*`) is captured
//! whole, and the generated router splits it by its template itself; `{+name}` (reserved
//! expansion) as the last segment is a catch-all. What follows `#` in a template is a fragment:
//! it is never sent, so it is no part of the path.
//!
//! Operations whose routes have the same shape share one axum route (with the first one's
//! capture names) and are told apart by method, then by their templates, most literal text
//! first. Two operations with the same method and the same templates cannot be told apart: that
//! is a located error for the server only ([`Side::Server`](crate::diagnostic::Side::Server)),
//! as is a path axum cannot hold at all; the client sends every path.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{Method, Operation, PathRead, PathSegment, SegmentPiece, encode_path_text};

/// The path of a path template: what precedes a `?` (a query written into the template) or a
/// `#` (a fragment), outside braces.
pub fn wire_path(path: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in path.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '#' | '?' if depth == 0 => return &path[..i],
            _ => {}
        }
    }
    path
}

/// The query written into a path template (`/responses?beta=true`): its `name=value` pairs, as
/// written, which the client sends with every call.
pub fn fixed_query(path: &str) -> Vec<(String, String)> {
    let rest = &path[wire_path(path).len()..];
    let Some(query) = rest.strip_prefix('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

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

/// One capture of an axum route, as the shape of a route records it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Capture {
    /// The operation's parameter (index into `path_params`) is the capture's value.
    Param(usize),
    /// A segment the generated router splits itself, at this index.
    Split(usize),
    /// A catch-all from the segment at this index.
    Rest(usize),
}

/// An operation's path as the server sees it.
struct Parsed {
    segments: Vec<PathSegment>,
    /// The axum route with `{}` for each capture (`{*}` for a catch-all).
    shape: String,
    captures: Vec<Capture>,
    /// Why the server cannot serve this path at all (the client can still send it).
    server_problem: Option<String>,
}

/// A template with its parameters unnamed: what tells operations of one route apart.
type Signature = Vec<(usize, Vec<Option<String>>)>;

/// The capture names a route shape's first operation chose, and the operations of the shape so
/// far (method, templates, pointer).
type Shape = (Vec<String>, Vec<(Method, Signature, String)>);

/// Fills in every operation's `segments`, `route` and `path_reads`, and reports the paths the
/// server cannot serve.
pub fn assign(operations: &mut [Operation], diags: &mut Diagnostics) {
    // Shape → the capture names of its first operation, and its operations so far.
    let mut shapes: BTreeMap<String, Shape> = BTreeMap::new();
    for op in operations.iter_mut() {
        let at = Pointer::root().join("paths").join(&op.path);
        let Some(parsed) = parse(op, &at, diags) else {
            continue;
        };
        op.segments = parsed.segments;
        op.fixed_query = fixed_query(&op.path);
        if let Some(problem) = parsed.server_problem {
            diags.push_server(&op.pointer, problem);
            continue;
        }
        let signature: Signature = op
            .segments
            .iter()
            .enumerate()
            .filter(|(i, _)| parsed.captures.contains(&Capture::Split(*i)))
            .map(|(i, segment)| {
                let pieces = match segment {
                    PathSegment::Template(pieces) => pieces
                        .iter()
                        .map(|p| match p {
                            SegmentPiece::Text(t) => Some(t.clone()),
                            SegmentPiece::Param(_) => None,
                        })
                        .collect(),
                    PathSegment::Text(t) => vec![Some(t.clone())],
                    PathSegment::Reserved(_) => vec![None],
                };
                (i, pieces)
            })
            .collect();
        let (names, seen) = shapes.entry(parsed.shape.clone()).or_insert_with(|| {
            let mut names: Vec<String> = Vec::new();
            for capture in &parsed.captures {
                let wanted = match capture {
                    Capture::Param(i) => op.path_params[*i].name.clone(),
                    Capture::Split(i) | Capture::Rest(i) => format!("_segment{i}"),
                };
                let mut name = wanted;
                while names.contains(&name) {
                    name.push('_');
                }
                names.push(name);
            }
            (names, Vec::new())
        });
        if let Some((_, _, other)) = seen
            .iter()
            .find(|(m, sig, _)| *m == op.method && *sig == signature)
        {
            diags.push_server(
                &op.pointer,
                format!(
                    "`{} {}` is the same route as {other} (only the parameter names differ, or what follows `?` or `#` in the template, which the server does not route by), so the server could not tell them apart; give one of them another path or method to serve both",
                    op.method.as_str(),
                    op.path
                ),
            );
            continue;
        }
        seen.push((op.method, signature, op.pointer.clone()));
        let mut reads = vec![PathRead::Capture(String::new()); op.path_params.len()];
        for (capture, name) in parsed.captures.iter().zip(names.iter()) {
            if let Capture::Param(i) = capture {
                reads[*i] = PathRead::Capture(name.clone());
            }
        }
        for (i, segment) in op.segments.iter().enumerate() {
            match segment {
                PathSegment::Template(pieces) if parsed.captures.contains(&Capture::Split(i)) => {
                    let params = pieces.iter().filter_map(|p| match p {
                        SegmentPiece::Param(index) => Some(*index),
                        SegmentPiece::Text(_) => None,
                    });
                    for (nth, index) in params.enumerate() {
                        reads[index] = PathRead::Split { segment: i, nth };
                    }
                }
                PathSegment::Reserved(index) => reads[*index] = PathRead::Rest { segment: i },
                _ => {}
            }
        }
        op.path_reads = reads;
        let mut names = names.iter();
        op.route = parsed
            .shape
            .split('{')
            .enumerate()
            .map(|(i, text)| {
                if i == 0 {
                    text.to_owned()
                } else {
                    let (star, rest) = match text.strip_prefix("*}") {
                        Some(rest) => ("*", rest),
                        None => ("", text.strip_prefix('}').unwrap_or(text)),
                    };
                    let name = names.next().map(String::as_str).unwrap_or("");
                    format!("{{{star}{name}}}{rest}")
                }
            })
            .collect();
    }
    catch_all_conflicts(operations, diags);
}

/// Reports, for the server only, each operation whose route ends in a catch-all (`{+name}`)
/// where another route has a parameter: axum (matchit) refuses a catch-all beside another
/// parameter at the same place when the router is built.
fn catch_all_conflicts(operations: &[Operation], diags: &mut Diagnostics) {
    let refused: Vec<&str> = diags
        .iter()
        .filter(|d| d.side == crate::diagnostic::Side::Server)
        .map(|d| d.pointer.as_str())
        .collect();
    // Each served route as a shape: `{}` for a capture, `{*}` for a catch-all.
    let shape = |route: &str| -> String {
        route
            .split('{')
            .enumerate()
            .map(|(i, text)| match (i, text.split_once('}')) {
                (0, _) | (_, None) => text.to_owned(),
                (_, Some((name, rest))) if name.starts_with('*') => format!("{{*}}{rest}"),
                (_, Some((_, rest))) => format!("{{}}{rest}"),
            })
            .collect()
    };
    let served: Vec<(&Operation, String)> = operations
        .iter()
        .filter(|op| !op.segments.is_empty() && !refused.contains(&op.pointer.as_str()))
        .map(|op| (op, shape(&op.route)))
        .collect();
    let mut found = Vec::new();
    for (op, own) in &served {
        let Some(prefix) = own.strip_suffix("{*}") else {
            continue;
        };
        let beside = served.iter().find(|(_, other)| {
            other != own
                && other
                    .strip_prefix(prefix)
                    .is_some_and(|r| r.starts_with('{'))
        });
        if let Some((other, _)) = beside {
            found.push((
                op.pointer.clone(),
                format!(
                    "the route of `{}` ends in a catch-all (`{{+...}}`) where `{}` has a parameter; axum cannot hold both in one router",
                    op.path, other.path
                ),
            ));
        }
    }
    for (pointer, message) in found {
        diags.push_server(pointer, message);
    }
}

/// The operation's segments and server shape, or `None` after reporting why no crate can use
/// the path.
fn parse(op: &Operation, at: &Pointer, diags: &mut Diagnostics) -> Option<Parsed> {
    let Some(rest) = wire_path(&op.path).strip_prefix('/') else {
        diags.push(at, "a path must start with `/`");
        return None;
    };
    let index = |name: &str| op.path_params.iter().position(|p| p.name == name);
    let count = rest.split('/').count();
    let mut parsed = Parsed {
        segments: Vec::new(),
        shape: String::new(),
        captures: Vec::new(),
        server_problem: None,
    };
    for (i, segment) in rest.split('/').enumerate() {
        parsed.shape.push('/');
        let pieces = pieces(segment);
        let mut template = Vec::new();
        for piece in &pieces {
            match piece {
                Piece::Text(t) => template.push(SegmentPiece::Text(t.clone())),
                Piece::Param(name) => {
                    let reserved = name.starts_with('+');
                    if reserved && pieces.len() > 1 {
                        diags.push(
                            at,
                            format!(
                                "`{{{name}}}` (reserved expansion) must be a whole path segment"
                            ),
                        );
                        return None;
                    }
                    if name.starts_with('*') {
                        diags.push(
                            at,
                            format!("the path parameter `{{{name}}}` starts with `*`, which axum reads as a catch-all"),
                        );
                        return None;
                    }
                    // A missing declaration is reported with the operation's parameters.
                    let param = index(name.trim_start_matches('+'))?;
                    if reserved {
                        parsed.segments.push(PathSegment::Reserved(param));
                        if i + 1 == count {
                            parsed.shape.push_str("{*}");
                            parsed.captures.push(Capture::Rest(i));
                        } else {
                            parsed.server_problem = Some(format!(
                                "`{{{name}}}` (reserved expansion) is not the last segment of `{}`; axum can only capture the rest of a path",
                                op.path
                            ));
                        }
                        continue;
                    }
                    if pieces.len() > 1
                        && op.path_params[param].shape == crate::model::ParamShape::List
                    {
                        diags.push(
                            at,
                            format!(
                                "the array path parameter `{{{name}}}` must be a whole path segment"
                            ),
                        );
                        return None;
                    }
                    template.push(SegmentPiece::Param(param));
                }
            }
        }
        if matches!(parsed.segments.last(), Some(PathSegment::Reserved(_)))
            && parsed.segments.len() == i + 1
        {
            continue;
        }
        let params = template
            .iter()
            .filter(|p| matches!(p, SegmentPiece::Param(_)))
            .count();
        let starts_badly = segment.starts_with([':', '*']);
        if params == 0 && !starts_badly {
            parsed.shape.push_str(&encode_path_text(segment));
            parsed.segments.push(PathSegment::Text(segment.to_owned()));
            continue;
        }
        let native =
            params == 1 && !starts_badly && matches!(template.last(), Some(SegmentPiece::Param(_)));
        if native {
            for piece in &template {
                match piece {
                    SegmentPiece::Text(t) => parsed.shape.push_str(&encode_path_text(t)),
                    SegmentPiece::Param(p) => {
                        parsed.shape.push_str("{}");
                        parsed.captures.push(Capture::Param(*p));
                    }
                }
            }
        } else {
            let adjacent = template
                .windows(2)
                .any(|w| matches!(w, [SegmentPiece::Param(_), SegmentPiece::Param(_)]));
            if adjacent {
                parsed.server_problem = Some(format!(
                    "the path segment `{segment}` has two parameters with no text between them, so the server could not split it"
                ));
            }
            parsed.shape.push_str("{}");
            parsed.captures.push(Capture::Split(i));
        }
        parsed.segments.push(if params == 0 {
            PathSegment::Text(segment.to_owned())
        } else {
            PathSegment::Template(template)
        });
    }
    Some(parsed)
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
    fn segments_axum_cannot_capture_are_split_by_the_router() {
        let two = format!("{ID}, {}", ID.replace("x,", "y,"));
        let api = lowered(&format!(
            "  /a/{{x}}.{{y}}:\n    get:\n      parameters: [{two}]\n      responses: {{'204': {{description: ok}}}}\n  /a/{{x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n  /b/:x/{{+x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n"
        ))
        .expect("lowers");
        let [split, whole, rest] = &api.operations[..] else {
            panic!("three operations");
        };
        assert_eq!(split.route, "/a/{_segment1}");
        assert_eq!(whole.route, "/a/{_segment1}");
        assert_eq!(
            split.path_reads,
            [
                PathRead::Split { segment: 1, nth: 0 },
                PathRead::Split { segment: 1, nth: 1 }
            ]
        );
        assert_eq!(whole.path_reads, [PathRead::Capture("_segment1".into())]);
        assert_eq!(rest.route, "/b/{_segment1}/{*_segment2}");
        assert_eq!(rest.path_reads, [PathRead::Rest { segment: 2 }]);
        assert_eq!(
            rest.segments,
            [
                PathSegment::Text("b".into()),
                PathSegment::Text(":x".into()),
                PathSegment::Reserved(0)
            ]
        );
    }

    #[test]
    fn a_catch_all_beside_a_parameter_stops_only_the_server() {
        let err = lowered(&format!(
            "  /raw/{{x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n  /raw/{{+x}}:\n    put:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n"
        ))
        .expect_err("axum refuses both");
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].pointer, "#/paths/~1raw~1{+x}/put");
        assert_eq!(err.0[0].side, crate::diagnostic::Side::Server);
    }

    #[test]
    fn paths_the_server_cannot_hold_stop_only_the_server() {
        let two = format!("{ID}, {}", ID.replace("x,", "y,"));
        for (path, needle) in [
            ("/a/{x}{y}", "no text between them"),
            ("/a/{+x}/{y}", "not the last segment"),
        ] {
            let err = lowered(&format!(
                "  {path}:\n    get:\n      parameters: [{two}]\n      responses: {{'204': {{description: ok}}}}\n"
            ))
            .expect_err(path);
            assert!(
                err.0.iter().all(
                    |d| d.side == crate::diagnostic::Side::Server && d.message.contains(needle)
                ),
                "{path}: {err}"
            );
        }
        // Text before a parameter is axum's own.
        let api = lowered(&format!(
            "  /files/v{{x}}:\n    get:\n      parameters: [{ID}]\n      responses: {{'204': {{description: ok}}}}\n"
        ))
        .expect("lowers");
        assert_eq!(api.operations[0].route, "/files/v{x}");
    }

    #[test]
    fn a_fragment_is_not_sent_and_a_query_is_sent_as_a_query() {
        assert_eq!(wire_path("/files/{id}#get_link"), "/files/{id}");
        assert_eq!(wire_path("/a/{x#y}"), "/a/{x#y}");
        assert_eq!(wire_path("/responses/{id}?beta=true"), "/responses/{id}");
        assert_eq!(
            fixed_query("/responses/{id}?beta=true&x#frag"),
            [("beta".into(), "true".into()), ("x".into(), String::new())]
        );
        assert!(fixed_query("/responses/{id}").is_empty());
    }

    #[test]
    fn literal_text_is_encoded_like_the_client_does() {
        assert_eq!(encode_path_text("cookies#form"), "cookies%23form");
        assert_eq!(encode_path_text("a b%"), "a%20b%25");
        assert_eq!(encode_path_text("é"), "%C3%A9");
        assert_eq!(encode_path_text("a-b_c.d~e:f"), "a-b_c.d~e:f");
    }
}
