//! The generator's own model of an API: what the emitters read. Lowering (see `lower`) resolves
//! `$ref`s, names every type and validates the spec once; emitters never see openapiv3 values.

use std::collections::BTreeMap;

/// A whole API, ready to emit.
#[derive(Debug, Clone)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// Every named type, keyed (and so emitted) by its Rust name.
    pub types: BTreeMap<String, TypeDef>,
    /// Operations in the order of the spec's paths and methods.
    pub operations: Vec<Operation>,
    /// What the generated server writes when it rejects a request by itself.
    pub error_model: Option<ErrorModel>,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    /// Where the schema is, for docs and messages.
    pub pointer: String,
    pub doc: Docs,
    pub kind: TypeKind,
    /// For an alias or newtype (`Secret: {type: string, minLength: 32}`): the schema's keywords
    /// beyond its type, which the generated server checks wherever the type is used.
    pub checks: Checks,
}

/// A schema's `pattern`: as the spec writes it (ECMA-262) and as the `regex` crate reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pattern {
    pub ecma: String,
    pub regex: String,
}

/// What a schema demands of a value beyond its type: the validation keywords the generated
/// server checks in request bodies. Empty for most schemas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// A pattern the generated code can check; it may match anywhere in the string.
    pub pattern: Option<Pattern>,
    pub format: Option<TextFormat>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub multiple_of: Option<f64>,
    /// `enum` on an integer or number: the values allowed (empty: any).
    pub numbers: Vec<f64>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub min_properties: Option<usize>,
    pub max_properties: Option<usize>,
    /// Checks on an array's items or a map's values, when their schema is written inline (a
    /// named item type carries its own).
    pub inner: Option<Box<Checks>>,
    /// Keywords the generated code does not check, each with why (a pattern in a syntax the
    /// regex crate lacks). Written into the generated validator's docs so nobody assumes them.
    pub unchecked: Vec<String>,
    /// `enum` whose values are not all strings nor all integers (`[true]`, `[4.1, 4, "3_lite"]`):
    /// the JSON values allowed, checked by the generated server and listed in the type's docs.
    pub values: Vec<serde_json::Value>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        *self
            == Checks {
                unchecked: self.unchecked.clone(),
                ..Checks::default()
            }
    }
}

/// `minimum` / `maximum`, with `exclusiveMinimum` / `exclusiveMaximum` (3.0's booleans).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

/// String formats with a syntax the generated server checks. `date-time`, `date` and `uuid`
/// are types of their own (see [`TypeRef`]); other formats are annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// An absolute URI (RFC 3986 `scheme:rest`).
    Uri,
    UriReference,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
}

/// Doc text taken from the spec's `title`, `summary` and `description`.
#[derive(Debug, Clone, Default)]
pub struct Docs {
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct(StructDef),
    /// A string (or integer) enum; values a newer server sends land in a catch-all variant.
    Enum(EnumDef),
    /// `oneOf` / `anyOf`.
    Union(UnionDef),
    /// A named schema that is just another type (`type: string`, an array, a map...).
    Alias(TypeRef),
    /// 3.1's `prefixItems` on a closed array (`maxItems` its length): a JSON array of exactly
    /// these items, a tuple struct.
    Tuple(Vec<TupleItem>),
    /// A named schema that contains itself through arrays or maps only
    /// (`Tree: {type: array, items: {$ref: Tree}}`). A type alias cannot be recursive, so this is
    /// a transparent tuple struct around the type.
    Newtype(TypeRef),
}

/// One position of a tuple (`prefixItems`).
#[derive(Debug, Clone)]
pub struct TupleItem {
    pub ty: TypeRef,
    /// The item schema's own keywords when it is written inline.
    pub checks: Checks,
}

#[derive(Debug, Clone)]
pub struct StructDef {
    pub fields: Vec<Field>,
    /// `additionalProperties: false`.
    pub deny_unknown: bool,
    /// `additionalProperties: {schema}` or `true` beside declared properties.
    pub extra: Option<TypeRef>,
    /// `oneOf` / `anyOf` beside the properties, or inside `allOf` members: unions the value is
    /// at the same time, each a `#[serde(flatten)]` field of the struct.
    pub unions: Vec<FlatUnion>,
}

