//! The generated server's request-body validation, tried on the JSON-schema keywords our own spec
//! does not use (so they are otherwise only compiled, never run): `multipleOf`, inclusive and
//! exclusive bounds, `uniqueItems`, item and property counts, the string formats, `pattern`,
//! enums of strings and integers, `nullable`, `readOnly`, `additionalProperties: false`, nested
//! objects and arrays of objects, and the unions (`oneOf` with and without a discriminator,
//! `anyOf`).
//!
//! The test generates a server crate from a small spec written here, builds a driver that serves
//! it with a trivial `Api` and sends it a table of bodies, each right at a boundary, and checks
//! every answer's status and the sorted `target`s of its details.
//!
//! Slow: it builds two generated crates and the driver with cargo (offline, pinned by the
//! workspace's lock file), about a minute on a cold target directory.

use std::collections::BTreeMap;
use std::path::Path;

mod support;

/// Bodies of `POST /keywords` use every keyword under test once; the 422 carries the spec's error
/// model (`x-error-model`, `x-error-code`), as spec/webhooks.yaml does.
const SPEC: &str = r##"
openapi: "3.0.3"
info:
  title: Keywords
  version: "1.0.0"
  description: Request bodies using the generic JSON-schema keywords.
x-error-model:
  schema: ErrorResponse
  codes: ErrorCode
  invalidField: InvalidRequestBody
paths:
  /keywords:
    post:
      operationId: sendKeywords
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/Keywords"
      responses:
        "204":
          description: The body was accepted.
        "413":
          $ref: "#/components/responses/PayloadTooLarge"
        "415":
          $ref: "#/components/responses/UnsupportedMediaType"
        "422":
          description: The body breaks its schema.
          x-error-code: InvalidKeywordsRequest
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ErrorResponse"
              example:
                error:
                  code: InvalidKeywordsRequest
                  message: The body breaks its schema.
                  details:
                    - code: InvalidRequestBody
                      message: Invalid request body.
                      target: half
        "500":
          $ref: "#/components/responses/InternalServerError"
