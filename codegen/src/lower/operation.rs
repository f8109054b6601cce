//! One operation: its parameters, body, responses, security and the rejections the generated
//! server produces for it.

use openapiv3::{
    Header, MediaType, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr,
    RequestBody as OaBody, Response as OaResponse, SchemaKind, SecurityScheme, StatusCode,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{
    BodyAlternative, BodyMedia, Docs, ErrorModel, FormDef, FormPart, Method, Operation, Param,
    ParamLocation, ParamShape, ParamStyle, PartKind, Rejection, Rejections, RequestBody, Response,
    ResponseAlternative, ResponseHeader, Security, StatusMatch, TypeKind, TypeRef,
};
use crate::naming::{self, Namespace};

use super::error_model::check_code;
use super::schema::{SchemaLowerer, unescape};

pub struct Context<'a> {
    pub doc: &'a openapiv3::OpenAPI,
    /// The `operationId`, or one made from the method and path when the spec gives none.
    pub id: &'a str,
    pub path: &'a str,
    pub method: &'a str,
    pub item: &'a PathItem,
    pub op: &'a openapiv3::Operation,
    pub pointer: &'a Pointer,
    pub error_model: Option<&'a ErrorModel>,
}

/// Header parameters the OpenAPI spec says to ignore; `Accept` still tells the client what to send.
const IGNORED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// The names operations have taken: method names, and the stems of their types
/// (`{stem}Params`, `{stem}Response`, `{stem}Error`...), which must not collide either.
pub struct OperationNames {
    fns: Namespace,
    stems: Namespace,
}

impl Default for OperationNames {
    fn default() -> Self {
        OperationNames {
            // Client methods sit beside these in `impl Client`.
            fns: Namespace::with_reserved(&[
                "new",
                "with_http_client",
                "with_token_source",
                "with_bearer_token",
                "base_url",
                "url",
                "bearer",
            ]),
            // `BoxError` and `UnexpectedResponse` are imported where the operation types are.
            stems: Namespace::with_reserved(&["Box", "Unexpected"]),
        }
    }
}

/// An id for an operation without `operationId`: its method and path in snake case, with
/// path parameters as `by_<name>` (`GET /pets/{id}` → `get_pets_by_id`).
pub fn synthesized_id(method: &str, path: &str) -> String {
    let mut text = method.to_owned();
    for segment in path.split('/') {
        text.push(' ');
        text.push_str(&segment.replace('{', " by ").replace('}', " "));
    }
    naming::snake(&text, method)
}

pub fn lower(
    ctx: &Context<'_>,
    schemas: &mut SchemaLowerer<'_>,
    names: &mut OperationNames,
    diags: &mut Diagnostics,
) -> Option<Operation> {
    let id = ctx.id.to_owned();
    let type_stem = names.stems.claim(naming::pascal(&id, "Operation"));
    let fn_name = names.fns.claim(naming::snake(&id, "operation"));
    let method = match ctx.method {
        "get" => Method::Get,
        "put" => Method::Put,
        "post" => Method::Post,
        "delete" => Method::Delete,
        "options" => Method::Options,
        "head" => Method::Head,
        "patch" => Method::Patch,
        _ => Method::Trace,
    };

    let (path_params, params, accept) = parameters(ctx, schemas, &type_stem, diags);
    let body = ctx
        .op
        .request_body
        .as_ref()
        .and_then(|b| request_body(ctx, b, schemas, &type_stem, diags));
    let responses = responses(ctx, schemas, &type_stem, diags);
    let security = security(ctx, diags);

    let mut op = Operation {
        id,
        fn_name,
        type_stem,
        method,
        path: ctx.path.to_owned(),
        // Decided with every operation in view (see `routes`).
        route: ctx.path.to_owned(),
        pointer: ctx.pointer.into(),
        doc: Docs {
            summary: ctx.op.summary.clone(),
            description: ctx.op.description.clone(),
            deprecated: ctx.op.deprecated,
        },
        path_params,
        // Decided with every operation in view (see `routes`).
        segments: Vec::new(),
        path_reads: Vec::new(),
        fixed_query: Vec::new(),
        params,
        body,
        responses,
        security,
        accept,
        rejections: placeholder_rejections(),
    };
    op.rejections = rejections(ctx, &op, schemas, diags);
    Some(op)
}

