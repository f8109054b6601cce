//! The rule book: every kind of change the comparison reports, under an id that stays the same
//! from release to release, so an ignore file or a CI script can name it.
//!
//! Each rule states what it detects, what it does to old clients on the wire, to existing server
//! implementations (their build and their answers), and to the generated crates' public Rust API.
//! Where the wire verdicts depend on where a type travels (request, response, or both), the
//! columns say so; the report gives the verdict of each change found.

use super::verdict::Semver;

/// One rule: its id and what the README's rule table says of it.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable, kebab-case.
    pub id: &'static str,
    /// What it detects.
    pub detects: &'static str,
    /// Old clients on the wire.
    pub clients: &'static str,
    /// Existing server implementations, rebuilt against the new crates.
    pub servers: &'static str,
    /// The generated crates' public API.
    pub rust: Semver,
    /// Why, in a sentence.
    pub why: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $detects:literal, $clients:literal, $servers:literal, $rust:ident, $why:literal;)*) => {
        $(
            #[doc = $detects]
            pub const $name: &Rule = &Rule {
                id: $id,
                detects: $detects,
                clients: $clients,
                servers: $servers,
                rust: Semver::$rust,
                why: $why,
            };
        )*
        /// Every rule, in the order of the README's table.
        pub const RULES: &[&Rule] = &[$($name),*];
    };
}

