//! The comparison itself: two lowered models in, a list of classified changes out.
//!
//! "Clients" are clients generated from the old spec talking to a server that follows the new
//! one: does what they send still get accepted, and does what they receive still decode?
//! "Servers" are implementations of the old generated `Api` trait built against the newly
//! generated server crate: do they still compile, and do they still answer what the new spec
//! promises?

use std::collections::{BTreeMap, BTreeSet};

use codegen::model::{
    Api, EnumDef, Field, Operation, Param, ParamLocation, Response, StatusMatch, StructDef,
    TypeDef, TypeKind, TypeRef,
};

/// Where a change belongs in the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// An operation, by `operationId`.
    Operation(String),
    /// A schema, by its Rust type name.
    Schema(String),
}

/// One difference between the two specs, with who it breaks and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub group: Group,
    /// What changed, e.g. "query parameter `limit` added (required)".
    pub what: String,
    /// Breaks clients generated from the old spec.
    pub clients: bool,
    /// Breaks server implementations written against the old spec.
    pub servers: bool,
    /// Why, in one line.
    pub reason: String,
}

impl Change {
    pub fn is_breaking(&self) -> bool {
        self.clients || self.servers
    }
}

struct Out {
    changes: Vec<Change>,
    group: Group,
}

impl Out {
    fn push(&mut self, what: impl Into<String>, clients: bool, servers: bool, reason: &str) {
        self.changes.push(Change {
            group: self.group.clone(),
            what: what.into(),
            clients,
            servers,
            reason: reason.to_owned(),
        });
    }
}

/// Every change from `old` to `new`, operations first (in the new spec's order, then removed
/// ones), then schemas by name.
pub fn compare(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Out {
        changes: Vec::new(),
        group: Group::Operation(String::new()),
    };
    let old_ops: BTreeMap<&str, &Operation> =
        old.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    let new_ids: BTreeSet<&str> = new.operations.iter().map(|o| o.id.as_str()).collect();
    for op in &new.operations {
        out.group = Group::Operation(op.id.clone());
        match old_ops.get(op.id.as_str()) {
            None => out.push(
                format!("operation added: {} {}", op.method.as_str(), op.path),
                false,
                true,
                "a new operation: servers must implement a new `Api` trait method",
            ),
            Some(before) => operation(&mut out, before, op),
        }
    }
    for op in &old.operations {
        if !new_ids.contains(op.id.as_str()) {
            out.group = Group::Operation(op.id.clone());
            out.push(
                format!("operation removed: {} {}", op.method.as_str(), op.path),
                true,
                true,
                "old clients call an operation that is gone; implementations define a method the `Api` trait no longer has",
            );
        }
    }

    let old_use = usage(old);
    let new_use = usage(new);
    let codes = |api: &Api| api.error_model.as_ref().map(|m| m.codes.clone());
    let (old_codes, new_codes) = (codes(old), codes(new));
    let names: BTreeSet<&String> = old.types.keys().chain(new.types.keys()).collect();
    for name in names {
        out.group = Group::Schema(name.clone());
        let (before, after) = (old.types.get(name), new.types.get(name));
        let (i0, o0) = old_use.get(name).copied().unwrap_or_default();
        let (i1, o1) = new_use.get(name).copied().unwrap_or_default();
        let dir = Dir {
            input: i0 || i1,
            output: o0 || o1,
        };
        match (before, after) {
            (None, Some(_)) => out.push(
                "schema added",
                false,
                false,
                "a new type: nothing that exists uses it",
            ),
            (Some(_), None) => out.push(
                "schema removed",
                false,
                true,
                "implementations naming the type no longer compile; changes on the wire are listed where it was used",
            ),
            (Some(b), Some(a)) => {
                let is_codes =
                    old_codes.as_deref() == Some(name) && new_codes.as_deref() == Some(name);
                schema(&mut out, b, a, dir, is_codes);
            }
            (None, None) => {}
        }
    }
    out.changes
}

