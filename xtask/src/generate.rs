//! `generate`: a client crate and a server crate for any OpenAPI 3.0 document.

use std::path::{Path, PathBuf};

/// `cargo xtask generate`'s flags; their doc comments are its `--help`.
#[derive(clap::Args)]
pub struct Args {
    /// The OpenAPI document (YAML or JSON).
    #[arg(long)]
    pub spec: PathBuf,
    /// The directory to write `<name>-client/` and `<name>-server/` into.
    #[arg(long)]
    pub out: PathBuf,
    /// The crates' name stem; defaults to the spec's file name.
    #[arg(long)]
    pub name: Option<String>,
    /// The runtime crate's folder, for the crates' path dependency (default: the one in this
    /// checkout).
    #[arg(long)]
    pub runtime: Option<PathBuf>,
    /// Leave out the operations and components the generator cannot express (each listed, with
    /// its located error, and every operation that uses a left-out component) instead of
    /// refusing the document.
    #[arg(long)]
    pub skip_unsupported: bool,
}

pub fn run(args: &Args) -> Result<(), String> {
    let (spec, out) = (args.spec.as_path(), args.out.as_path());
    let text = std::fs::read_to_string(spec)
        .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let stem = args
        .name
        .clone()
        .or_else(|| spec.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "api".to_owned());
    let stem = codegen::naming::snake(&stem, "api").replace('_', "-");
    let client_name = format!("{stem}-client");
    let server_name = format!("{stem}-server");
    let options = codegen::Options {
        client_crate: client_name.replace('-', "_"),
        regenerate_with: format!(
            "generated from {} by `cargo xtask generate`.",
            spec.display()
        ),
    };
    let runtime = runtime_dir(args.runtime.as_deref())?;
    let report = codegen::skip::generate(&text, &options, args.skip_unsupported).map_err(|d| {
        let hint = if args.skip_unsupported {
            ""
        } else {
            "\n(--skip-unsupported generates the rest of the document, listing what it leaves out)"
        };
        format!("{}:\n{d}{hint}", spec.display())
    })?;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    for skipped in report
        .skipped_operations
        .iter()
        .chain(&report.skipped_components)
    {
        eprintln!("skipped: {} ({})", skipped.what, skipped.reason);
    }
    for skipped in &report.left_out_of_server {
        eprintln!(
            "skipped in the server only: {} ({})",
            skipped.what, skipped.reason
        );
    }
    let generated = report.generated;
    let manifests = manifests(&client_name, &server_name, &runtime, true);

    let client_dir = out.join(&client_name);
    let server_dir = out.join(&server_name);
    write_crate(&client_dir, &manifests.client(), &generated.client)?;
    write_crate(&server_dir, &manifests.server(), &generated.server)?;
    println!(
        "wrote {} and {}",
        client_dir.display(),
        server_dir.display()
    );
    if !report.skipped_operations.is_empty()
        || !report.skipped_components.is_empty()
        || !report.left_out_of_server.is_empty()
    {
        println!(
            "left out {} operation(s) and {} component(s), and {} more operation(s) from the server only; each is listed above",
            report.skipped_operations.len(),
            report.skipped_components.len(),
            report.left_out_of_server.len()
        );
    }
    Ok(())
}

/// Writes a crate's manifest and files under `dir`. A file whose text is already there is left
/// alone, so its modification time stays and cargo does not rebuild it.
pub fn write_crate(dir: &Path, manifest: &str, files: &codegen::CrateFiles) -> Result<(), String> {
    // Borrowed, not copied: a large document's files are tens of megabytes.
    let all = std::iter::once(("Cargo.toml", manifest)).chain(
        files
            .iter()
            .map(|(rel, text)| (rel.as_str(), text.as_str())),
    );
    for (rel, text) in all {
        let path = dir.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The manifests of a pair of crates generated from any document (not this workspace's own), each
/// with a plain `[package]` table and a path dependency on the runtime crate at `runtime`.
pub fn manifests(
    client: &str,
    server: &str,
    runtime: &Path,
    standalone: bool,
) -> codegen::manifest::Manifests {
    codegen::manifest::Manifests {
        client_package: codegen::manifest::plain_package(client),
        server_package: codegen::manifest::plain_package(server),
        client_name: client.to_owned(),
        client_version: "0.1.0".into(),
        client_path: format!("../{client}"),
        runtime_path: runtime.display().to_string(),
        publishable: false,
        standalone,
    }
}

/// The runtime crate generated crates stand on: `--runtime`, else the one in the workspace the
/// command runs in.
pub fn runtime_dir(given: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match given {
        Some(dir) => dir.to_path_buf(),
        None => crate::workspace::root()
            .map_err(|e| {
                format!(
                    "{e}
(or name the runtime crate's folder with --runtime)"
                )
            })?
            .join(crate::workspace::RUNTIME_DIR),
    };
    let dir =
        std::path::absolute(&dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    if !dir.join("Cargo.toml").is_file() {
        return Err(format!(
            "{} holds no runtime crate (no Cargo.toml)",
            dir.display()
        ));
    }
    Ok(dir)
}
