//! Project automation: `cargo xtask regen | check | generate | examples | diff`. The commands are
//! the `xtask` library's; this parses the command line and turns their results into exit codes.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the option enum of the mimalloc sources that libmimalloc-sys 0.1.49
/// bundles (v3's `mimalloc.h`; the crate names only some options).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc gives freed memory back to the system 1 s after it is freed by default. Generation
/// frees the parsed document and each rendered piece's syntax trees within that second and then
/// allocates more, so peak memory held the garbage too: 10 ms (mimalloc 2's default) takes
/// GitHub's description from about 205 MB to about 170 MB at peak for a little system time
/// (BENCHMARKS.md, "Large documents").
fn purge_freed_memory_promptly() {
    // SAFETY: the setter only stores the value, and it runs before this process starts any
    // thread, as mimalloc asks of option changes.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 10) }
}

use clap::{Parser, Subcommand};
use xtask::{check, diff, examples, generate, mock, regen, workspace};

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
    Regen(regen::Args),
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
    /// Serve a mock of any OpenAPI document the generator accepts, interpreted from its model:
    /// the spec's examples, steered per request by `Prefer` (code=, example=, dynamic=true, seed=).
    Mock(mock::Args),
}

fn main() -> ExitCode {
    purge_freed_memory_promptly();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => workspace::root().and_then(|root| regen::run(&root, &args)),
        Command::Check => workspace::root().and_then(|root| check::run(&root)),
        Command::Generate(args) => generate::run(&args),
        Command::Examples(args) => examples::run(&args),
        Command::Mock(args) => mock::run(&args),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_index_names_the_purge_delay() {
        // Read before anything sets it: the environment's value, or mimalloc's default of 1000 ms,
        // which no other option of the bundled sources has.
        let expected = std::env::var("MIMALLOC_PURGE_DELAY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        // SAFETY: reading an option has no precondition beyond a valid index.
        let value = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(value, expected);
    }
}
