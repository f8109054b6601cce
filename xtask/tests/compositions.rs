//! Schema compositions over loopback: for each shape (an `allOf` merged beside
//! `additionalProperties`, properties beside an inline `oneOf`, properties beside a discriminated
//! `oneOf`, an `allOf` member that is a union, enums of integers and of other values, discriminated
//! members written inline, an `anyOf` told apart by field names, a `prefixItems` tuple), the
//! generated client serializes a value, the generated server validates and decodes it, answers
//! with it, and the client decodes the answer, which must equal what was sent (and the JSON on the
//! wire what the spec says). Each shape also has bodies the server must refuse with its 422, at the
//! expected places.
//!
//! Slow: it builds the two generated crates and a driver with cargo (offline, pinned by the
//! workspace's lock file).

use std::collections::BTreeMap;
use std::path::Path;

mod support;

const SPEC: &str = r##"
openapi: "3.0.3"
info:
  title: Compositions
  version: "1.0.0"
x-error-model:
  schema: ErrorResponse
  codes: ErrorCode
  invalidField: InvalidRequestBody
paths:
  /merged:
    post:
      operationId: sendMerged
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Merged" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Merged" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /shape:
    post:
      operationId: sendShape
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Shape" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Shape" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /pet:
    post:
      operationId: sendPet
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /payment:
    post:
      operationId: sendPayment
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Payment" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Payment" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /enums:
    post:
      operationId: sendEnums
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Enums" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Enums" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /drawing:
    post:
      operationId: sendDrawing
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Drawing" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Drawing" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /handle:
    post:
      operationId: sendHandle
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Handle" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Handle" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
  /point:
    post:
      operationId: sendPoint
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/Point" } } } }
      responses:
        "200": { description: Echoed., content: { application/json: { schema: { $ref: "#/components/schemas/Point" } } } }
        "413": { $ref: "#/components/responses/PayloadTooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Invalid" }
        "500": { $ref: "#/components/responses/InternalServerError" }
components:
  responses:
    Invalid:
      description: The body breaks its schema.
      x-error-code: InvalidBody
      content: { application/json: { schema: { $ref: "#/components/schemas/ErrorResponse" } } }
    PayloadTooLarge:
      description: The body is too large.
      x-error-code: PayloadTooLarge
      content: { application/json: { schema: { $ref: "#/components/schemas/ErrorResponse" } } }
    UnsupportedMediaType:
      description: The body is not JSON.
      x-error-code: UnsupportedMediaType
      content: { application/json: { schema: { $ref: "#/components/schemas/ErrorResponse" } } }
    InternalServerError:
      description: The server failed.
      x-error-code: InternalServerError
      content: { application/json: { schema: { $ref: "#/components/schemas/ErrorResponse" } } }
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: { type: string, minLength: 1 }
        note: { type: string }
    # allOf beside additionalProperties and required: one struct, plus a map of the rest.
    Merged:
      type: object
      additionalProperties: true
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties:
            count: { type: integer, format: int32, minimum: 0 }
      required: [count]
    # properties beside an inline oneOf: shared fields plus a flattened union.
    Shape:
      type: object
      required: [label]
      properties:
        label: { type: string, minLength: 1 }
      oneOf:
        - title: Circle
          type: object
          required: [radius]
          properties:
            radius: { type: number, minimum: 0 }
        - title: Square
          type: object
          required: [side]
          properties:
            side: { type: number, minimum: 0 }
    # properties beside a discriminated oneOf of $refs.
    Pet:
      type: object
      required: [kind, name]
      properties:
        kind: { type: string }
        name: { type: string, minLength: 1 }
      discriminator:
        propertyName: kind
        mapping:
          cat: "#/components/schemas/Cat"
          dog: "#/components/schemas/Dog"
      oneOf:
        - $ref: "#/components/schemas/Cat"
        - $ref: "#/components/schemas/Dog"
    Cat:
      type: object
      required: [kind, lives]
      properties:
        kind: { type: string }
        lives: { type: integer, format: int32, minimum: 1, maximum: 9 }
    Dog:
      type: object
      required: [kind, bark]
      properties:
        kind: { type: string }
        bark: { type: string, enum: [loud, soft] }
    # An allOf member that is a union (told apart by its members' field names).
    Payment:
      allOf:
        - $ref: "#/components/schemas/Base"
        - $ref: "#/components/schemas/Method"
    Method:
      oneOf:
        - $ref: "#/components/schemas/Card"
        - $ref: "#/components/schemas/Bank"
    Card:
      type: object
      required: [number]
      properties:
        number: { type: string, pattern: "^[0-9]{4}$" }
    Bank:
      type: object
      required: [iban]
      properties:
        iban: { type: string, minLength: 5 }
    # Enums of integers, of mixed values, and of one boolean.
    Enums:
      type: object
      properties:
        level: { type: integer, enum: [1, 2, 3] }
        version: { enum: [4.1, 4, "3_lite"] }
        always: { type: boolean, enum: [true] }
    # Discriminated members written inline, named by their single-value enums.
    Drawing:
      discriminator: { propertyName: type }
      oneOf:
        - type: object
          required: [type, points]
          properties:
            type: { type: string, enum: [line] }
            points: { type: array, items: { type: number } }
        - type: object
          required: [type, text]
          properties:
            type: { type: string, enum: [label] }
            text: { type: string, maxLength: 10 }
    # anyOf of open objects with only optional properties, and an integer.
    Handle:
      anyOf:
        - type: object
          properties:
            email: { type: string, format: email }
        - type: object
          properties:
            phone: { type: string, minLength: 3 }
        - { type: integer, minimum: 1 }
    # 3.1's prefixItems on a closed array: a tuple.
    Point:
      type: array
      maxItems: 2
      prefixItems:
        - { type: string, minLength: 1 }
        - { type: integer, minimum: 0 }
    ErrorCode:
      type: string
      enum: [InvalidBody, InvalidRequestBody, PayloadTooLarge, UnsupportedMediaType, InternalServerError]
    Error:
      type: object
      properties:
        code: { $ref: "#/components/schemas/ErrorCode" }
        message: { type: string }
        target: { type: string }
        details:
          type: array
          items: { $ref: "#/components/schemas/Error" }
    ErrorResponse:
      type: object
      properties:
        error: { $ref: "#/components/schemas/Error" }