/// A union the whole object also is (`properties` + `oneOf`): a flattened field.
#[derive(Debug, Clone)]
pub struct FlatUnion {
    pub rust_name: String,
    /// The union's named type.
    pub ty: TypeRef,
    /// Boxed because the union contains the struct itself.
    pub boxed: bool,
    pub doc: Docs,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The property name in JSON.
    pub json_name: String,
    pub rust_name: String,
    /// The property's type; `Option` is added by the emitter for optional or nullable fields.
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub read_only: bool,
    pub write_only: bool,
    /// Boxed because the field's type contains the struct itself.
    pub boxed: bool,
    pub doc: Docs,
    /// `x-error-code` on the property: the detail code when this field is rejected.
    pub error_code: Option<String>,
    /// The property schema's own validation keywords (a `$ref`'s are on the named type).
    pub checks: Checks,
    /// `default`: what the server assumes when the property is absent (compared by
    /// `cargo xtask diff`; the generated code leaves absence as `None`).
    pub default: Option<serde_json::Value>,
}

impl Field {
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub variants: Vec<EnumVariant>,
    /// Integer values (`value` holds the decimal text); string values otherwise.
    pub integer: bool,
    /// No `Unknown` variant: the listed values are the only ones. Set for the one-value enum
    /// that is a discriminated union member's own tag (see `close_discriminator_tags`), where
    /// any other value would select another member.
    pub closed: bool,
}

#[derive(Debug, Clone)]
pub struct EnumVariant {
    pub rust_name: String,
    pub value: String,
    /// From `x-enum-messages`: the standard message for this value.
    pub message: Option<String>,
    /// From `x-enum-descriptions`.
    pub doc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnionDef {
    /// `discriminator.propertyName`, when present.
    pub discriminator: Option<String>,
    /// `oneOf`: a value must fit exactly one member. `anyOf`: at least one.
    pub exactly_one: bool,
    pub variants: Vec<UnionVariant>,
    /// What the docs must say of how the union departs from the spec (members of one type
    /// that are one variant).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
    pub boxed: bool,
    /// The member schema's own keywords when it is written inline (a `$ref`'s are on the named
    /// type).
    pub checks: Checks,
    /// Without a discriminator: property names that only this member declares. A value that
    /// holds one of them is read as this member first (inference by field names).
    pub unique_fields: Vec<String>,
}

/// A use of a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    String,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    DateTime,
    Date,
    Uuid,
    /// Any JSON value.
    Json,
    /// Raw bytes (`format: binary` bodies).
    Bytes,
    Named(String),
    Vec(Box<TypeRef>),
    /// A JSON object with string keys.
    Map(Box<TypeRef>),
}

impl TypeRef {
    /// Whether values of this type can be written in a path, query or header as text.
    pub fn is_scalar(&self, types: &BTreeMap<String, TypeDef>) -> bool {
        match self {
            TypeRef::Json | TypeRef::Bytes | TypeRef::Vec(_) | TypeRef::Map(_) => false,
            TypeRef::Named(n) => match types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Enum(_)) => true,
                Some(TypeKind::Alias(inner)) => inner.is_scalar(types),
                _ => false,
            },
            _ => true,
        }
    }

    /// Whether the type implements `Eq`/`Hash`-free `Default` (used for all-optional params).
    pub fn is_float(&self) -> bool {
        matches!(self, TypeRef::F32 | TypeRef::F64)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// snake_case method name.
    pub fn_name: String,
    /// PascalCase stem for the operation's types (`ActivateWebhook` → `ActivateWebhookError`).
    pub type_stem: String,
    pub method: Method,
    /// The path template as written, e.g. `/webhooks/{id}/activate`.
    pub path: String,
    /// The server's route for the path: literal text percent-encoded as the client sends it, and
    /// parameters named as in the first operation of the same shape, so `/a/{id}` and
    /// `/a/{petId}` are one route. [`Operation::route_params`] pairs them with `path_params`.
    pub route: String,
    pub pointer: String,
    pub doc: Docs,
    pub path_params: Vec<Param>,
    /// The path the client sends, segment by segment (what follows a `#` in the template is a
    /// fragment and is not sent). Decided with every operation in view (see `routes`).
    pub segments: Vec<PathSegment>,
    /// How the server reads each of `path_params`, in their order.
    pub path_reads: Vec<PathRead>,
    /// A query written into the path template (`/responses?beta=true`): pairs the client sends
    /// with every call, and the server does not check.
    pub fixed_query: Vec<(String, String)>,
    /// Query and header parameters, gathered into a `{Op}Params` struct when present.
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub responses: Vec<Response>,
    pub security: Security,
    /// The `Accept` value the client sends (the `Accept` header parameter's default or example).
    pub accept: Option<String>,
    /// How the generated server answers requests it refuses before calling the implementation.
    pub rejections: Rejections,
}

