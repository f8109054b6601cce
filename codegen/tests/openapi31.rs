//! OpenAPI 3.1 documents read as 3.1: what each 3.1 construct becomes in the model, and the notes
//! for what is read but not generated.

use codegen::model::{Api, TypeKind, TypeRef};

const SPEC: &str = r##"
openapi: 3.1.0
jsonSchemaDialect: https://example.com/dialects/strict
info: {title: Thirty-one, version: "1"}
webhooks:
  petAdopted:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "200": {description: received}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: A pet.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      required: [name, kind]
      properties:
        name: {type: [string, "null"], examples: [Rex]}
        kind: {const: dog}
        age: {type: integer, exclusiveMinimum: 0}
        tag: {type: [string, integer], maxLength: 10, minimum: 1}
        default: {type: [boolean, "null"]}
        owner: {$ref: "#/components/schemas/Pet/$defs/Owner"}
      $defs:
        Owner:
          type: object
          properties:
            email: {type: string, format: email}
"##;

fn model() -> Api {
    let doc = codegen::load::load(SPEC).unwrap_or_else(|e| panic!("load: {e}"));
    codegen::lower::lower(&doc).unwrap_or_else(|e| panic!("lower:\n{e}"))
}

fn field_type(api: &Api, ty: &str, json: &str) -> TypeRef {
    let TypeKind::Struct(s) = &api.types[ty].kind else {
        panic!("{ty} is not a struct")
    };
    s.fields
        .iter()
        .find(|f| f.json_name == json)
        .unwrap_or_else(|| panic!("no field {json}"))
        .ty
        .clone()
}

#[test]
fn webhooks_and_an_unknown_dialect_are_noted_not_refused() {
    let doc = codegen::load::load(SPEC).unwrap();
    let notes: Vec<&str> = doc.notes.iter().map(|n| n.pointer.as_str()).collect();
    assert_eq!(notes, ["#/webhooks", "#/jsonSchemaDialect"]);
    assert!(doc.notes[0].message.contains("1 `webhooks`"));
}

#[test]
fn type_arrays_const_and_exclusive_bounds_have_their_meaning() {
    let api = model();
    let TypeKind::Struct(pet) = &api.types["Pet"].kind else {
        panic!("Pet is a struct")
    };
    let name = pet.fields.iter().find(|f| f.json_name == "name").unwrap();
    assert!(name.nullable && name.required && name.ty == TypeRef::String);
    let age = pet.fields.iter().find(|f| f.json_name == "age").unwrap();
    assert_eq!(
        age.checks.minimum.map(|b| (b.value, b.exclusive)),
        Some((0.0, true))
    );
    // `const` is a one-value enum.
    let TypeRef::Named(kind) = field_type(&api, "Pet", "kind") else {
        panic!("kind is a named enum")
    };
    assert!(
        matches!(&api.types[&kind].kind, TypeKind::Enum(e) if e.variants.len() == 1 && e.variants[0].value == "dog")
    );
    // A property named like a keyword is still a schema.
    assert_eq!(field_type(&api, "Pet", "default"), TypeRef::Bool);
}

#[test]
fn several_types_are_a_union_with_each_types_keywords() {
    let api = model();
    let TypeRef::Named(tag) = field_type(&api, "Pet", "tag") else {
        panic!("tag is a named union")
    };
    let TypeKind::Union(u) = &api.types[&tag].kind else {
        panic!("{tag} is a union")
    };
    let members: Vec<(&TypeRef, Option<usize>, Option<f64>)> = u
        .variants
        .iter()
        .map(|v| {
            (
                &v.ty,
                v.checks.max_length,
                v.checks.minimum.map(|b| b.value),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            (&TypeRef::String, Some(10), None),
            (&TypeRef::I64, None, Some(1.0))
        ]
    );
}

#[test]
fn defs_references_resolve() {
    let api = model();
    let TypeRef::Named(owner) = field_type(&api, "Pet", "owner") else {
        panic!("owner is a named type")
    };
    let TypeKind::Struct(s) = &api.types[&owner].kind else {
        panic!("{owner} is a struct")
    };
    assert_eq!(s.fields[0].json_name, "email");
}

#[test]
fn operations_without_responses_and_mutual_tls_are_read_and_noted() {
    let spec = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
security: [{mtls: []}]
paths:
  /ping:
    post:
      operationId: ping
components:
  securitySchemes:
    mtls: {type: mutualTLS}
"##;
    let doc = codegen::load::load(spec).unwrap_or_else(|e| panic!("load: {e}"));
    let notes: Vec<&str> = doc.notes.iter().map(|n| n.pointer.as_str()).collect();
    assert_eq!(
        notes,
        ["#/paths/~1ping/post", "#/components/securitySchemes/mtls"]
    );
    let api = codegen::lower::lower(&doc).unwrap_or_else(|e| panic!("lower:\n{e}"));
    let ping = &api.operations[0];
    assert_eq!(ping.responses.len(), 1);
    assert_eq!(
        ping.responses[0].status,
        codegen::model::StatusMatch::Default
    );
    assert!(!ping.security.required);
    codegen::generate(spec, &options()).unwrap_or_else(|e| panic!("generate:\n{e}"));
}

fn options() -> codegen::Options {
    codegen::Options {
        client_crate: "thirty_one_client".into(),
        regenerate_with: "test".into(),
    }
}
