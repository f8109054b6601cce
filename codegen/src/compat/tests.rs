//! One spec change per rule, applied to a small base spec, with the classification it must get.

use super::{Change, Impact, Semver, compare, model};

const BASE: &str = r##"
openapi: "3.0.3"
info: {title: Pets, version: "1"}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {"pets:read": read, "pets:write": write, "pets:admin": admin}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: string, format: uuid, readOnly: true}
        name: {type: string}
        tag: {type: string}
        kind: {$ref: "#/components/schemas/Kind"}
        motto: {type: string, maxLength: 20}
        ident: {$ref: "#/components/schemas/Ident"}
    Strict:
      type: object
      additionalProperties: false
      properties:
        note: {type: string}
    NewPet:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
        size: {$ref: "#/components/schemas/Size"}
        nick: {type: string, maxLength: 20, pattern: "^[a-z]+$"}
        count: {type: integer, minimum: 1, maximum: 10}
        labels: {type: array, maxItems: 5, items: {type: string}}
    Kind:
      type: string
      enum: [cat, dog]
    Size:
      type: string
      enum: [small, large]
    Ident:
      oneOf:
        - {type: integer}
        - {type: string}
    Problem:
      type: object
      properties:
        message: {type: string}
paths:
  /pets:
    get:
      operationId: listPets
      security: [{oauth2: ["pets:read"]}]
      parameters:
        - {name: limit, in: query, schema: {type: integer, format: int32}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
    post:
      operationId: createPet
      security: [{oauth2: ["pets:write"]}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewPet"}
      responses:
        "201":
          description: created
          headers:
            location: {required: true, schema: {type: string}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
        "400":
          description: bad
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Problem"}
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
        "404":
          description: missing
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Strict"}
"##;

/// The replacement turning the base into the changed spec, the rule and change expected (a
/// substring of its description), and its three verdicts, decided from first principles before
/// the tool was run: old clients on the wire and existing server implementations (`b` breaks,
/// `w` warning, `o` ok), and the generated crates' semver level (`M` major, `m` minor, `P`
/// patch).
struct Case {
    from: &'static str,
    to: &'static str,
    rule: &'static str,
    what: &'static str,
    verdicts: &'static str,
}

const fn case(
    from: &'static str,
    to: &'static str,
    rule: &'static str,
    what: &'static str,
    verdicts: &'static str,
) -> Case {
    Case {
        from,
        to,
        rule,
        what,
        verdicts,
    }
}

const DELETE_PET: &str = r#"    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "204": {description: gone}
"#;

const LIMIT: &str = "{name: limit, in: query, schema: {type: integer, format: int32}}";

fn cases() -> Vec<Case> {
    vec![
        // Operations.
        case(
            "  /pets/{id}:\n    get:",
            "  /pets/{id}:\n__DELETE__    get:",
            "operation-added",
            "operation added",
            "o b M",
        ),
        case(
            "    post:\n      operationId: createPet",
            "    put:\n      operationId: createPet",
            "operation-moved",
            "moved: POST /pets → PUT /pets",
            "b o P",
        ),
        case(
            "operationId: createPet",
            "operationId: addPet",
            "operation-renamed",
            "operationId: createPet → addPet",
            "o b M",
        ),
        case(
            "operationId: getPet\n",
            "operationId: getPet\n      deprecated: true\n",
            "operation-deprecated",
            "became deprecated",
            "o o P",
        ),
        // Parameters.
        case(
            LIMIT,
            "{name: limit, in: query, schema: {type: integer, format: int32}}\n        - {name: owner, in: query, required: true, schema: {type: string}}",
            "parameter-added",
            "query parameter `owner` added (required)",
            "b o M",
        ),
        case(
            LIMIT,
            "{name: limit, in: query, schema: {type: integer, format: int32}}\n        - {name: owner, in: query, schema: {type: string}}",
            "parameter-added",
            "query parameter `owner` added (optional)",
            "o o M",
        ),
        case(
            "      operationId: getPet\n      parameters:",
            "      operationId: getPet\n      parameters:\n        - {name: verbose, in: query, schema: {type: boolean}}",
            "parameter-added",
            "query parameter `verbose` added (optional)",
            "o b M",
        ),
        case(
            LIMIT,
            "{name: limit, in: query, schema: {type: integer, format: int64}}",
            "constraint-loosened",
            "query parameter `limit` type: i32 → i64",
            "o b M",
        ),
        case(
            LIMIT,
            "{name: limit, in: query, schema: {type: string}}",
            "parameter-type",
            "query parameter `limit` type: i32 → String",
            "b b M",
        ),
        case(
            "motto: {type: string, maxLength: 20}",
            "motto: {type: string, format: date-time, maxLength: 20}",
            "constraint-tightened",
            "property `motto` type: String → DateTime",
            "o b M",
        ),
        case(
            "count: {type: integer, minimum: 1,",
            "count: {type: integer, format: int32, minimum: 1,",
            "constraint-tightened",
            "property `count` type: i64 → i32",
            "b b M",
        ),
        case(
            "{name: limit, in: query, schema",
            "{name: limit, in: query, required: true, schema",
            "parameter-required",
            "query parameter `limit` became required",
            "b b M",
        ),
        case(
            "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n",
            "",
            "parameter-removed",
            "query parameter `limit` removed",
            "o b M",
        ),
        case(
            "  /pets/{id}:\n    get:\n      operationId: getPet\n      parameters:\n        - {name: id,",
            "  /pets/{petId}:\n    get:\n      operationId: getPet\n      parameters:\n        - {name: petId,",
            "parameter-renamed",
            "path parameter `id` renamed to `petId`",
            "o o P",
        ),
        case(
            "{name: tags, in: query, schema",
            "{name: tags, in: query, explode: false, schema",
            "parameter-style",
            "query parameter `tags` serialisation",
            "b o P",
        ),
        case(
            "{name: tags, in: query, schema",
            "{name: tags, in: query, style: pipeDelimited, schema",
            "parameter-style",
            "query parameter `tags` serialisation",
            "b o P",
        ),
        case(
            "{name: tags, in: query, schema",
            "{name: tags, in: query, deprecated: true, schema",
            "parameter-deprecated",
            "query parameter `tags` became deprecated",
            "o o P",
        ),
        // Request bodies.
        case(
            "      requestBody:\n        required: true",
            "      requestBody:\n        required: false",
            "request-body-required",
            "request body became optional",
            "o b M",
        ),
        case(
            "            schema: {$ref: \"#/components/schemas/NewPet\"}",
            "            schema: {$ref: \"#/components/schemas/Pet\"}",
            "request-body-type",
            "request body type: NewPet → Pet",
            "b b M",
        ),
        case(
            "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: \"#/components/schemas/NewPet\"}\n",
            "",
            "request-body-removed",
            "request body removed",
            "o b M",
        ),
        case(
            "          application/json:\n            schema: {$ref: \"#/components/schemas/NewPet\"}",
            "          application/x-www-form-urlencoded:\n            schema: {$ref: \"#/components/schemas/NewPet\"}",
            "request-body-media",
            "request body media type",
            "b o M",
        ),
        // Responses.
        case(
            "        \"404\":\n          description: missing",
            "        \"410\":\n          description: gone\n        \"404\":\n          description: missing",
            "response-added",
            "response 410 added",
            "o o M",
        ),
        case(
            "        \"400\":\n          description: bad",
            "        \"202\":\n          description: later\n        \"400\":\n          description: bad",
            "response-added",
            "response 202 added",
            "b o M",
        ),
        case(
            "        \"400\":\n          description: bad\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Problem\"}\n",
            "",
            "response-removed",
            "response 400 removed",
            "o b M",
        ),
        case(
            "              schema: {$ref: \"#/components/schemas/Strict\"}",
            "              schema: {$ref: \"#/components/schemas/Problem\"}",
            "response-body",
            "response 404 body type: Strict → Problem",
            "b b M",
        ),
        case(
            "        \"404\":\n          description: missing\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Strict\"}",
            "        \"404\":\n          description: missing",
            "response-body",
            "response 404 body removed",
            "b b M",
        ),
        case(
            "            location: {required: true, schema: {type: string}}",
            "            location: {required: true, schema: {type: string}}\n            etag: {schema: {type: string}}",
            "response-header",
            "response 201 header `etag` added",
            "o b M",
        ),
        case(
            "            location: {required: true, schema: {type: string}}",
            "            other: {schema: {type: string}}",
            "response-header",
            "response 201 header `location` removed",
            "b b M",
        ),
        case(
            "            location: {required: true, schema: {type: string}}",
            "            location: {required: true, schema: {type: integer}}",
            "response-header",
            "response 201 header `location`",
            "b b M",
        ),
        // Security.
        case(
            "[{oauth2: [\"pets:write\"]}]",
            "[{oauth2: [\"pets:write\", \"pets:admin\"]}]",
            "security",
            "scope `pets:admin` added",
            "b o P",
        ),
        case(
            "[{oauth2: [\"pets:write\"]}]",
            "[{oauth2: []}]",
            "security",
            "scope `pets:write` removed",
            "o o P",
        ),
        case(
            "      operationId: getPet\n",
            "      operationId: getPet\n      security: [{oauth2: [\"pets:read\"]}]\n",
            "security",
            "authentication became required",
            "b o P",
        ),
        // Properties of a request type (NewPet, refusing unknown properties), a response type
        // (Pet) and a strict response type (Strict).
        case(
            "      required: [name]\n      properties:\n        name: {type: string}\n        tag: {type: string}\n        size",
            "      required: [name, owner]\n      properties:\n        name: {type: string}\n        owner: {type: string}\n        tag: {type: string}\n        size",
            "property-added",
            "property `owner` added (required)",
            "b o M",
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: string}\n        owner: {type: string}\n        size",
            "property-added",
            "property `owner` added (optional)",
            "o o M",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string}\n        age: {type: integer}\n        kind",
            "property-added",
            "property `age` added (optional)",
            "o b M",
        ),
        case(
            "        note: {type: string}",
            "        note: {type: string}\n        hint: {type: string}",
            "property-added",
            "property `hint` added (optional)",
            "b b M",
        ),
        case(
            "        tag: {type: string}\n        size",
            "        size",
            "property-removed",
            "property `tag` removed",
            "b b M",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        kind",
            "property-removed",
            "property `tag` removed",
            "o b M",
        ),
        case(
            "      required: [id, name]",
            "      required: [id]",
            "property-required",
            "property `name` became optional",
            "b b M",
        ),
        case(
            "      required: [name]\n",
            "      required: [name, tag]\n",
            "property-required",
            "property `tag` became required",
            "b b M",
        ),
        case(
            "      required: [name]\n",
            "      required: []\n",
            "property-required",
            "property `name` became optional",
            "o b M",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string, nullable: true}\n        kind",
            "property-nullable",
            "property `tag` became nullable",
            "b o P",
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: string, nullable: true}\n        size",
            "property-nullable",
            "property `tag` became nullable",
            "o o P",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: integer}\n        kind",
            "property-type",
            "property `tag` type: String → i64",
            "b b M",
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: string, readOnly: true}\n        size",
            "property-read-only",
            "property `tag` became read-only",
            "b o P",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string, writeOnly: true}\n        kind",
            "property-write-only",
            "property `tag` became write-only",
            "w w P",
        ),
        case(
            "        name: {type: string}\n        tag: {type: string}\n        kind",
            "        name: {type: string, writeOnly: true}\n        tag: {type: string}\n        kind",
            "property-write-only",
            "property `name` became write-only",
            "b w P",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string, deprecated: true}\n        kind",
            "property-deprecated",
            "property `tag` became deprecated",
            "o o P",
        ),
        case(
            "    NewPet:\n      type: object\n      additionalProperties: false\n",
            "    NewPet:\n      type: object\n",
            "additional-properties",
            "accepts properties it does not declare",
            "o w P",
        ),
        case(
            "    Strict:\n      type: object\n      additionalProperties: false\n",
            "    Strict:\n      type: object\n",
            "additional-properties",
            "accepts properties it does not declare",
            "b w P",
        ),
        case(
            "    Pet:\n      type: object\n",
            "    Pet:\n      type: object\n      additionalProperties: false\n",
            "additional-properties",
            "refuses properties it does not declare",
            "o w P",
        ),
        // Constraints, where clients send the value (NewPet) and where they receive it (Pet).
        case(
            "        name: {type: string}\n        tag: {type: string}\n        size",
            "        name: {type: string, maxLength: 50}\n        tag: {type: string}\n        size",
            "constraint-tightened",
            "property `name`: maxLength none → 50",
            "b o P",
        ),
        case(
            "nick: {type: string, maxLength: 20,",
            "nick: {type: string, maxLength: 10,",
            "constraint-tightened",
            "property `nick`: maxLength 20 → 10",
            "b o P",
        ),
        case(
            "nick: {type: string, maxLength: 20,",
            "nick: {type: string, maxLength: 30,",
            "constraint-loosened",
            "property `nick`: maxLength 20 → 30",
            "o w P",
        ),
        case(
            "motto: {type: string, maxLength: 20}",
            "motto: {type: string, maxLength: 30}",
            "constraint-loosened",
            "property `motto`: maxLength 20 → 30",
            "b o P",
        ),
        case(
            "motto: {type: string, maxLength: 20}",
            "motto: {type: string, maxLength: 10}",
            "constraint-tightened",
            "property `motto`: maxLength 20 → 10",
            "o w P",
        ),
        case(
            "motto: {type: string, maxLength: 20}",
            "motto: {type: string}",
            "constraint-loosened",
            "property `motto`: maxLength 20 → none",
            "b o P",
        ),
        case(
            "pattern: \"^[a-z]+$\"",
            "pattern: \"^[a-z0-9]+$\"",
            "constraint-tightened",
            "property `nick`: pattern",
            "b w P",
        ),
        case(
            ", pattern: \"^[a-z]+$\"",
            "",
            "constraint-loosened",
            "property `nick`: pattern",
            "o w P",
        ),
        case(
            "        name: {type: string}\n        tag: {type: string}\n        size",
            "        name: {type: string, minLength: 1}\n        tag: {type: string}\n        size",
            "constraint-tightened",
            "property `name`: minLength none → 1",
            "b o P",
        ),
        case(
            "count: {type: integer, minimum: 1,",
            "count: {type: integer, minimum: 2,",
            "constraint-tightened",
            "property `count`: minimum 1 → 2",
            "b o P",
        ),
        case(
            "count: {type: integer, minimum: 1,",
            "count: {type: integer, minimum: 0,",
            "constraint-loosened",
            "property `count`: minimum 1 → 0",
            "o w P",
        ),
        case(
            "maximum: 10}",
            "maximum: 10, exclusiveMaximum: true}",
            "constraint-tightened",
            "property `count`: maximum 10 → 10 (exclusive)",
            "b o P",
        ),
        case(
            "maximum: 10}",
            "maximum: 10, multipleOf: 2}",
            "constraint-tightened",
            "property `count`: multipleOf none → 2",
            "b o P",
        ),
        case(
            "labels: {type: array, maxItems: 5,",
            "labels: {type: array, maxItems: 3,",
            "constraint-tightened",
            "property `labels`: maxItems 5 → 3",
            "b o P",
        ),
        case(
            "labels: {type: array, maxItems: 5,",
            "labels: {type: array, maxItems: 5, uniqueItems: true,",
            "constraint-tightened",
            "property `labels`: uniqueItems false → true",
            "b o P",
        ),
        case(
            "labels: {type: array, maxItems: 5,",
            "labels: {type: array, maxItems: 5, minItems: 1,",
            "constraint-tightened",
            "property `labels`: minItems none → 1",
            "b o P",
        ),
        case(
            "maxItems: 5, items: {type: string}}",
            "maxItems: 5, items: {type: string, maxLength: 10}}",
            "constraint-tightened",
            "items of property `labels`: maxLength none → 10",
            "b o P",
        ),
        case(
            "motto: {type: string, maxLength: 20}",
            "motto: {type: string, maxLength: 20, format: email}",
            "constraint-tightened",
            "property `motto`: format none → email",
            "o w P",
        ),
        case(
            "labels: {type: array, maxItems: 5,",
            "labels: {type: array,",
            "constraint-loosened",
            "property `labels`: maxItems 5 → none",
            "o w P",
        ),
        case(
            "maximum: 10}",
            "maximum: 20}",
            "constraint-loosened",
            "property `count`: maximum 10 → 20",
            "o w P",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string, maxLength: 8}\n        kind",
            "constraint-tightened",
            "property `tag`: maxLength none → 8",
            "o w P",
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: integer}\n        size",
            "property-type",
            "property `tag` type: String → i64",
            "b b M",
        ),
        case(
            "      required: [id, name]",
            "      required: [id, name, tag]",
            "property-required",
            "property `tag` became required",
            "o b M",
        ),
        case(
            "        name: {type: string}\n        tag: {type: string}\n        kind",
            "        name: {type: string, nullable: true}\n        tag: {type: string}\n        kind",
            "property-nullable",
            "property `name` became nullable",
            "b b M",
        ),
        case(
            "        name: {type: string}\n        tag: {type: string}\n        size",
            "        name: {type: string, x-error-code: BadName}\n        tag: {type: string}\n        size",
            "property-error-code",
            "property `name` x-error-code: none → BadName",
            "b o P",
        ),
        case(
            "              schema: {type: array, items: {$ref: \"#/components/schemas/Pet\"}}",
            "              schema: {type: array, items: {$ref: \"#/components/schemas/Strict\"}}",
            "response-body",
            "response 200 body type: Vec<Pet> → Vec<Strict>",
            "b b M",
        ),
        case(
            "            location: {required: true, schema: {type: string}}",
            "            location: {schema: {type: string}}",
            "response-header",
            "response 201 header `location`",
            "b b M",
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: string, default: none}\n        size",
            "property-default",
            "property `tag` default: none → \"none\"",
            "w w P",
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string, default: none}\n        kind",
            "property-default",
            "property `tag` default: none → \"none\"",
            "o w P",
        ),
        // Enum values: in a response (Kind) and in a request (Size).
        case(
            "enum: [cat, dog]",
            "enum: [cat, dog, bird]",
            "enum-value-added",
            "value `bird` added",
            "w o m",
        ),
        case(
            "enum: [small, large]",
            "enum: [small, large, huge]",
            "enum-value-added",
            "value `huge` added",
            "o o m",
        ),
        case(
            "enum: [cat, dog]",
            "enum: [cat]",
            "enum-value-removed",
            "value `dog` removed",
            "o b M",
        ),
        case(
            "enum: [small, large]",
            "enum: [small]",
            "enum-value-removed",
            "value `large` removed",
            "b b M",
        ),
        // Unions.
        case(
            "        - {type: integer}\n        - {type: string}\n",
            "        - {type: integer}\n        - {type: string}\n        - {type: boolean}\n",
            "variant-added",
            "variant bool added",
            "b o M",
        ),
        case(
            "        - {type: integer}\n        - {type: string}\n",
            "        - {type: integer}\n        - {type: boolean}\n",
            "variant-removed",
            "variant String removed",
            "o b M",
        ),
        // Schemas.
        case(
            "    Problem:\n",
            "    Extra: {type: string}\n    Problem:\n",
            "schema-added",
            "schema added",
            "o o m",
        ),
        case(
            "    Kind:\n      type: string\n      enum: [cat, dog]\n",
            "    Kind:\n      type: string\n",
            "schema-kind",
            "kind: string enum → alias",
            "b b M",
        ),
    ]
}

