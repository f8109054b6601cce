//! Whether generation time grows linearly with the document: one synthetic document at 1×, 2×
//! and 4× its size (the same resource, repeated under new names: a CRUD path pair, a list
//! envelope built with `allOf`, a `oneOf` with a discriminator, query and path parameters), timed
//! end to end through `codegen::generate`. Linear means the 4× time is about four times the 1×.
//!
//! Run with `cargo bench -p codegen --bench scaling`; the figures are in BENCHMARKS.md.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

/// Resources in the 1× document; about 1,500 lines of YAML, a mid-sized real API.
const BASE: usize = 40;

fn options() -> codegen::Options {
    codegen::Options {
        client_crate: "scaling_client".into(),
        regenerate_with: "bench".into(),
    }
}

/// A document of `n` resources.
fn document(n: usize) -> String {
    let mut paths = String::new();
    let mut schemas = String::new();
    for i in 0..n {
        let r = format!("Thing{i}");
        let _ = write!(
            paths,
            r##"
  /things{i}:
    get:
      operationId: list{r}
      summary: Lists the {r} items.
      parameters:
        - {{name: limit, in: query, schema: {{type: integer, minimum: 1, maximum: 1000}}}}
        - {{name: state, in: query, schema: {{type: string, enum: [active, inactive]}}}}
      responses:
        "200":
          description: A page.
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/{r}Page"}}
    post:
      operationId: create{r}
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: "#/components/schemas/{r}"}}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/{r}"}}
  /things{i}/{{id}}:
    parameters:
      - {{name: id, in: path, required: true, schema: {{type: string, format: uuid}}}}
    get:
      operationId: get{r}
      responses:
        "200":
          description: One item.
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/{r}"}}
        "404":
          description: Not found.
    delete:
      operationId: delete{r}
      responses:
        "204":
          description: Deleted.
"##
        );
        let _ = write!(
            schemas,
            r##"
    {r}:
      type: object
      required: [name, shape]
      properties:
        id: {{type: string, format: uuid, readOnly: true}}
        name: {{type: string, minLength: 1, maxLength: 100, pattern: "^[a-z][a-z0-9-]*$"}}
        tags: {{type: array, items: {{type: string}}, maxItems: 20}}
        created: {{type: string, format: date-time}}
        shape: {{$ref: "#/components/schemas/{r}Shape"}}
    {r}Shape:
      oneOf:
        - {{$ref: "#/components/schemas/{r}Circle"}}
        - {{$ref: "#/components/schemas/{r}Square"}}
      discriminator:
        propertyName: kind
    {r}Circle:
      type: object
      required: [kind, radius]
      properties:
        kind: {{type: string}}
        radius: {{type: number, minimum: 0}}
    {r}Square:
      type: object
      required: [kind, side]
      properties:
        kind: {{type: string}}
        side: {{type: number, minimum: 0}}
    {r}Page:
      allOf:
        - {{$ref: "#/components/schemas/Page"}}
        - type: object
          properties:
            items: {{type: array, items: {{$ref: "#/components/schemas/{r}"}}}}
"##
        );
    }
    format!(
        r##"openapi: 3.0.3
info: {{title: Scaling, version: "1"}}
paths:{paths}
components:
  schemas:
    Page:
      type: object
      properties:
        next: {{type: string, format: uri}}
        total: {{type: integer}}{schemas}
"##
    )
}

fn scaling(c: &mut Criterion) {
    let options = options();
    let mut group = c.benchmark_group("scaling");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for factor in [1, 2, 4] {
        let text = document(BASE * factor);
        // Refuse to time a document that does not generate: the figure would mean nothing.
        if let Err(d) = codegen::generate(&text, &options) {
            eprintln!("the {factor}x document does not generate:\n{d}");
            return;
        }
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(
            format!("{factor}x ({} operations)", BASE * factor * 4),
            |b| b.iter(|| codegen::generate(black_box(&text), &options)),
        );
    }
    group.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
