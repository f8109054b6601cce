//! What the tests that generate crates from a spec and build a driver against them share.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root directory, found from the current one (cargo runs tests in xtask/) the
/// way the commands find it.
pub fn workspace() -> PathBuf {
    xtask::workspace::root().expect("the tests run inside the workspace")
}

/// Generates the `{name}-client` and `{name}-server` crates for `spec` into `out` with
/// `xtask generate`.
pub fn generate(spec: &Path, name: &str, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--name", name, "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .status()
        .expect("run xtask generate");
    assert!(status.success(), "generation of {} failed", spec.display());
}

/// Writes a driver crate into `driver`: its manifest, its `src/main.rs`, and the workspace's lock
/// file, which pins every shared dependency so the build needs no network. A file whose text is
/// already there is left alone, so cargo does not rebuild it.
pub fn write_driver(driver: &Path, manifest: &str, main: &str) {
    std::fs::create_dir_all(driver.join("src")).expect("driver dir");
    let lock = std::fs::read_to_string(workspace().join("Cargo.lock")).expect("lock file");
    for (path, text) in [
        (driver.join("Cargo.toml"), manifest),
        (driver.join("src/main.rs"), main),
        (driver.join("Cargo.lock"), lock.as_str()),
    ] {
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text).expect("write a driver file");
        }
    }
}

/// Runs the driver crate in `driver` with `args` (offline) and returns what it printed; fails the
/// test with cargo's output when the build or the run fails. Every driver shares one target
/// directory with `cargo xtask examples`, so dependencies are built once.
pub fn run_driver(driver: &Path, args: &[&OsStr]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet", "--"])
        .args(args)
        .current_dir(driver)
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/examples-check/target"),
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
