//! This workspace: where it is, how its crates are generated, and which files the spec gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SPEC: &str = "spec/webhooks.yaml";
const CLIENT_DIR: &str = "generated-client";
const SERVER_DIR: &str = "generated-server";
/// The generated crates' library names, as the rest of the workspace imports them.
pub const CLIENT_CRATE: &str = "webhooks_client";
pub const SERVER_CRATE: &str = "webhooks_server";

pub fn root() -> Result<PathBuf, String> {
    // xtask lives one level below the workspace root.
    Ok(Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".")))
}

/// How this workspace's crates are generated from its spec; everything that generates them (regen,
/// check, diff) uses these, so they cannot drift apart.
pub fn options() -> codegen::Options {
    codegen::Options {
        client_crate: CLIENT_CRATE.into(),
        regenerate_with: format!("edit {SPEC} and run `cargo xtask regen`."),
    }
}

/// Every generated file of the workspace at `root`, by path from the root, as its spec says it
/// should be.
pub fn expected(root: &Path) -> Result<BTreeMap<PathBuf, String>, String> {
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
pub fn stale(root: &Path, expected: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
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
