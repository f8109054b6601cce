//! Spec-first code generation: an OpenAPI 3.0 document in, a typed Rust client (reqwest) and
//! server (axum) out.
//!
//! The pipeline is load → lower → emit: [`load`] parses YAML or JSON, [`lower`] turns the document
//! into the generator's own [`model`] (resolving `$ref`s, naming every type, reporting every
//! unsupported construct at its JSON pointer), and the emitters quote Rust from the model only.

pub mod compat;
pub mod diagnostic;
pub mod document;
pub mod load;
pub mod lower;
pub mod manifest;
pub mod mock;
pub mod model;
pub mod naming;
mod openapi31;
pub mod skip;

pub use diagnostic::{Diagnostic, Diagnostics, Side};
pub mod emit;

pub use emit::{CrateFiles, Generated, Options};

/// The whole pipeline: spec text (YAML or JSON) → the client and server crates' files.
pub fn generate(spec: &str, options: &Options) -> Result<Generated, Diagnostics> {
    let doc = load::load(spec)?;
    let api = lower::lower(&doc)?;
    drop(doc);
    mock::check_examples(&api).into_result(())?;
    let mut generated = emit::emit(&api, options)?;
    drop(api);
    document::attach(&mut generated, spec)?;
    Ok(generated)
}

/// The pipeline for a document whose only problems concern the server ([`Side::Server`]): the
/// client crate with every operation, the server crate without the operations those problems
/// point at, and the problems themselves (empty when there were none), to list what the server
/// leaves out. Any other problem stops generation as in [`generate`].
pub fn generate_leaving_out_of_server(
    spec: &str,
    options: &Options,
) -> Result<(Generated, Diagnostics), Diagnostics> {
    let doc = load::load(spec)?;
    let (api, server_problems) = lower::lower_with_server_problems(&doc)?;
    mock::check_examples(&api).into_result(())?;
    let omit: std::collections::BTreeSet<String> = api
        .operations
        .iter()
        .filter(|op| server_problems.iter().any(|d| d.pointer == op.pointer))
        .map(|op| op.id.clone())
        .collect();
    drop(doc);
    let mut generated = emit::emit_leaving_out(&api, options, &omit)?;
    drop(api);
    document::attach(&mut generated, spec)?;
    Ok((generated, server_problems))
}