rules! {
    OPERATION_ADDED = "operation-added", "An operation is added.", "ok", "breaks (build)", Major,
        "Implementations must implement the new `Api` trait method; old clients never call it.";
    OPERATION_REMOVED = "operation-removed", "An operation is removed.", "breaks", "breaks (build)", Major,
        "Old clients call an operation that is gone; implementations define a method the trait no longer has.";
    OPERATION_RENAMED = "operation-renamed", "An operation keeps its method, path and content under another `operationId`.", "ok", "breaks (build)", Major,
        "The wire is the same; the client function and the trait method take the new name.";
    OPERATION_MOVED = "operation-moved", "An operation keeps its `operationId` under another method or path.", "breaks", "ok", Patch,
        "Old clients send the request to the old method and path; the Rust items keep their names.";
    OPERATION_DEPRECATED = "operation-deprecated", "An operation becomes deprecated, or no longer is.", "ok", "ok", Patch,
        "Nothing changes on the wire yet; generated items carry `#[deprecated]`, a warning, not an error.";
    PARAMETER_ADDED = "parameter-added", "A path, query, header or cookie parameter is added.", "breaks when required", "breaks (build) when the trait method's arguments change", Major,
        "Old clients don't send it; a path parameter or a first params struct changes the method's signature.";
    PARAMETER_REMOVED = "parameter-removed", "A parameter is removed.", "breaks for a path parameter", "breaks (build)", Major,
        "The server ignores a query or header parameter old clients still send; the field or argument is gone.";
    PARAMETER_RENAMED = "parameter-renamed", "A path parameter is renamed in the template and its declaration, nothing else changing.", "ok", "ok", Patch,
        "The URL is the same; Rust arguments are positional, so callers and implementations compile unchanged.";
    PARAMETER_TYPE = "parameter-type", "A parameter's type changes.", "breaks", "breaks (build)", Major,
        "Old clients send values of the old type; implementations receive another Rust type.";
    PARAMETER_REQUIRED = "parameter-required", "A parameter becomes required.", "breaks", "breaks (build) unless a path parameter", Major,
        "Old clients may omit it; the field is no longer an `Option`.";
    PARAMETER_OPTIONAL = "parameter-optional", "A parameter becomes optional.", "ok", "breaks (build) unless a path parameter", Major,
        "Old clients always send it; the field becomes an `Option`.";
    PARAMETER_STYLE = "parameter-style", "A parameter's `style` or `explode` changes.", "breaks", "ok", Patch,
        "Old clients serialise the value the old way, which the server no longer reads.";
    PARAMETER_DEPRECATED = "parameter-deprecated", "A parameter becomes deprecated, or no longer is.", "ok", "ok", Patch,
        "Documentation only: nothing on the wire or in the Rust items changes.";
    REQUEST_BODY_ADDED = "request-body-added", "A request body is added.", "breaks when required", "breaks (build)", Major,
        "Old clients send none; the trait method gains a body argument.";
    REQUEST_BODY_REMOVED = "request-body-removed", "The request body is removed.", "ok", "breaks (build)", Major,
        "The server ignores what old clients send; the trait method loses its body argument.";
    REQUEST_BODY_TYPE = "request-body-type", "The request body's type changes.", "breaks", "breaks (build)", Major,
        "Old clients send the old type; implementations receive another Rust type.";
    REQUEST_BODY_MEDIA = "request-body-media", "The request body's media type, form parts or list of media types change.", "breaks", "breaks (build) when the Rust payload changes", Major,
        "Old clients send what the server now refuses with 415 or cannot read.";
    REQUEST_BODY_REQUIRED = "request-body-required", "The request body becomes required or optional.", "breaks when it becomes required", "breaks (build)", Major,
        "Old clients may send none; the argument's `Option` comes or goes.";
    RESPONSE_ADDED = "response-added", "A response status is added.", "breaks for a success status", "ok", Major,
        "Old clients treat a new success as unexpected; old implementations never return the new variant, which is a new enum variant.";
    RESPONSE_REMOVED = "response-removed", "A response status is removed.", "ok", "breaks (build)", Major,
        "Old clients keep a variant that never comes; implementations returning it no longer compile.";
    RESPONSE_BODY = "response-body", "A response's body is added, removed or retyped, or its media types change.", "breaks unless a body is added", "breaks (build)", Major,
        "Old clients decode what they knew; the variant's payload changes.";
    RESPONSE_HEADER = "response-header", "A response header is added, removed or retyped, or becomes optional.", "breaks when old clients count on it", "breaks (build)", Major,
        "The variant's fields change; old clients may read a header that no longer comes.";
    RESPONSE_ERROR_CODE = "response-error-code", "The `x-error-code` the server writes for a status it answers by itself changes.", "breaks", "ok", Patch,
        "Old clients matching the code of the server's own refusals see another one.";
    SECURITY = "security", "Authentication becomes required or optional, or a scope is added or removed.", "breaks when more is asked", "ok", Patch,
        "Old clients' tokens may no longer be enough; the router checks before the implementation.";
    SCHEMA_ADDED = "schema-added", "A named schema is added.", "ok", "ok", Minor,
        "Nothing that exists uses it.";
    SCHEMA_REMOVED = "schema-removed", "A named schema is removed.", "ok", "breaks (build)", Major,
        "Code naming the type no longer compiles; wire changes are reported where it was used.";
    SCHEMA_RENAMED = "schema-renamed", "A named schema keeps its content under another name.", "ok", "breaks (build)", Major,
        "The JSON is the same; the Rust type takes the new name.";
    SCHEMA_KIND = "schema-kind", "A schema changes kind (object, enum, union, alias) or aliased type.", "breaks", "breaks (build)", Major,
        "The JSON shape and the Rust type both change.";
    VARIANT_ADDED = "variant-added", "A `oneOf`/`anyOf` member is added.", "breaks in responses", "breaks (build) in requests", Major,
        "Old clients cannot decode the new member; implementations matching the enum meet a new variant.";
    VARIANT_REMOVED = "variant-removed", "A `oneOf`/`anyOf` member is removed.", "breaks in requests", "breaks (build)", Major,
        "Old clients may send it; code naming the variant no longer compiles.";
    PROPERTY_ADDED = "property-added", "A property is added to an object.", "breaks when required in requests, or in a response object that refuses unknown properties", "breaks (build) in responses", Major,
        "Struct literals must name the new field; strict old clients refuse what they don't know.";
    PROPERTY_REMOVED = "property-removed", "A property is removed from an object.", "breaks when old clients send it to a strict object or require it in responses", "breaks (build)", Major,
        "The field is gone from the Rust type.";
    PROPERTY_TYPE = "property-type", "A property's type changes.", "breaks", "breaks (build)", Major,
        "Values of the old type no longer decode; the field's Rust type changes.";
    PROPERTY_REQUIRED = "property-required", "A property becomes required or optional.", "breaks: required in requests, optional in responses", "breaks (build) when the field's `Option` comes or goes", Major,
        "Old clients may omit it, or may count on getting it.";
    PROPERTY_NULLABLE = "property-nullable", "A property becomes nullable, or no longer is.", "breaks: null in responses, or refused in requests", "breaks (build) when the field's `Option` comes or goes", Major,
        "Old clients cannot decode a null, or may still send one.";
    PROPERTY_READ_ONLY = "property-read-only", "A property becomes read-only, or no longer is.", "breaks in requests when it becomes read-only", "ok", Patch,
        "Old clients may set it in requests; the Rust type is unchanged.";
    PROPERTY_WRITE_ONLY = "property-write-only", "A property becomes write-only, or no longer is.", "breaks in responses when it becomes write-only and is required", "warning", Patch,
        "Responses stop carrying it: old clients that read it get nothing, and old implementations still send it.";
    PROPERTY_DEFAULT = "property-default", "A property's or parameter's `default` is added, removed or changed.", "warning in requests", "warning", Patch,
        "Where absence meant something else, the server now reads an omitted value as the default.";
    PROPERTY_DEPRECATED = "property-deprecated", "A property becomes deprecated, or no longer is.", "ok", "ok", Patch,
        "Documentation only.";
    PROPERTY_ERROR_CODE = "property-error-code", "A property's `x-error-code` changes.", "breaks", "ok", Patch,
        "Old clients matching the detail code of a refused field see another code.";
    ADDITIONAL_PROPERTIES = "additional-properties", "An object starts or stops refusing properties it does not declare.", "breaks in requests when it starts refusing; in responses when it stops", "warning", Patch,
        "Old clients send extra properties that are now refused, or refuse the extra ones they now get.";
    CONSTRAINT_TIGHTENED = "constraint-tightened", "A length, pattern, range, item count, property count, format or number list accepts less.", "breaks in requests", "warning in responses", Patch,
        "Old clients' requests that were valid are refused; old implementations may answer what is now invalid.";
    CONSTRAINT_LOOSENED = "constraint-loosened", "A length, pattern, range, item count, property count, format or number list accepts more.", "breaks in responses", "warning in requests", Patch,
        "Old clients that validate or size by the old bound meet longer, larger or other values; implementations receive them.";
    ENUM_VALUE_ADDED = "enum-value-added", "A value is added to a string enum.", "warning in responses", "ok", Minor,
        "Generated clients read it as `Unknown`, but clients that match exhaustively (other generators, hand-written code) fail on it; the enums are `#[non_exhaustive]`.";
    ENUM_VALUE_REMOVED = "enum-value-removed", "A value is removed from a string enum.", "breaks in requests", "breaks (build)", Major,
        "Old clients may send it; code naming the variant no longer compiles.";
    ERROR_CODE_ADDED = "error-code-added", "A code is added to the error model's `x-error-codes`.", "warning", "ok", Minor,
        "Old generated clients read it as `Unknown`; clients that match codes exhaustively fail on it.";
    ERROR_CODE_REMOVED = "error-code-removed", "A code is removed from the error model.", "ok", "breaks (build)", Major,
        "Old clients keep a code that never comes; code naming it no longer compiles.";
    ERROR_MESSAGE = "error-message", "The message of an error code changes (`x-enum-messages` of the error model, or an operation's `x-error-messages`).", "warning", "ok", Patch,
        "Old clients' `message()` returns the old text and tests comparing messages fail; the server writes the new one.";
}

/// The rule with `id`, if there is one.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// The rule table in Markdown, as README shows it.
pub fn table() -> String {
    let mut s = String::from(
        "| id | detects | old clients (wire) | existing servers | Rust API | why |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            r.id,
            r.detects,
            r.clients,
            r.servers,
            r.rust.as_str(),
            r.why
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.id
            );
        }
    }

    #[test]
    fn the_readme_shows_every_rule() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&table()),
            "README's rule table is out of date: paste `cargo xtask diff --rules` into it"
        );
    }
}
