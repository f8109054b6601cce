//! Request and response bodies beyond JSON, over loopback HTTP: the generated client sends to the
//! generated server, which reports back exactly what it read, and the client decodes every kind
//! of answer.
//!
//! One spec holds one small operation per construct:
//! - `upload`: `multipart/form-data` with a required file, an optional file with an `encoding`
//!   content type, text, integer, array, JSON-object and date-time parts;
//! - `uploadRaw`: `multipart/form-data` whose schema names no parts (the untyped form);
//! - `putBlob`: `application/octet-stream` in and out;
//! - `postNote`: `text/plain` in and out;
//! - `postMulti`: one body in JSON, form encoding, multipart or text (the `{stem}Payload` enum),
//!   plus `multipart/mixed`, which is listed but not spoken; another `Content-Type` is a 415;
//! - `getReport`: a 200 in JSON or CSV (decoded by the answer's `Content-Type`) with an array
//!   header, a `4XX` and a `default` answer;
//! - `getAvatar`: a 200 in PNG or SVG bytes.
//!
//! Raw requests check what the client would not send: another media type (415), a form missing
//! a required part or with a part of the wrong type (422 naming the part), a form over the body
//! limit (413), and a JSON body that breaks its schema on the operation of several media types.
//!
//! Slow: it builds the two generated crates and a driver with cargo (offline, pinned by the
//! workspace's lock file).

use std::path::Path;

mod support;

const SPEC: &str = r##"
openapi: "3.0.3"
info:
  title: Bodies
  version: "1.0.0"
paths:
  /upload:
    post:
      operationId: upload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, count]
              properties:
                file: { type: string, format: binary, description: The upload. }
                thumbnail: { type: string, format: binary }
                description: { type: string }
                count: { type: integer, format: int32 }
                tags: { type: array, items: { type: string } }
                meta: { $ref: "#/components/schemas/Meta" }
                at: { type: string, format: date-time }
            encoding:
              thumbnail: { contentType: image/png }
              meta:
                contentType: application/json
                headers:
                  X-Trace: { schema: { type: string } }
      responses:
        "200":
          description: What the server saw.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Seen" }
  /raw:
    post:
      operationId: uploadRaw
      requestBody:
        content:
          multipart/form-data:
            schema: { type: array, items: { type: string } }
      responses:
        "200":
          description: What the server saw.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Seen" }
  /blob:
    put:
      operationId: putBlob
      requestBody:
        required: true
        content:
          application/octet-stream:
            schema: { type: string, format: binary }
      responses:
        "200":
          description: The bytes reversed.
          content:
            application/octet-stream:
              schema: { type: string, format: binary }
  /note:
    post:
      operationId: postNote
      requestBody:
        required: true
        content:
          text/plain:
            schema: { type: string }
      responses:
        "200":
          description: The note in upper case.
          content:
            text/plain:
              schema: { type: string }
  /multi:
    post:
      operationId: postMulti
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Meta" }
          application/x-www-form-urlencoded:
            schema: { $ref: "#/components/schemas/Meta" }
          multipart/form-data:
            schema: { $ref: "#/components/schemas/Meta" }
          text/plain:
            schema: { type: string }
          multipart/mixed:
            schema: { type: string }
      responses:
        "200":
          description: What the server saw.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Seen" }
        "415":
          description: Not one of the media types.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Problem" }
  /report:
    get:
      operationId: getReport
      parameters:
        - { name: format, in: query, required: true, schema: { type: string } }
        - { name: fail, in: query, required: true, schema: { type: integer, format: int32 } }
      responses:
        "200":
          description: The report, as JSON or CSV.
          headers:
            X-Tags:
              required: true
              schema: { type: array, items: { type: string } }
            X-Pages:
              schema: { type: array, items: { type: integer, format: int32 } }
          content:
            text/csv:
              schema: { type: string }
            application/json:
              schema: { $ref: "#/components/schemas/Seen" }
        "4XX":
          description: A client error.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Problem" }
        default:
          description: Anything else, as text.
          content:
            text/plain:
              schema: { type: string }
  /avatar:
    get:
      operationId: getAvatar
      parameters:
        - { name: kind, in: query, required: true, schema: { type: string } }
      responses:
        "200":
          description: The avatar.
          content:
            image/png:
              schema: { type: string, format: binary }
            image/svg+xml:
              schema: { type: string, format: binary }
components:
  schemas:
    Meta:
      type: object
      required: [name]
      properties:
        name: { type: string }
        size: { type: integer, format: int64 }
    Problem:
      type: object
      properties:
        code: { type: string }
    Seen:
      type: object
      properties:
        kind: { type: string }
        parts: { type: array, items: { type: string } }
"##;

