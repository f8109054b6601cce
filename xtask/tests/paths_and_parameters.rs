//! Paths and parameters from real-world documents (issue 13), over loopback: for each construct,
//! a small spec whose generated client calls its generated server, which answers with what it
//! read (Rust's debug text of its arguments), so each line checks that the server saw exactly
//! the values sent; malformed requests check the spec's refusals.
//!
//! `SEGMENTS`: segments with text beside their parameters (`{name}:cancel`, `{name}.{ext}`,
//! `{from}-{to}`), routes shared by several templates, reserved expansion (`{+path}`), a
//! fragment (`#details`), a literal segment axum cannot hold (`:batch`).
//!
//! `PARAMS`: an array path parameter (`simple` style), a path parameter whose schema is a union (`oneOf: [integer, string]`, as GitHub's
//! `workflow_id`), enums of integers and booleans, query arrays in `form` (exploded or not),
//! `spaceDelimited` and `pipeDelimited` style, query objects in `form` (exploded or not) and
//! `deepObject` style, a `content: application/json` parameter, an array of objects (JSON text),
//! cookies, and headers holding an array, an object and a free-form object.
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

const PARAMS: &str = r##"openapi: 3.0.3
info:
  title: Params
  version: "1"
  description: Parameters of every kind.
paths:
  /workflows/{workflow_id}:
    get:
      operationId: getWorkflow
      parameters:
        - name: workflow_id
          in: path
          required: true
          schema: { oneOf: [{ type: integer }, { type: string }] }
      responses: { "200": { $ref: "#/components/responses/Seen" } }
  /batch/{ids}:
    get:
      operationId: getBatch
      parameters:
        - { name: ids, in: path, required: true, schema: { type: array, items: { type: integer } } }
      responses: { "200": { $ref: "#/components/responses/Seen" } }
  /search:
    get:
      operationId: search
      parameters:
        - { name: level, in: query, schema: { type: integer, enum: [1, 2, 3] } }
        - { name: flag, in: query, schema: { type: boolean, enum: [true] } }
        - { name: tags, in: query, schema: { type: array, items: { type: string } } }
        - { name: ids, in: query, explode: false, schema: { type: array, items: { type: integer } } }
        - { name: words, in: query, style: spaceDelimited, explode: false, schema: { type: array, items: { type: string } } }
        - { name: codes, in: query, style: pipeDelimited, explode: false, schema: { type: array, items: { type: integer } } }
        - { name: range, in: query, schema: { $ref: "#/components/schemas/Range" } }
        - { name: point, in: query, explode: false, schema: { $ref: "#/components/schemas/Point" } }
        - name: meta
          in: query
          style: deepObject
          schema: { type: object, additionalProperties: { type: string } }
        - name: filter
          in: query
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Filter" }
        - name: mdfilters
          in: query
          schema: { type: array, items: { $ref: "#/components/schemas/Filter" } }
        - { name: session, in: cookie, schema: { type: string } }
        - { name: theme, in: cookie, schema: { type: integer } }
        - { name: X-Tags, in: header, schema: { type: array, items: { type: string } } }
        - { name: X-Point, in: header, explode: true, schema: { $ref: "#/components/schemas/Point" } }
        - { name: Idempotency-Key, in: header, schema: { type: object } }
      responses:
        "200": { $ref: "#/components/responses/Seen" }
        "400":
          description: A parameter is not valid.
          content: { application/json: { schema: { type: object } } }
components:
  schemas:
    Range:
      type: object
      properties:
        gt: { type: integer }
        lt: { type: integer }
    Point:
      type: object
      required: [x, y]
      properties:
        x: { type: number }
        y: { type: number }
    Filter:
      type: object
      properties:
        scope: { type: string }
        values: { type: array, items: { type: integer } }
  responses:
    Seen:
      description: What the server read, as Rust's debug text.
      content: { application/json: { schema: { type: string } } }
"##;

/// Serves both generated routers on loopback and calls them through the generated clients; prints
/// `label<TAB>result` a line.
const DRIVER: &str = r#"
use std::collections::BTreeMap;

use params_server::params::SearchParams;
use params_server::responses as par;
use params_server::types::{Filter, Point, Range, SearchLevel};
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

struct Params;

impl params_server::Api for Params {
    type Caller = ();
    async fn get_workflow(&self, workflow_id: String) -> par::GetWorkflowResponse {
        par::GetWorkflowResponse::Ok(format!("{workflow_id:?}"))
    }
    async fn get_batch(&self, ids: Vec<i64>) -> par::GetBatchResponse {
        par::GetBatchResponse::Ok(format!("{ids:?}"))
    }
    async fn search(&self, params: SearchParams) -> par::SearchResponse {
        par::SearchResponse::Ok(format!("{params:?}"))
    }
}