fn parameters(
    ctx: &Context<'_>,
    schemas: &mut SchemaLowerer<'_>,
    stem: &str,
    diags: &mut Diagnostics,
) -> (Vec<Param>, Vec<Param>, Option<String>) {
    // Path-item parameters apply unless the operation redefines the same name and location.
    let mut all: Vec<(Pointer, &Parameter)> = Vec::new();
    let item_ptr = ctx.pointer.join("..");
    let sources = [
        (&ctx.item.parameters, item_ptr.clone(), true),
        (&ctx.op.parameters, ctx.pointer.join("parameters"), false),
    ];
    for (list, base, from_item) in sources {
        let base = if from_item {
            Pointer::root()
                .join("paths")
                .join(ctx.path)
                .join("parameters")
        } else {
            base
        };
        for (i, p) in list.iter().enumerate() {
            let ptr = base.join(i);
            let Some(param) = resolve(ctx, p, "parameters", &ptr, diags) else {
                continue;
            };
            let key = (
                param.parameter_data_ref().name.clone(),
                location_name(param),
            );
            all.retain(|(_, q)| (q.parameter_data_ref().name.clone(), location_name(q)) != key);
            all.push((ptr, param));
        }
    }

    let mut path_params = Vec::new();
    let mut params = Vec::new();
    let mut accept = None;
    // Path parameters are method arguments beside `caller`, `params` and `body`; query and header
    // parameters are fields of the `{Op}Params` struct.
    let mut path_names = Namespace::with_reserved(&["caller", "params", "body", "self"]);
    let mut names = Namespace::default();
    // Path parameters declared, including those refused below (already reported once).
    let mut declared_path: Vec<String> = Vec::new();
    for (ptr, param) in all {
        let data = param.parameter_data_ref();
        let location = match param {
            Parameter::Path { .. } => {
                declared_path.push(data.name.clone());
                ParamLocation::Path
            }
            Parameter::Query { .. } => ParamLocation::Query,
            Parameter::Header { .. } => ParamLocation::Header,
            Parameter::Cookie { .. } => ParamLocation::Cookie,
        };
        if location == ParamLocation::Header
            && IGNORED_HEADERS.contains(&data.name.to_ascii_lowercase().as_str())
        {
            if data.name.eq_ignore_ascii_case("accept") {
                accept = accept_value(ctx, data, schemas);
            }
            continue;
        }
        if location == ParamLocation::Header && !is_header_name(&data.name) {
            diags.push(
                &ptr,
                format!("`{}` is not a valid HTTP header name", data.name),
            );
            continue;
        }
        if location == ParamLocation::Cookie && !is_cookie_name(&data.name) {
            diags.push(&ptr, format!("`{}` is not a valid cookie name", data.name));
            continue;
        }
        // Paths are written in `simple` style only; another would silently put other text on
        // the wire.
        let style = match param {
            Parameter::Path { style, .. } => match style {
                openapiv3::PathStyle::Simple => ParamStyle::Simple,
                openapiv3::PathStyle::Label | openapiv3::PathStyle::Matrix => {
                    let name = if matches!(style, openapiv3::PathStyle::Label) {
                        "label"
                    } else {
                        "matrix"
                    };
                    diags.push(
                        ptr.join("style"),
                        format!(
                            "path parameter `{}` has `style: {name}`; only `simple` path parameters are supported",
                            data.name
                        ),
                    );
                    continue;
                }
            },
            Parameter::Query { style, .. } => match style {
                openapiv3::QueryStyle::Form => ParamStyle::Form,
                openapiv3::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                openapiv3::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                openapiv3::QueryStyle::DeepObject => ParamStyle::DeepObject,
            },
            Parameter::Header { .. } => ParamStyle::Simple,
            Parameter::Cookie { .. } => ParamStyle::Form,
        };
        let hint = format!("{stem}{}", naming::pascal(&data.name, "Param"));
        let mut notes = Vec::new();
        let (ty, json_content) = match &data.format {
            ParameterSchemaOrContent::Schema(s) => {
                (schemas.type_of(s, &ptr.join("schema"), &hint), false)
            }
            ParameterSchemaOrContent::Content(content) => {
                let json = content.iter().find(|(media, _)| is_json(media));
                match (json, content.len()) {
                    (Some((media, mt)), 1) => {
                        let at = ptr.join("content").join(media).join("schema");
                        let ty = match &mt.schema {
                            Some(schema) => schemas.type_of(schema, &at, &hint),
                            None => TypeRef::Json,
                        };
                        (ty, true)
                    }
                    _ => {
                        diags.push(
                            ptr.join("content"),
                            format!(
                                "parameter `{}` uses `content` with a media type other than JSON (or several); only `application/json` is supported",
                                data.name
                            ),
                        );
                        continue;
                    }
                }
            }
        };
        // An integer enum is a typed enum (its values are its variants); other non-string enums
        // keep their values' type, and the doc says which values the spec allows.
        let typed_enum = matches!(&ty, TypeRef::Named(n)
            if matches!(schemas.types.get(n).map(|t| &t.kind), Some(TypeKind::Enum(_))));
        if let ParameterSchemaOrContent::Schema(schema) = &data.format
            && !typed_enum
            && let Some(values) = schemas.resolve(schema).and_then(non_string_enum)
        {
            notes.push(format!(
                "The spec allows only {values}; the generated server does not check it."
            ));
        }
        let explode = data.explode.unwrap_or(style == ParamStyle::Form);
        let Some((ty, shape, properties)) =
            param_shape(ty, location, json_content, &schemas.types, &mut notes)
        else {
            diags.push(
                ptr.join("schema"),
                format!(
                    "path parameter `{}` has a type that cannot be written in a path segment (objects, maps and nested arrays are not supported there)",
                    data.name
                ),
            );
            continue;
        };
        if shape == ParamShape::Object
            && style == ParamStyle::Form
            && explode
            && properties.is_empty()
        {
            diags.push(
                ptr.join("explode"),
                format!(
                    "parameter `{}` is a map written with `style: form, explode: true`, so its keys cannot be told from other query parameters; use `style: deepObject` or `explode: false`",
                    data.name
                ),
            );
            continue;
        }
        if matches!(
            style,
            ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited
        ) && shape == ParamShape::Object
        {
            diags.push(
                ptr.join("style"),
                format!(
                    "parameter `{}` is an object with a delimited style, which OpenAPI defines for arrays only",
                    data.name
                ),
            );
            continue;
        }
        if style == ParamStyle::DeepObject && shape != ParamShape::Object {
            notes.push("`style: deepObject` is defined for objects only; this value is written in `form` style.".to_owned());
        }
        let rust_name = naming::snake(&data.name, "param");
        let mut description = data.description.clone();
        if !notes.is_empty() {
            let text = description.get_or_insert_with(String::new);
            for note in notes {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&note);
            }
        }
        // A keyword the checks cannot read (a pattern in a syntax the regex crate lacks) is left
        // unchecked and listed in the docs, not a reason to refuse the document.
        let checks = match &data.format {
            ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => {
                super::checks::of(schema, &ptr.join("schema"), &mut Diagnostics::default())
            }
            _ => crate::model::Checks::default(),
        };
        let error_code = match data.extensions.get("x-error-code") {
            None => None,
            Some(serde_json::Value::String(code)) => Some(code.clone()),
            Some(_) => {
                diags.push(ptr.join("x-error-code"), "`x-error-code` must be a string");
                None
            }
        };
        let p = Param {
            checks,
            error_code,
            rust_name: if location == ParamLocation::Path {
                path_names.claim(rust_name)
            } else {
                names.claim(rust_name)
            },
            name: data.name.clone(),
            location,
            ty,
            required: data.required || location == ParamLocation::Path,
            explode,
            doc: Docs {
                summary: None,
                description,
                deprecated: data.deprecated.unwrap_or(false),
            },
            style: if style == ParamStyle::DeepObject && shape != ParamShape::Object {
                ParamStyle::Form
            } else {
                style
            },
            shape,
            properties,
        };
        if location == ParamLocation::Path {
            path_params.push(p);
        } else {
            params.push(p);
        }
    }

    // Every `{name}` in the template needs a path parameter and the other way round; order the
    // parameters as the template does so method arguments read left to right.
    let template: Vec<&str> = template_names(ctx.path);
    for name in &template {
        if !declared_path.iter().any(|p| p == name) {
            diags.push(ctx.pointer, format!("the path has `{{{name}}}` but the operation declares no path parameter `{name}`"));
        }
    }
    for p in &path_params {
        if !template.contains(&p.name.as_str()) {
            diags.push(
                ctx.pointer,
                format!(
                    "path parameter `{}` does not appear in the path `{}`",
                    p.name, ctx.path
                ),
            );
        }
    }
    path_params.sort_by_key(|p| template.iter().position(|n| *n == p.name));
    (path_params, params, accept)
}

