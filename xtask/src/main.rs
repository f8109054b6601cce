//! Project automation: `cargo xtask regen | check | generate | examples | diff`.
//!
//! The generated crates are checked in (reviewers read them, downstream teams depend on them);
//! `regen` rewrites them from spec/webhooks.yaml and `check` fails, with a diff, when they differ.

mod diff;
mod examples;
mod generate;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Spec-first code generation for this workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate generated-client/ and generated-server/ from spec/webhooks.yaml.
    Regen,
    /// Regenerate in memory and fail with a diff if the checked-in files differ.
    Check,
    /// Generate a client crate and a server crate for any OpenAPI 3.0 document.
    Generate {
        /// The OpenAPI document (YAML or JSON).
        #[arg(long)]
        spec: std::path::PathBuf,
        /// The directory to write `<name>-client/` and `<name>-server/` into.
        #[arg(long)]
        out: std::path::PathBuf,
        /// The crates' name stem; defaults to the spec's file name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Generate crates for every document in a folder of example specs and `cargo check` them
    /// all; fails if a document panics the generator or gives code that does not compile.
    Examples {
        /// The folder of OpenAPI documents (default: ../shared/specs/oas-examples).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Write the generated workspace to this folder and keep it (default: under target/).
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
        /// Print the result table as Markdown.
        #[arg(long)]
        markdown: bool,
    },
    /// Compare spec/webhooks.yaml with an earlier version and classify each change as breaking
    /// for clients, for server implementations, or compatible. Exits 1 when something breaks
    /// (unless --allow-breaking), 2 on usage or load errors.
    Diff {
        /// A git revision (default: the merge-base with `main`, else HEAD) or a spec file.
        base: Option<String>,
        /// The new spec (default: spec/webhooks.yaml in the working tree).
        #[arg(long)]
        spec: Option<std::path::PathBuf>,
        /// Exit 0 even when something breaks.
        #[arg(long)]
        allow_breaking: bool,
        /// The report's format.
        #[arg(long, value_enum, default_value = "text")]
        format: diff::Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen => workspace::regen(),
        Command::Check => workspace::check(),
        Command::Generate { spec, out, name } => generate::run(&spec, &out, name.as_deref()),
        Command::Examples {
            dir,
            keep,
            markdown,
        } => examples::run(&examples::Args {
            dir,
            keep,
            markdown,
        }),
        Command::Diff {
            base,
            spec,
            allow_breaking,
            format,
        } => {
            return diff::run(&diff::Args {
                base,
                spec,
                allow_breaking,
                format,
            });
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
