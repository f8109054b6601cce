//! `regen`: rewrite the workspace's generated crates from its spec.

use std::path::Path;

use crate::workspace::{SPEC, expected, stale};

/// Writes every generated file under `root` whose text differs from what the spec gives, and
/// removes the ones it no longer gives.
pub fn run(root: &Path) -> Result<(), String> {
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