fn accept_value(
    ctx: &Context<'_>,
    data: &openapiv3::ParameterData,
    schemas: &SchemaLowerer<'_>,
) -> Option<String> {
    let _ = ctx;
    if let Some(s) = data.example.as_ref().and_then(|v| v.as_str()) {
        return Some(s.to_owned());
    }
    if let ParameterSchemaOrContent::Schema(schema) = &data.format {
        let schema = schemas.resolve(schema)?;
        if let Some(s) = schema.schema_data.default.as_ref().and_then(|v| v.as_str()) {
            return Some(s.to_owned());
        }
        if let Some(s) = schema.schema_data.example.as_ref().and_then(|v| v.as_str()) {
            return Some(s.to_owned());
        }
    }
    None
}

/// The values of an `enum` of numbers or booleans, for a parameter's doc comment (string enums
/// are types of their own, which parse only their values).
fn non_string_enum(schema: &openapiv3::Schema) -> Option<String> {
    use openapiv3::{SchemaKind, Type};
    fn quoted<T: std::fmt::Display>(values: &[Option<T>]) -> Vec<String> {
        values.iter().flatten().map(|v| format!("`{v}`")).collect()
    }
    let values = match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(t)) => quoted(&t.enumeration),
        SchemaKind::Type(Type::Number(t)) => quoted(&t.enumeration),
        SchemaKind::Type(Type::Boolean(t)) => quoted(&t.enumeration),
        _ => Vec::new(),
    };
    (!values.is_empty()).then(|| values.join(", "))
}

/// A cookie name: one or more token characters (RFC 6265).
fn is_cookie_name(name: &str) -> bool {
    is_header_name(name)
}

/// What kind of value a parameter carries, with the type the generated code uses and, for an
/// object written with `form` and `explode`, its properties; `None` for a path parameter that
/// is not one text. Notes for the parameter's doc comment go to `notes`.
fn param_shape(
    ty: TypeRef,
    location: ParamLocation,
    json_content: bool,
    types: &std::collections::BTreeMap<String, crate::model::TypeDef>,
    notes: &mut Vec<String>,
) -> Option<(TypeRef, ParamShape, Vec<String>)> {
    if json_content {
        if location == ParamLocation::Path {
            return None;
        }
        notes.push("Sent as JSON text (`content: application/json`).".to_owned());
        return Some((ty, ParamShape::Json, Vec::new()));
    }
    let union = |ty: &TypeRef| match ty {
        TypeRef::Named(n) => matches!(types.get(n).map(|t| &t.kind), Some(TypeKind::Union(_))),
        _ => false,
    };
    let union_note = "Written as text: the spec allows several kinds of value here (`oneOf`/`anyOf`), and the text is sent and received as it is.";
    if union(&ty) {
        notes.push(union_note.to_owned());
        return Some((TypeRef::String, ParamShape::Text, Vec::new()));
    }
    if ty.is_scalar(types) {
        return Some((ty, ParamShape::Text, Vec::new()));
    }
    if location == ParamLocation::Path {
        // `simple` style: the items joined with commas.
        return match &ty {
            TypeRef::Vec(inner) if inner.is_scalar(types) => {
                Some((ty, ParamShape::List, Vec::new()))
            }
            _ => None,
        };
    }
    // The fields of an object whose values are all text, or `None`.
    let flat_object = |ty: &TypeRef| -> Option<Vec<String>> {
        match ty {
            TypeRef::Map(inner) if inner.is_scalar(types) => Some(Vec::new()),
            TypeRef::Named(n) => match types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Struct(s))
                    if s.extra.is_none()
                        && !s.fields.is_empty()
                        && s.fields.iter().all(|f| f.ty.is_scalar(types)) =>
                {
                    Some(s.fields.iter().map(|f| f.json_name.clone()).collect())
                }
                Some(TypeKind::Alias(inner)) => match inner {
                    TypeRef::Map(v) if v.is_scalar(types) => Some(Vec::new()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    };
    match &ty {
        TypeRef::Vec(inner) if inner.is_scalar(types) => {
            return Some((ty, ParamShape::List, Vec::new()));
        }
        TypeRef::Vec(inner) if union(inner) => {
            notes.push(union_note.to_owned());
            return Some((
                TypeRef::Vec(Box::new(TypeRef::String)),
                ParamShape::List,
                Vec::new(),
            ));
        }
        _ => {}
    }
    if let Some(properties) = flat_object(&ty) {
        return Some((ty, ParamShape::Object, properties));
    }
    notes.push("Sent as JSON text: no OpenAPI style defines how to write this value (nested arrays or objects, or a free-form value) in a URL, header or cookie.".to_owned());
    Some((ty, ParamShape::Json, Vec::new()))
}

/// An HTTP header name: one or more token characters (RFC 9110).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The parameter names of a path template, without the `+` of reserved expansion; what follows a
/// `#` is a fragment and names none.
pub fn template_names(path: &str) -> Vec<&str> {
    super::routes::wire_path(path)
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .map(|name| name.strip_prefix('+').unwrap_or(name))
        .collect()
}

fn location_name(p: &Parameter) -> &'static str {
    match p {
        Parameter::Path { .. } => "path",
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    }
}

/// Follows a `$ref` into `#/components/{section}`.
fn resolve<'d, T: Componentable>(
    ctx: &Context<'d>,
    item: &'d ReferenceOr<T>,
    section: &str,
    at: &Pointer,
    diags: &mut Diagnostics,
) -> Option<&'d T> {
    let mut current = item;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(t) => return Some(t),
            ReferenceOr::Reference { reference } => {
                let prefix = format!("#/components/{section}/");
                let Some(name) = reference.strip_prefix(&prefix).map(unescape) else {
                    diags.push(at, format!("`$ref: {reference}` is not supported here: expected #/components/{section}/..."));
                    return None;
                };
                let Some(next) = ctx
                    .doc
                    .components
                    .as_ref()
                    .and_then(|c| T::section(c).get(&name))
                else {
                    diags.push(at, format!("`$ref: {reference}` points to nothing"));
                    return None;
                };
                current = next;
            }
        }
    }
    diags.push(at, "a `$ref` cycle");
    None
}