/// One `/`-separated segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Literal text, as written (not percent-encoded).
    Text(String),
    /// Parameters, possibly with text beside them (`{name}:cancel`, `{name}.{ext}`, `v{n}`); a
    /// segment that is one parameter is `[Param(i)]`.
    Template(Vec<SegmentPiece>),
    /// `{+name}`, RFC 6570 reserved expansion: the value may hold `/` and reserved characters,
    /// which are sent as they are.
    Reserved(usize),
}

/// A piece of a [`PathSegment::Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentPiece {
    /// Literal text, as written (not percent-encoded).
    Text(String),
    /// The operation's path parameter at this index of `path_params`.
    Param(usize),
}

/// Where the generated server finds a path parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathRead {
    /// The route's capture of this name is the value (the whole segment, or its end after
    /// literal text).
    Capture(String),
    /// The segment at this index (0 is the first after the leading `/`) is split by its
    /// template ([`Operation::segments`]); the value is its `nth` parameter.
    Split { segment: usize, nth: usize },
    /// The path from the segment at this index to its end (reserved expansion).
    Rest { segment: usize },
}

/// Percent-encodes literal path text as the generated client sends it (the URL standard's
/// path-segment set, as `reqwest::Url::path_segments_mut` encodes), so the server's routes and
/// templates match the client's requests.
pub fn encode_path_text(text: &str) -> String {
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

/// A status and error code the generated server answers with by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub code: String,
}

/// The refusals the generated router can produce for one operation.
#[derive(Debug, Clone)]
pub struct Rejections {
    /// No credentials at all (no `Authorization` header).
    pub missing_credentials: Rejection,
    /// Credentials present but malformed or refused by the authenticator.
    pub invalid_credentials: Rejection,
    pub invalid_path: Rejection,
    pub invalid_params: Rejection,
    pub invalid_body: Rejection,
    pub unsupported_media: Rejection,
    pub too_large: Rejection,
    /// An `Accept` header that admits none of the media types the operation answers with.
    /// Only operations that declare 406 negotiate; the others ignore `Accept`.
    pub not_acceptable: Option<Rejection>,
}

impl Operation {
    /// The parameter names of [`Operation::route`], in the order of `path_params`.
    pub fn route_params(&self) -> Vec<&str> {
        self.route
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect()
    }

    pub fn params_type(&self) -> Option<String> {
        (!self.params.is_empty()).then(|| format!("{}Params", self.type_stem))
    }

    pub fn response(&self, status: u16) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| r.status == StatusMatch::Code(status))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

/// How a parameter's value is written as text (OpenAPI's `style`, with `explode` beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// Queries and cookies: arrays repeat the key (`explode`) or join items with commas; objects
    /// give each property its own key (`explode`) or join `key,value` pairs with commas.
    Form,
    /// Paths and headers: arrays and objects joined with commas (`k=v` pairs with `explode`).
    Simple,
    /// Query arrays joined with spaces (repeated keys with `explode`).
    SpaceDelimited,
    /// Query arrays joined with `|` (repeated keys with `explode`).
    PipeDelimited,
    /// Query objects as `name[key]=value` pairs.
    DeepObject,
}