"##;

/// Serves the generated router on loopback with an `Api` that answers every body with itself.
/// `round` lines (`round<TAB>name<TAB>operation<TAB>json`) go through the generated client;
/// `raw` lines (`raw<TAB>name<TAB>path<TAB>body`) are sent as they are. Prints
/// `name<TAB>result` for the first, `name<TAB>status<TAB>sorted targets` for the second.
const DRIVER: &str = r#"
use compositions_client::types as c;
use compositions_server::responses::*;
use compositions_server::types as s;
use compositions_server::{Api, AuthError, AuthRequest, Authenticator};
use tower::ServiceExt;

struct Anyone;

impl Authenticator for Anyone {
    type Caller = ();
    async fn authenticate(&self, _: AuthRequest<'_>) -> Result<(), AuthError> {
        Ok(())
    }
}

struct Echo;

impl Api for Echo {
    type Caller = ();
    async fn send_merged(&self, body: s::Merged) -> SendMergedResponse {
        SendMergedResponse::Ok(body)
    }
    async fn send_shape(&self, body: s::Shape) -> SendShapeResponse {
        SendShapeResponse::Ok(body)
    }
    async fn send_pet(&self, body: s::Pet) -> SendPetResponse {
        SendPetResponse::Ok(body)
    }
    async fn send_payment(&self, body: s::Payment) -> SendPaymentResponse {
        SendPaymentResponse::Ok(body)
    }
    async fn send_enums(&self, body: s::Enums) -> SendEnumsResponse {
        SendEnumsResponse::Ok(body)
    }
    async fn send_drawing(&self, body: s::Drawing) -> SendDrawingResponse {
        SendDrawingResponse::Ok(body)
    }
    async fn send_handle(&self, body: s::Handle) -> SendHandleResponse {
        SendHandleResponse::Ok(body)
    }
    async fn send_point(&self, body: s::Point) -> SendPointResponse {
        SendPointResponse::Ok(body)
    }
}

