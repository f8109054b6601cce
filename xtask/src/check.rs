//! `check`: regenerate in memory and compare with the checked-in generated crates.

use std::path::Path;

use crate::workspace::{SPEC, expected, stale};

/// Compares the generated crates under `root` with what its spec gives. `Ok` says they are up to
/// date; `Err` holds a unified diff per changed file, a line per missing or stale one, and what
/// to do about it. `cargo xtask check` prints this, and so does the freshness test.
pub fn verify(root: &Path) -> Result<String, String> {
    let files = expected(root)?;
    let mut problems = Vec::new();
    for (rel, text) in &files {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(actual) if actual == *text => {}
            Ok(actual) => problems.push(unified(rel, &actual, text)),
            Err(_) => problems.push(format!("{} is missing", rel.display())),
        }
    }
    for rel in stale(root, &files) {
        problems.push(format!(
            "{} is not generated from the spec any more",
            rel.display()
        ));
    }
    if problems.is_empty() {
        return Ok(format!(
            "generated code is up to date with {SPEC} ({} files)",
            files.len()
        ));
    }
    Err(format!(
        "{}\n\nthe generated crates differ from what {SPEC} gives: run `cargo xtask regen` and commit the result",
        problems.join("\n")
    ))
}

/// `cargo xtask check`: prints that the crates are up to date, or fails with the differences.
pub fn run(root: &Path) -> Result<(), String> {
    println!("{}", verify(root)?);
    Ok(())
}

fn unified(rel: &Path, actual: &str, expected: &str) -> String {
    let name = rel.display().to_string();
    similar::TextDiff::from_lines(actual, expected)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name} (checked in)"),
            &format!("{name} (from the spec)"),
        )
        .to_string()
}