/// Whether a type travels in requests (input), in responses (output), or both.
#[derive(Debug, Clone, Copy, Default)]
struct Dir {
    input: bool,
    output: bool,
}

/// For every named type: (used in a request, used in a response), through fields, items and
/// union variants.
fn usage(api: &Api) -> BTreeMap<String, (bool, bool)> {
    let mut seen: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut stack: Vec<(String, bool)> = Vec::new();
    for op in &api.operations {
        for p in op.path_params.iter().chain(&op.params) {
            named(&p.ty, true, &mut stack);
        }
        if let Some(body) = &op.body {
            named(&body.ty, true, &mut stack);
        }
        for r in &op.responses {
            if let Some((_, ty)) = &r.body {
                named(ty, false, &mut stack);
            }
            for h in &r.headers {
                named(&h.ty, false, &mut stack);
            }
        }
    }
    while let Some((name, input)) = stack.pop() {
        let entry = seen.entry(name.clone()).or_default();
        let slot = if input { &mut entry.0 } else { &mut entry.1 };
        if *slot {
            continue;
        }
        *slot = true;
        let Some(def) = api.types.get(&name) else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct(s) => {
                for f in &s.fields {
                    named(&f.ty, input, &mut stack);
                }
                if let Some(extra) = &s.extra {
                    named(extra, input, &mut stack);
                }
            }
            TypeKind::Union(u) => {
                for v in &u.variants {
                    named(&v.ty, input, &mut stack);
                }
            }
            TypeKind::Alias(t) | TypeKind::Newtype(t) => named(t, input, &mut stack),
            TypeKind::Enum(_) => {}
        }
    }
    seen
}

fn named(ty: &TypeRef, input: bool, stack: &mut Vec<(String, bool)>) {
    match ty {
        TypeRef::Named(n) => stack.push((n.clone(), input)),
        TypeRef::Vec(t) | TypeRef::Map(t) => named(t, input, stack),
        _ => {}
    }
}

/// A type as the report writes it.
pub fn show(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "Value".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Vec(t) => format!("Vec<{}>", show(t)),
        TypeRef::Map(t) => format!("Map<{}>", show(t)),
    }
}

fn operation(out: &mut Out, old: &Operation, new: &Operation) {
    if old.method != new.method || old.path != new.path {
        out.push(
            format!(
                "moved: {} {} → {} {}",
                old.method.as_str(),
                old.path,
                new.method.as_str(),
                new.path
            ),
            true,
            false,
            "old clients send the request to the old method and path; the trait method is unchanged",
        );
    }
    params(out, old, new);
    request_body(out, old, new);
    responses(out, old, new);
    security(out, old, new);
}

fn location(p: &Param) -> &'static str {
    match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