/// Sends `json` as a `T` through the client and compares: the JSON the value writes, and the
/// value the answer decodes to.
macro_rules! round_trip {
    ($client:expr, $method:ident, $ty:ty, $json:expr) => {{
        let sent: serde_json::Value = serde_json::from_str($json).expect("case JSON");
        match serde_json::from_str::<$ty>($json) {
            Err(e) => format!("the client type refuses it: {e}"),
            Ok(value) => {
                let written = serde_json::to_value(&value).expect("serializes");
                if written != sent {
                    format!("written as {written}")
                } else {
                    match $client.$method(&value).await {
                        Ok(back) if back == value => "ok".to_owned(),
                        Ok(back) => format!("answered {back:?}"),
                        Err(e) => format!("error {e:?}"),
                    }
                }
            }
        }
    }};
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).expect("the cases file");
    let cases = std::fs::read_to_string(path).expect("read the cases");
    let router = compositions_server::router(Echo, Anyone);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let served = router.clone();
    tokio::spawn(async move { axum::serve(listener, served).await.expect("serve") });
    let client = compositions_client::Client::new(&format!("http://{addr}")).expect("url");
    for line in cases.lines().filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [kind, name, target, body] = fields[..] else { panic!("bad case line {line:?}") };
        if kind == "round" {
            let result = match target {
                "merged" => round_trip!(client, send_merged, c::Merged, body),
                "shape" => round_trip!(client, send_shape, c::Shape, body),
                "pet" => round_trip!(client, send_pet, c::Pet, body),
                "payment" => round_trip!(client, send_payment, c::Payment, body),
                "enums" => round_trip!(client, send_enums, c::Enums, body),
                "drawing" => round_trip!(client, send_drawing, c::Drawing, body),
                "handle" => round_trip!(client, send_handle, c::Handle, body),
                "point" => round_trip!(client, send_point, c::Point, body),
                other => panic!("no operation {other}"),
            };
            println!("{name}\t{result}");
            continue;
        }
        let request = http::Request::post(format!("/{target}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let mut targets: Vec<String> = answer["error"]["details"]
            .as_array()
            .map(|d| d.iter().map(|d| d["target"].as_str().unwrap_or("<none>").to_owned()).collect())
            .unwrap_or_default();
        targets.sort();
        let targets = if targets.is_empty() { "-".to_owned() } else { targets.join(",") };
        println!("{name}\t{status}\t{targets}");
    }
}
"#;

const DRIVER_MANIFEST: &str = r#"[package]
name = "compositions-driver"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
compositions-client = { path = "../compositions-client" }
compositions-server = { path = "../compositions-server" }
axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
tokio = { version = "1", features = ["rt", "macros", "net"] }
tower = { version = "0.5", features = ["util"] }
http = "1"
serde_json = "1"
"#;

