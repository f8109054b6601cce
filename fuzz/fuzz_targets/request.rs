//! The generated router on arbitrary requests, served by the contract tests' scripted `Api`.
//!
//! A request is built from structured input (method, path segments, a few headers, a body that
//! is sometimes a near-valid `CreateWebhook`, `UpdateWebhook`, `ActivateWebhook` or
//! `PublishEvent`) and sent with `tower::ServiceExt::oneshot`. What the router answers is
//! checked against spec/webhooks.yaml itself, read at start-up with the generator's loader:
//!
//! - nothing panics (the scripted implementation's own deliberate panic, `status-0` on
//!   getWebhook, excepted: the router must turn it into the spec's 500);
//! - a path the spec does not have is a 404 and a method its path lacks is a 405, each with the
//!   `x-error-model` code; otherwise the status is one the operation declares, or one of the
//!   router's refusals that the request could have earned (406 with an `Accept` header, 413
//!   over the body limit, 415 with a body);
//! - a declared response with content has a body of a declared media type that parses as the
//!   declared schema; one without content has an empty body; every error is an `ErrorResponse`
//!   whose `code` is in the spec's code enum and is the one the response declares;
//! - with a `status-N` token, a 2xx, 401, 403 or 429 happens only when N asked for it, a 500
//!   only when N is not a declared status, and a request the spec allows gets exactly N.

#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Once, OnceLock};

use arbitrary::Arbitrary;
use axum::body::Body;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

const SPEC: &str = include_str!("../../spec/webhooks.yaml");
/// Small, so that the fuzzer reaches the 413 easily.
const BODY_LIMIT: usize = 2048;
/// The message of the scripted implementation's deliberate panic.
const SCRIPTED_PANIC: &str = "the scripted implementation panics on request";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

// ---------------------------------------------------------------------------------------------
// What the spec says, read once.

struct Spec {
    paths: Vec<PathItem>,
    unknown_path_code: String,
    method_not_allowed_code: String,
    /// `x-error-codes` of the security schemes: `missing` and `invalid`.
    auth_missing_code: String,
    auth_invalid_code: String,
    /// Every value of the error code enum.
    codes: BTreeSet<String>,
}

struct PathItem {
    template: String,
    /// `None` for a `{parameter}`.
    segments: Vec<Option<String>>,
    operations: BTreeMap<String, Operation>,
}

struct Operation {
    id: String,
    has_body: bool,
    body_required: bool,
    responses: BTreeMap<u16, Declared>,
}

struct Declared {
    error_code: Option<String>,
    /// Media types of the content; empty when the response has no body.
    media: Vec<String>,
    /// The `$ref`ed schema's name, when the content's schema is a reference.
    schema: Option<String>,
    /// Declared headers and their schema `type`.
    headers: Vec<(String, Option<String>)>,
}

fn resolve<'a>(root: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
        else {
            break;
        };
        value = target;
    }
    value
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("spec/webhooks.yaml has no string at {pointer}"))
        .to_owned()
}

