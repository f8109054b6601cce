//! Project automation: `cargo xtask regen | check | generate | examples | diff`. The commands are
//! the `xtask` library's; this parses the command line and turns their results into exit codes.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use xtask::{check, diff, examples, generate, regen, workspace};

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
    Generate(generate::Args),
    /// Generate crates for every document in a folder of OpenAPI documents and `cargo clippy`
    /// them all, printing a table (operations, timings, refusals by construct); fails if a
    /// document panics the generator or gives code that does not compile.
    Examples(examples::Args),
    /// Compare spec/webhooks.yaml with an earlier version and classify each change as breaking
    /// for clients, for server implementations, or compatible. Exits 1 when something breaks
    /// (unless --allow-breaking), 2 on usage or load errors.
    Diff(diff::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen => workspace::root().and_then(|root| regen::run(&root)),
        Command::Check => workspace::root().and_then(|root| check::run(&root)),
        Command::Generate(args) => generate::run(&args),
        Command::Examples(args) => examples::run(&args),
        // diff has its own exit codes (1 breaking, 2 usage or load errors).
        Command::Diff(args) => return diff::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