fn params(out: &mut Out, old: &Operation, new: &Operation) {
    let key = |p: &Param| (location(p), p.name.to_ascii_lowercase());
    let all = |op: &Operation| -> Vec<Param> {
        op.path_params.iter().chain(&op.params).cloned().collect()
    };
    let (old_all, new_all) = (all(old), all(new));
    let before: BTreeMap<_, &Param> = old_all.iter().map(|p| (key(p), p)).collect();
    let after: BTreeMap<_, &Param> = new_all.iter().map(|p| (key(p), p)).collect();
    // Query and header parameters reach the implementation as one `{Op}Params` argument: a new
    // one only changes the trait method's signature when the argument appears or disappears.
    let struct_appears = old.params.is_empty() && !new.params.is_empty();
    let struct_goes = !old.params.is_empty() && new.params.is_empty();
    for (k, p) in &after {
        if before.contains_key(k) {
            continue;
        }
        let what = format!(
            "{} parameter `{}` added ({})",
            k.0,
            p.name,
            if p.required { "required" } else { "optional" }
        );
        if p.location == ParamLocation::Path {
            out.push(
                what,
                true,
                true,
                "the path changes for old clients; the trait method gains an argument",
            );
        } else if p.required {
            out.push(
                what,
                true,
                struct_appears,
                if struct_appears {
                    "old clients don't send it, so the server refuses them; the trait method gains a params argument"
                } else {
                    "old clients don't send it, so the server refuses them; implementations get one more field to read"
                },
            );
        } else {
            out.push(
                what,
                false,
                struct_appears,
                if struct_appears {
                    "optional, so old clients may omit it; the trait method gains a params argument"
                } else {
                    "optional, so old clients may omit it; implementations get one more field to read"
                },
            );
        }
    }
    for (k, p) in &before {
        let Some(n) = after.get(k) else {
            let what = format!("{} parameter `{}` removed", k.0, p.name);
            if p.location == ParamLocation::Path {
                out.push(
                    what,
                    true,
                    true,
                    "the path changes for old clients; the trait method loses an argument",
                );
            } else {
                out.push(
                    what,
                    false,
                    true,
                    if struct_goes {
                        "the server ignores it when old clients send it; the trait method loses its params argument"
                    } else {
                        "the server ignores it when old clients send it; implementations reading the field no longer compile"
                    },
                );
            }
            continue;
        };
        if p.ty != n.ty {
            out.push(
                format!(
                    "{} parameter `{}` type: {} → {}",
                    k.0,
                    p.name,
                    show(&p.ty),
                    show(&n.ty)
                ),
                true,
                true,
                "old clients send values of the old type; implementations receive another Rust type",
            );
        }
        if p.required != n.required {
            let path = p.location == ParamLocation::Path;
            if n.required {
                out.push(
                    format!("{} parameter `{}` became required", k.0, p.name),
                    true,
                    !path,
                    "old clients may omit it and are refused; the field is no longer an Option",
                );
            } else {
                out.push(
                    format!("{} parameter `{}` became optional", k.0, p.name),
                    false,
                    !path,
                    "old clients always send it; the field becomes an Option in implementations",
                );
            }
        }
    }
}

fn request_body(out: &mut Out, old: &Operation, new: &Operation) {
    match (&old.body, &new.body) {
        (None, None) => {}
        (None, Some(b)) => out.push(
            format!(
                "request body added: {} ({})",
                show(&b.ty),
                if b.required { "required" } else { "optional" }
            ),
            b.required,
            true,
            if b.required {
                "old clients send no body and are refused; the trait method gains a body argument"
            } else {
                "optional, so old clients may send none; the trait method gains a body argument"
            },
        ),
        (Some(b), None) => out.push(
            format!("request body removed: {}", show(&b.ty)),
            false,
            true,
            "the server ignores the body old clients send; the trait method loses its body argument",
        ),
        (Some(b), Some(a)) => {
            if b.ty != a.ty {
                out.push(
                    format!("request body type: {} → {}", show(&b.ty), show(&a.ty)),
                    true,
                    true,
                    "old clients send the old type; implementations receive another Rust type",
                );
            }
            if b.media != a.media {
                out.push(
                    format!(
                        "request body media type: {} → {}",
                        b.media.content_type(),
                        a.media.content_type()
                    ),
                    true,
                    false,
                    "old clients send the old media type, which the server refuses with 415",
                );
            }
            if b.required != a.required {
                if a.required {
                    out.push(
                        "request body became required",
                        true,
                        true,
                        "old clients may send none and are refused; the argument is no longer an Option",
                    );
                } else {
                    out.push(
                        "request body became optional",
                        false,
                        true,
                        "old clients always send one; the argument becomes an Option",
                    );
                }
            }
        }
    }
}

fn status(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(c) => format!("{c}XX"),
        StatusMatch::Default => "default".into(),
    }
}