/// Serves the generated router on loopback with an `Api` that reports what it read, calls it
/// with the generated client (and with raw requests where the client would not send them), and
/// prints one `name<TAB>result` line per case.
const DRIVER: &str = r#"
use bodies_client::bodies::{GetAvatarOkContent, GetReportOkContent, PostMultiPayload, UploadForm};
use bodies_client::params::{GetAvatarParams, GetReportParams};
use bodies_client::types::{Meta, Problem, Seen};
use bodies_client::{Client, Error, GetReportError};
use bodies_server::bodies as server_bodies;
use bodies_server::responses::*;
use bodies_server::{Api, AuthError, AuthRequest, Authenticator};
use specfirst_runtime::multipart::{File, Form, Part};

struct Anyone;

impl Authenticator for Anyone {
    type Caller = ();
    async fn authenticate(&self, _: AuthRequest<'_>) -> Result<(), AuthError> {
        Ok(())
    }
}

fn seen(kind: &str, parts: Vec<String>) -> Seen {
    Seen { kind: Some(kind.to_owned()), parts: Some(parts) }
}

fn file_text(file: &File) -> String {
    format!(
        "{}|{}|{}",
        file.file_name.as_deref().unwrap_or("-"),
        file.content_type.as_deref().unwrap_or("-"),
        String::from_utf8_lossy(&file.bytes)
    )
}

struct Echo;

impl Api for Echo {
    type Caller = ();

    async fn upload(&self, body: server_bodies::UploadForm) -> UploadResponse {
        let mut parts = vec![format!("file={}", file_text(&body.file))];
        if let Some(t) = &body.thumbnail {
            parts.push(format!("thumbnail={}", file_text(t)));
        }
        parts.push(format!("description={:?}", body.description));
        parts.push(format!("count={}", body.count));
        parts.push(format!("tags={}", body.tags.join("+")));
        parts.push(format!("meta={:?}", body.meta.map(|m| (m.name, m.size))));
        parts.push(format!("at={:?}", body.at.map(|at| at.to_rfc3339())));
        UploadResponse::Ok(seen("upload", parts))
    }

    async fn upload_raw(&self, body: Option<Form>) -> UploadRawResponse {
        let parts = body
            .map(|form| {
                form.parts()
                    .iter()
                    .map(|p| format!("{}={}", p.name, String::from_utf8_lossy(&p.bytes)))
                    .collect()
            })
            .unwrap_or_default();
        UploadRawResponse::Ok(seen("raw", parts))
    }

    async fn put_blob(&self, mut body: Vec<u8>) -> PutBlobResponse {
        body.reverse();
        PutBlobResponse::Ok(body)
    }

    async fn post_note(&self, body: String) -> PostNoteResponse {
        PostNoteResponse::Ok(body.to_uppercase())
    }

    async fn post_multi(&self, body: server_bodies::PostMultiPayload) -> PostMultiResponse {
        let (kind, parts) = match body {
            server_bodies::PostMultiPayload::Json(m) => ("json", vec![m.name, format!("{:?}", m.size)]),
            server_bodies::PostMultiPayload::Form(m) => ("form", vec![m.name, format!("{:?}", m.size)]),
            server_bodies::PostMultiPayload::Multipart(m) => ("multipart", vec![m.name, format!("{:?}", m.size)]),
            server_bodies::PostMultiPayload::Text(t) => ("text", vec![t]),
        };
        PostMultiResponse::Ok(seen(kind, parts))
    }

    async fn get_report(&self, params: bodies_server::params::GetReportParams) -> GetReportResponse {
        match params.fail {
            0 => {}
            s if (400..500).contains(&s) => {
                return GetReportResponse::ClientError {
                    status: http::StatusCode::from_u16(s as u16).unwrap(),
                    body: Problem { code: Some("Nope".into()) },
                };
            }
            s => {
                return GetReportResponse::Default {
                    status: http::StatusCode::from_u16(s as u16).unwrap(),
                    body: "down for maintenance".into(),
                };
            }
        }
        let body = if params.format == "csv" {
            server_bodies::GetReportOkContent::Csv("a,b\n1,2\n".into())
        } else {
            server_bodies::GetReportOkContent::Json(seen("report", vec!["a".into()]))
        };
        GetReportResponse::Ok {
            body,
            x_tags: vec!["red".into(), "green".into()],
            x_pages: (params.format == "csv").then(|| vec![1, 2, 3]),
        }
    }

    async fn get_avatar(&self, params: bodies_server::params::GetAvatarParams) -> GetAvatarResponse {
        GetAvatarResponse::Ok(if params.kind == "png" {
            server_bodies::GetAvatarOkContent::Png(b"\x89PNG-bytes".to_vec())
        } else {
            server_bodies::GetAvatarOkContent::SvgXml(b"<svg/>".to_vec())
        })
    }
}

