//! `regen` and `check`: the workspace's own generated crates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SPEC: &str = "spec/webhooks.yaml";
const CLIENT_DIR: &str = "generated-client";
const SERVER_DIR: &str = "generated-server";
/// The generated crates' library names, as the rest of the workspace imports them.
pub const CLIENT_CRATE: &str = "webhooks_client";
pub const SERVER_CRATE: &str = "webhooks_server";

pub fn root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// How this workspace's crates are generated from its spec; everything that generates them (regen,
/// check, diff) uses these, so they cannot drift apart.
pub fn options() -> codegen::Options {
    codegen::Options {
        client_crate: CLIENT_CRATE.into(),
        regenerate_with: format!("edit {SPEC} and run `cargo xtask regen`."),
    }
}

/// Every generated file of the workspace, by path from the root, as the spec says it should be.
pub fn expected() -> Result<BTreeMap<PathBuf, String>, String> {
    let root = root();
    let spec_path = root.join(SPEC);
    let spec = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let generated = codegen::generate(&spec, &options())
        .map_err(|d| format!("{SPEC} cannot be generated:\n{d}"))?;
    let mut files = BTreeMap::new();
    for (path, text) in generated.client {
        files.insert(Path::new(CLIENT_DIR).join(path), text);
    }
    for (path, text) in generated.server {
        files.insert(Path::new(SERVER_DIR).join(path), text);
    }
    Ok(files)
}

/// Files under the generated crates' `src/` that the generator did not produce (stale ones).
fn stale(expected: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let root = root();
    let mut out = Vec::new();
    for dir in [CLIENT_DIR, SERVER_DIR] {
        let src = Path::new(dir).join("src");
        let Ok(entries) = std::fs::read_dir(root.join(&src)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = src.join(entry.file_name());
            if !expected.contains_key(&rel) {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

pub fn regen() -> Result<(), String> {
    let files = expected()?;
    let root = root();
    let mut changed = 0;
    for (rel, text) in &files {
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        // Write beside, then rename: an interrupted regen never leaves a half-written file.
        let tmp = path.with_extension("rs.tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
        changed += 1;
        println!("wrote {}", rel.display());
    }
    for rel in stale(&files) {
        std::fs::remove_file(root.join(&rel))
            .map_err(|e| format!("cannot remove {}: {e}", rel.display()))?;
        println!("removed {}", rel.display());
        changed += 1;
    }
    println!(
        "{changed} file(s) changed; {} generated file(s) up to date with {SPEC}",
        files.len()
    );
    Ok(())
}

pub fn check() -> Result<(), String> {
    let files = expected()?;
    let root = root();
    let mut problems = Vec::new();
    for (rel, text) in &files {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(actual) if actual == *text => {}
            Ok(actual) => problems.push(unified(rel, &actual, text)),
            Err(_) => problems.push(format!("{} is missing", rel.display())),
        }
    }
    for rel in stale(&files) {
        problems.push(format!(
            "{} is not generated from the spec any more",
            rel.display()
        ));
    }
    if problems.is_empty() {
        println!(
            "generated code is up to date with {SPEC} ({} files)",
            files.len()
        );
        return Ok(());
    }
    Err(format!(
        "{}\n\nthe generated crates differ from what {SPEC} gives: run `cargo xtask regen` and commit the result",
        problems.join("\n")
    ))
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
