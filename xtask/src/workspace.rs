//! This workspace: where it is, how its crates are generated, and which files the spec gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SPEC: &str = "spec/webhooks.yaml";
const CLIENT_DIR: &str = "generated-client";
const SERVER_DIR: &str = "generated-server";
/// The runtime crate's folder; generated crates depend on it by path.
pub const RUNTIME_DIR: &str = "runtime";
/// The generated crates' library names, as the rest of the workspace imports them.
pub const CLIENT_CRATE: &str = "webhooks_client";
pub const SERVER_CRATE: &str = "webhooks_server";

/// The root of the workspace the command runs in, found from the current directory up.
///
/// Found at run time, not compiled in: clones that share one cargo target directory share one
/// xtask binary, and a root baked into it is the root of whichever clone built it last.
pub fn root() -> Result<PathBuf, String> {
    let here =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    find_root(&here)
}

/// The nearest folder from `start` up that holds a `Cargo.toml` with `[workspace]` and the spec.
///
/// Walking up rather than asking `cargo locate-project --workspace`: the nested fuzz/ workspace
/// has its own `[workspace]` (cargo would answer fuzz/), and the binary also runs without cargo
/// (`target/release/xtask generate` in the generator benchmark). The spec is what makes a folder
/// this workspace's root; `[workspace]` keeps a lone spec/ folder elsewhere from counting.
pub fn find_root(start: &Path) -> Result<PathBuf, String> {
    start
        .ancestors()
        .find(|dir| is_root(dir))
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "{} is not inside this project's workspace: no folder from there up has a Cargo.toml \
                 with [workspace] and {SPEC}; run cargo xtask inside a checkout",
                start.display()
            )
        })
}

fn is_root(dir: &Path) -> bool {
    dir.join(SPEC).is_file()
        && std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
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
    let manifests = manifests(&crates_version(root)?);
    files.insert(Path::new(CLIENT_DIR).join("Cargo.toml"), manifests.client());
    files.insert(Path::new(SERVER_DIR).join("Cargo.toml"), manifests.server());
    Ok(files)
}

/// The file holding the generated crates' version: `regen --bump-from` moves it by the semver
/// level of the spec change, and every `regen` writes it into both manifests.
pub const VERSION_FILE: &str = "spec/crates-version";

/// The generated crates' version, from [`VERSION_FILE`].
pub fn crates_version(root: &Path) -> Result<String, String> {
    let path = root.join(VERSION_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_version(text.trim())
        .map(|_| text.trim().to_owned())
        .ok_or_else(|| {
            format!(
                "{VERSION_FILE}: `{}` is not a version such as 0.1.0",
                text.trim()
            )
        })
}

/// `major.minor.patch`, each a number.
pub fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Some(a)), Some(Some(b)), Some(Some(c)), None) => Some((a, b, c)),
        _ => None,
    }
}

/// The manifests of this workspace's generated crates: published packages, with their metadata
/// here and every dependency from the generator's one table.
fn manifests(version: &str) -> codegen::manifest::Manifests {
    let package = |name: &str,
                   description: &str,
                   keywords: &str,
                   categories: &str,
                   include: &str| {
        format!(
            "# @generated by `cargo xtask regen` (dependencies from codegen's manifest table).\n\
             [package]\n\
             name = \"{name}\"\n\
             version = \"{version}\"\n\
             description = \"{description}\"\n\
             edition.workspace = true\n\
             license.workspace = true\n\
             repository.workspace = true\n\
             rust-version.workspace = true\n\
             readme = \"README.md\"\n\
             include = [\"src/**/*.rs\", {include}\"README.md\", \"LICENSE-MIT\", \"LICENSE-APACHE\"]\n\
             keywords = {keywords}\n\
             categories = {categories}\n"
        )
    };
    codegen::manifest::Manifests {
        client_package: package(
            "webhooks-client",
            "Typed Rust types and async reqwest (rustls) client for the Webhooks API, generated from its OpenAPI document.",
            r#"["webhooks", "openapi", "client", "reqwest", "api"]"#,
            r#"["api-bindings", "web-programming::http-client"]"#,
            "",
        ),
        server_package: package(
            "webhooks-server",
            "axum 0.8 server trait, router and request checks for the Webhooks API, generated from its OpenAPI document.",
            r#"["webhooks", "openapi", "axum", "server", "api"]"#,
            r#"["web-programming::http-server", "api-bindings"]"#,
            // The document and its reference, which `src/document.rs` includes.
            "\"src/document/*\", ",
        ),
        client_name: "webhooks-client".into(),
        client_version: version.to_owned(),
        client_path: format!("../{CLIENT_DIR}"),
        runtime_path: format!("../{RUNTIME_DIR}"),
        publishable: true,
        standalone: false,
    }
}

/// Files under the generated crates' `src/`, at any depth, that the generator did not produce
/// (stale ones).
pub fn stale(root: &Path, expected: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [CLIENT_DIR, SERVER_DIR] {
        let mut folders = vec![Path::new(dir).join("src")];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(root.join(&folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let rel = folder.join(entry.file_name());
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    folders.push(rel);
                } else if !expected.contains_key(&rel) {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder of this test process, emptied first.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    fn write(path: PathBuf, text: &str) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, text).expect("a file");
    }

    #[test]
    fn the_root_is_the_nearest_workspace_with_the_spec() {
        let dir = scratch("find-root");
        write(dir.join("Cargo.toml"), "[workspace]\nmembers = []\n");
        write(dir.join(SPEC), "openapi: 3.0.3\n");
        // Like fuzz/: a workspace of its own, without the spec.
        write(dir.join("fuzz/Cargo.toml"), "[workspace]\n");
        // A package with a spec/ folder but no [workspace].
        write(dir.join("fuzz/inner/Cargo.toml"), "[package]\n");
        write(dir.join("fuzz/inner").join(SPEC), "openapi: 3.0.3\n");
        std::fs::create_dir_all(dir.join("fuzz/inner/src")).expect("src");

        assert_eq!(find_root(&dir.join("fuzz/inner/src")), Ok(dir.clone()));
        assert_eq!(find_root(&dir.join("spec")), Ok(dir.clone()));
        assert_eq!(find_root(&dir), Ok(dir.clone()));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn outside_a_workspace_the_error_says_what_is_missing() {
        let dir = scratch("no-root");
        let error = find_root(&dir).expect_err("no workspace around a scratch folder");
        assert!(
            error.contains("[workspace]") && error.contains(SPEC),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