fn show(seen: Result<Seen, impl std::fmt::Debug>) -> String {
    match seen {
        Ok(s) => format!("{} {}", s.kind.unwrap_or_default(), s.parts.unwrap_or_default().join(" ; ")),
        Err(e) => format!("error {e:?}"),
    }
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        axum::serve(listener, bodies_server::router(Echo, Anyone)).await.expect("serve");
    });
    let client = Client::new(&url).expect("client");

    let form = UploadForm {
        file: File::new(b"hello".to_vec()).with_file_name("hello.txt").with_content_type("text/plain"),
        thumbnail: Some(File::new(b"PNG".to_vec())),
        description: Some("a \"quoted\" one".into()),
        count: 3,
        tags: vec!["x".into(), "y".into()],
        meta: Some(Meta { name: "m".into(), size: Some(7) }),
        at: Some("2024-02-29T12:00:00Z".parse().unwrap()),
    };
    println!("multipart\t{}", show(client.upload(&form).await));
    let bare = UploadForm {
        file: File::new(b"x".to_vec()),
        thumbnail: None,
        description: None,
        count: -1,
        tags: vec![],
        meta: None,
        at: None,
    };
    println!("multipart minimal\t{}", show(client.upload(&bare).await));

    let mut raw = Form::new();
    raw.push(Part { name: "a".into(), file_name: None, content_type: None, bytes: b"1".to_vec() });
    raw.push(Part { name: "a".into(), file_name: None, content_type: None, bytes: b"2".to_vec() });
    println!("multipart raw\t{}", show(client.upload_raw(Some(&raw)).await));
    println!("multipart raw absent\t{}", show(client.upload_raw(None).await));

    let blob = client.put_blob(&[0u8, 1, 2, 255]).await.expect("blob");
    println!("binary\t{blob:?}");
    let note = client.post_note("hello note").await.expect("note");
    println!("text\t{note}");

    let meta = Meta { name: "n".into(), size: Some(9) };
    let payloads = [
        ("several json", PostMultiPayload::Json(meta.clone())),
        ("several form", PostMultiPayload::Form(meta.clone())),
        ("several multipart", PostMultiPayload::Multipart(bodies_client::bodies::PostMultiForm { name: "n".into(), size: Some(9) })),
        ("several text", PostMultiPayload::Text("plain words".into())),
    ];
    for (name, payload) in payloads {
        println!("{name}\t{}", show(client.post_multi(&payload).await));
    }

    let report = client.get_report(&GetReportParams { format: "csv".into(), fail: 0 }).await.expect("csv");
    match report.body {
        GetReportOkContent::Csv(text) => println!("answer csv\t{text:?} {:?} {:?}", report.x_tags, report.x_pages),
        other => println!("answer csv\twrong {other:?}"),
    }
    let report = client.get_report(&GetReportParams { format: "json".into(), fail: 0 }).await.expect("json");
    match report.body {
        GetReportOkContent::Json(seen) => println!("answer json\t{} {:?} {:?}", show(Ok::<_, ()>(seen)), report.x_tags, report.x_pages),
        other => println!("answer json\twrong {other:?}"),
    }
    match client.get_report(&GetReportParams { format: "csv".into(), fail: 404 }).await {
        Err(Error::Api(GetReportError::ClientError { status, body })) => println!("answer 4XX\t{} {:?}", status.as_u16(), body.code),
        other => println!("answer 4XX\twrong {other:?}"),
    }
    match client.get_report(&GetReportParams { format: "csv".into(), fail: 503 }).await {
        Err(Error::Api(GetReportError::Default { status, body })) => println!("answer default\t{} {body:?}", status.as_u16()),
        other => println!("answer default\twrong {other:?}"),
    }
    for kind in ["png", "svg"] {
        match client.get_avatar(&GetAvatarParams { kind: kind.into() }).await {
            Ok(GetAvatarOkContent::Png(bytes)) => println!("answer {kind}\tpng {}", String::from_utf8_lossy(&bytes)),
            Ok(GetAvatarOkContent::SvgXml(bytes)) => println!("answer {kind}\tsvg {}", String::from_utf8_lossy(&bytes)),
            other => println!("answer {kind}\twrong {other:?}"),
        }
    }

    // What the client would not send: another media type, and a form missing a required part.
    let http = reqwest::Client::new();
    let refused = http
        .post(format!("{url}/multi"))
        .header("content-type", "application/xml")
        .body("<meta/>")
        .send()
        .await
        .expect("send");
    let status = refused.status().as_u16();
    println!("unsupported\t{status} {}", refused.text().await.unwrap_or_default());
    let mut missing = Form::new();
    missing.files("file", None, [&File::new(b"x".to_vec())]);
    let (content_type, bytes) = missing.encode();
    let refused = http
        .post(format!("{url}/upload"))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("send");
    let status = refused.status().as_u16();
    println!("missing part\t{status} {}", refused.text().await.unwrap_or_default());
    let mut bad = Form::new();
    bad.files("file", None, [&File::new(b"x".to_vec())]);
    bad.texts("count", None, ["three".to_owned()]);
    let (content_type, bytes) = bad.encode();
    let refused = http
        .post(format!("{url}/upload"))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("send");
    let status = refused.status().as_u16();
    println!("bad part\t{status} {}", refused.text().await.unwrap_or_default());
    // A form over the body limit (1 MiB by default) is refused as a JSON body would be.
    let mut big = Form::new();
    big.files("file", None, [&File::new(vec![b'a'; 2 * 1024 * 1024])]);
    big.texts("count", None, ["1".to_owned()]);
    let (content_type, bytes) = big.encode();
    let refused = http
        .post(format!("{url}/upload"))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("send");
    println!("too large\t{}", refused.status().as_u16());
    // The JSON entry of several media types is still checked against its schema.
    let refused = http
        .post(format!("{url}/multi"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send");
    let status = refused.status().as_u16();
    println!("several json invalid\t{status} {}", refused.text().await.unwrap_or_default());
}
"#;

fn driver_manifest() -> String {
    let runtime = support::workspace().join("runtime");
    format!(
        r#"[package]
name = "bodies-driver"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
bodies-client = {{ path = "../bodies-client", default-features = false, features = ["client"] }}
bodies-server = {{ path = "../bodies-server" }}
specfirst-runtime = {{ path = "{}" }}
axum = {{ version = "0.8", default-features = false, features = ["http1", "tokio"] }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "net"] }}
reqwest = {{ version = "0.13", default-features = false }}
http = "1"
"#,
        runtime.display()
    )
}