fn spec() -> &'static Spec {
    static SPEC_MODEL: OnceLock<Spec> = OnceLock::new();
    SPEC_MODEL.get_or_init(|| {
        let doc = codegen::load::load(SPEC).expect("spec/webhooks.yaml loads");
        let root = &doc.raw;
        let mut paths = Vec::new();
        for (template, item) in root["paths"].as_object().expect("paths") {
            let item = resolve(root, item);
            let segments = template
                .trim_start_matches('/')
                .split('/')
                .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                .collect();
            let mut operations = BTreeMap::new();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let body = op.get("requestBody").map(|b| resolve(root, b));
                let mut responses = BTreeMap::new();
                for (status, response) in op["responses"].as_object().expect("responses") {
                    let Ok(status) = status.parse::<u16>() else {
                        continue;
                    };
                    let response = resolve(root, response);
                    let content = response.get("content").and_then(Value::as_object);
                    let media = content
                        .map(|c| c.keys().cloned().collect())
                        .unwrap_or_default();
                    let schema = content
                        .and_then(|c| c.values().next())
                        .and_then(|m| m.pointer("/schema/$ref"))
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .map(str::to_owned);
                    let headers = response
                        .get("headers")
                        .and_then(Value::as_object)
                        .map(|h| {
                            h.iter()
                                .map(|(name, header)| {
                                    let header = resolve(root, header);
                                    let ty = header
                                        .pointer("/schema/type")
                                        .and_then(Value::as_str)
                                        .map(str::to_owned);
                                    (name.to_ascii_lowercase(), ty)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let error_code = response
                        .get("x-error-code")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    responses.insert(
                        status,
                        Declared {
                            error_code,
                            media,
                            schema,
                            headers,
                        },
                    );
                }
                operations.insert(
                    method.to_owned(),
                    Operation {
                        id: text(op, "/operationId"),
                        has_body: body.is_some(),
                        body_required: body
                            .and_then(|b| b.get("required"))
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        responses,
                    },
                );
            }
            paths.push(PathItem {
                template: template.clone(),
                segments,
                operations,
            });
        }
        let codes_schema = text(root, "/x-error-model/codes");
        let codes = root
            .pointer(&format!("/components/schemas/{codes_schema}/enum"))
            .and_then(Value::as_array)
            .expect("the error code enum")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let scheme = root["components"]["securitySchemes"]
            .as_object()
            .and_then(|s| s.values().find(|s| s.get("x-error-codes").is_some()))
            .expect("a security scheme with x-error-codes");
        Spec {
            paths,
            unknown_path_code: text(root, "/x-error-model/unknownPath"),
            method_not_allowed_code: text(root, "/x-error-model/methodNotAllowed"),
            auth_missing_code: text(scheme, "/x-error-codes/missing"),
            auth_invalid_code: text(scheme, "/x-error-codes/invalid"),
            codes,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The structured input.

/// A short string from the fuzzer (at most 48 characters).
#[derive(Debug)]
struct Junk(String);

impl<'a> Arbitrary<'a> for Junk {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let s: &str = u.arbitrary()?;
        Ok(Junk(s.chars().take(48).collect()))
    }
}

#[derive(Arbitrary, Debug)]
enum FuzzMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Trace,
    Connect,
    /// An extension method; `get` in lower case is one too.
    Extension(ExtensionMethod),
}

#[derive(Arbitrary, Debug)]
enum ExtensionMethod {
    Purge,
    LowerGet,
    LowerPost,
    Propfind,
}

impl FuzzMethod {
    fn method(&self) -> Method {
        let name = match self {
            FuzzMethod::Get => return Method::GET,
            FuzzMethod::Post => return Method::POST,
            FuzzMethod::Put => return Method::PUT,
            FuzzMethod::Patch => return Method::PATCH,
            FuzzMethod::Delete => return Method::DELETE,
            FuzzMethod::Head => return Method::HEAD,
            FuzzMethod::Options => return Method::OPTIONS,
            FuzzMethod::Trace => return Method::TRACE,
            FuzzMethod::Connect => return Method::CONNECT,
            FuzzMethod::Extension(ExtensionMethod::Purge) => "PURGE",
            FuzzMethod::Extension(ExtensionMethod::LowerGet) => "get",
            FuzzMethod::Extension(ExtensionMethod::LowerPost) => "post",
            FuzzMethod::Extension(ExtensionMethod::Propfind) => "PROPFIND",
        };
        Method::from_bytes(name.as_bytes()).unwrap_or(Method::GET)
    }
}

#[derive(Arbitrary, Debug)]
enum Segment {
    Webhooks,
    Events,
    Activate,
    Deactivate,
    Uuid(u128),
    UpperUuid(u128),
    SimpleUuid(u128),
    BracedUuid(u128),
    NilUuid,
    Empty,
    Dot,
    DotDot,
    /// Kept where the URI allows it, percent-encoded elsewhere.
    Junk(Junk),
    /// Every byte percent-encoded.
    Encoded(Junk),
}

fn hyphenated(n: u128) -> String {
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn percent_encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

impl Segment {
    fn render(&self) -> String {
        match self {
            Segment::Webhooks => "webhooks".into(),
            Segment::Events => "events".into(),
            Segment::Activate => "activate".into(),
            Segment::Deactivate => "deactivate".into(),
            Segment::Uuid(n) => hyphenated(*n),
            Segment::UpperUuid(n) => hyphenated(*n).to_ascii_uppercase(),
            Segment::SimpleUuid(n) => format!("{n:032x}"),
            Segment::BracedUuid(n) => format!("%7B{}%7D", hyphenated(*n)),
            Segment::NilUuid => hyphenated(0),
            Segment::Empty => String::new(),
            Segment::Dot => ".".into(),
            Segment::DotDot => "..".into(),
            Segment::Junk(j) => percent_encode(&j.0, unreserved),
            Segment::Encoded(j) => percent_encode(&j.0, |_| false),
        }
    }
}

/// A status for the scripted implementation to answer with.
#[derive(Arbitrary, Debug)]
enum Scripted {
    Pick(u8),
    Any(u16),
}

const STATUS_PICKS: [u16; 16] = [
    200, 201, 202, 204, 401, 403, 404, 413, 415, 422, 429, 500, 0, 418, 503, 406,
];

impl Scripted {
    fn status(&self) -> u16 {
        match self {
            Scripted::Pick(i) => STATUS_PICKS[usize::from(*i) % STATUS_PICKS.len()],
            Scripted::Any(n) => *n,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Auth {
    Absent,
    Bearer(Scripted),
    /// The scheme is case-insensitive.
    LowerBearer(Scripted),
    /// A bearer token that is not `status-N`.
    BearerJunk(Junk),
    BearerEmpty,
    Basic(Junk),
    Raw(Vec<u8>),
}

/// What the authorization header that was actually sent means to the scripted authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Absent,
    Valid(u16),
    Invalid,
    Unknown,
}

#[derive(Arbitrary, Debug)]
enum ContentType {
    Json,
    JsonCharset,
    Vendor,
    Problem,
    Upper,
    Text,
    Form,
    Multipart,
    Raw(Junk),
}

impl ContentType {
    fn value(&self) -> String {
        match self {
            ContentType::Json => "application/json".into(),
            ContentType::JsonCharset => "application/json; charset=utf-8".into(),
            ContentType::Vendor => "application/vnd.bentley.itwin-platform.v1+json".into(),
            ContentType::Problem => "application/problem+json".into(),
            ContentType::Upper => "Application/JSON".into(),
            ContentType::Text => "text/plain".into(),
            ContentType::Form => "application/x-www-form-urlencoded".into(),
            ContentType::Multipart => "multipart/form-data; boundary=x".into(),
            ContentType::Raw(j) => j.0.clone(),
        }
    }

    /// Whether a server that follows the spec must read this as JSON.
    fn is_json(&self) -> bool {
        matches!(
            self,
            ContentType::Json
                | ContentType::JsonCharset
                | ContentType::Vendor
                | ContentType::Problem
                | ContentType::Upper
        )
    }
}

#[derive(Arbitrary, Debug)]
enum Accept {
    Json,
    Vendor,
    Any,
    ApplicationAny,
    Preferring,
    Html,
    Xml,
    JsonQZero,
    Raw(Junk),
}

impl Accept {
    fn value(&self) -> String {
        match self {
            Accept::Json => "application/json".into(),
            Accept::Vendor => "application/vnd.bentley.itwin-platform.v1+json".into(),
            Accept::Any => "*/*".into(),
            Accept::ApplicationAny => "application/*".into(),
            Accept::Preferring => "text/html, application/json;q=0.9".into(),
            Accept::Html => "text/html".into(),
            Accept::Xml => "application/xml".into(),
            Accept::JsonQZero => "application/json;q=0".into(),
            Accept::Raw(j) => j.0.clone(),
        }
    }

    /// Whether the spec's description says this is accepted.
    fn is_acceptable(&self) -> bool {
        matches!(
            self,
            Accept::Json
                | Accept::Vendor
                | Accept::Any
                | Accept::ApplicationAny
                | Accept::Preferring
        )
    }
}

#[derive(Arbitrary, Debug)]
enum ContentLength {
    Exact,
    Zero,
    Plus(u16),
    Huge,
    Junk(Junk),
}

#[derive(Arbitrary, Debug)]
enum ExtraHeader {
    ForwardedFor(Junk),
    Cookie(Junk),
    AcceptEncoding(Junk),
    RequestId(Junk),
    TransferEncoding,
    Expect,
}

impl ExtraHeader {
    fn pair(&self) -> (&'static str, String) {
        match self {
            ExtraHeader::ForwardedFor(j) => ("x-forwarded-for", j.0.clone()),
            ExtraHeader::Cookie(j) => ("cookie", j.0.clone()),
            ExtraHeader::AcceptEncoding(j) => ("accept-encoding", j.0.clone()),
            ExtraHeader::RequestId(j) => ("x-request-id", j.0.clone()),
            ExtraHeader::TransferEncoding => ("transfer-encoding", "chunked".into()),
            ExtraHeader::Expect => ("expect", "100-continue".into()),
        }
    }

    fn is_harmless(&self) -> bool {
        !matches!(self, ExtraHeader::TransferEncoding | ExtraHeader::Expect)
    }
}

/// A field of a JSON body: absent, a value of its schema, or something else.
#[derive(Arbitrary, Debug)]
enum Field<T> {
    Absent,
    Good(T),
    Null,
    Wrong(Scalar),
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Junk),
    EmptyArray,
    EmptyObject,
    Nested(Junk, bool),
}

impl Scalar {
    fn value(&self) -> Value {
        match self {
            Scalar::Bool(b) => json!(b),
            Scalar::Int(i) => json!(i),
            Scalar::Float(f) => json!(f),
            Scalar::Str(j) => json!(j.0),
            Scalar::EmptyArray => json!([]),
            Scalar::EmptyObject => json!({}),
            Scalar::Nested(key, b) => json!({ key.0.clone(): [b, null] }),
        }
    }
}

/// A value of a field's schema, and whether it is surely valid against the schema.
trait Part {
    fn value(&self) -> Value;
    fn valid(&self) -> bool;
}

impl<T: Part> Field<T> {
    fn put(&self, obj: &mut Map<String, Value>, name: &str) {
        let value = match self {
            Field::Absent => return,
            Field::Good(t) => t.value(),
            Field::Null => Value::Null,
            Field::Wrong(s) => s.value(),
        };
        obj.insert(name.to_owned(), value);
    }

    fn valid(&self, required: bool) -> bool {
        match self {
            Field::Absent => !required,
            Field::Good(t) => t.valid(),
            Field::Null | Field::Wrong(_) => false,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Scope {
    Account,
    ITwin,
    LowerItwin,
    Junk(Junk),
}

impl Part for Scope {
    fn value(&self) -> Value {
        match self {
            Scope::Account => json!("Account"),
            Scope::ITwin => json!("iTwin"),
            Scope::LowerItwin => json!("itwin"),
            Scope::Junk(j) => json!(j.0),
        }
    }
    fn valid(&self) -> bool {
        matches!(self, Scope::Account | Scope::ITwin)
    }
}

/// A string with `minLength: 1` (and no pattern).
#[derive(Arbitrary, Debug)]
struct AnyText(Junk);

impl Part for AnyText {
    fn value(&self) -> Value {
        json!(self.0.0)
    }
    fn valid(&self) -> bool {
        !self.0.0.is_empty()
    }
}

#[derive(Arbitrary, Debug)]
enum Url {
    Https(u8, AlnumWord),
    Http(AlnumWord),
    Relative(Junk),
    Empty,
}

/// One to eight ASCII letters and digits, starting with a letter.
#[derive(Arbitrary, Debug)]
struct AlnumWord(u64);

impl AlnumWord {
    fn text(&self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut n = self.0;
        let len = 1 + (n % 8) as usize;
        n /= 8;
        let mut out = String::new();
        for i in 0..len {
            let base = if i == 0 { 52 } else { ALPHABET.len() as u64 };
            out.push(ALPHABET[(n % base) as usize] as char);
            n /= base;
        }
        out
    }
}

impl Part for Url {
    fn value(&self) -> Value {
        match self {
            Url::Https(host, path) => {
                let host =
                    ["hooks.example.com", "127.0.0.1", "a.b.example.org"][usize::from(*host) % 3];
                json!(format!("https://{host}/{}", path.text()))
            }
            Url::Http(path) => json!(format!("http://hooks.example.com/{}", path.text())),
            Url::Relative(j) => json!(j.0),
            Url::Empty => json!(""),
        }
    }
    fn valid(&self) -> bool {
        // `http://` is a valid URI too; the https rule is the service's, not the schema's.
        matches!(self, Url::Https(..) | Url::Http(_))
    }
}

#[derive(Arbitrary, Debug)]
enum EventType {
    Known,
    Made(AlnumWord, AlnumWord, u8),
    Junk(Junk),
}

impl EventType {
    /// Whether it matches PublishEvent's `eventType` pattern.
    fn matches_pattern(&self) -> bool {
        matches!(self, EventType::Known | EventType::Made(..))
    }
}

impl Part for EventType {
    fn value(&self) -> Value {
        match self {
            EventType::Known => json!("iModels.iModelDeleted.v1"),
            EventType::Made(area, name, v) => {
                json!(format!("{}.{}.v{v}", area.text(), name.text()))
            }
            EventType::Junk(j) => json!(j.0),
        }
    }
    fn valid(&self) -> bool {
        self.matches_pattern()
    }
}

/// A list of event types; `minItems: 1`.
#[derive(Arbitrary, Debug)]
struct EventTypes(Vec<EventType>);

impl Part for EventTypes {
    fn value(&self) -> Value {
        Value::Array(self.0.iter().take(4).map(Part::value).collect())
    }
    /// `minItems: 1`, and every item matches the event type pattern.
    fn valid(&self) -> bool {
        !self.0.is_empty() && self.0.iter().take(4).all(EventType::matches_pattern)
    }
}

#[derive(Arbitrary, Debug)]
enum Secret {
    Long(u8),
    Short(Junk),
}

impl Part for Secret {
    fn value(&self) -> Value {
        match self {
            Secret::Long(n) => json!("k".repeat(32 + usize::from(*n % 16))),
            Secret::Short(j) => json!(j.0),
        }
    }
    fn valid(&self) -> bool {
        match self {
            Secret::Long(_) => true,
            Secret::Short(j) => j.0.chars().count() >= 32,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Flag(bool);

impl Part for Flag {
    fn value(&self) -> Value {
        json!(self.0)
    }
    fn valid(&self) -> bool {
        true
    }
}

#[derive(Arbitrary, Debug)]
enum DateTime {
    Rfc3339(u32),
    Offset(u32, i8),
    DateOnly(u16),
    Junk(Junk),
}

impl Part for DateTime {
    fn value(&self) -> Value {
        match self {
            DateTime::Rfc3339(s) => json!(format!("2030-01-01T00:00:{:02}Z", s % 60)),
            DateTime::Offset(s, h) => {
                json!(format!(
                    "2030-06-{:02}T12:30:00+{:02}:00",
                    1 + s % 28,
                    h.unsigned_abs() % 14
                ))
            }
            DateTime::DateOnly(d) => json!(format!("2030-01-{:02}", 1 + d % 28)),
            DateTime::Junk(j) => json!(j.0),
        }
    }
    fn valid(&self) -> bool {
        matches!(self, DateTime::Rfc3339(_) | DateTime::Offset(..))
    }
}

/// A property a request schema does not allow (`additionalProperties: false`), read-only or
/// unknown.
#[derive(Arbitrary, Debug)]
enum Extra {
    Id(u128),
    Created,
    Active(bool),
    Unknown(Junk),
}

impl Extra {
    fn put(&self, obj: &mut Map<String, Value>) {
        let (key, value) = match self {
            Extra::Id(n) => ("id".to_owned(), json!(hyphenated(*n))),
            Extra::Created => ("created".to_owned(), json!("2030-01-01T00:00:00Z")),
            Extra::Active(b) => ("active".to_owned(), json!(b)),
            Extra::Unknown(j) => (j.0.clone(), json!(1)),
        };
        obj.insert(key, value);
    }
}

#[derive(Arbitrary, Debug)]
struct CreateShape {
    scope: Field<Scope>,
    scope_id: Field<AnyText>,
    callback_url: Field<Url>,
    event_types: Field<EventTypes>,
    secret: Field<Secret>,
    extra: Option<Extra>,
}

#[derive(Arbitrary, Debug)]
struct UpdateShape {
    active: Field<Flag>,
    callback_url: Field<Url>,
    event_types: Field<EventTypes>,
    secret: Field<Secret>,
    extra: Option<Extra>,
}

#[derive(Arbitrary, Debug)]
struct ActivateShape {
    expiration: Field<DateTime>,
    extra: Option<Extra>,
}

#[derive(Arbitrary, Debug)]
struct PublishShape {
    event_type: Field<EventType>,
    itwin_id: Field<AnyText>,
    content: Field<Content>,
    extra: Option<Extra>,
}

#[derive(Arbitrary, Debug)]
struct Content(Vec<(Junk, Scalar)>);

impl Part for Content {
    fn value(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .take(4)
                .map(|(k, v)| (k.0.clone(), v.value()))
                .collect(),
        )
    }
    fn valid(&self) -> bool {
        true
    }
}

#[derive(Arbitrary, Debug)]
enum BodyShape {
    Empty,
    Raw(Vec<u8>),
    /// More than the body limit.
    Oversized(u16),
    Create(CreateShape),
    Update(UpdateShape),
    Activate(ActivateShape),
    Publish(PublishShape),
    /// A JSON value that is no object.
    NotObject(Scalar),
}

#[derive(Arbitrary, Debug)]
struct BodyInput {
    shape: BodyShape,
    /// Bytes after the JSON value.
    trailing: Option<Junk>,
}

impl BodyInput {
    fn bytes(&self) -> Vec<u8> {
        // A body object, with the property the schema does not have when there is one.
        let with_extra = |mut obj: Map<String, Value>, extra: &Option<Extra>| {
            if let Some(extra) = extra {
                extra.put(&mut obj);
            }
            Value::Object(obj)
        };
        let mut obj = Map::new();
        let value = match &self.shape {
            BodyShape::Empty => return Vec::new(),
            BodyShape::Raw(bytes) => return bytes.clone(),
            BodyShape::Oversized(n) => {
                let filler = "x".repeat(BODY_LIMIT + 1 + usize::from(*n));
                json!({ "eventType": "iModels.iModelDeleted.v1", "content": { "f": filler } })
            }
            BodyShape::Create(s) => {
                s.scope.put(&mut obj, "scope");
                s.scope_id.put(&mut obj, "scopeId");
                s.callback_url.put(&mut obj, "callbackUrl");
                s.event_types.put(&mut obj, "eventTypes");
                s.secret.put(&mut obj, "secret");
                with_extra(obj, &s.extra)
            }
            BodyShape::Update(s) => {
                s.active.put(&mut obj, "active");
                s.callback_url.put(&mut obj, "callbackUrl");
                s.event_types.put(&mut obj, "eventTypes");
                s.secret.put(&mut obj, "secret");
                with_extra(obj, &s.extra)
            }
            BodyShape::Activate(s) => {
                s.expiration.put(&mut obj, "expirationDateTime");
                with_extra(obj, &s.extra)
            }
            BodyShape::Publish(s) => {
                s.event_type.put(&mut obj, "eventType");
                s.itwin_id.put(&mut obj, "iTwinId");
                s.content.put(&mut obj, "content");
                with_extra(obj, &s.extra)
            }
            BodyShape::NotObject(s) => s.value(),
        };
        let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
        if let Some(trailing) = &self.trailing {
            bytes.extend_from_slice(trailing.0.as_bytes());
        }
        bytes
    }

    /// Whether this is surely a valid body for `operation_id` (`false` when unsure).
    fn valid_for(&self, operation_id: &str) -> bool {
        let trailing_ok = self
            .trailing
            .as_ref()
            .is_none_or(|t| t.0.bytes().all(|b| b.is_ascii_whitespace()));
        let shape_ok = match (&self.shape, operation_id) {
            (BodyShape::Create(s), "createWebhook") => {
                // The scope rule is the schema's: an Account webhook has no scopeId, an iTwin one
                // a uuid. Only the first is sure here (arbitrary text is rarely a uuid).
                s.extra.is_none()
                    && matches!(s.scope, Field::Good(Scope::Account))
                    && matches!(s.scope_id, Field::Absent)
                    && s.callback_url.valid(true)
                    && s.event_types.valid(true)
                    && s.secret.valid(false)
            }
            (BodyShape::Update(s), "updateWebhook") => {
                s.extra.is_none()
                    && s.active.valid(false)
                    && s.callback_url.valid(false)
                    && s.event_types.valid(false)
                    && s.secret.valid(false)
            }
            (BodyShape::Activate(s), "activateWebhook") => {
                s.extra.is_none() && s.expiration.valid(false)
            }
            (BodyShape::Publish(s), "publishEvent") => {
                let event_type_ok = match &s.event_type {
                    Field::Good(t) => t.matches_pattern(),
                    _ => false,
                };
                let itwin_ok = match &s.itwin_id {
                    Field::Absent => true,
                    Field::Good(t) => (1..=200).contains(&t.0.0.chars().count()),
                    _ => false,
                };
                s.extra.is_none() && event_type_ok && itwin_ok && s.content.valid(true)
            }
            (BodyShape::Empty, "activateWebhook") => true,
            _ => false,
        };
        trailing_ok && shape_ok
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: FuzzMethod,
    segments: Vec<Segment>,
    trailing_slash: bool,
    query: Option<Junk>,
    auth: Auth,
    content_type: Option<ContentType>,
    accept: Option<Accept>,
    content_length: Option<ContentLength>,
    extra_header: Option<ExtraHeader>,
    body: BodyInput,
}

// ---------------------------------------------------------------------------------------------
// Sending it.

fn router() -> axum::Router {
    thread_local! {
        static ROUTER: axum::Router = webhooks_server::router_with_config(
            contract_tests::Scripted,
            contract_tests::ScriptedAuth,
            webhooks_server::Config::default().with_body_limit(BODY_LIMIT),
        );
    }
    ROUTER.with(Clone::clone)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(future))
}

/// libfuzzer-sys aborts on every panic, even one that is caught. The scripted implementation's
/// deliberate panic is caught by the generated handler and must become a 500, so it alone is let
/// through; every other panic still aborts.
fn allow_the_scripted_panic() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !message.contains(SCRIPTED_PANIC) {
                aborting(info);
            }
        }));
    });
}

/// What was actually sent, as the checks need it.
struct Sent {
    method: Method,
    path: String,
    body_len: usize,
    caller: Caller,
    accept: Option<bool>,
    /// Surely valid in every respect but the body (checked per operation).
    clean: bool,
}

fn header(headers: &mut HeaderMap, name: &'static str, value: &[u8]) -> bool {
    match HeaderValue::from_bytes(value) {
        Ok(value) => {
            headers.insert(HeaderName::from_static(name), value);
            true
        }
        Err(_) => false,
    }
}

fn build(input: &Input) -> Option<(Request<Body>, Sent)> {
    let method = input.method.method();
    let mut path = String::new();
    for segment in input.segments.iter().take(6) {
        path.push('/');
        path.push_str(&segment.render());
    }
    if path.is_empty() || input.trailing_slash {
        path.push('/');
    }
    let mut uri = path.clone();
    if let Some(q) = &input.query {
        uri.push('?');
        uri.push_str(&percent_encode(&q.0, |b| {
            unreserved(b) || b == b'/' || b == b'?'
        }));
    }
    let body = input.body.bytes();

    let mut headers = HeaderMap::new();
    let (caller, auth_value): (Caller, Option<Vec<u8>>) = match &input.auth {
        Auth::Absent => (Caller::Absent, None),
        Auth::Bearer(s) => {
            let value = format!("Bearer status-{}", s.status());
            (Caller::Valid(s.status()), Some(value.into_bytes()))
        }
        Auth::LowerBearer(s) => {
            let value = format!("bearer status-{}", s.status());
            (Caller::Valid(s.status()), Some(value.into_bytes()))
        }
        // `x` first: never `status-N`.
        Auth::BearerJunk(j) => (
            Caller::Invalid,
            Some(format!("Bearer x{}", j.0).into_bytes()),
        ),
        Auth::BearerEmpty => (Caller::Invalid, Some(b"Bearer ".to_vec())),
        Auth::Basic(j) => (Caller::Invalid, Some(format!("Basic {}", j.0).into_bytes())),
        Auth::Raw(bytes) => (Caller::Unknown, Some(bytes.clone())),
    };
    let caller = match auth_value {
        Some(value) if header(&mut headers, "authorization", &value) => caller,
        _ => Caller::Absent,
    };
    let mut clean = input.query.is_none();
    if let Some(ct) = &input.content_type {
        let sent = header(&mut headers, "content-type", ct.value().as_bytes());
        clean &= sent && (ct.is_json() || body.is_empty());
    } else {
        clean &= body.is_empty();
    }
    let accept = match &input.accept {
        Some(a) if header(&mut headers, "accept", a.value().as_bytes()) => Some(a.is_acceptable()),
        _ => None,
    };
    clean &= accept != Some(false);
    if let Some(cl) = &input.content_length {
        let value = match cl {
            ContentLength::Exact => body.len().to_string(),
            ContentLength::Zero => "0".into(),
            ContentLength::Plus(n) => (body.len() + usize::from(*n)).to_string(),
            ContentLength::Huge => "99999999999".into(),
            ContentLength::Junk(j) => j.0.clone(),
        };
        let sent = header(&mut headers, "content-length", value.as_bytes());
        clean &= !sent || matches!(cl, ContentLength::Exact);
    }
    if let Some(extra) = &input.extra_header {
        let (name, value) = extra.pair();
        let sent = header(&mut headers, name, value.as_bytes());
        clean &= !sent || extra.is_harmless();
    }

    let mut request = Request::builder()
        .method(method.clone())
        .uri(&uri)
        .body(Body::from(body.clone()))
        .ok()?;
    *request.headers_mut() = headers;
    let sent = Sent {
        method,
        path,
        body_len: body.len(),
        caller,
        accept,
        clean,
    };
    Some((request, sent))
}

// ---------------------------------------------------------------------------------------------
// Checking the answer.

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn media_essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

fn is_canonical_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Checks that `answer` is an `ErrorResponse` with a code of the spec's enum, and returns it.
fn error_body(answer: &Answer) -> (String, Value) {
    let essence = media_essence(&answer.headers);
    assert_eq!(
        essence.as_deref(),
        Some("application/json"),
        "an error answer without `content-type: application/json`"
    );
    assert!(
        serde_json::from_slice::<webhooks_server::types::ErrorResponse>(&answer.body).is_ok(),
        "an error body that is not an ErrorResponse: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let value: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let code = value
        .pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("an error body without `error.code`: {value}"))
        .to_owned();
    assert!(
        spec().codes.contains(&code),
        "the error code `{code}` is not in the spec's enum"
    );
    let message = value.pointer("/error/message").and_then(Value::as_str);
    assert!(
        message.is_some_and(|m| !m.trim().is_empty()),
        "an error body without a message: {value}"
    );
    (code, value)
}

/// Checks a body the spec declares for this status.
fn declared_body(declared: &Declared, answer: &Answer, head: bool) {
    if declared.media.is_empty() {
        assert!(
            answer.body.is_empty(),
            "a response the spec declares without content has a body: {}",
            String::from_utf8_lossy(&answer.body)
        );
        return;
    }
    if head {
        assert!(answer.body.is_empty(), "an answer to HEAD with a body");
        return;
    }
    let essence = media_essence(&answer.headers).unwrap_or_default();
    assert!(
        declared
            .media
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&essence)),
        "content-type `{essence}` is not one of the declared {:?}",
        declared.media
    );
    let parses = match declared.schema.as_deref() {
        Some("ErrorResponse") => return,
        Some("Webhook") => {
            serde_json::from_slice::<webhooks_server::types::Webhook>(&answer.body).is_ok()
        }
        Some("WebhookList") => {
            serde_json::from_slice::<webhooks_server::types::WebhookList>(&answer.body).is_ok()
        }
        Some("CreatedWebhook") => {
            serde_json::from_slice::<webhooks_server::types::CreatedWebhook>(&answer.body).is_ok()
        }
        Some("PublishedEvent") => {
            serde_json::from_slice::<webhooks_server::types::PublishedEvent>(&answer.body).is_ok()
        }
        _ => serde_json::from_slice::<Value>(&answer.body).is_ok(),
    };
    assert!(
        parses,
        "a {} body that is not its declared schema {:?}: {}",
        answer.status,
        declared.schema,
        String::from_utf8_lossy(&answer.body)
    );
    for (name, ty) in &declared.headers {
        if let Some(value) = answer.headers.get(name.as_str())
            && ty.as_deref() == Some("integer")
        {
            let value = value.to_str().unwrap_or("");
            assert!(
                value.parse::<i64>().is_ok(),
                "header {name} is declared an integer but is `{value}`"
            );
        }
    }
}

fn matches_template(item: &PathItem, path: &str) -> Option<Vec<String>> {
    let actual: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    if actual.len() != item.segments.len() {
        return None;
    }
    let mut params = Vec::new();
    let last = actual.len() - 1;
    for (i, (want, got)) in item.segments.iter().zip(&actual).enumerate() {
        match want {
            Some(literal) if literal == got => {}
            Some(_) => return None,
            // axum's router (matchit) lets a parameter match an empty segment in the middle of
            // a path (`/webhooks//activate`, whose handler then refuses the id), but not at its
            // end (`/webhooks/` is an unknown path).
            None if got.is_empty() && i == last => return None,
            None => params.push((*got).to_owned()),
        }
    }
    Some(params)
}

fn check(input: &Input, sent: &Sent, answer: &Answer) {
    let spec = spec();
    let head = sent.method == Method::HEAD;
    let route = spec
        .paths
        .iter()
        .find_map(|item| matches_template(item, &sent.path).map(|params| (item, params)));
    let Some((item, params)) = route else {
        assert_eq!(answer.status, 404, "a path the spec does not have");
        if !head {
            let (code, _) = error_body(answer);
            assert_eq!(code, spec.unknown_path_code);
        }
        return;
    };
    // A standard method only: axum answers HEAD with the GET route (without the body).
    let method = sent.method.as_str();
    let key = METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method) && m.to_ascii_uppercase() == method)
        .copied();
    let operation = key.and_then(|k| {
        item.operations
            .get(k)
            .or_else(|| (k == "head").then(|| item.operations.get("get")).flatten())
    });
    let Some(op) = operation else {
        assert_eq!(
            answer.status, 405,
            "{method} {} is not an operation of the spec",
            item.template
        );
        if !head {
            let (code, _) = error_body(answer);
            assert_eq!(code, spec.method_not_allowed_code);
        }
        return;
    };

    let status = answer.status;
    let declared = op.responses.get(&status);
    // The refusals the router may add to what the operation declares.
    let refusal = (status == 406 && sent.accept.is_some())
        || (status == 413 && sent.body_len > BODY_LIMIT)
        || (status == 415 && sent.body_len > 0);
    assert!(
        declared.is_some() || refusal,
        "{} answered {status}, which it does not declare ({:?})",
        op.id,
        op.responses.keys().collect::<Vec<_>>()
    );

    match declared {
        Some(d) => {
            declared_body(d, answer, head);
            if status >= 400 && !head {
                let (code, value) = error_body(answer);
                let auth_codes = [&spec.auth_missing_code, &spec.auth_invalid_code];
                let expected_ok = d.error_code.as_ref().is_none_or(|c| *c == code)
                    || (status == 401 && auth_codes.contains(&&code));
                assert!(
                    expected_ok,
                    "{} {status}: code {code}, the spec says {:?}",
                    op.id, d.error_code
                );
                // A 422 the implementation did not ask for is the router's: it says why.
                if status == 422 && sent.caller != Caller::Valid(422) {
                    let details = value.pointer("/error/details").and_then(Value::as_array);
                    assert!(
                        details.is_some_and(|d| !d.is_empty()),
                        "the router's 422 without details: {value}"
                    );
                }
            }
        }
        None => {
            if !head {
                error_body(answer);
            }
        }
    }

    // What the scripted authenticator and implementation make of the token.
    match sent.caller {
        Caller::Absent => {
            assert!(
                status == 401 || refusal,
                "{} without credentials answered {status}",
                op.id
            );
            if status == 401 && !head {
                assert_eq!(error_body(answer).0, spec.auth_missing_code);
            }
        }
        Caller::Invalid => {
            assert!(
                status == 401 || refusal,
                "{} with a bad token answered {status}",
                op.id
            );
            if status == 401 && !head {
                assert_eq!(error_body(answer).0, spec.auth_invalid_code);
            }
        }
        Caller::Unknown => {}
        Caller::Valid(n) => {
            let n_declared = n != 500 && op.responses.contains_key(&n);
            if (200..300).contains(&status) || [401, 403, 429].contains(&status) {
                assert_eq!(
                    status, n,
                    "{} answered {status} although the token asked for {n}",
                    op.id
                );
            }
            let id_ok = params.iter().all(|p| is_canonical_uuid(p));
            if status == 404 && id_ok {
                assert_eq!(n, 404, "{} answered 404 for a well-formed id", op.id);
            }
            if status == 500 {
                assert!(
                    !n_declared,
                    "{} answered 500 although the token asked for its declared {n}",
                    op.id
                );
            }
            if status == 429 && !head {
                let retry_after = answer
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok());
                assert_eq!(
                    retry_after,
                    Some(contract_tests::RETRY_AFTER.to_string().as_str()),
                    "a scripted 429 without its retry-after"
                );
            }
            // Everything about the request is right: the implementation's answer comes through.
            let body_ok = if op.has_body {
                input.body.valid_for(&op.id) || (!op.body_required && sent.body_len == 0)
            } else {
                true
            };
            if sent.clean && id_ok && body_ok {
                let expected = if n_declared { n } else { 500 };
                assert_eq!(
                    status, expected,
                    "{} refused a request the spec allows (token status-{n})",
                    op.id
                );
            }
        }
    }
}

fuzz_target!(|input: Input| {
    allow_the_scripted_panic();
    let Some((request, sent)) = build(&input) else {
        return;
    };
    let answer = block_on(async {
        let response = router()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("the response body streams");
        Answer {
            status: StatusCode::as_u16(&status),
            headers: parts.headers,
            body: body.to_vec(),
        }
    });
    check(&input, &sent, &answer);
});