trait Componentable: Sized {
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>>;
}
impl Componentable for Parameter {
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.parameters
    }
}
impl Componentable for OaBody {
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.request_bodies
    }
}
impl Componentable for OaResponse {
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.responses
    }
}
impl Componentable for Header {
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.headers
    }
}
impl Componentable for SecurityScheme {
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.security_schemes
    }
}

fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// Picks the media type the generated code speaks: JSON when offered, else form, text or bytes.
fn pick_media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    at: &Pointer,
    diags: &mut Diagnostics,
    allow_multipart: bool,
) -> Option<(BodyMedia, &'m MediaType, Pointer)> {
    let ptr = |m: &str| at.join("content").join(m);
    if let Some((m, t)) = content.iter().find(|(m, _)| is_json(m)) {
        let send = if m == "*/*" {
            "application/json".to_owned()
        } else {
            m.clone()
        };
        return Some((BodyMedia::Json(send), t, ptr(m)));
    }
    if let Some((m, t)) = content
        .iter()
        .find(|(m, _)| m.starts_with("application/x-www-form-urlencoded"))
    {
        return Some((BodyMedia::Form, t, ptr(m)));
    }
    if let Some((m, t)) = content.iter().find(|(m, _)| m.starts_with("text/")) {
        return Some((BodyMedia::Text(m.clone()), t, ptr(m)));
    }
    let (m, t) = content
        .iter()
        .find(|(m, _)| allow_multipart || !m.starts_with("multipart/"))?;
    if m.starts_with("multipart/") {
        diags.push(ptr(m), "multipart bodies are not supported");
        return None;
    }
    Some((BodyMedia::Binary(m.clone()), t, ptr(m)))
}

/// The media types of a response the generated code reads and writes, in the spec's order: JSON
/// first when offered (every JSON type is one entry), then the others; multipart types, which
/// no answer is read as, are left out.
fn response_media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    at: &Pointer,
) -> Vec<(BodyMedia, &'m MediaType, Pointer)> {
    let mut out: Vec<(BodyMedia, &MediaType, Pointer)> = Vec::new();
    for (m, mt) in content {
        let Some(media) = classify(m) else {
            continue;
        };
        if media == BodyMedia::Multipart {
            continue;
        }
        let json = matches!(media, BodyMedia::Json(_));
        let seen = out
            .iter()
            .any(|(k, _, _)| *k == media || (json && matches!(k, BodyMedia::Json(_))));
        if !seen {
            out.push((media, mt, at.join("content").join(m)));
        }
    }
    // JSON first, as `pick_media` chose before: the answer most clients expect.
    out.sort_by_key(|(m, _, _)| !matches!(m, BodyMedia::Json(_)));
    out
}