/// A value every shape must carry there and back unchanged.
const ROUND_TRIPS: &[(&str, &str, &str)] = &[
    (
        "merged: the struct and the extra members",
        "merged",
        r#"{"id":"a","note":"n","count":2,"color":"red","size":{"w":1}}"#,
    ),
    ("merged: required only", "merged", r#"{"id":"a","count":0}"#),
    ("shape: a circle", "shape", r#"{"label":"c","radius":1.5}"#),
    ("shape: a square", "shape", r#"{"label":"s","side":2.0}"#),
    (
        "pet: a cat",
        "pet",
        r#"{"name":"Tom","kind":"cat","lives":9}"#,
    ),
    (
        "pet: a dog",
        "pet",
        r#"{"name":"Rex","kind":"dog","bark":"loud"}"#,
    ),
    (
        "payment: by card",
        "payment",
        r#"{"id":"p","number":"1234"}"#,
    ),
    (
        "payment: by bank",
        "payment",
        r#"{"id":"p","note":"rent","iban":"DE001"}"#,
    ),
    (
        "enums: every value",
        "enums",
        r#"{"level":2,"version":"3_lite","always":true}"#,
    ),
    ("enums: a number value", "enums", r#"{"version":4.1}"#),
    (
        "drawing: an inline line member",
        "drawing",
        r#"{"type":"line","points":[1.0,2.5]}"#,
    ),
    (
        "drawing: an inline label member",
        "drawing",
        r#"{"type":"label","text":"hi"}"#,
    ),
    (
        "handle: the phone member, by its field name",
        "handle",
        r#"{"phone":"+123"}"#,
    ),
    ("handle: the email member", "handle", r#"{"email":"a@b.c"}"#),
    ("handle: the integer member", "handle", "7"),
    ("point: a prefixItems tuple", "point", r#"["x",3]"#),
];

/// A body the server must refuse with its 422, and the sorted detail targets.
const REFUSALS: &[(&str, &str, &str, &[&str])] = &[
    (
        "merged: a merged member's keyword",
        "merged",
        r#"{"id":"","count":1}"#,
        &["id"],
    ),
    (
        "merged: a required member of the other allOf member",
        "merged",
        r#"{"id":"a"}"#,
        &["count"],
    ),
    (
        "shape: neither member",
        "shape",
        r#"{"label":"x"}"#,
        &["<none>"],
    ),
    (
        "shape: both members",
        "shape",
        r#"{"label":"x","radius":1,"side":1}"#,
        &["<none>"],
    ),
    (
        "shape: a shared field and a member's keyword",
        "shape",
        r#"{"label":"","radius":-1}"#,
        &["<none>", "label"],
    ),
    (
        "pet: the tagged member's checks",
        "pet",
        r#"{"name":"Tom","kind":"cat","lives":10}"#,
        &["lives"],
    ),
    (
        "pet: an unknown tag",
        "pet",
        r#"{"name":"Tom","kind":"cow"}"#,
        &["kind"],
    ),
    (
        "pet: a shared field missing",
        "pet",
        r#"{"kind":"dog","bark":"soft"}"#,
        &["name"],
    ),
    (
        "payment: the union member of an allOf",
        "payment",
        r#"{"id":"p","number":"12"}"#,
        &["<none>"],
    ),
    (
        "enums: an unlisted integer",
        "enums",
        r#"{"level":4}"#,
        &["level"],
    ),
    (
        "enums: an unlisted mixed value",
        "enums",
        r#"{"version":"4.1"}"#,
        &["version"],
    ),
    (
        "enums: false where only true is allowed",
        "enums",
        r#"{"always":false}"#,
        &["always"],
    ),
    (
        "drawing: an inline member's keyword",
        "drawing",
        r#"{"type":"label","text":"far too long"}"#,
        &["text"],
    ),
    (
        "drawing: an unknown tag",
        "drawing",
        r#"{"type":"circle"}"#,
        &["type"],
    ),
    ("handle: no member accepts it", "handle", "0", &["<none>"]),
];

#[test]
fn slow_compositions_round_trip_through_the_generated_client_and_server() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compositions");
    std::fs::create_dir_all(&work).expect("work dir");
    let spec = work.join("compositions.yaml");
    std::fs::write(&spec, SPEC).expect("write the spec");
    let crates = work.join("crates");
    support::generate(&spec, "compositions", &crates);
    let driver = crates.join("driver");
    support::write_driver(&driver, DRIVER_MANIFEST, DRIVER);

    let mut table = String::new();
    let mut names = std::collections::BTreeSet::new();
    for (name, op, body) in ROUND_TRIPS {
        assert!(names.insert(*name), "two cases named {name:?}");
        table.push_str(&format!("round\t{name}\t{op}\t{body}\n"));
    }
    for (name, op, body, _) in REFUSALS {
        assert!(names.insert(*name), "two cases named {name:?}");
        table.push_str(&format!("raw\t{name}\t{op}\t{body}\n"));
    }
    let table_path = work.join("cases.txt");
    std::fs::write(&table_path, table).expect("write the cases");
    let stdout = support::run_driver(&driver, &[table_path.as_os_str()]);
    let answers: BTreeMap<&str, &str> = stdout.lines().filter_map(|l| l.split_once('\t')).collect();

    let mut failures = Vec::new();
    for (name, _, body) in ROUND_TRIPS {
        match answers.get(name) {
            Some(&"ok") => {}
            other => failures.push(format!("{name}: {body} came back {other:?}")),
        }
    }
    for (name, _, body, targets) in REFUSALS {
        let expected = format!("422\t{}", targets.join(","));
        match answers.get(name) {
            Some(answer) if *answer == expected => {}
            other => failures.push(format!(
                "{name}: {body} answered {other:?}, expected {expected:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