fn responses(out: &mut Out, old: &Operation, new: &Operation) {
    let before: BTreeMap<StatusMatch, &Response> =
        old.responses.iter().map(|r| (r.status, r)).collect();
    let after: BTreeMap<StatusMatch, &Response> =
        new.responses.iter().map(|r| (r.status, r)).collect();
    for (s, r) in &after {
        if before.contains_key(s) {
            continue;
        }
        let what = format!("response {} added", status(*s));
        if r.is_success() {
            out.push(
                what,
                true,
                false,
                "old clients get this success as an `Unexpected` error; old implementations never return the new variant",
            );
        } else {
            out.push(
                what,
                false,
                false,
                "old clients get it as `Unexpected`, with status, headers and body kept; old implementations never return the new variant",
            );
        }
    }
    for (s, r) in &before {
        let Some(a) = after.get(s) else {
            out.push(
                format!("response {} removed", status(*s)),
                false,
                true,
                "old clients keep a variant that never comes; implementations returning it no longer compile",
            );
            continue;
        };
        let code = status(*s);
        match (&r.body, &a.body) {
            (None, None) => {}
            (None, Some((_, t))) => out.push(
                format!("response {code} body added: {}", show(t)),
                false,
                true,
                "old clients ignore the body; the variant gains a payload implementations must supply",
            ),
            (Some((_, t)), None) => out.push(
                format!("response {code} body removed: {}", show(t)),
                true,
                true,
                "old clients expect a body to decode and get `Unexpected`; the variant loses its payload",
            ),
            (Some((m0, t0)), Some((m1, t1))) => {
                if t0 != t1 || m0 != m1 {
                    out.push(
                        format!("response {code} body type: {} → {}", show(t0), show(t1)),
                        true,
                        true,
                        "old clients decode the old type and get `Unexpected`; the variant's payload type changes",
                    );
                }
            }
        }
        let hb: BTreeMap<String, _> = r
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h))
            .collect();
        let ha: BTreeMap<String, _> = a
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h))
            .collect();
        for (n, h) in &ha {
            match hb.get(n) {
                None => out.push(
                    format!("response {code} header `{}` added", h.name),
                    false,
                    true,
                    "old clients ignore it; the variant gains a field implementations must set",
                ),
                Some(o) if o.ty != h.ty || o.required != h.required => out.push(
                    format!(
                        "response {code} header `{}`: {}{} → {}{}",
                        h.name,
                        show(&o.ty),
                        if o.required { "" } else { " (optional)" },
                        show(&h.ty),
                        if h.required { "" } else { " (optional)" }
                    ),
                    o.ty != h.ty || (o.required && !h.required),
                    true,
                    "old clients parse the old type or count on the header; the variant's field type changes",
                ),
                Some(_) => {}
            }
        }
        for (n, h) in &hb {
            if !ha.contains_key(n) {
                out.push(
                    format!("response {code} header `{}` removed", h.name),
                    h.required,
                    true,
                    if h.required {
                        "old clients require the header and no longer get it; the variant loses a field"
                    } else {
                        "optional, so old clients cope without it; the variant loses a field"
                    },
                );
            }
        }
    }
}

fn security(out: &mut Out, old: &Operation, new: &Operation) {
    let (s0, s1) = (&old.security, &new.security);
    if s0.required != s1.required {
        if s1.required {
            out.push(
                "authentication became required",
                true,
                false,
                "old clients may call without a token and get 401; the router checks it before the implementation",
            );
        } else {
            out.push(
                "authentication became optional",
                false,
                false,
                "old clients still send a token, which is accepted",
            );
        }
    }
    for scope in s1.scopes.iter().filter(|s| !s0.scopes.contains(s)) {
        out.push(
            format!("scope `{scope}` added"),
            true,
            false,
            "old clients' tokens may lack it and get 401; the router hands the new scope to the Authenticator",
        );
    }
    for scope in s0.scopes.iter().filter(|s| !s1.scopes.contains(s)) {
        out.push(
            format!("scope `{scope}` removed"),
            false,
            false,
            "less is asked of old clients' tokens; the Authenticator is asked for less",
        );
    }
}

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct(_) => "object",
        TypeKind::Enum(_) => "string enum",
        TypeKind::Union(_) => "oneOf/anyOf",
        TypeKind::Alias(_) => "alias",
        TypeKind::Newtype(_) => "newtype",
    }
}