fn request_body(
    ctx: &Context<'_>,
    body: &ReferenceOr<OaBody>,
    schemas: &mut SchemaLowerer<'_>,
    stem: &str,
    diags: &mut Diagnostics,
) -> Option<RequestBody> {
    let at = ctx.pointer.join("requestBody");
    let body = resolve(ctx, body, "requestBodies", &at, diags)?;
    if body.content.is_empty() {
        diags.push(&at, "the request body has no `content`");
        return None;
    }
    // The media types the generated code speaks, in the spec's order. A second JSON type adds
    // nothing: the server's JSON entry reads every JSON type.
    let mut kinds: Vec<(BodyMedia, &MediaType, Pointer)> = Vec::new();
    let mut unsupported = Vec::new();
    for (m, mt) in &body.content {
        let Some(media) = classify(m) else {
            unsupported.push(format!(
                "`{m}` is not sent or read: of the multipart types only `multipart/form-data` is supported"
            ));
            continue;
        };
        let json = matches!(media, BodyMedia::Json(_));
        let seen = kinds.iter().any(|(k, _, _)| {
            *k == media
                || (json && matches!(k, BodyMedia::Json(_)))
                || (media == BodyMedia::Form && *k == BodyMedia::Form)
        });
        if seen {
            continue;
        }
        kinds.push((media, mt, at.join("content").join(m)));
    }
    if kinds.is_empty() {
        diags.push(
            at.join("content"),
            format!(
                "no media type of this request body can be sent: {}",
                unsupported.join("; ")
            ),
        );
        return None;
    }
    let several = kinds.len() > 1;
    let mut lowered: Vec<Lowered> = Vec::new();
    for (media, mt, ptr) in kinds {
        match lower_media(schemas, stem, media.clone(), mt, &ptr, diags) {
            Ok(l) => lowered.push(l),
            // With other media types to fall back on, one the generated code cannot express is
            // left out and named in the docs rather than stopping the whole operation.
            Err(why) if several => unsupported.push(format!(
                "`{}` is not sent or read: {why}",
                media.content_type()
            )),
            Err(why) => {
                diags.push(ptr.join("schema"), why);
                return None;
            }
        }
    }
    let primary = lowered
        .iter()
        .position(|l| matches!(l.media, BodyMedia::Json(_)))
        .unwrap_or(0);
    let alternatives = if lowered.len() > 1 {
        let mut variants = Namespace::default();
        lowered
            .iter()
            .map(|l| BodyAlternative {
                variant: variants.claim(alternative_name(&l.media)),
                media: l.media.clone(),
                ty: l.ty.clone(),
                form: l.form.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let Lowered {
        media,
        ty,
        form,
        checks,
        ..
    } = lowered.swap_remove(primary);
    let field_codes = match &ty {
        TypeRef::Named(n) => match schemas.types.get(n).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => s
                .fields
                .iter()
                .filter_map(|f| f.error_code.clone().map(|c| (f.json_name.clone(), c)))
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    Some(RequestBody {
        media,
        ty,
        required: body.required,
        doc: Docs {
            summary: None,
            description: body.description.clone(),
            deprecated: false,
        },
        field_codes,
        checks,
        form,
        alternatives,
        unsupported,
    })
}

/// One media type of a request body, lowered.
struct Lowered {
    media: BodyMedia,
    ty: TypeRef,
    form: Option<FormDef>,
    checks: crate::model::Checks,
}

/// What the generated code does with a request body's media type; `None` for multipart types
/// other than `form-data`.
fn classify(media: &str) -> Option<BodyMedia> {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(if is_json(media) {
        BodyMedia::Json(if media == "*/*" {
            "application/json".to_owned()
        } else {
            media.to_owned()
        })
    } else if essence == "application/x-www-form-urlencoded" {
        BodyMedia::Form
    } else if essence == "multipart/form-data" {
        BodyMedia::Multipart
    } else if essence.starts_with("multipart/") {
        return None;
    } else if essence.starts_with("text/") {
        BodyMedia::Text(media.to_owned())
    } else {
        BodyMedia::Binary(media.to_owned())
    })
}

/// The `{stem}Payload` variant for a media type.
fn alternative_name(media: &BodyMedia) -> String {
    match media {
        BodyMedia::Json(_) => "Json".to_owned(),
        BodyMedia::Form => "Form".to_owned(),
        BodyMedia::Multipart => "Multipart".to_owned(),
        BodyMedia::Text(m) if m.eq_ignore_ascii_case("text/plain") => "Text".to_owned(),
        BodyMedia::Text(m) | BodyMedia::Binary(m) => {
            let sub = m.split(';').next().unwrap_or(m);
            let sub = sub.rsplit('/').next().unwrap_or(sub).replace('*', " any ");
            naming::pascal(&sub, "Bytes")
        }
    }
}

fn lower_media(
    schemas: &mut SchemaLowerer<'_>,
    stem: &str,
    media: BodyMedia,
    mt: &MediaType,
    ptr: &Pointer,
    diags: &mut Diagnostics,
) -> Result<Lowered, String> {
    let hint = format!("{stem}Body");
    let mut form = None;
    let ty = match (&media, &mt.schema) {
        (BodyMedia::Text(_), _) => TypeRef::String,
        (BodyMedia::Binary(_), _) => TypeRef::Bytes,
        (BodyMedia::Multipart, _) => {
            form = Some(form_def(schemas, stem, mt, ptr));
            TypeRef::Json
        }
        (_, Some(schema)) => schemas.type_of(schema, &ptr.join("schema"), &hint),
        (_, None) => TypeRef::Json,
    };
    if media == BodyMedia::Form {
        let is_struct = matches!(&ty, TypeRef::Named(n) if matches!(schemas.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct(_))));
        if !is_struct {
            return Err("a form body must be an object schema with properties".to_owned());
        }
    }
    let checks = match (&media, &mt.schema) {
        (BodyMedia::Json(_), Some(ReferenceOr::Item(schema))) => {
            super::checks::of(schema, &ptr.join("schema"), diags)
        }
        _ => crate::model::Checks::default(),
    };
    Ok(Lowered {
        media,
        ty,
        form,
        checks,
    })
}

type Properties = indexmap::IndexMap<String, ReferenceOr<Box<openapiv3::Schema>>>;

/// The properties and required names of an object schema; `None` for anything else.
fn object_properties(schema: &openapiv3::Schema) -> Option<(&Properties, &Vec<String>)> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => {
            Some((&o.properties, &o.required))
        }
        SchemaKind::Any(a) if !a.properties.is_empty() && a.all_of.is_empty() => {
            Some((&a.properties, &a.required))
        }
        _ => None,
    }
}

fn is_binary_string(schema: Option<&openapiv3::Schema>) -> bool {
    matches!(
        schema.map(|s| &s.schema_kind),
        Some(SchemaKind::Type(Type::String(s)))
            if s.format == VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
    )
}

/// A `oneOf`/`anyOf` of a file and an array of files (openai.yaml's `image`): one file part per
/// file, however many the caller sends.
fn file_union(schemas: &SchemaLowerer<'_>, schema: &openapiv3::Schema) -> bool {
    let members = match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => one_of,
        SchemaKind::AnyOf { any_of } => any_of,
        _ => return false,
    };
    let file_or_files = |member: &ReferenceOr<openapiv3::Schema>| {
        let Some(member) = schemas.resolve(member) else {
            return false;
        };
        match &member.schema_kind {
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().is_some_and(|i| {
                let item = match i {
                    ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                        reference: reference.clone(),
                    },
                    ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
                };
                is_binary_string(schemas.resolve(&item))
            }),
            _ => is_binary_string(Some(member)),
        }
    };
    !members.is_empty() && members.iter().all(file_or_files)
}

