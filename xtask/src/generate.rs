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
    let generated =
        codegen::generate(&text, &options).map_err(|d| format!("{}:\n{d}", spec.display()))?;

    let client_dir = out.join(&client_name);
    let server_dir = out.join(&server_name);
    write_crate(
        &client_dir,
        &client_manifest(&client_name, Layout::Standalone),
        &generated.client,
    )?;
    write_crate(
        &server_dir,
        &server_manifest(&server_name, &client_name, Layout::Standalone),
        &generated.server,
    )?;
    println!(
        "wrote {} and {}",
        client_dir.display(),
        server_dir.display()
    );
    Ok(())
}

/// Writes a crate's manifest and files under `dir`. A file whose text is already there is left
/// alone, so its modification time stays and cargo does not rebuild it.
pub fn write_crate(dir: &Path, manifest: &str, files: &codegen::CrateFiles) -> Result<(), String> {
    let mut all = vec![("Cargo.toml".to_owned(), manifest.to_owned())];
    all.extend(files.iter().map(|(k, v)| (k.clone(), v.clone())));
    for (rel, text) in all {
        let path = dir.join(&rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
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

/// Where a generated crate lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// On its own (`[workspace]` in its manifest), so it builds where it is written.
    Standalone,
    /// A member of an enclosing workspace (`cargo xtask examples` puts many in one).
    Member,
}

impl Layout {
    fn workspace_table(self) -> &'static str {
        match self {
            Layout::Standalone => "\n[workspace]\n",
            Layout::Member => "",
        }
    }
}

/// The client crate's manifest; the server crate sits beside it as `../{name}`.
pub fn client_manifest(name: &str, layout: Layout) -> String {
    let workspace = layout.workspace_table();
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false
{workspace}
[features]
default = ["client", "rustls"]
client = ["dep:reqwest", "dep:bytes", "dep:tokio"]
rustls = ["client", "reqwest/rustls-no-provider", "dep:rustls"]

[dependencies]
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
chrono = {{ version = "0.4", default-features = false, features = ["serde", "std", "clock"] }}
uuid = {{ version = "1", features = ["serde"] }}
reqwest = {{ version = "0.13", default-features = false, features = ["form"], optional = true }}
rustls = {{ version = "0.23", default-features = false, features = ["ring", "std", "tls12"], optional = true }}
bytes = {{ version = "1", optional = true }}
tokio = {{ version = "1", features = ["time"], optional = true }}
"#
    )
}

/// The server crate's manifest, with a path dependency on the client crate beside it.
pub fn server_manifest(name: &str, client: &str, layout: Layout) -> String {
    let workspace = layout.workspace_table();
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false
{workspace}
[dependencies]
{client} = {{ path = "../{client}", default-features = false }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_path_to_error = "0.1"
regex = "1"
serde_urlencoded = "0.7"
chrono = {{ version = "0.4", default-features = false, features = ["serde", "std", "clock"] }}
uuid = {{ version = "1", features = ["serde"] }}
axum = {{ version = "0.8", default-features = false, features = ["http1", "json", "tokio"] }}
bytes = "1"
http = "1"
http-body-util = "0.1"
futures-util = {{ version = "0.3", default-features = false, features = ["std"] }}
"#
    )
}