components:
  responses:
    PayloadTooLarge:
      description: The body is too large.
      x-error-code: PayloadTooLarge
      content:
        application/json:
          schema: { $ref: "#/components/schemas/ErrorResponse" }
    UnsupportedMediaType:
      description: The body is not JSON.
      x-error-code: UnsupportedMediaType
      content:
        application/json:
          schema: { $ref: "#/components/schemas/ErrorResponse" }
    InternalServerError:
      description: The server failed.
      x-error-code: InternalServerError
      content:
        application/json:
          schema: { $ref: "#/components/schemas/ErrorResponse" }
  schemas:
    Keywords:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: { type: string, minLength: 1 }
        serial: { type: string, readOnly: true }
        half: { type: number, multipleOf: 0.5 }
        triple: { type: integer, format: int32, multipleOf: 3 }
        percent: { type: integer, format: int32, minimum: 0, maximum: 100 }
        positive: { type: number, minimum: 0, exclusiveMinimum: true }
        belowTen: { type: number, maximum: 10, exclusiveMaximum: true }
        tags:
          type: array
          minItems: 1
          maxItems: 3
          uniqueItems: true
          items: { type: integer, format: int32 }
        ratios:
          type: array
          uniqueItems: true
          items: { type: number }
        points:
          type: array
          uniqueItems: true
          items: { $ref: "#/components/schemas/Point" }
        labels:
          type: object
          minProperties: 1
          maxProperties: 2
          additionalProperties: { type: string }
        settings: { $ref: "#/components/schemas/Settings" }
        email: { type: string, format: email }
        host: { type: string, format: hostname }
        ipv4: { type: string, format: ipv4 }
        ipv6: { type: string, format: ipv6 }
        day: { type: string, format: date }
        at: { type: string, format: date-time }
        id: { type: string, format: uuid }
        link: { type: string, format: uri-reference }
        code: { type: string, pattern: "^[A-Z]{2}\\d{3}$" }
        color: { type: string, enum: [red, green] }
        level: { type: integer, format: int32, enum: [1, 2, 3] }
        note: { type: string, nullable: true }
        count: { type: integer, format: int32 }
        owner: { $ref: "#/components/schemas/Person" }
        items:
          type: array
          items: { $ref: "#/components/schemas/Item" }
        pet: { $ref: "#/components/schemas/Pet" }
        contact: { $ref: "#/components/schemas/Contact" }
        handle: { $ref: "#/components/schemas/Handle" }
    Point:
      type: object
      required: [x, y]
      properties:
        x: { type: integer, format: int32 }
        y: { type: integer, format: int32 }
    Settings:
      type: object
      minProperties: 1
      maxProperties: 2
      properties:
        a: { type: boolean }
        b: { type: boolean }
        c: { type: boolean }
    Person:
      type: object
      additionalProperties: false
      required: [name, address]
      properties:
        name: { type: string, minLength: 1 }
        address: { $ref: "#/components/schemas/Address" }
    Address:
      type: object
      required: [city]
      properties:
        city: { type: string, minLength: 1 }
        zip: { type: string, pattern: "^\\d{5}$" }
    Item:
      type: object
      required: [name]
      properties:
        name: { type: string, minLength: 1 }
        quantity: { type: integer, format: int32, minimum: 1 }
    Pet:
      oneOf:
        - $ref: "#/components/schemas/Cat"
        - $ref: "#/components/schemas/Dog"
      discriminator:
        propertyName: petType
        mapping:
          cat: "#/components/schemas/Cat"
          dog: "#/components/schemas/Dog"
    Cat:
      type: object
      required: [petType, lives]
      properties:
        petType: { type: string }
        lives: { type: integer, format: int32, minimum: 1, maximum: 9 }
    Dog:
      type: object
      required: [petType, bark]
      properties:
        petType: { type: string }
        bark: { type: string, enum: [loud, soft] }
    Contact:
      oneOf:
        - $ref: "#/components/schemas/EmailContact"
        - $ref: "#/components/schemas/PhoneContact"
    EmailContact:
      type: object
      required: [email]
      properties:
        email: { type: string, format: email }
    PhoneContact:
      type: object
      required: [phone]
      properties:
        phone: { type: string, pattern: "^\\+\\d{6,15}$" }
    Handle:
      anyOf:
        - { type: integer, format: int64, minimum: 1 }
        - { type: string, minLength: 3 }
    ErrorCode:
      type: string
      enum:
        - InvalidKeywordsRequest
        - InvalidRequestBody
        - PayloadTooLarge
        - UnsupportedMediaType
        - InternalServerError
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

/// Serves the generated router in process with an `Api` that accepts whatever reaches it, sends
/// it each case of `cases.txt` (`name<TAB>body` a line) with `tower::ServiceExt::oneshot`, and
/// prints `name<TAB>status<TAB>outer code<TAB>sorted targets` (`-` for none).
const DRIVER: &str = r#"
use keywords_server::responses::SendKeywordsResponse;
use keywords_server::types::Keywords;
use keywords_server::{Api, AuthError, AuthRequest, Authenticator};
use tower::ServiceExt;

struct Anyone;

impl Authenticator for Anyone {
    type Caller = ();
    async fn authenticate(&self, _: AuthRequest<'_>) -> Result<(), AuthError> {
        Ok(())
    }
}

struct Accept;