/// The form type of a `multipart/form-data` body: a part per property of its object schema,
/// or the runtime's untyped form when the schema names no parts.
fn form_def(schemas: &mut SchemaLowerer<'_>, stem: &str, mt: &MediaType, ptr: &Pointer) -> FormDef {
    let name = format!("{stem}Form");
    // Property types are lowered where the schema is, so a component's inline property types
    // are the ones its component lowering already defined.
    let schema_ptr = match &mt.schema {
        Some(ReferenceOr::Reference { reference }) if reference.starts_with("#/") => {
            Pointer::from_ref(reference)
        }
        _ => ptr.join("schema"),
    };
    let schema = mt.schema.as_ref().and_then(|s| schemas.resolve(s));
    let doc = schema.map(super::schema::docs_of).unwrap_or_default();
    let Some((properties, required)) = schema.and_then(object_properties) else {
        return FormDef {
            name,
            pointer: schema_ptr.as_str().to_owned(),
            doc,
            parts: Vec::new(),
            raw: true,
        };
    };
    let mut names = Namespace::default();
    let mut parts = Vec::new();
    for (part, property) in properties {
        let property_ptr = schema_ptr.join("properties").join(part);
        let property = match property {
            ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                reference: reference.clone(),
            },
            ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
        };
        let resolved = schemas.resolve(&property).cloned();
        let items = match resolved.as_ref().map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Array(a))) => a.items.as_ref().map(|i| match i {
                ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                    reference: reference.clone(),
                },
                ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
            }),
            _ => None,
        };
        let hint = format!("{stem}{}", naming::pascal(part, "Part"));
        let kind = if is_binary_string(resolved.as_ref()) {
            PartKind::File
        } else if items
            .as_ref()
            .is_some_and(|i| is_binary_string(schemas.resolve(i)))
            || resolved.as_ref().is_some_and(|r| file_union(schemas, r))
        {
            PartKind::FileList
        } else {
            let ty = schemas.type_of(&property, &property_ptr, &hint);
            match &ty {
                TypeRef::Vec(inner) if inner.is_scalar(&schemas.types) => {
                    PartKind::TextList((**inner).clone())
                }
                ty if ty.is_scalar(&schemas.types) => PartKind::Text(ty.clone()),
                ty => PartKind::Json(ty.clone()),
            }
        };
        let encoding = mt.encoding.get(part);
        parts.push(FormPart {
            name: part.clone(),
            rust_name: names.claim(naming::snake(part, "part")),
            kind,
            required: required.contains(part),
            doc: resolved
                .as_ref()
                .map(super::schema::docs_of)
                .unwrap_or_default(),
            // `encoding` names the part's media type; else a 3.1 `contentMediaType` does.
            content_type: encoding.and_then(|e| e.content_type.clone()).or_else(|| {
                resolved
                    .as_ref()
                    .and_then(|s| s.schema_data.extensions.get("x-content-media-type"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            }),
            headers: encoding
                .map(|e| e.headers.keys().cloned().collect())
                .unwrap_or_default(),
        });
    }
    FormDef {
        name,
        pointer: schema_ptr.as_str().to_owned(),
        doc,
        parts,
        raw: false,
    }
}

fn responses(
    ctx: &Context<'_>,
    schemas: &mut SchemaLowerer<'_>,
    stem: &str,
    diags: &mut Diagnostics,
) -> Vec<Response> {
    let at = ctx.pointer.join("responses");
    let mut out = Vec::new();
    let declared = ctx
        .op
        .responses
        .responses
        .iter()
        .map(|(code, r)| (code.to_string(), Some(code), r))
        .chain(
            ctx.op
                .responses
                .default
                .iter()
                .map(|r| ("default".to_owned(), None, r)),
        );
    let mut variants = Namespace::with_reserved(&["Unexpected", "Transport", "Token"]);
    for (key, code, response) in declared {
        let ptr = at.join(&key);
        let status = match code {
            Some(StatusCode::Code(c)) if (100..600).contains(c) => StatusMatch::Code(*c),
            Some(StatusCode::Range(r)) if (1..6).contains(r) => StatusMatch::Range(*r),
            None => StatusMatch::Default,
            Some(other) => {
                diags.push(&ptr, format!("`{other}` is not an HTTP status"));
                continue;
            }
        };
        // A `$ref` to a request body where a response belongs (pagerduty.json has them): the
        // object has the `content` and `description` a response has, so it is read as one, and
        // the variant's docs say so.
        let from_body = request_body_as_response(ctx, response);
        let response = match &from_body {
            Some(r) => r,
            None => match resolve(ctx, response, "responses", &ptr, diags) {
                Some(r) => r,
                None => continue,
            },
        };
        let wanted = match status {
            StatusMatch::Code(c) => naming::status_variant(c),
            StatusMatch::Range(r) => naming::range_variant(r),
            StatusMatch::Default => "Default".to_owned(),
        };
        let variant = variants.claim(wanted);
        let hint = format!("{stem}{variant}Body");
        let mut media_list = response_media(&response.content, &ptr);
        if media_list.is_empty() {
            // Only multipart types: refused by `pick_media` with its message.
            pick_media(&response.content, &ptr, diags, true);
        }
        let mut lowered_media: Vec<(BodyMedia, TypeRef)> = Vec::new();
        let examples = media_list
            .first()
            .map(|(_, mt, media_ptr)| media_examples(ctx, mt, media_ptr))
            .unwrap_or_default();
        for (media, mt, media_ptr) in media_list.drain(..) {
            let ty = match (&media, &mt.schema) {
                (BodyMedia::Text(_) | BodyMedia::Form, _) => TypeRef::String,
                (BodyMedia::Binary(_) | BodyMedia::Multipart, _) => TypeRef::Bytes,
                (_, Some(schema)) => schemas.type_of(schema, &media_ptr.join("schema"), &hint),
                (_, None) => TypeRef::Json,
            };
            // A form-encoded response is read as JSON-less text.
            let media = if media == BodyMedia::Form {
                BodyMedia::Text("application/x-www-form-urlencoded".into())
            } else {
                media
            };
            lowered_media.push((media, ty));
        }
        let body = lowered_media.first().cloned();
        let (content_enum, alternatives) = if lowered_media.len() > 1 {
            let mut names = Namespace::default();
            let alternatives = lowered_media
                .into_iter()
                .map(|(media, ty)| ResponseAlternative {
                    variant: names.claim(alternative_name(&media)),
                    media,
                    ty,
                })
                .collect();
            (Some(format!("{stem}{variant}Content")), alternatives)
        } else {
            (None, Vec::new())
        };
        let mut headers = Vec::new();
        let mut header_names = Namespace::with_reserved(&["body", "status", "headers"]);
        for (name, header) in &response.headers {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let hptr = ptr.join("headers").join(name);
            if !is_header_name(name) {
                // The server writes response headers by name and would panic on this one.
                diags.push(&hptr, format!("`{name}` is not a valid HTTP header name"));
                continue;
            }
            let Some(header) = resolve(ctx, header, "headers", &hptr, diags) else {
                continue;
            };
            let ty = match &header.format {
                ParameterSchemaOrContent::Schema(s) => schemas.type_of(
                    s,
                    &hptr.join("schema"),
                    &format!("{stem}{}", naming::pascal(name, "Header")),
                ),
                ParameterSchemaOrContent::Content(_) => {
                    diags.push(
                        hptr.join("content"),
                        "a response header with `content` is not supported",
                    );
                    continue;
                }
            };
            // An array is written as its items joined by commas (`simple` style).
            let scalar_items = match &ty {
                TypeRef::Vec(inner) => inner.is_scalar(&schemas.types),
                ty => ty.is_scalar(&schemas.types),
            };
            if !scalar_items {
                diags.push(
                    hptr.join("schema"),
                    "a response header must have a scalar type or be an array of scalars (objects and nested arrays are not supported)",
                );
                continue;
            }
            headers.push(ResponseHeader {
                rust_name: header_names.claim(naming::snake(name, "header")),
                name: name.to_ascii_lowercase(),
                ty,
                required: header.required,
                doc: Docs {
                    summary: None,
                    description: header.description.clone(),
                    deprecated: header.deprecated.unwrap_or(false),
                },
                example: header.example.clone(),
            });
        }
        let error_code = match response.extensions.get("x-error-code") {
            None => None,
            Some(v) => match v.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    diags.push(ptr.join("x-error-code"), "`x-error-code` must be a string");
                    None
                }
            },
        };
        let mut error_messages = Vec::new();
        if let Some(value) = response.extensions.get("x-error-messages") {
            let at = ptr.join("x-error-messages");
            match value.as_object() {
                Some(map) => {
                    for (code, message) in map {
                        match message.as_str() {
                            Some(m) => {
                                if let Some(model) = ctx.error_model {
                                    check_code(model, schemas, code, &at.join(code), diags);
                                }
                                error_messages.push((code.clone(), m.to_owned()));
                            }
                            None => diags.push(at.join(code), "a message must be a string"),
                        }
                    }
                }
                None => diags.push(
                    at,
                    "`x-error-messages` must be a map from error code to message",
                ),
            }
        }
        out.push(Response {
            status,
            variant,
            doc: Docs {
                summary: None,
                description: Some(response.description.clone()).filter(|d| !d.trim().is_empty()),
                deprecated: false,
            },
            body,
            headers,
            error_code,
            error_messages,
            content_enum,
            alternatives,
            examples,
        });
    }
    if out.is_empty() {
        diags.push(&at, "the operation declares no responses");
    }
    out
}

