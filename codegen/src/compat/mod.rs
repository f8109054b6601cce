//! The compatibility rule book: what a spec change does to code that already exists.
//!
//! Both versions of a spec are loaded and lowered into the generator's [`model`](crate::model),
//! so `$ref`s are resolved and every name is the Rust one; [`compare`] lists the differences
//! grouped by operation and schema, each classified with a one-line reason, and the [`Report`]
//! renders them as text or Markdown. [`rust_api`] compares the public Rust items of the crates
//! generated from each version.
//!
//! "Clients" are clients generated from the old spec talking to a server that follows the new
//! one: does what they send still get accepted, and does what they receive still decode?
//! "Servers" are implementations of the old generated `Api` trait built against the newly
//! generated server crate: do they still compile, and do they still answer what the new spec
//! promises?
//!
//! ```
//! let old = codegen::compat::model(SPEC).unwrap();
//! let new = codegen::compat::model(&SPEC.replace("[cat, dog]", "[cat]")).unwrap();
//! let report = codegen::compat::compare(&old, &new);
//! assert!(report.is_breaking());
//! let names = codegen::compat::Names { base: "old.yaml", spec: "pets.yaml" };
//! print!("{}", report.render(names, codegen::compat::Format::Markdown));
//! # const SPEC: &str = r##"
//! # openapi: "3.0.3"
//! # info: {title: Pets, version: "1"}
//! # paths:
//! #   /pets:
//! #     get:
//! #       operationId: listPets
//! #       responses:
//! #         "200":
//! #           description: ok
//! #           content:
//! #             application/json:
//! #               schema: {$ref: "#/components/schemas/Kind"}
//! # components:
//! #   schemas:
//! #     Kind: {type: string, enum: [cat, dog]}
//! # "##;
//! ```

mod change;
mod compare;
mod constraints;
mod direction;
mod lines;
mod operation;
mod paths;
mod report;
pub mod rules;
pub mod rust_api;
mod schema;
mod show;
#[cfg(test)]
mod tests;
mod verdict;

pub use change::{Change, Group, Side};
pub use compare::compare;
pub use lines::line_of;
pub use report::{Format, Names, Report};
pub use rules::{RULES, Rule};
pub use show::show;
pub use verdict::{Impact, Semver, Severity};

/// Loads and lowers a spec (YAML or JSON) into the model the rules compare. The JSON tree is
/// consumed into the typed document as generation does it, so a large description is read
/// once, not copied.
pub fn model(spec: &str) -> Result<crate::model::Api, crate::Diagnostics> {
    let (raw, _notes) = crate::load::read(spec)?;
    let local = crate::lower::LocalSchemas::collect(&raw);
    let typed = crate::load::typed(raw, spec)?;
    let (api, server_problems) = crate::lower::lower_with_references(&typed, &local)?;
    server_problems.into_result(api)
}
