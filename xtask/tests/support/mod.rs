//! What the tests that build generated crates share.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// Runs the driver crate in `driver` with `args` (offline: its lock file is the workspace's) and
/// returns what it printed; fails the test with cargo's output when the build or the run fails.
/// Every driver shares one target directory with `cargo xtask examples`, so dependencies are
/// built once.
pub fn run_driver(workspace: &Path, driver: &Path, args: &[&OsStr]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet", "--"])
        .args(args)
        .current_dir(driver)
        .env(
            "CARGO_TARGET_DIR",
            workspace.join("target/examples-check/target"),
        )
        .output()
        .expect("run cargo");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the driver failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