/// A media type's `example` and `examples` (a `$ref` to `#/components/examples` followed; an
/// external `externalValue` has no value here and is left out).
fn media_examples(ctx: &Context<'_>, mt: &MediaType, at: &Pointer) -> Vec<crate::model::Example> {
    let mut out = Vec::new();
    if let Some(value) = &mt.example {
        out.push(crate::model::Example {
            name: None,
            value: value.clone(),
            pointer: at.join("example").to_string(),
        });
    }
    for (name, example) in &mt.examples {
        let mut current = example;
        let mut found = None;
        for _ in 0..16 {
            match current {
                ReferenceOr::Item(e) => {
                    found = Some(e);
                    break;
                }
                ReferenceOr::Reference { reference } => {
                    let Some(next) = reference
                        .strip_prefix("#/components/examples/")
                        .map(unescape)
                        .and_then(|n| ctx.doc.components.as_ref()?.examples.get(&n))
                    else {
                        break;
                    };
                    current = next;
                }
            }
        }
        if let Some(value) = found.and_then(|e| e.value.clone()) {
            out.push(crate::model::Example {
                name: Some(name.clone()),
                value,
                pointer: at.join("examples").join(name).join("value").to_string(),
            });
        }
    }
    out
}

/// The response a `$ref: '#/components/requestBodies/X'` in `responses` stands for: X's content,
/// with a description that names the reference.
fn request_body_as_response(
    ctx: &Context<'_>,
    response: &ReferenceOr<OaResponse>,
) -> Option<OaResponse> {
    let ReferenceOr::Reference { reference } = response else {
        return None;
    };
    let name = unescape(reference.strip_prefix("#/components/requestBodies/")?);
    let body = ctx.doc.components.as_ref()?.request_bodies.get(&name)?;
    let ReferenceOr::Item(body) = body else {
        return None;
    };
    let note = format!(
        "(The spec's `$ref` here names the request body `{reference}`; its content is read as this response's.)"
    );
    let description = match body.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
        _ => note,
    };
    Some(OaResponse {
        description,
        content: body.content.clone(),
        extensions: body.extensions.clone(),
        ..OaResponse::default()
    })
}