fn schema(out: &mut Out, old: &TypeDef, new: &TypeDef, dir: Dir, is_codes: bool) {
    match (&old.kind, &new.kind) {
        (TypeKind::Struct(a), TypeKind::Struct(b)) => structure(out, a, b, dir),
        (TypeKind::Enum(a), TypeKind::Enum(b)) => enumeration(out, a, b, dir, is_codes),
        (TypeKind::Alias(a), TypeKind::Alias(b)) | (TypeKind::Newtype(a), TypeKind::Newtype(b)) => {
            if a != b {
                out.push(
                    format!("type: {} → {}", show(a), show(b)),
                    true,
                    true,
                    "values of the old type no longer fit; the Rust type changes",
                );
            }
        }
        (TypeKind::Union(a), TypeKind::Union(b)) => {
            let va: Vec<String> = a.variants.iter().map(|v| show(&v.ty)).collect();
            let vb: Vec<String> = b.variants.iter().map(|v| show(&v.ty)).collect();
            for v in vb.iter().filter(|v| !va.contains(v)) {
                out.push(
                    format!("variant {v} added"),
                    dir.output,
                    false,
                    if dir.output {
                        "old clients cannot decode the new variant in responses"
                    } else {
                        "old clients never send it; implementations see a new variant"
                    },
                );
            }
            for v in va.iter().filter(|v| !vb.contains(v)) {
                out.push(
                    format!("variant {v} removed"),
                    dir.input,
                    true,
                    "old clients may send it and are refused; implementations naming the variant no longer compile",
                );
            }
        }
        (a, b) => out.push(
            format!("kind: {} → {}", kind_name(a), kind_name(b)),
            true,
            true,
            "the JSON shape and the Rust type both change",
        ),
    }
}

fn structure(out: &mut Out, old: &StructDef, new: &StructDef, dir: Dir) {
    let before: BTreeMap<&str, &Field> = old
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f))
        .collect();
    let after: BTreeMap<&str, &Field> = new
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f))
        .collect();
    for f in &new.fields {
        if before.contains_key(f.json_name.as_str()) {
            continue;
        }
        let what = format!(
            "property `{}` added ({})",
            f.json_name,
            if f.required { "required" } else { "optional" }
        );
        // What an old client sending this type misses, and what it receiving it does.
        let sent = dir.input && f.required && !f.read_only;
        let strict = dir.output && old.deny_unknown && !f.write_only;
        let clients = sent || strict;
        let servers = dir.output;
        let reason = match (sent, strict, servers) {
            (true, _, _) => {
                "a required request property: old clients don't send it, so the server refuses them"
            }
            (_, true, _) => {
                "old clients refuse unknown properties (additionalProperties: false) and cannot decode the response"
            }
            (_, _, true) => {
                "old clients ignore the new property; implementations building the type must set the new field"
            }
            _ => {
                "optional in requests, so old clients may omit it; implementations get one more field to read"
            }
        };
        out.push(what, clients, servers, reason);
    }
    for f in &old.fields {
        if after.contains_key(f.json_name.as_str()) {
            continue;
        }
        let refused = dir.input && new.deny_unknown && !f.read_only;
        let expected = dir.output && f.required && !f.write_only;
        out.push(
            format!("property `{}` removed", f.json_name),
            refused || expected,
            true,
            if refused {
                "old clients still send it and the server refuses unknown properties; the field is gone from the Rust type"
            } else if expected {
                "old clients require it in responses and cannot decode them; the field is gone from the Rust type"
            } else {
                "old clients cope without it; implementations using the field no longer compile"
            },
        );
    }
    for (name, a) in &after {
        let Some(b) = before.get(name) else { continue };
        field(out, b, a, dir);
    }
}