/// What kind of value a parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamShape {
    /// One value written as text (`FromStr` / `ToString`).
    Text,
    /// An array of text values, written as `style` and `explode` say.
    List,
    /// An object of text values (a struct or a map), written as `style` and `explode` say.
    Object,
    /// JSON text: `content: {application/json: ...}`, or a nested value no style defines (an
    /// array of objects, an object holding arrays), or a free-form value.
    Json,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub rust_name: String,
    pub location: ParamLocation,
    pub ty: TypeRef,
    pub required: bool,
    /// For arrays in a query: repeat the key (`explode`, the default) or join with commas.
    pub explode: bool,
    pub doc: Docs,
    /// How the value is written (`style`).
    pub style: ParamStyle,
    /// What kind of value it is.
    pub shape: ParamShape,
    /// For an object in `form` style with `explode`: its properties, each a query key of its own.
    pub properties: Vec<String>,
    /// The validation keywords of the parameter's inline schema: the contract `cargo xtask diff`
    /// compares, and what the generated server checks once the value has parsed (for strings,
    /// numbers and arrays of them).
    pub checks: Checks,
    /// `x-error-code` on the parameter: the detail code when this parameter is refused.
    pub error_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub media: BodyMedia,
    pub ty: TypeRef,
    pub required: bool,
    pub doc: Docs,
    /// The property name → detail code table from `x-error-code` on the body's properties.
    pub field_codes: Vec<(String, String)>,
    /// The body schema's own validation keywords, when it is written inline.
    pub checks: Checks,
    /// For a `multipart/form-data` body: the form type the generated code writes and reads
    /// (`ty` is then [`TypeRef::Json`] and unused).
    pub form: Option<FormDef>,
    /// When the operation takes several media types: one entry per media type, in the spec's
    /// order, and the body is the enum `bodies::{stem}Payload` with one variant per entry.
    /// `media`, `ty` and `form` above are then the entry the server validates (JSON if listed).
    pub alternatives: Vec<BodyAlternative>,
    /// Media types the spec lists that the generated code neither sends nor reads, each with
    /// why; written into the docs.
    pub unsupported: Vec<String>,
}

/// One media type of a request body that takes several.
#[derive(Debug, Clone)]
pub struct BodyAlternative {
    /// The variant of `{stem}Payload` (`Json`, `Form`, `Multipart`, ...).
    pub variant: String,
    pub media: BodyMedia,
    pub ty: TypeRef,
    pub form: Option<FormDef>,
}

/// A `multipart/form-data` body: a struct in the client crate's `bodies` module with one field
/// per part.
#[derive(Debug, Clone)]
pub struct FormDef {
    /// The struct's name (`{stem}Form`).
    pub name: String,
    /// Where the schema is.
    pub pointer: String,
    pub doc: Docs,
    /// The parts, from the schema's properties. Empty with `raw`.
    pub parts: Vec<FormPart>,
    /// The schema names no parts (it is not an object with properties): the body is the
    /// runtime's untyped `Form`, every part as sent.
    pub raw: bool,
}

#[derive(Debug, Clone)]
pub struct FormPart {
    /// The part's name on the wire.
    pub name: String,
    pub rust_name: String,
    pub kind: PartKind,
    pub required: bool,
    pub doc: Docs,
    /// `encoding.{part}.contentType`: the media type the client sends the part with.
    pub content_type: Option<String>,
    /// `encoding.{part}.headers`: part headers the spec declares, which the generated code
    /// neither sends nor reads (said in the field's docs).
    pub headers: Vec<String>,
}