/// Renaming a schema: every `$ref` follows, the JSON does not change.
#[test]
fn a_renamed_schema_is_a_rename_not_a_removal() {
    let new = BASE
        .replace("    Problem:\n", "    Failure:\n")
        .replace("schemas/Problem\"", "schemas/Failure\"");
    let found = changes(BASE, &new);
    let rename = found
        .iter()
        .find(|c| c.rule.id == "schema-renamed")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(rename.what, "renamed from `Problem`");
    assert_eq!(verdicts(rename), "o b M");
    // Nothing else: the response that uses it carries the same JSON.
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// `b`/`w`/`o` for clients and servers, `M`/`m`/`P` for the Rust API.
fn verdicts(c: &Change) -> String {
    let wire = |i: Impact| match i {
        Impact::Breaks => 'b',
        Impact::Warning => 'w',
        Impact::Ok => 'o',
    };
    let rust = match c.rust {
        Semver::Major => 'M',
        Semver::Minor => 'm',
        Semver::Patch => 'P',
    };
    format!("{} {} {rust}", wire(c.clients), wire(c.servers))
}

fn changes(old: &str, new: &str) -> Vec<Change> {
    let old = model(old).unwrap_or_else(|d| panic!("base spec:\n{d}"));
    let new = model(new).unwrap_or_else(|d| panic!("changed spec:\n{d}\n{new}"));
    compare(&old, &new).changes
}

#[test]
fn the_same_spec_has_no_changes() {
    assert_eq!(changes(BASE, BASE), vec![]);
}

#[test]
fn every_rule_classifies_its_change() {
    let mut failures = Vec::new();
    for (i, c) in cases().into_iter().enumerate() {
        assert!(
            BASE.contains(c.from),
            "case {i}: `{}` is not in the base",
            c.from
        );
        let new = BASE
            .replacen(c.from, c.to, 1)
            .replace("__DELETE__", DELETE_PET);
        let found = changes(BASE, &new);
        match found.iter().find(|f| f.what.contains(c.what)) {
            None => failures.push(format!("case {i}: no change `{}` in {found:#?}", c.what)),
            Some(f) if f.rule.id != c.rule || verdicts(f) != c.verdicts => failures.push(format!(
                "case {i}: `{}` is {} `{}`, expected {} `{}`: {}",
                f.what,
                f.rule.id,
                verdicts(f),
                c.rule,
                c.verdicts,
                f.reason
            )),
            Some(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn removing_an_operation_breaks_both() {
    let with = BASE.replacen(
        "  /pets/{id}:\n    get:",
        &format!("  /pets/{{id}}:\n{DELETE_PET}    get:"),
        1,
    );
    let found = changes(&with, BASE);
    let removed = found
        .iter()
        .find(|c| c.what.starts_with("operation removed"))
        .expect("removal reported");
    assert_eq!(verdicts(removed), "b b M");
}

/// The workspace's own spec, which has an `x-error-model` and so an error codes enum.
const WORKSPACE_SPEC: &str = include_str!("../../../spec/webhooks.yaml");

#[test]
fn error_codes_added_removed_and_reworded() {
    let base = WORKSPACE_SPEC;
    let added = base.replacen(
        "        - WebhookNotFound\n",
        "        - WebhookNotFound\n        - WebhookExpired\n",
        1,
    );
    let found = changes(base, &added);
    let c = found
        .iter()
        .find(|c| c.what == "error code `WebhookExpired` added")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(verdicts(c), "w o m", "{c:?}");
    assert!(c.reason.contains("Unknown"));

    let reworded = base.replacen(
        "WebhookNotFound: Requested webhook is not available.",
        "WebhookNotFound: No such webhook.",
        1,
    );
    let found = changes(base, &reworded);
    assert!(
        found.iter().any(|c| c
            .what
            .starts_with("message of error code `WebhookNotFound`")
            && verdicts(c) == "w o P"),
        "{found:#?}"
    );
}

#[test]
fn the_code_of_the_servers_own_refusals_is_compared() {
    let base = WORKSPACE_SPEC;
    let changed = base.replacen(
        "x-error-code: InvalidPublishEventRequest",
        "x-error-code: InvalidActivateWebhookRequest",
        1,
    );
    assert_ne!(base, changed, "the anchor is in the workspace spec");
    let found = changes(base, &changed);
    let c = found
        .iter()
        .find(|c| c.rule.id == "response-error-code")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(
        c.what
            .ends_with("x-error-code: InvalidPublishEventRequest → InvalidActivateWebhookRequest"),
        "{c:?}"
    );
    assert_eq!(verdicts(c), "b o P");
}

#[test]
fn reports_in_every_format_name_the_rule_the_verdicts_and_the_line() {
    let new = BASE.replacen("enum: [small, large]", "enum: [small]", 1);
    let mut report = compare(&model(BASE).unwrap(), &model(&new).unwrap());
    report.locate(&new);
    let line = new
        .lines()
        .position(|l| l == "    Size:")
        .expect("Size in the base")
        + 1;
    let names = super::Names {
        base: "base.yaml",
        spec: "pets.yaml",
    };
    assert!(report.is_breaking());
    assert_eq!(report.changes[0].line, Some(line));

    let txt = report.text(names);
    assert!(
        txt.contains("1 change(s): 1 breaking, 0 warning, 0 info; generated crates: major"),
        "{txt}"
    );
    assert!(
        txt.contains("schema `Size`\n  [BREAKING] value `large` removed  (enum-value-removed)"),
        "{txt}"
    );
    assert!(txt.contains(&format!("at pets.yaml:{line}")), "{txt}");

    let md = report.markdown(names);
    assert!(
        md.starts_with("### Spec changes since `base.yaml`\n\n| | count |"),
        "{md}"
    );
    assert!(md.contains("| breaking | 1 |"), "{md}");
    assert!(
        md.contains("<details open><summary>schema `Size` — 1 change(s)</summary>"),
        "{md}"
    );
    assert!(
        md.contains(&format!("| 🔴 | value `large` removed | breaks | breaks | major | `enum-value-removed` | `pets.yaml:{line}` |")),
        "{md}"
    );

    let json: serde_json::Value = serde_json::from_str(&report.json(names)).unwrap();
    assert_eq!(json["semver"], "major");
    assert_eq!(json["summary"]["breaking"], 1);
    let change = &json["changes"][0];
    assert_eq!(change["rule"], "enum-value-removed");
    assert_eq!(change["pointer"], "#/components/schemas/Size");
    assert_eq!(change["location"], format!("pets.yaml:{line}"));
    assert_eq!(change["clients"], "breaks");

    let gh = report.github(names);
    assert!(
        gh.starts_with(&format!("::error file=pets.yaml,line={line},title=enum-value-removed (breaking)::schema `Size`: value `large` removed.")),
        "{gh}"
    );
}

#[test]
fn workflow_commands_escape_what_github_reads_as_syntax() {
    let new = BASE.replacen("enum: [small, large]", "enum: [small]", 1);
    let mut report = compare(&model(BASE).unwrap(), &model(&new).unwrap());
    report.changes[0].reason = "50% done\nnext: line".to_owned();
    let names = super::Names {
        base: "base.yaml",
        spec: "a,b:c.yaml",
    };
    let gh = report.github(names);
    assert!(gh.contains("file=a%2Cb%3Ac.yaml"), "{gh}");
    assert!(gh.contains("50%25 done%0Anext: line"), "{gh}");
    assert_eq!(gh.lines().count(), 1);
}

#[test]
fn an_ignored_change_is_reported_but_not_counted() {
    let new = BASE.replacen("enum: [small, large]", "enum: [small]", 1);
    let mut report = compare(&model(BASE).unwrap(), &model(&new).unwrap());
    report.changes[0].ignored = Some("no client sends `large` (checked in the logs)".into());
    assert!(!report.is_breaking());
    assert_eq!(report.worst(), None);
    // The Rust API still changes: an ignore file accepts a wire verdict only.
    assert_eq!(report.semver(), Semver::Major);
}

/// The rules whose change is the reverse of a case above, checked by swapping the two specs.
#[test]
fn reversed_cases_give_their_own_rules() {
    let reversed: [(&str, &str, &str, &str, &str); 2] = [
        (
            "{name: limit, in: query, schema",
            "{name: limit, in: query, required: true, schema",
            "parameter-optional",
            "query parameter `limit` became optional",
            "o b M",
        ),
        (
            "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: \"#/components/schemas/NewPet\"}\n",
            "",
            "request-body-added",
            "request body added: NewPet (required)",
            "b b M",
        ),
    ];
    for (from, to, rule, what, expected) in reversed {
        // The edited spec is the old one here: the change goes from it back to the base.
        let old = BASE.replacen(from, to, 1);
        let found = changes(&old, BASE);
        let c = found
            .iter()
            .find(|c| c.what.contains(what))
            .unwrap_or_else(|| panic!("{rule}: no `{what}` in {found:#?}"));
        assert_eq!(c.rule.id, rule, "{c:?}");
        assert_eq!(verdicts(c), expected, "{c:?}");
    }
}

#[test]
fn a_removed_schema_breaks_the_code_that_names_it() {
    // Without the property that uses it, `Ident` is used by nothing; then it goes.
    let old = BASE.replacen(
        "        ident: {$ref: \"#/components/schemas/Ident\"}\n",
        "",
        1,
    );
    let new = old.replacen(
        "    Ident:\n      oneOf:\n        - {type: integer}\n        - {type: string}\n",
        "",
        1,
    );
    let found = changes(&old, &new);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule.id, "schema-removed");
    assert_eq!(verdicts(&found[0]), "o b M");
}