fn security(ctx: &Context<'_>, diags: &mut Diagnostics) -> Security {
    let requirements = ctx.op.security.as_ref().or(ctx.doc.security.as_ref());
    let Some(requirements) = requirements.filter(|r| !r.is_empty()) else {
        return Security::default();
    };
    let at = if ctx.op.security.is_some() {
        ctx.pointer.join("security")
    } else {
        Pointer::root().join("security")
    };
    let mut security = Security {
        required: !requirements.iter().any(|r| r.is_empty()),
        any: true,
        ..Security::default()
    };
    let mut all_bearer = true;
    for (i, requirement) in requirements.iter().enumerate() {
        for (name, scopes) in requirement {
            let scheme_ptr = Pointer::root()
                .join("components")
                .join("securitySchemes")
                .join(name);
            let Some(scheme) = ctx
                .doc
                .components
                .as_ref()
                .and_then(|c| c.security_schemes.get(name))
            else {
                diags.push(
                    at.join(i).join(name),
                    format!(
                        "security scheme `{name}` is not defined in #/components/securitySchemes"
                    ),
                );
                continue;
            };
            let Some(scheme) = resolve(ctx, scheme, "securitySchemes", &scheme_ptr, diags) else {
                continue;
            };
            let (bearer, extensions) = match scheme {
                SecurityScheme::OAuth2 { extensions, .. }
                | SecurityScheme::OpenIDConnect { extensions, .. } => (true, extensions),
                SecurityScheme::HTTP {
                    scheme, extensions, ..
                } => (scheme.eq_ignore_ascii_case("bearer"), extensions),
                SecurityScheme::APIKey { extensions, .. } => (false, extensions),
            };
            all_bearer &= bearer;
            if bearer {
                for s in scopes {
                    if !security.scopes.contains(s) {
                        security.scopes.push(s.clone());
                    }
                }
                if let Some(codes) = extensions.get("x-error-codes") {
                    let code =
                        |key: &str| codes.get(key).and_then(|v| v.as_str()).map(str::to_owned);
                    security.missing_code =
                        security.missing_code.take().or_else(|| code("missing"));
                    security.invalid_code =
                        security.invalid_code.take().or_else(|| code("invalid"));
                }
            }
        }
    }
    security.bearer = all_bearer;
    security
}

fn placeholder_rejections() -> Rejections {
    let r = Rejection {
        status: 400,
        code: String::new(),
    };
    Rejections {
        missing_credentials: r.clone(),
        invalid_credentials: r.clone(),
        invalid_path: r.clone(),
        invalid_params: r.clone(),
        invalid_body: r.clone(),
        unsupported_media: r.clone(),
        too_large: r,
        not_acceptable: None,
    }
}

/// Decides the status and code of each refusal. With an `x-error-model`, the operation must
/// declare the status with an `x-error-code` (so every answer the router can give is in the
/// spec); without one, the conventional status and a built-in code are used.
fn rejections(
    ctx: &Context<'_>,
    op: &Operation,
    schemas: &SchemaLowerer<'_>,
    diags: &mut Diagnostics,
) -> Rejections {
    let model = ctx.error_model;
    let mut pick = |needed: bool, candidates: &[u16], fallback: &str, why: &str| -> Rejection {
        let declared = candidates.iter().find_map(|s| {
            op.response(*s)
                .and_then(|r| r.error_code.clone().map(|c| (*s, c)))
        });
        match (declared, model) {
            (Some((status, code)), Some(m)) => {
                let at = ctx
                    .pointer
                    .join("responses")
                    .join(status)
                    .join("x-error-code");
                check_code(m, schemas, &code, &at, diags);
                Rejection { status, code }
            }
            (Some((status, code)), None) => Rejection { status, code },
            (None, Some(_)) if needed => {
                let list: Vec<String> = candidates.iter().map(u16::to_string).collect();
                diags.push(
                    ctx.pointer.join("responses"),
                    format!(
                        "the generated server answers {why} by itself, so the operation must declare {} with an `x-error-code`",
                        list.join(" or ")
                    ),
                );
                Rejection {
                    status: candidates[0],
                    code: fallback.to_owned(),
                }
            }
            (None, _) => {
                let status = candidates
                    .iter()
                    .copied()
                    .find(|s| op.response(*s).is_some())
                    .unwrap_or(candidates[0]);
                Rejection {
                    status,
                    code: fallback.to_owned(),
                }
            }
        }
    };
    let has_body = op.body.is_some();
    let secured = op.security.any && op.security.bearer;
    let unauthorized = pick(
        secured,
        &[401],
        "Unauthorized",
        "a request without valid credentials",
    );
    let invalid_path = pick(
        !op.path_params.is_empty(),
        &[404, 400],
        "InvalidPathParameter",
        "a path parameter it cannot parse",
    );
    let invalid_params = pick(
        !op.params.is_empty(),
        &[400, 422],
        "InvalidParameter",
        "a query or header parameter it cannot parse",
    );
    let invalid_body = pick(
        has_body,
        &[422, 400],
        "InvalidRequestBody",
        "a request body it cannot decode",
    );
    let unsupported_media = pick(
        has_body,
        &[415],
        "UnsupportedMediaType",
        "a request body of another media type",
    );
    let too_large = pick(
        has_body,
        &[413],
        "PayloadTooLarge",
        "a request body over the size limit",
    );

    let not_acceptable = op.response(406).is_some().then(|| {
        pick(
            true,
            &[406],
            "NotAcceptable",
            "an `Accept` header that admits none of its media types",
        )
    });

    let codes_for = |code: Option<&String>, key: &str, diags: &mut Diagnostics| -> String {
        match (code, model) {
            (Some(c), Some(m)) => {
                check_code(
                    m,
                    schemas,
                    c,
                    &Pointer::root().join("components").join("securitySchemes"),
                    diags,
                );
                c.clone()
            }
            (Some(c), None) => c.clone(),
            (None, Some(_)) if secured => {
                diags.push(
                    Pointer::root().join("components").join("securitySchemes"),
                    format!("with `x-error-model`, a bearer security scheme needs `x-error-codes: {{{key}: <code>}}`"),
                );
                unauthorized.code.clone()
            }
            (None, _) => unauthorized.code.clone(),
        }
    };
    Rejections {
        missing_credentials: Rejection {
            status: unauthorized.status,
            code: codes_for(op.security.missing_code.as_ref(), "missing", diags),
        },
        invalid_credentials: Rejection {
            status: unauthorized.status,
            code: codes_for(op.security.invalid_code.as_ref(), "invalid", diags),
        },
        invalid_path,
        invalid_params,
        invalid_body,
        unsupported_media,
        too_large,
        not_acceptable,
    }
}
