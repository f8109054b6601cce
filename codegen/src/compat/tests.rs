//! One spec change per rule, applied to a small base spec, with the classification it must get.

use super::{Change, compare, model};

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
    Kind:
      type: string
      enum: [cat, dog]
    Size:
      type: string
      enum: [small, large]
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

/// The replacement turning the base into the changed spec, the change expected (a substring of
/// its description), and whether it breaks clients and servers.
struct Case {
    from: &'static str,
    to: &'static str,
    what: &'static str,
    clients: bool,
    servers: bool,
}

const fn case(
    from: &'static str,
    to: &'static str,
    what: &'static str,
    clients: bool,
    servers: bool,
) -> Case {
    Case {
        from,
        to,
        what,
        clients,
        servers,
    }
}

const DELETE_PET: &str = r#"    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "204": {description: gone}
"#;

fn cases() -> Vec<Case> {
    vec![
        // Operations.
        case(
            "  /pets/{id}:\n    get:",
            "  /pets/{id}:\n__DELETE__    get:",
            "operation added",
            false,
            true,
        ),
        case(
            "    post:\n      operationId: createPet",
            "    put:\n      operationId: createPet",
            "moved: POST /pets → PUT /pets",
            true,
            false,
        ),
        // Parameters.
        case(
            "        - {name: limit, in: query, schema: {type: integer, format: int32}}",
            "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n        - {name: owner, in: query, required: true, schema: {type: string}}",
            "query parameter `owner` added (required)",
            true,
            false,
        ),
        case(
            "        - {name: limit, in: query, schema: {type: integer, format: int32}}",
            "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n        - {name: owner, in: query, schema: {type: string}}",
            "query parameter `owner` added (optional)",
            false,
            false,
        ),
        case(
            "      operationId: getPet\n      parameters:",
            "      operationId: getPet\n      parameters:\n        - {name: verbose, in: query, schema: {type: boolean}}",
            "query parameter `verbose` added (optional)",
            false,
            true,
        ),
        case(
            "{name: limit, in: query, schema: {type: integer, format: int32}}",
            "{name: limit, in: query, schema: {type: integer, format: int64}}",
            "query parameter `limit` type: i32 → i64",
            true,
            true,
        ),
        case(
            "{name: limit, in: query, schema",
            "{name: limit, in: query, required: true, schema",
            "query parameter `limit` became required",
            true,
            true,
        ),
        case(
            "      parameters:\n        - {name: limit, in: query, schema: {type: integer, format: int32}}\n",
            "",
            "query parameter `limit` removed",
            false,
            true,
        ),
        // Request bodies.
        case(
            "      requestBody:\n        required: true",
            "      requestBody:\n        required: false",
            "request body became optional",
            false,
            true,
        ),
        case(
            "            schema: {$ref: \"#/components/schemas/NewPet\"}",
            "            schema: {$ref: \"#/components/schemas/Pet\"}",
            "request body type: NewPet → Pet",
            true,
            true,
        ),
        // Responses.
        case(
            "        \"404\":\n          description: missing",
            "        \"410\":\n          description: gone\n        \"404\":\n          description: missing",
            "response 410 added",
            false,
            false,
        ),
        case(
            "        \"400\":\n          description: bad",
            "        \"202\":\n          description: later\n        \"400\":\n          description: bad",
            "response 202 added",
            true,
            false,
        ),
        case(
            "        \"400\":\n          description: bad\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Problem\"}\n",
            "",
            "response 400 removed",
            false,
            true,
        ),
        case(
            "              schema: {$ref: \"#/components/schemas/Strict\"}",
            "              schema: {$ref: \"#/components/schemas/Problem\"}",
            "response 404 body type: Strict → Problem",
            true,
            true,
        ),
        case(
            "            location: {required: true, schema: {type: string}}",
            "            location: {required: true, schema: {type: string}}\n            etag: {schema: {type: string}}",
            "response 201 header `etag` added",
            false,
            true,
        ),
        case(
            "            location: {required: true, schema: {type: string}}",
            "            other: {schema: {type: string}}",
            "response 201 header `location` removed",
            true,
            true,
        ),
        // Security.
        case(
            "[{oauth2: [\"pets:write\"]}]",
            "[{oauth2: [\"pets:write\", \"pets:admin\"]}]",
            "scope `pets:admin` added",
            true,
            false,
        ),
        case(
            "[{oauth2: [\"pets:write\"]}]",
            "[{oauth2: []}]",
            "scope `pets:write` removed",
            false,
            false,
        ),
        // Properties of a request type (NewPet), a response type (Pet) and a strict response type.
        case(
            "      required: [name]\n      properties:\n        name: {type: string}\n        tag: {type: string}\n        size",
            "      required: [name, owner]\n      properties:\n        name: {type: string}\n        owner: {type: string}\n        tag: {type: string}\n        size",
            "property `owner` added (required)",
            true,
            false,
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: string}\n        owner: {type: string}\n        size",
            "property `owner` added (optional)",
            false,
            false,
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string}\n        age: {type: integer}\n        kind",
            "property `age` added (optional)",
            false,
            true,
        ),
        case(
            "        note: {type: string}",
            "        note: {type: string}\n        hint: {type: string}",
            "property `hint` added (optional)",
            true,
            true,
        ),
        case(
            "        tag: {type: string}\n        size",
            "        size",
            "property `tag` removed",
            true,
            true,
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        kind",
            "property `tag` removed",
            false,
            true,
        ),
        case(
            "      required: [id, name]",
            "      required: [id]",
            "property `name` became optional",
            true,
            true,
        ),
        case(
            "      required: [name]\n",
            "      required: [name, tag]\n",
            "property `tag` became required",
            true,
            true,
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: string, nullable: true}\n        kind",
            "property `tag` became nullable",
            true,
            false,
        ),
        case(
            "        tag: {type: string}\n        kind",
            "        tag: {type: integer}\n        kind",
            "property `tag` type: String → i64",
            true,
            true,
        ),
        case(
            "        tag: {type: string}\n        size",
            "        tag: {type: string, readOnly: true}\n        size",
            "property `tag` became read-only",
            true,
            false,
        ),
        // Enum values: in a response (Kind) and in a request (Size).
        case(
            "enum: [cat, dog]",
            "enum: [cat, dog, bird]",
            "value `bird` added",
            false,
            false,
        ),
        case(
            "enum: [cat, dog]",
            "enum: [cat]",
            "value `dog` removed",
            false,
            true,
        ),
        case(
            "enum: [small, large]",
            "enum: [small]",
            "value `large` removed",
            true,
            true,
        ),
        // Schemas.
        case(
            "    Problem:\n",
            "    Extra: {type: string}\n    Problem:\n",
            "schema added",
            false,
            false,
        ),
    ]
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
            Some(f) if (f.clients, f.servers) != (c.clients, c.servers) => failures.push(format!(
                "case {i}: `{}` is (clients {}, servers {}), expected ({}, {}): {}",
                f.what, f.clients, f.servers, c.clients, c.servers, f.reason
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
    assert!(removed.clients && removed.servers);
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
    assert!(!c.clients && !c.servers, "{c:?}");
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
            && !c.is_breaking()),
        "{found:#?}"
    );
}

#[test]
fn reports_group_changes_and_count_them() {
    let new = BASE.replacen("enum: [small, large]", "enum: [small]", 1);
    let found = changes(BASE, &new);
    let report = super::Report { changes: found };
    assert!(report.is_breaking());
    let md = report.markdown("base.yaml");
    assert!(md.starts_with("**Spec changes since `base.yaml`**: 1 change(s): 1 break clients, 1 break servers, 0 compatible"), "{md}");
    assert!(md.contains("#### schema `Size`\n\n| change | clients | servers | reason |"));
    assert!(md.contains("| value `large` removed | **breaks** | **breaks** |"));
    let txt = report.text("base.yaml");
    assert!(
        txt.contains("schema `Size`\n  [BREAKS clients+servers] value `large` removed"),
        "{txt}"
    );
}
