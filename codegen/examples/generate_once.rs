//! Runs the whole generator once on one spec, for measuring peak memory:
//! `cargo build --release -p codegen --example generate_once` then
//! `/usr/bin/time -v target/release/examples/generate_once SPEC`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: generate_once SPEC.yaml");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let options = codegen::Options {
        client_crate: "bench_client".into(),
        regenerate_with: "bench".into(),
    };
    match codegen::generate(&text, &options) {
        Ok(generated) => {
            let bytes: usize = generated
                .client
                .values()
                .chain(generated.server.values())
                .map(String::len)
                .sum();
            let files = generated.client.len() + generated.server.len();
            println!("{path}: generated {files} files, {bytes} bytes");
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            let count = diagnostics.iter().count();
            eprintln!("{path}: {count} diagnostic(s)");
            for d in diagnostics.iter().take(5) {
                eprintln!("  {d}");
            }
            ExitCode::FAILURE
        }
    }
}
