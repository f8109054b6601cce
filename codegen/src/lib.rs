//! Spec-first code generation: an OpenAPI 3.0 document in, a typed Rust client (reqwest) and
//! server (axum) out.
//!
//! The pipeline is load → lower → emit: [`load`] parses YAML or JSON, [`lower`] turns the document
//! into the generator's own [`model`] (resolving `$ref`s, naming every type, reporting every
//! unsupported construct at its JSON pointer), and the emitters quote Rust from the model only.

pub mod compat;
pub mod diagnostic;
pub mod load;
pub mod lower;
pub mod manifest;
pub mod model;
pub mod naming;
mod openapi31;
pub mod skip;

pub use diagnostic::{Diagnostic, Diagnostics};
pub mod emit;

pub use emit::{CrateFiles, Generated, Options};

/// The whole pipeline: spec text (YAML or JSON) → the client and server crates' files.
pub fn generate(spec: &str, options: &Options) -> Result<Generated, Diagnostics> {
    let doc = load::load(spec)?;
    let api = lower::lower(&doc)?;
    Ok(emit::emit(&api, options)?)
}