impl Api for Accept {
    type Caller = ();
    async fn send_keywords(&self, _: Keywords) -> SendKeywordsResponse {
        SendKeywordsResponse::NoContent
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).expect("the cases file");
    let cases = std::fs::read_to_string(path).expect("read the cases");
    let router = keywords_server::router(Accept, Anyone);
    for line in cases.lines().filter(|l| !l.is_empty()) {
        let (name, body) = line.split_once('\t').expect("name<TAB>body");
        let request = http::Request::post("/keywords")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        let (code, targets) = if bytes.is_empty() {
            ("-".to_owned(), "-".to_owned())
        } else {
            let answer: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON answer");
            let error = &answer["error"];
            let code = error["code"].as_str().unwrap_or("-").to_owned();
            let mut targets: Vec<String> = error["details"]
                .as_array()
                .map(|details| {
                    details
                        .iter()
                        .map(|d| d["target"].as_str().unwrap_or("<no target>").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            targets.sort();
            let targets = if targets.is_empty() { "-".to_owned() } else { targets.join(",") };
            (code, targets)
        };
        println!("{name}\t{status}\t{code}\t{targets}");
    }
}
"#;

const DRIVER_MANIFEST: &str = r#"[package]
name = "keyword-behaviour-driver"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
keywords-server = { path = "../keywords-server" }
axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
tokio = { version = "1", features = ["rt", "macros"] }
tower = { version = "0.5", features = ["util"] }
http = "1"
serde_json = "1"
"#;

/// One request: its body and the answer expected (status, sorted detail targets).
struct Case {
    name: &'static str,
    body: String,
    status: u16,
    targets: Vec<&'static str>,
}

/// Accepted: the body reaches the `Api` (204).
fn ok(name: &'static str, fields: &str) -> Case {
    Case {
        name,
        body: with_name(fields),
        status: 204,
        targets: Vec::new(),
    }
}

/// Refused with the operation's 422, one detail per target.
fn refused(name: &'static str, fields: &str, targets: &[&'static str]) -> Case {
    Case {
        name,
        body: with_name(fields),
        status: 422,
        targets: targets.to_vec(),
    }
}

/// An object with the required `name` and `fields` (members of an object, without braces).
fn with_name(fields: &str) -> String {
    if fields.is_empty() {
        r#"{"name":"n"}"#.to_owned()
    } else {
        format!(r#"{{"name":"n",{fields}}}"#)
    }
}

fn cases() -> Vec<Case> {
    vec![
        // multipleOf
        ok("multipleOf 0.5: 1.5 ok", r#""half":1.5"#),
        ok("multipleOf 0.5: 2 ok", r#""half":2"#),
        ok("multipleOf 0.5: -0.5 ok", r#""half":-0.5"#),
        refused("multipleOf 0.5: 1.3 refused", r#""half":1.3"#, &["half"]),
        refused("multipleOf 0.5: 0.25 refused", r#""half":0.25"#, &["half"]),
        ok("multipleOf 3: 9 ok", r#""triple":9"#),
        refused("multipleOf 3: 10 refused", r#""triple":10"#, &["triple"]),
        // minimum / maximum, inclusive
        ok("minimum 0: 0 ok", r#""percent":0"#),
        refused("minimum 0: -1 refused", r#""percent":-1"#, &["percent"]),
        ok("maximum 100: 100 ok", r#""percent":100"#),
        refused("maximum 100: 101 refused", r#""percent":101"#, &["percent"]),
        refused("integer: 1.5 refused", r#""percent":1.5"#, &["percent"]),
        // exclusiveMinimum / exclusiveMaximum as OpenAPI 3.0 booleans
        refused(
            "exclusiveMinimum 0: 0 refused",
            r#""positive":0"#,
            &["positive"],
        ),
        ok("exclusiveMinimum 0: 0.0001 ok", r#""positive":0.0001"#),
        refused(
            "exclusiveMinimum 0: -0.1 refused",
            r#""positive":-0.1"#,
            &["positive"],
        ),
        refused(
            "exclusiveMaximum 10: 10 refused",
            r#""belowTen":10"#,
            &["belowTen"],
        ),
        ok("exclusiveMaximum 10: 9.999 ok", r#""belowTen":9.999"#),
        refused("number: \"1\" refused", r#""belowTen":"1""#, &["belowTen"]),
        // uniqueItems, minItems, maxItems
        ok("uniqueItems: [1, 2] ok", r#""tags":[1,2]"#),
        refused("uniqueItems: [1, 1] refused", r#""tags":[1,1]"#, &["tags"]),
        refused(
            "uniqueItems: [1, 1.0] refused",
            r#""ratios":[1,1.0]"#,
            &["ratios"],
        ),
        ok("uniqueItems: [1, 1.5] ok", r#""ratios":[1,1.5]"#),
        ok(
            "uniqueItems: different objects ok",
            r#""points":[{"x":1,"y":2},{"x":2,"y":1}]"#,
        ),
        refused(
            "uniqueItems: equal objects, keys reordered, refused",
            r#""points":[{"x":1,"y":2},{"y":2,"x":1}]"#,
            &["points"],
        ),
        refused("minItems 1: [] refused", r#""tags":[]"#, &["tags"]),
        ok("maxItems 3: 3 items ok", r#""tags":[1,2,3]"#),
        refused(
            "maxItems 3: 4 items refused",
            r#""tags":[1,2,3,4]"#,
            &["tags"],
        ),
        refused(
            "array item of the wrong type refused at its index",
            r#""tags":[1,"two"]"#,
            &["tags[1]"],
        ),
        // minProperties / maxProperties
        refused(
            "minProperties 1 on a map: {} refused",
            r#""labels":{}"#,
            &["labels"],
        ),
        ok("minProperties 1 on a map: 1 ok", r#""labels":{"a":"x"}"#),
        ok(
            "maxProperties 2 on a map: 2 ok",
            r#""labels":{"a":"x","b":"y"}"#,
        ),
        refused(
            "maxProperties 2 on a map: 3 refused",
            r#""labels":{"a":"x","b":"y","c":"z"}"#,
            &["labels"],
        ),
        refused(
            "map value of the wrong type refused at its key",
            r#""labels":{"a":1}"#,
            &["labels.a"],
        ),
        refused(
            "minProperties on a struct: {} refused",
            r#""settings":{}"#,
            &["settings"],
        ),
        ok(
            "minProperties on a struct: 1 ok",
            r#""settings":{"a":true}"#,
        ),
        ok(
            "maxProperties on a struct: 2 ok",
            r#""settings":{"a":true,"b":false}"#,
        ),
        refused(
            "maxProperties on a struct: 3 refused",
            r#""settings":{"a":true,"b":false,"c":true}"#,
            &["settings"],
        ),
        // formats
        ok("email: a@b.c ok", r#""email":"a@b.c""#),
        refused("email: a@ refused", r#""email":"a@""#, &["email"]),
        refused("email: @b.c refused", r#""email":"@b.c""#, &["email"]),
        refused("email: no @ refused", r#""email":"ab.c""#, &["email"]),
        ok("hostname: example.com ok", r#""host":"example.com""#),
        ok("hostname: single label ok", r#""host":"localhost""#),
        refused(
            "hostname: leading hyphen refused",
            r#""host":"-a.com""#,
            &["host"],
        ),
        refused(
            "hostname: empty label refused",
            r#""host":"a..com""#,
            &["host"],
        ),
        refused(
            "hostname: underscore refused",
            r#""host":"a_b.com""#,
            &["host"],
        ),
        ok("ipv4: 192.168.0.1 ok", r#""ipv4":"192.168.0.1""#),
        ok("ipv4: 255.255.255.255 ok", r#""ipv4":"255.255.255.255""#),
        refused(
            "ipv4: 256.1.1.1 refused",
            r#""ipv4":"256.1.1.1""#,
            &["ipv4"],
        ),
        refused("ipv4: three parts refused", r#""ipv4":"1.2.3""#, &["ipv4"]),
        ok("ipv6: ::1 ok", r#""ipv6":"::1""#),
        ok(
            "ipv6: 2001:db8::8a2e:370:7334 ok",
            r#""ipv6":"2001:db8::8a2e:370:7334""#,
        ),
        refused("ipv6: 1:::2 refused", r#""ipv6":"1:::2""#, &["ipv6"]),
        refused("ipv6: an ipv4 refused", r#""ipv6":"1.2.3.4""#, &["ipv6"]),
        ok("date: 2024-02-29 ok", r#""day":"2024-02-29""#),
        refused(
            "date: 2023-02-29 refused",
            r#""day":"2023-02-29""#,
            &["day"],
        ),
        refused("date: 2024-2-29 refused", r#""day":"2024-2-29""#, &["day"]),
        refused(
            "date: a date-time refused",
            r#""day":"2024-02-29T00:00:00Z""#,
            &["day"],
        ),
        ok("date-time: Z ok", r#""at":"2024-02-29T23:59:59Z""#),
        ok(
            "date-time: offset ok",
            r#""at":"2024-02-29T23:59:59.5+01:00""#,
        ),
        refused(
            "date-time: without an offset refused",
            r#""at":"2024-02-29T23:59:59""#,
            &["at"],
        ),
        refused(
            "date-time: 2023-02-29 refused",
            r#""at":"2023-02-29T00:00:00Z""#,
            &["at"],
        ),
        refused("date-time: a date refused", r#""at":"2024-02-29""#, &["at"]),
        ok(
            "uuid: hyphenated ok",
            r#""id":"5885fb70-81c1-423b-b556-771b5ab4d55b""#,
        ),
        refused(
            "uuid: one digit short refused",
            r#""id":"5885fb70-81c1-423b-b556-771b5ab4d55""#,
            &["id"],
        ),
        refused(
            "uuid: not hex refused",
            r#""id":"5885fb70-81c1-423b-b556-771b5ab4d55g""#,
            &["id"],
        ),
        refused(
            "uuid: without hyphens refused",
            r#""id":"5885fb7081c1423bb556771b5ab4d55b""#,
            &["id"],
        ),
        ok("uri-reference: relative ok", r#""link":"../a/b?c=d#e""#),
        ok(
            "uri-reference: absolute ok",
            r#""link":"https://example.com/x""#,
        ),
        ok("uri-reference: percent-encoded ok", r#""link":"/a%20b""#),
        refused(
            "uri-reference: a space refused",
            r#""link":"a b""#,
            &["link"],
        ),
        refused(
            "uri-reference: bad escape refused",
            r#""link":"/a%zz""#,
            &["link"],
        ),
        // pattern, with \d
        ok("pattern: AB123 ok", r#""code":"AB123""#),
        refused("pattern: AB12 refused", r#""code":"AB12""#, &["code"]),
        refused("pattern: AB1234 refused", r#""code":"AB1234""#, &["code"]),
        refused("pattern: ab123 refused", r#""code":"ab123""#, &["code"]),
        refused(
            "pattern: \\d refuses non-ASCII digits",
            r#""code":"AB١٢٣""#,
            &["code"],
        ),
        // enum
        ok("string enum: red ok", r#""color":"red""#),
        refused("string enum: blue refused", r#""color":"blue""#, &["color"]),
        refused("string enum: Red refused", r#""color":"Red""#, &["color"]),
        ok("integer enum: 3 ok", r#""level":3"#),
        refused("integer enum: 4 refused", r#""level":4"#, &["level"]),
        refused("integer enum: 0 refused", r#""level":0"#, &["level"]),
        refused("integer enum: \"2\" refused", r#""level":"2""#, &["level"]),
        // nullable
        ok("nullable: null ok", r#""note":null"#),
        ok("nullable: a string ok", r#""note":"x""#),
        refused("nullable: a number refused", r#""note":1"#, &["note"]),
        refused("not nullable: null refused", r#""count":null"#, &["count"]),
        // readOnly, additionalProperties: false
        refused("readOnly: sent refused", r#""serial":"s-1""#, &["serial"]),
        refused(
            "additionalProperties false: unknown refused",
            r#""extra":1"#,
            &["extra"],
        ),
        // nested objects
        ok(
            "nested: complete owner ok",
            r#""owner":{"name":"a","address":{"city":"b","zip":"12345"}}"#,
        ),
        refused(
            "nested: missing city refused at owner.address.city",
            r#""owner":{"name":"a","address":{}}"#,
            &["owner.address.city"],
        ),
        refused(
            "nested: two problems two levels down",
            r#""owner":{"name":"","address":{"city":"b","zip":"1234"}}"#,
            &["owner.address.zip", "owner.name"],
        ),
        refused(
            "nested: unknown property of a closed nested object",
            r#""owner":{"name":"a","address":{"city":"b"},"age":3}"#,
            &["owner.age"],
        ),
        // arrays of objects
        ok(
            "items: two good items ok",
            r#""items":[{"name":"a"},{"name":"b","quantity":1}]"#,
        ),
        refused(
            "items: empty name at items[1].name",
            r#""items":[{"name":"a"},{"name":""}]"#,
            &["items[1].name"],
        ),
        refused(
            "items: missing name and low quantity",
            r#""items":[{"name":"a","quantity":0},{}]"#,
            &["items[0].quantity", "items[1].name"],
        ),
        // oneOf with a discriminator
        ok(
            "oneOf discriminator: cat ok",
            r#""pet":{"petType":"cat","lives":9}"#,
        ),
        ok(
            "oneOf discriminator: dog ok",
            r#""pet":{"petType":"dog","bark":"soft"}"#,
        ),
        refused(
            "oneOf discriminator: cat checked as a cat",
            r#""pet":{"petType":"cat","lives":10}"#,
            &["pet.lives"],
        ),
        refused(
            "oneOf discriminator: dog with a cat's fields",
            r#""pet":{"petType":"dog","lives":3}"#,
            &["pet.bark"],
        ),
        refused(
            "oneOf discriminator: unknown tag",
            r#""pet":{"petType":"cow","lives":3}"#,
            &["pet.petType"],
        ),
        refused(
            "oneOf discriminator: missing tag",
            r#""pet":{"lives":3}"#,
            &["pet.petType"],
        ),
        // oneOf without a discriminator
        ok("oneOf: email member ok", r#""contact":{"email":"a@b.c"}"#),
        ok(
            "oneOf: phone member ok",
            r#""contact":{"phone":"+1234567"}"#,
        ),
        refused(
            "oneOf: fits no member refused",
            r#""contact":{"email":"a@"}"#,
            &["contact"],
        ),
        refused(
            "oneOf without discriminator: fits both members refused",
            r#""contact":{"email":"a@b.c","phone":"+1234567"}"#,
            &["contact"],
        ),
        // anyOf
        ok("anyOf: integer member ok", r#""handle":1"#),
        ok("anyOf: string member ok", r#""handle":"abc""#),
        refused("anyOf: a boolean refused", r#""handle":true"#, &["handle"]),
        refused(
            "anyOf: 0 (below the integer member's minimum) refused",
            r#""handle":0"#,
            &["handle"],
        ),
        refused(
            "anyOf: \"ab\" (below the string member's minLength) refused",
            r#""handle":"ab""#,
            &["handle"],
        ),
        // several problems
        refused(
            "three problems give three details",
            r#""half":1.3,"color":"blue","extra":true"#,
            &["color", "extra", "half"],
        ),
        Case {
            name: "required: missing name refused",
            body: "{}".to_owned(),
            status: 422,
            targets: vec!["name"],
        },
        Case {
            name: "the minimal body ok",
            body: with_name(""),
            status: 204,
            targets: Vec::new(),
        },
    ]
}

/// `status<TAB>code<TAB>targets` of each case the driver printed, by case name.
type Answers = BTreeMap<String, (u16, String, Vec<String>)>;

fn run_driver(cases: &[Case]) -> Answers {
    // Kept between runs: unchanged generated files keep their times, so cargo rebuilds little.
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("keyword-behaviour");
    std::fs::create_dir_all(&work).expect("work dir");
    let spec = work.join("keywords.yaml");
    std::fs::write(&spec, SPEC).expect("write the spec");

    let crates = work.join("crates");
    support::generate(&spec, "keywords", &crates);
    let driver = crates.join("driver");
    support::write_driver(&driver, DRIVER_MANIFEST, DRIVER);

    let table: String = cases
        .iter()
        .map(|c| {
            assert!(!c.name.contains('\t') && !c.body.contains(['\t', '\n']));
            format!("{}\t{}\n", c.name, c.body)
        })
        .collect();
    let table_path = work.join("cases.txt");
    std::fs::write(&table_path, table).expect("write the cases");

    let stdout = support::run_driver(&driver, &[table_path.as_os_str()]);
    stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, status, code, targets] = fields[..] else {
                panic!("a driver line is not name, status, code, targets: {line:?}");
            };
            let targets = match targets {
                "-" => Vec::new(),
                t => t.split(',').map(str::to_owned).collect(),
            };
            let status = status.parse().expect("a status");
            (name.to_owned(), (status, code.to_owned(), targets))
        })
        .collect()
}

#[test]
fn slow_generated_server_enforces_the_generic_schema_keywords() {
    let started = std::time::Instant::now();
    let cases = cases();
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "two cases named {:?}", case.name);
    }

    let answers = run_driver(&cases);

    let mut failures = Vec::new();
    for case in &cases {
        let Some((status, code, targets)) = answers.get(case.name) else {
            failures.push(format!("{}: no answer from the driver", case.name));
            continue;
        };
        let expected_code = if case.status == 422 {
            "InvalidKeywordsRequest"
        } else {
            "-"
        };
        if *status != case.status || targets != &case.targets || code != expected_code {
            failures.push(format!(
                "{}: body {} answered {status} {code} {targets:?}, expected {} {expected_code} {:?}",
                case.name, case.body, case.status, case.targets
            ));
        }
    }

    println!(
        "{} cases, {} as expected, in {:.1?}",
        cases.len(),
        cases.len() - failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} cases answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
