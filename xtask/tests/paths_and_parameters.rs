//! Paths and parameters from real-world documents (issue 13), over loopback: for each construct,
//! a small spec whose generated client calls its generated server, which answers with what it
//! read (Rust's debug text of its arguments), so each line checks that the server saw exactly
//! the values sent; malformed requests check the spec's refusals.
//!
//! `SEGMENTS`: segments with text beside their parameters (`{name}:cancel`, `{name}.{ext}`,
//! `{from}-{to}`), routes shared by several templates, reserved expansion (`{+path}`), a
//! fragment (`#details`), a literal segment axum cannot hold (`:batch`).
//!
//! Slow: it builds the generated crates and a driver with cargo (offline, pinned by the
//! workspace's lock file).

use std::path::Path;

mod support;

const SEGMENTS: &str = r##"openapi: 3.0.3
info:
  title: Segments
  version: "1"
  description: Path segments with text beside their parameters.
paths:
  /v1/{name}:cancel:
    post:
      operationId: cancel
      parameters: [{ $ref: "#/components/parameters/Name" }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /v1/{name}:undelete:
    post:
      operationId: undelete
      parameters: [{ $ref: "#/components/parameters/Name" }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /v1/{name}:
    get:
      operationId: getThing
      parameters: [{ $ref: "#/components/parameters/Name" }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /files/{name}.{ext}:
    get:
      operationId: getFile
      parameters:
        - { $ref: "#/components/parameters/Name" }
        - { name: ext, in: path, required: true, schema: { type: string } }
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /files/{id}:
    get:
      operationId: getFileById
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /range/{from}-{to}:
    get:
      operationId: getRange
      parameters:
        - { name: from, in: path, required: true, schema: { type: integer } }
        - { name: to, in: path, required: true, schema: { type: integer } }
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /raw/{+path}:
    get:
      operationId: getRaw
      parameters: [{ name: path, in: path, required: true, schema: { type: string } }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /items/{id}#details:
    get:
      operationId: getItemDetails
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /items/{itemId}:
    delete:
      operationId: deleteItem
      parameters: [{ name: itemId, in: path, required: true, schema: { type: string } }]
      responses: { "200": { $ref: "#/components/responses/Seen" }, "404": { $ref: "#/components/responses/NotFound" } }
  /jobs/:batch:
    post:
      operationId: batchJobs
      responses: { "200": { $ref: "#/components/responses/Seen" } }
components:
  parameters:
    Name: { name: name, in: path, required: true, schema: { type: string } }
  responses:
    Seen:
      description: What the server read, as Rust's debug text.
      content: { application/json: { schema: { type: string } } }
    NotFound:
      description: No such thing.
      content: { application/json: { schema: { type: object } } }
"##;

/// Serves both generated routers on loopback and calls them through the generated clients; prints
/// `label<TAB>result` a line.
const DRIVER: &str = r#"
use segments_server::responses as seg;

struct Anyone;

impl segments_server::Authenticator for Anyone {
    type Caller = ();
    async fn authenticate(&self, _: segments_server::AuthRequest<'_>) -> Result<(), segments_server::AuthError> {
        Ok(())
    }
}

struct Segments;

impl segments_server::Api for Segments {
    type Caller = ();
    async fn cancel(&self, name: String) -> seg::CancelResponse {
        seg::CancelResponse::Ok(format!("cancel {name:?}"))
    }
    async fn undelete(&self, name: String) -> seg::UndeleteResponse {
        seg::UndeleteResponse::Ok(format!("undelete {name:?}"))
    }
    async fn get_thing(&self, name: String) -> seg::GetThingResponse {
        seg::GetThingResponse::Ok(format!("thing {name:?}"))
    }
    async fn get_file(&self, name: String, ext: String) -> seg::GetFileResponse {
        seg::GetFileResponse::Ok(format!("file {name:?} {ext:?}"))
    }
    async fn get_file_by_id(&self, id: String) -> seg::GetFileByIdResponse {
        seg::GetFileByIdResponse::Ok(format!("file by id {id:?}"))
    }
    async fn get_range(&self, from: i64, to: i64) -> seg::GetRangeResponse {
        seg::GetRangeResponse::Ok(format!("range {from} {to}"))
    }
    async fn get_raw(&self, path: String) -> seg::GetRawResponse {
        seg::GetRawResponse::Ok(format!("raw {path:?}"))
    }
    async fn get_item_details(&self, id: String) -> seg::GetItemDetailsResponse {
        seg::GetItemDetailsResponse::Ok(format!("details {id:?}"))
    }
    async fn delete_item(&self, item_id: String) -> seg::DeleteItemResponse {
        seg::DeleteItemResponse::Ok(format!("delete {item_id:?}"))
    }
    async fn batch_jobs(&self) -> seg::BatchJobsResponse {
        seg::BatchJobsResponse::Ok("batch".to_owned())
    }
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let at = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    at
}

fn show<T: std::fmt::Debug, E: std::fmt::Debug>(label: &str, result: Result<T, E>) {
    match result {
        Ok(value) => println!("{label}\t{value:?}"),
        Err(e) => println!("{label}\terror {e:?}"),
    }
}

/// A request the generated client would not send: its status and body.
async fn raw(method: reqwest::Method, url: String) -> String {
    let answer = reqwest::Client::new().request(method, url).send().await.expect("send");
    let status = answer.status().as_u16();
    format!("{status} {}", answer.text().await.expect("body"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let at = serve(segments_server::router(Segments, Anyone)).await;
    let c = segments_client::Client::new(&at).expect("client");
    show("cancel", c.cancel(&"a.b:c/d é".to_owned()).await);
    show("undelete", c.undelete(&"x:cancel".to_owned()).await);
    show("thing", c.get_thing(&"plain".to_owned()).await);
    show("file", c.get_file(&"archive.tar".to_owned(), &"gz".to_owned()).await);
    show("file by id", c.get_file_by_id(&"abc".to_owned()).await);
    show("range", c.get_range(&3, &-4).await);
    show("raw", c.get_raw(&"a/b c/d".to_owned()).await);
    show("details", c.get_item_details(&"i1".to_owned()).await);
    show("delete", c.delete_item(&"i2".to_owned()).await);
    show("batch", c.batch_jobs().await);
    println!("unfit segment\t{}", raw(reqwest::Method::POST, format!("{at}/v1/abc")).await);
    println!("unparsable value\t{}", raw(reqwest::Method::GET, format!("{at}/range/a-b")).await);
    println!("other clients' dots\t{}", raw(reqwest::Method::GET, format!("{at}/files/a.b.c")).await);
}
"#;

const DRIVER_MANIFEST: &str = r#"[package]
name = "paths-and-parameters-driver"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
segments-server = { path = "../segments-server" }
segments-client = { path = "../segments-client", default-features = false, features = ["client"] }
axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
tokio = { version = "1", features = ["rt", "macros", "net"] }
reqwest = { version = "0.13", default-features = false }
"#;

/// What the driver prints, line by line.
const EXPECTED: &[(&str, &str)] = &[
    ("cancel", r#""cancel \"a.b:c/d é\"""#),
    ("undelete", r#""undelete \"x:cancel\"""#),
    ("thing", r#""thing \"plain\"""#),
    ("file", r#""file \"archive.tar\" \"gz\"""#),
    ("file by id", r#""file by id \"abc\"""#),
    ("range", r#""range 3 -4""#),
    ("raw", r#""raw \"a/b c/d\"""#),
    ("details", r#""details \"i1\"""#),
    ("delete", r#""delete \"i2\"""#),
    ("batch", r#""batch""#),
    // As for an unknown path: the segment fits no template of its route.
    (
        "unfit segment",
        r#"404 {"error":{"code":"NotFound","message":"No operation has this path."}}"#,
    ),
    // The operation's own refusal: the segment fits, but `a` is not an integer.
    (
        "unparsable value",
        r#"404 {"error":{"code":"InvalidPathParameter","message":"A path parameter is not valid."}}"#,
    ),
    // Another client may leave dots in a value unencoded: the shortest first value is taken.
    ("other clients' dots", r#"200 "file \"a\" \"b.c\"""#),
];

#[test]
fn slow_generated_clients_and_servers_agree_on_paths_and_parameters() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paths-and-parameters");
    let crates = work.join("crates");
    std::fs::create_dir_all(&crates).expect("work dir");
    let path = work.join("segments.yaml");
    std::fs::write(&path, SEGMENTS).expect("write the spec");
    support::generate(&path, "segments", &crates);
    let driver = crates.join("driver");
    support::write_driver(&driver, DRIVER_MANIFEST, DRIVER);
    let stdout = support::run_driver(&driver, &[]);
    let printed: Vec<(&str, &str)> = stdout
        .lines()
        .map(|line| line.split_once('\t').unwrap_or((line, "")))
        .collect();
    let mut failures = Vec::new();
    for (label, expected) in EXPECTED {
        match printed.iter().find(|(l, _)| l == label) {
            Some((_, got)) if got == expected => {}
            Some((_, got)) => failures.push(format!("{label}: got {got}, expected {expected}")),
            None => failures.push(format!("{label}: not printed")),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nthe driver printed:\n{stdout}",
        failures.join("\n")
    );
}