/// `same` when the server read what was sent, else what it read.
fn same<E: std::fmt::Debug>(sent: &SearchParams, read: Result<String, E>) -> String {
    match read {
        Ok(text) if text == format!("{sent:?}") => "same".to_owned(),
        Ok(text) => format!("read {text}, sent {sent:?}"),
        Err(e) => format!("error {e:?}"),
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

    let at = serve(params_server::router(Params, Anyone)).await;
    let c = params_client::Client::new(&at).expect("client");
    show("union", c.get_workflow(&"ci.yml".to_owned()).await);
    show("path array", c.get_batch(&[1, -2, 3]).await);
    println!("path array item\t{}", raw(reqwest::Method::GET, format!("{at}/batch/1,x")).await);
    let all = SearchParams {
        level: Some(SearchLevel::Value2),
        flag: Some(true),
        tags: Some(vec!["a b".into(), "c,d&e=f".into()]),
        ids: Some(vec![1, -2]),
        words: Some(vec!["x".into(), "y".into()]),
        codes: Some(vec![3, 4]),
        range: Some(Range { gt: Some(1), lt: None }),
        point: Some(Point { x: 1.5, y: -2.0 }),
        meta: Some(BTreeMap::from([("k1".into(), "v1".into()), ("k 2".into(), "v&2".into())])),
        filter: Some(Filter { scope: Some("s".into()), values: Some(vec![1, 2]) }),
        mdfilters: Some(vec![Filter { scope: None, values: Some(vec![7]) }, Filter::default()]),
        session: Some("a b;c,d%".into()),
        theme: Some(3),
        x_tags: Some(vec!["t1".into(), "t2".into()]),
        x_point: Some(Point { x: 3.0, y: 4.25 }),
        idempotency_key: Some(BTreeMap::from([("k".into(), serde_json::json!("v"))])),
    };
    println!("every parameter\t{}", same(&all, c.search(&all).await));
    let none = SearchParams::default();
    println!("no parameter\t{}", same(&none, c.search(&none).await));

    // What other clients send, written by hand from the OpenAPI styles.
    let wire = SearchParams {
        tags: Some(vec!["x".into(), "y".into()]),
        ids: Some(vec![3, 4]),
        words: Some(vec!["a".into(), "b".into()]),
        codes: Some(vec![1, 2]),
        range: Some(Range { gt: Some(5), lt: Some(9) }),
        point: Some(Point { x: 1.0, y: 2.0 }),
        meta: Some(BTreeMap::from([("k".into(), "v".into())])),
        filter: Some(Filter { scope: Some("s".into()), values: None }),
        session: Some("s1".into()),
        theme: Some(7),
        x_tags: Some(vec!["p".into(), "q".into()]),
        x_point: Some(Point { x: 1.0, y: 2.0 }),
        ..SearchParams::default()
    };
    let query = "tags=x&tags=y&ids=3,4&words=a%20b&codes=1|2&gt=5&lt=9&point=x,1,y,2&meta[k]=v&filter=%7B%22scope%22%3A%22s%22%7D";
    let answer = reqwest::Client::new()
        .get(format!("{at}/search?{query}"))
        .header("cookie", "session=s1; theme=7")
        .header("x-tags", "p,q")
        .header("x-point", "x=1,y=2")
        .send()
        .await
        .expect("send");
    let text = answer.text().await.expect("body");
    let read: Result<String, String> = serde_json::from_str(&text).map_err(|_| text);
    println!("styles on the wire\t{}", same(&wire, read));
    println!("unparsable enum\t{}", raw(reqwest::Method::GET, format!("{at}/search?level=x")).await);
    println!("odd object\t{}", raw(reqwest::Method::GET, format!("{at}/search?point=x,1,y")).await);
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
params-server = { path = "../params-server" }
params-client = { path = "../params-client", default-features = false, features = ["client"] }
serde_json = "1"
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
    ("union", r#""\"ci.yml\"""#),
    ("path array", r#""[1, -2, 3]""#),
    (
        "path array item",
        r#"404 {"error":{"code":"InvalidPathParameter","message":"A path parameter is not valid."}}"#,
    ),
    ("every parameter", "same"),
    ("no parameter", "same"),
    ("styles on the wire", "same"),
    (
        "unparsable enum",
        r#"400 {"error":{"code":"InvalidParameter","message":"A query or header parameter is not valid.","details":[{"code":"InvalidValue","message":"The value is not valid.","target":"level"}]}}"#,
    ),
    // `form` without `explode`: keys and values alternate, and `y` has no value.
    (
        "odd object",
        r#"400 {"error":{"code":"InvalidParameter","message":"A query or header parameter is not valid.","details":[{"code":"InvalidValue","message":"The value is not valid.","target":"point"}]}}"#,
    ),
];

#[test]
fn slow_generated_clients_and_servers_agree_on_paths_and_parameters() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paths-and-parameters");
    let crates = work.join("crates");
    std::fs::create_dir_all(&crates).expect("work dir");
    for (name, spec) in [("segments", SEGMENTS), ("params", PARAMS)] {
        let path = work.join(format!("{name}.yaml"));
        std::fs::write(&path, spec).expect("write the spec");
        support::generate(&path, name, &crates);
    }
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
