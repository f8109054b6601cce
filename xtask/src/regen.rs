//! `regen`: rewrite the workspace's generated crates from its spec.

use std::path::Path;

use codegen::compat::Semver;

use crate::diff;
use crate::workspace::{SPEC, VERSION_FILE, crates_version, expected, parse_version, stale};

/// `cargo xtask regen`'s arguments.
#[derive(clap::Args, Default)]
pub struct Args {
    /// Set the generated crates' version from the spec at this git revision: its version there,
    /// moved by the semver level of the change since (`cargo xtask diff REV` shows why).
    #[arg(long, value_name = "REV")]
    pub bump_from: Option<String>,
}

/// Writes every generated file under `root` whose text differs from what the spec gives, and
/// removes the ones it no longer gives; first moves the crates' version when asked.
pub fn run(root: &Path, args: &Args) -> Result<(), String> {
    if let Some(rev) = &args.bump_from {
        bump(root, rev)?;
    }
    let files = expected(root)?;
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
    for rel in stale(root, &files) {
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

/// Sets [`VERSION_FILE`] to the version at `rev` moved by the level of the change since.
fn bump(root: &Path, rev: &str) -> Result<(), String> {
    let level = diff::level_since(rev)?;
    let before = match crate::diff::show_at(root, rev, VERSION_FILE) {
        Ok(text) => text.trim().to_owned(),
        // The file is newer than `rev`: its version then was the one before any bump.
        Err(_) => crates_version(root)?,
    };
    let after = match level {
        Some(level) => next_version(&before, level)
            .ok_or_else(|| format!("{VERSION_FILE} at {rev}: `{before}` is not a version"))?,
        None => before.clone(),
    };
    let now = crates_version(root)?;
    if now != after {
        std::fs::write(root.join(VERSION_FILE), format!("{after}\n"))
            .map_err(|e| format!("cannot write {VERSION_FILE}: {e}"))?;
    }
    match level {
        Some(level) => println!(
            "crates version: {before} at {rev}, a {} change since: {after}",
            level.as_str()
        ),
        None => println!("crates version: {after}, the spec is as it was at {rev}"),
    }
    Ok(())
}

/// The version after a change of `level`, by Cargo's reading of semver: below 1.0 the minor
/// number is the one that breaks.
pub fn next_version(version: &str, level: Semver) -> Option<String> {
    let (major, minor, patch) = parse_version(version)?;
    let next = match (major, level) {
        (_, Semver::Patch) => (major, minor, patch + 1),
        (0, Semver::Minor) => (0, minor, patch + 1),
        (0, Semver::Major) => (0, minor + 1, 0),
        (_, Semver::Minor) => (major, minor + 1, 0),
        (_, Semver::Major) => (major + 1, 0, 0),
    };
    Some(format!("{}.{}.{}", next.0, next.1, next.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_move_as_cargo_reads_semver() {
        assert_eq!(
            next_version("0.1.0", Semver::Major).as_deref(),
            Some("0.2.0")
        );
        assert_eq!(
            next_version("0.1.3", Semver::Minor).as_deref(),
            Some("0.1.4")
        );
        assert_eq!(
            next_version("0.1.3", Semver::Patch).as_deref(),
            Some("0.1.4")
        );
        assert_eq!(
            next_version("1.4.2", Semver::Major).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            next_version("1.4.2", Semver::Minor).as_deref(),
            Some("1.5.0")
        );
        assert_eq!(
            next_version("1.4.2", Semver::Patch).as_deref(),
            Some("1.4.3")
        );
        assert_eq!(next_version("1.4", Semver::Patch), None);
    }
}
