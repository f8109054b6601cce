//! `cargo xtask diff` as a command: exit codes and the Markdown report, on two spec files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const OLD: &str = r##"
openapi: "3.0.3"
info: {title: Pets, version: "1"}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
paths:
  /pets:
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "204": {description: created}
"##;

fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("spec file");
    }
    dir
}

fn diff(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .arg(dir.join("old.yaml"))
        .arg("--spec")
        .arg(dir.join("new.yaml"))
        .args(extra)
        .output()
        .expect("xtask runs")
}

#[test]
fn exit_codes_and_markdown() {
    // A compatible change: a new error status (old clients get it as `Unexpected`).
    let compatible = OLD.replace(
        "        \"204\": {description: created}",
        "        \"204\": {description: created}\n        \"409\": {description: conflict}",
    );
    let dir = scratch(
        "diff-compatible",
        &[("old.yaml", OLD), ("new.yaml", &compatible)],
    );
    let out = diff(&dir, &["--format", "markdown"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("| breaking | 0 |"), "{stdout}");
    assert!(
        stdout.contains("| 🟢 | response 409 added | ok | ok | major | `response-added` |"),
        "{stdout}"
    );
    // The same change fails when warnings and info count.
    let out = diff(&dir, &["--fail-on", "info"]);
    assert_eq!(out.status.code(), Some(1));

    // A breaking change: a required request property.
    let breaking = OLD
        .replace("required: [name]", "required: [name, owner]")
        .replace(
            "        name: {type: string}",
            "        name: {type: string}\n        owner: {type: string}",
        );
    let dir = scratch(
        "diff-breaking",
        &[("old.yaml", OLD), ("new.yaml", &breaking)],
    );
    let out = diff(&dir, &["--format", "markdown"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("<details open><summary>schema `Pet` — 1 change(s)</summary>"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "| 🔴 | property `owner` added (required) | breaks | ok | major | `property-added` |"
        ),
        "{stdout}"
    );
    let out = diff(&dir, &["--allow-breaking"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("[BREAKING] property `owner` added (required)  (property-added)")
    );

    // GitHub annotations point at the line of the new spec.
    let out = diff(&dir, &["--format", "github"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = breaking
        .lines()
        .position(|l| l.trim_start().starts_with("owner:"))
        .unwrap()
        + 1;
    assert!(
        stdout.contains(&format!(",line={line},title=property-added (breaking)::")),
        "{stdout}"
    );

    // A reviewed exception: reported, not counted; a stale one is named on stderr.
    std::fs::write(
        dir.join("ignore"),
        "property-added #/components/schemas/Pet/properties/owner every client sends it since 2.3\nschema-removed #/components/schemas/Gone long gone\n",
    )
    .unwrap();
    let ignore = dir.join("ignore");
    let out = diff(&dir, &["--ignore", ignore.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ignored: every client sends it since 2.3")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(":2: matches no change"));

    // JSON for programs.
    let out = diff(&dir, &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(json["changes"][0]["rule"], "property-added");
    assert_eq!(json["changes"][0]["line"], line);

    // A spec that does not lower: exit 2, with the located diagnostic.
    let broken = OLD.replace("#/components/schemas/Pet", "#/components/schemas/Nope");
    let dir = scratch("diff-broken", &[("old.yaml", OLD), ("new.yaml", &broken)]);
    let out = diff(&dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("#/paths/"), "{stderr}");

    // A bad option is a usage error: exit 2 as well.
    let out = diff(&dir, &["--format", "html"]);
    assert_eq!(out.status.code(), Some(2));
}