fn field(out: &mut Out, old: &Field, new: &Field, dir: Dir) {
    let name = &new.json_name;
    let rust_changed = old.is_option() != new.is_option();
    if old.ty != new.ty {
        out.push(
            format!(
                "property `{name}` type: {} → {}",
                show(&old.ty),
                show(&new.ty)
            ),
            true,
            true,
            "values of the old type no longer decode on the other side; the field's Rust type changes",
        );
    }
    if old.required != new.required {
        let (what, clients, reason) = if new.required {
            (
                "became required",
                dir.input && !new.read_only,
                if dir.input {
                    "old clients may omit it in requests and are refused"
                } else {
                    "old clients always get it now"
                },
            )
        } else {
            (
                "became optional",
                dir.output && !new.write_only,
                if dir.output {
                    "old clients require it in responses and cannot decode them without it"
                } else {
                    "old clients always send it anyway"
                },
            )
        };
        out.push(
            format!("property `{name}` {what}"),
            clients,
            rust_changed,
            reason,
        );
    }
    if old.nullable != new.nullable {
        let (what, clients, reason) = if new.nullable {
            (
                "became nullable",
                dir.output,
                if dir.output {
                    "old clients cannot decode a null in responses"
                } else {
                    "old clients never send null"
                },
            )
        } else {
            (
                "is no longer nullable",
                dir.input,
                if dir.input {
                    "old clients may send null and are refused"
                } else {
                    "old clients never receive null now"
                },
            )
        };
        out.push(
            format!("property `{name}` {what}"),
            clients,
            rust_changed,
            reason,
        );
    }
    if old.read_only != new.read_only {
        if new.read_only {
            out.push(
                format!("property `{name}` became read-only"),
                dir.input,
                false,
                "old clients may set it in requests and the server now ignores or refuses it; the Rust type is unchanged",
            );
        } else {
            out.push(
                format!("property `{name}` is no longer read-only"),
                false,
                false,
                "old clients may send it now, and need not; the Rust type is unchanged",
            );
        }
    }
}

fn enumeration(out: &mut Out, old: &EnumDef, new: &EnumDef, dir: Dir, is_codes: bool) {
    let before: BTreeMap<&str, _> = old.variants.iter().map(|v| (v.value.as_str(), v)).collect();
    let after: BTreeMap<&str, _> = new.variants.iter().map(|v| (v.value.as_str(), v)).collect();
    let noun = if is_codes { "error code" } else { "value" };
    for v in &new.variants {
        if before.contains_key(v.value.as_str()) {
            continue;
        }
        let reason = if is_codes {
            "an error code was added: old clients see it as `Unknown`, which the generated enum tolerates"
        } else if dir.output {
            "old clients see it as `Unknown`, which the generated enum tolerates; the enum is `#[non_exhaustive]`"
        } else {
            "old clients never send it; the enum is `#[non_exhaustive]`, so implementations keep compiling"
        };
        out.push(format!("{noun} `{}` added", v.value), false, false, reason);
    }
    for v in &old.variants {
        if after.contains_key(v.value.as_str()) {
            continue;
        }
        let clients = dir.input && !is_codes;
        out.push(
            format!("{noun} `{}` removed", v.value),
            clients,
            true,
            if clients {
                "old clients may send it and are refused; implementations naming the variant no longer compile"
            } else {
                "old clients keep a variant that never comes; implementations naming the variant no longer compile"
            },
        );
    }
    for (value, a) in &after {
        let Some(b) = before.get(value) else { continue };
        if a.message != b.message {
            out.push(
                format!(
                    "message of {noun} `{value}`: {} → {}",
                    quoted(&b.message),
                    quoted(&a.message)
                ),
                false,
                false,
                "old clients' `message()` returns the old text; the server writes the new one",
            );
        }
    }
}

fn quoted(m: &Option<String>) -> String {
    match m {
        Some(m) => format!("\"{m}\""),
        None => "none".to_owned(),
    }
}
