//! The old spec a diff compares against: a spec file, or the workspace spec at a git revision.

use std::path::Path;
use std::process::Command;

use crate::workspace::{SPEC, root};

/// The old spec's label for the report (`base.yaml`, `origin/main:spec/webhooks.yaml`) and its
/// text. `base` is a file or a git revision; without one, the merge-base with `main`, else HEAD.
/// Only a revision needs the workspace (its git repository): two spec files compare anywhere.
pub fn read(base: Option<&str>) -> Result<(String, String), String> {
    match base {
        Some(base) if Path::new(base).is_file() => {
            let text =
                std::fs::read_to_string(base).map_err(|e| format!("cannot read {base}: {e}"))?;
            Ok((base.to_owned(), text))
        }
        Some(rev) => Ok((format!("{rev}:{SPEC}"), git_show(&root()?, rev)?)),
        None => {
            let root = root()?;
            let rev = git(&root, &["merge-base", "HEAD", "main"]).unwrap_or_else(|_| "HEAD".into());
            let short: String = rev.chars().take(12).collect();
            Ok((format!("{short}:{SPEC}"), git_show(&root, &rev)?))
        }
    }
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn git_show(root: &Path, rev: &str) -> Result<String, String> {
    git(root, &["show", &format!("{rev}:{SPEC}")])
        .map_err(|e| format!("`{rev}` is neither a file nor a git revision with {SPEC}: {e}"))
}

/// `file` as it is at `rev`.
pub fn git_show_file(root: &Path, rev: &str, file: &str) -> Result<String, String> {
    git(root, &["show", &format!("{rev}:{file}")])
}