fn run() -> std::collections::BTreeMap<String, String> {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bodies");
    std::fs::create_dir_all(&work).expect("work dir");
    let spec = work.join("bodies.yaml");
    std::fs::write(&spec, SPEC).expect("write the spec");
    let crates = work.join("crates");
    support::generate(&spec, "bodies", &crates);
    let driver = crates.join("driver");
    support::write_driver(&driver, &driver_manifest(), DRIVER);
    let stdout = support::run_driver(&driver, &[]);
    stdout
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, result)| (name.to_owned(), result.to_owned()))
        .collect()
}

#[test]
fn slow_bodies_round_trip_between_the_generated_client_and_server() {
    let answers = run();
    let expect = |name: &str, wanted: &str| {
        let got = answers
            .get(name)
            .unwrap_or_else(|| panic!("no line `{name}` from the driver: {answers:#?}"));
        assert_eq!(got, wanted, "case `{name}`");
    };
    expect(
        "multipart",
        "upload file=hello.txt|text/plain|hello ; thumbnail=file|image/png|PNG ; \
         description=Some(\"a \\\"quoted\\\" one\") ; count=3 ; tags=x+y ; \
         meta=Some((\"m\", Some(7))) ; at=Some(\"2024-02-29T12:00:00+00:00\")",
    );
    expect(
        "multipart minimal",
        "upload file=file|application/octet-stream|x ; description=None ; count=-1 ; tags= ; \
         meta=None ; at=None",
    );
    expect("multipart raw", "raw a=1 ; a=2");
    expect("multipart raw absent", "raw ");
    expect("binary", "[255, 2, 1, 0]");
    expect("text", "HELLO NOTE");
    expect("several json", "json n ; Some(9)");
    expect("several form", "form n ; Some(9)");
    expect("several multipart", "multipart n ; Some(9)");
    expect("several text", "text plain words");
    expect(
        "answer csv",
        "\"a,b\\n1,2\\n\" [\"red\", \"green\"] Some([1, 2, 3])",
    );
    expect("answer json", "report a [\"red\", \"green\"] None");
    expect("answer 4XX", "404 Some(\"Nope\")");
    expect("answer default", "503 \"down for maintenance\"");
    expect("answer png", "png \u{FFFD}PNG-bytes");
    expect("answer svg", "svg <svg/>");
    let unsupported = &answers["unsupported"];
    assert!(
        unsupported.starts_with("415 ") && unsupported.contains("\"UnsupportedMediaType\""),
        "{unsupported}"
    );
    let missing = &answers["missing part"];
    assert!(
        missing.starts_with("422 ") && missing.contains("\"target\":\"count\""),
        "{missing}"
    );
    assert_eq!(answers["too large"], "413");
    let invalid = &answers["several json invalid"];
    assert!(
        invalid.starts_with("422 ") && invalid.contains("\"target\":\"name\""),
        "{invalid}"
    );
    let bad = &answers["bad part"];
    assert!(
        bad.starts_with("422 ") && bad.contains("\"target\":\"count\""),
        "{bad}"
    );
}
