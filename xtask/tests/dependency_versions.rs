//! The generated crates' dependencies come from codegen's manifest table; the rest of the
//! workspace names some of the same crates in `[workspace.dependencies]`. Both must ask for the
//! same versions, or the service would build against one axum and the generated router another.

#[test]
fn the_workspace_asks_for_the_versions_the_generator_writes() {
    let root = xtask::workspace::root().expect("the tests run inside the workspace");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("the root manifest");
    let table = manifest
        .split("[workspace.dependencies]")
        .nth(1)
        .expect("[workspace.dependencies]");
    let table = table.split("\n[").next().unwrap_or(table);
    let mut compared = 0;
    for line in table.lines() {
        let Some((name, spec)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let Some(wanted) = codegen::manifest::version_of(name) else {
            continue;
        };
        let spec = spec.trim();
        let version = match spec.split_once("version = ") {
            Some((_, rest)) => rest,
            None => spec,
        };
        let version = version.split('"').nth(1).unwrap_or_default();
        assert_eq!(
            version, wanted,
            "{name}: the workspace asks for {version}, generated crates for {wanted}"
        );
        compared += 1;
    }
    assert!(
        compared >= 6,
        "only {compared} shared dependencies found: has the table's format changed?"
    );
}

#[test]
fn the_runtime_is_versioned_with_the_generator() {
    let root = xtask::workspace::root().expect("the tests run inside the workspace");
    let manifest =
        std::fs::read_to_string(root.join("runtime/Cargo.toml")).expect("the runtime's manifest");
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = "))
        .map(|v| v.trim_matches('"'))
        .expect("a version");
    assert_eq!(version, codegen::manifest::RUNTIME_VERSION);
}
