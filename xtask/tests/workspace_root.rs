//! The workspace is the one xtask runs in, not the one its binary was built in.
//!
//! Two clones sharing one cargo target directory share one xtask binary. When the binary carried
//! the root of the clone that built it, `cargo xtask check` in the other clone read the first
//! clone's spec ("cannot read …/spec/webhooks.yaml" once that clone was gone). Here the binary
//! built from this workspace runs in copies of it, as it would in another clone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The message the copy's spec changes: it ends up in generated-client/src/types.rs.
const MESSAGE: &str = "Header Authorization was not found in the request. Access denied.";

/// This workspace: cargo runs the tests in xtask/, below it.
fn workspace() -> PathBuf {
    xtask::workspace::root().expect("the tests run inside the workspace")
}

/// A second "clone" at `name`: the files `check` reads (the manifest, the spec, the generated
/// crates), copied from this workspace.
fn clone_workspace(name: &str) -> PathBuf {
    let clone = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&clone);
    std::fs::create_dir_all(&clone).expect("the copy's root");
    let from = workspace();
    for entry in ["Cargo.toml", "spec", "generated-client", "generated-server"] {
        copy(&from.join(entry), &clone.join(entry));
    }
    clone
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("a folder of the copy");
        for entry in std::fs::read_dir(from).expect("a folder to copy").flatten() {
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("a file of the copy");
    }
}

fn xtask_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("xtask runs")
}

#[test]
fn check_reads_the_spec_of_the_workspace_it_runs_in() {
    // An up-to-date clone passes, also from a folder below its root.
    let same = clone_workspace("root-same");
    let out = xtask_in(&same.join("generated-server/src"), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("up to date"), "{stdout}");

    // A clone whose spec differs fails on its own spec: this workspace's would pass.
    let changed = clone_workspace("root-changed");
    let spec = changed.join("spec/webhooks.yaml");
    let text = std::fs::read_to_string(&spec).expect("the copied spec");
    assert!(text.contains(MESSAGE), "the spec no longer has the message");
    std::fs::write(&spec, text.replace(MESSAGE, "Show a token, please.")).expect("change it");
    let out = xtask_in(&changed, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("+") && stderr.contains("Show a token, please."),
        "{stderr}"
    );
    assert!(stderr.contains("run `cargo xtask regen`"), "{stderr}");
}

#[test]
fn outside_a_workspace_commands_fail_clearly() {
    let outside = std::env::temp_dir().join(format!("xtask-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).expect("a folder outside");

    let out = xtask_in(&outside, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is not inside this project's workspace"),
        "{stderr}"
    );

    // Comparing two spec files needs no workspace.
    let spec = workspace().join("spec/webhooks.yaml");
    let spec = spec.to_str().expect("a UTF-8 path");
    let out = xtask_in(&outside, &["diff", spec, "--spec", spec]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&outside).expect("clean up");
}