/// What one part holds.
#[derive(Debug, Clone, PartialEq)]
pub enum PartKind {
    /// A scalar written as text.
    Text(TypeRef),
    /// An array of scalars: one text part per item.
    TextList(TypeRef),
    /// `type: string, format: binary`: a file with its name and media type.
    File,
    /// An array of files: one file part per item.
    FileList,
    /// Anything else (objects, arrays of objects, unions): one JSON part.
    Json(TypeRef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyMedia {
    /// `application/json` or any `+json` type; the string is the media type to send.
    Json(String),
    /// `text/*`: a `String`.
    Text(String),
    /// Anything else: raw bytes with this content type.
    Binary(String),
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`: parts as [`RequestBody::form`] describes them.
    Multipart,
}

impl BodyMedia {
    pub fn content_type(&self) -> &str {
        match self {
            BodyMedia::Json(m) | BodyMedia::Text(m) | BodyMedia::Binary(m) => m,
            BodyMedia::Form => "application/x-www-form-urlencoded",
            BodyMedia::Multipart => "multipart/form-data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    Code(u16),
    /// `4XX`: the hundreds digit.
    Range(u16),
    Default,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusMatch,
    /// The variant name, from the status.
    pub variant: String,
    pub doc: Docs,
    pub body: Option<(BodyMedia, TypeRef)>,
    pub headers: Vec<ResponseHeader>,
    /// `x-error-code`: the code the generated server writes when it answers this by itself.
    pub error_code: Option<String>,
    /// `x-error-messages`: this operation's own wording for codes, instead of their standard
    /// message (activate and deactivate share `InvalidChange`, with different sentences).
    pub error_messages: Vec<(String, String)>,
    /// When the status has several media types: the enum `bodies::{name}` the body is, with
    /// one variant per media type (`body` above is then the first of them).
    pub content_enum: Option<String>,
    pub alternatives: Vec<ResponseAlternative>,
    /// The examples of the body's first media type: `example` (named `None`), then `examples`
    /// by name. Checked against `body` when the mock is generated.
    pub examples: Vec<Example>,
}

/// One example value the spec gives, and where.
#[derive(Debug, Clone)]
pub struct Example {
    /// The key in `examples`, or `None` for `example`.
    pub name: Option<String>,
    pub value: serde_json::Value,
    pub pointer: String,
}

/// One media type of a response that has several.
#[derive(Debug, Clone)]
pub struct ResponseAlternative {
    pub variant: String,
    pub media: BodyMedia,
    pub ty: TypeRef,
}

impl Response {
    pub fn is_success(&self) -> bool {
        match self.status {
            StatusMatch::Code(c) => (200..300).contains(&c),
            StatusMatch::Range(c) => c == 2,
            StatusMatch::Default => false,
        }
    }

    /// Whether the variant needs the concrete status (ranges and `default`).
    pub fn carries_status(&self) -> bool {
        !matches!(self.status, StatusMatch::Code(_))
    }
}

#[derive(Debug, Clone)]
pub struct ResponseHeader {
    pub name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub doc: Docs,
    /// The header's `example`, for the mock.
    pub example: Option<serde_json::Value>,
}

/// What an operation demands of its caller.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// Whether a caller must be authenticated (`false`: public, or `{}` allowed).
    pub required: bool,
    /// Whether anything is accepted at all (no security → no authentication).
    pub any: bool,
    /// Scopes the operation names, across its bearer-style requirements.
    pub scopes: Vec<String>,
    /// Whether the schemes are bearer tokens in `Authorization` (oauth2, openIdConnect, http bearer).
    pub bearer: bool,
    /// `x-error-codes` on the scheme: codes for a missing and an invalid credential.
    pub missing_code: Option<String>,
    pub invalid_code: Option<String>,
}

/// The spec's error body as named by `x-error-model`, checked for the shape
/// `{error: {code, message, target?, details?}}`.
#[derive(Debug, Clone)]
pub struct ErrorModel {
    /// The response body type, e.g. `ErrorResponse`.
    pub schema: String,
    /// The error object type, e.g. `Error`.
    pub error_type: String,
    /// The field of `schema` that holds the error object, and whether it is optional.
    pub error_field: (String, bool),
    /// The code enum, e.g. `ErrorCode`.
    pub codes: String,
    /// Field names in the error object and whether each is optional (`None`: not present).
    pub code_field: (String, bool),
    pub message_field: (String, bool),
    pub target_field: Option<(String, bool)>,
    pub details_field: Option<(String, bool)>,
    /// Detail code for a body field that fails to decode, unless the property names its own.
    pub invalid_field: String,
    /// Codes for requests no operation matches: an unknown path (404), a known path with another
    /// method (405). Without them the router answers those with axum's empty responses.
    pub unknown_path: Option<String>,
    pub method_not_allowed: Option<String>,
}
