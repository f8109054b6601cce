//! `diff`: what a spec change does to existing clients and server implementations.
//!
//! The rules are the library's ([`codegen::compat`]); this is the command around them: which two
//! specs to compare, the report's format, and the exit code.

mod base;

use std::path::PathBuf;
use std::process::ExitCode;

use codegen::compat::{self, rust_api};

use crate::workspace::{self, SPEC, root};

/// `--format`: the report for a terminal, or for a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
}

impl From<Format> for compat::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => compat::Format::Text,
            Format::Markdown => compat::Format::Markdown,
        }
    }
}

/// `cargo xtask diff`'s arguments; their doc comments are its `--help`.
#[derive(clap::Args)]
pub struct Args {
    /// A git revision (default: the merge-base with `main`, else HEAD) or a spec file.
    pub base: Option<String>,
    /// The new spec (default: spec/webhooks.yaml in the working tree).
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Exit 0 even when something breaks.
    #[arg(long)]
    pub allow_breaking: bool,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Exit codes: 0 nothing breaks (or `--allow-breaking`), 1 something breaks, 2 usage or load
/// errors.
pub fn run(args: &Args) -> ExitCode {
    match prepare(args) {
        Ok((label, report, rust)) => {
            let format = args.format.into();
            print!("{}", report.render(&label, format));
            print!("{}", rust_api::render(&rust, format));
            if report.is_breaking() && !args.allow_breaking {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// The base's label, the spec changes, and what changes in the generated crates' public API.
type Prepared = (String, compat::Report, Vec<rust_api::ItemChange>);

fn prepare(args: &Args) -> Result<Prepared, String> {
    let new_path = match &args.spec {
        Some(path) => path.clone(),
        None => root()?.join(SPEC),
    };
    let new_text = std::fs::read_to_string(&new_path)
        .map_err(|e| format!("cannot read {}: {e}", new_path.display()))?;
    let (label, old_text) = base::read(args.base.as_deref())?;
    let old = compat::model(&old_text).map_err(|d| format!("{label} (base):\n{d}"))?;
    let new = compat::model(&new_text).map_err(|d| format!("{}:\n{d}", new_path.display()))?;
    let rust = rust_api::compare(
        &rust_items(&old_text).map_err(|e| format!("{label} (base): {e}"))?,
        &rust_items(&new_text).map_err(|e| format!("{}: {e}", new_path.display()))?,
    );
    Ok((label, compat::compare(&old, &new), rust))
}

/// The public items of the crates the workspace would generate from `spec`.
fn rust_items(spec: &str) -> Result<rust_api::Items, String> {
    let generated = codegen::generate(spec, &workspace::options()).map_err(|d| d.to_string())?;
    rust_api::items(&generated, workspace::CLIENT_CRATE, workspace::SERVER_CRATE)
}
