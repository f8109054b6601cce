//! The generated crates' `Cargo.toml`s: every crate the generated code names, with its version,
//! from the one table below, so the workspace's own generated crates, `cargo xtask generate`'s
//! and `cargo xtask examples`' agree by construction.

/// Every crate generated code names, with its `[dependencies]` value: the one place their
/// versions are written.
const DEPENDENCIES: &[(&str, &str)] = &[
    ("serde", r#"{ version = "1", features = ["derive"] }"#),
    ("serde_json", r#""1""#),
    (
        "chrono",
        r#"{ version = "0.4", default-features = false, features = ["serde", "std", "clock"] }"#,
    ),
    ("uuid", r#"{ version = "1", features = ["serde"] }"#),
    (
        "reqwest",
        r#"{ version = "0.13", default-features = false, optional = true }"#,
    ),
    ("regex", r#""1""#),
    (
        "axum",
        r#"{ version = "0.8", default-features = false, features = ["http1", "json", "tokio"] }"#,
    ),
    ("http", r#""1""#),
];

/// What each crate needs from the table, in the order its manifest lists them.
const CLIENT_NEEDS: &[&str] = &["serde", "serde_json", "chrono", "uuid", "reqwest"];
const SERVER_NEEDS: &[&str] = &[
    "serde",
    "serde_json",
    "regex",
    "chrono",
    "uuid",
    "axum",
    "http",
];

/// `name = value` lines for `names`, from the table.
fn dependency_lines(names: &[&str]) -> String {
    names
        .iter()
        .filter_map(|name| DEPENDENCIES.iter().find(|(n, _)| n == name))
        .map(|(name, spec)| format!("{name} = {spec}\n"))
        .collect()
}

/// The crate every generated crate stands on, versioned with the generator.
pub const RUNTIME_CRATE: &str = "specfirst-runtime";
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version requirement the table gives a crate, for checking other manifests against it
/// (`None` for a crate generated code does not name).
pub fn version_of(name: &str) -> Option<&'static str> {
    let (_, spec) = DEPENDENCIES.iter().find(|(n, _)| *n == name)?;
    let quoted = match spec.split_once("version = ") {
        Some((_, rest)) => rest,
        None => spec,
    };
    quoted.split('"').nth(1)
}

/// Where and how a pair of generated crates is written.
#[derive(Debug, Clone)]
pub struct Manifests {
    /// The client crate's `[package]` table, header included.
    pub client_package: String,
    /// The server crate's `[package]` table, header included.
    pub server_package: String,
    /// The client crate's package name, version, and path from the server crate's folder.
    pub client_name: String,
    pub client_version: String,
    pub client_path: String,
    /// The runtime crate's path from the generated crates' folders (or an absolute one).
    pub runtime_path: String,
    /// Whether path dependencies also carry their version, as `cargo publish` needs.
    pub publishable: bool,
    /// Whether each crate is a workspace of its own (an empty `[workspace]` table), so it builds
    /// where it is written.
    pub standalone: bool,
}

/// A `[package]` table with just a name, for crates generated to be built, not published.
pub fn plain_package(name: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n"
    )
}

impl Manifests {
    fn path_dependency(&self, path: &str, version: &str, extra: &str) -> String {
        let version = if self.publishable {
            format!(", version = \"{version}\"")
        } else {
            String::new()
        };
        format!("{{ path = \"{path}\"{version}{extra} }}")
    }

    fn head(&self, package: &str) -> String {
        let mut text = package.trim_end().to_owned();
        text.push('\n');
        if self.standalone {
            text.push_str("\n[workspace]\n");
        }
        text
    }

    /// The client crate's manifest: the types always, the reqwest client behind `client`.
    pub fn client(&self) -> String {
        let runtime = self.path_dependency(&self.runtime_path, RUNTIME_VERSION, "");
        let mut text = self.head(&self.client_package);
        text.push_str(&format!(
            r#"
[features]
default = ["client", "rustls"]
# The reqwest client. Without it the crate is just the types, which the server crate uses.
client = ["dep:reqwest", "{RUNTIME_CRATE}/client"]
# HTTPS through rustls with the ring crypto provider (no OpenSSL). Without it the client speaks
# plain HTTP only, and builds faster.
rustls = ["client", "{RUNTIME_CRATE}/rustls"]

[dependencies]
{RUNTIME_CRATE} = {runtime}
"#
        ));
        text.push_str(&dependency_lines(CLIENT_NEEDS));
        text
    }

    /// The server crate's manifest: the client crate's types (without reqwest) and axum.
    pub fn server(&self) -> String {
        let client = self.path_dependency(
            &self.client_path,
            &self.client_version,
            ", default-features = false",
        );
        let runtime = self.path_dependency(
            &self.runtime_path,
            RUNTIME_VERSION,
            r#", features = ["server"]"#,
        );
        let mut text = self.head(&self.server_package);
        text.push_str(&format!(
            r#"
[features]
# `mock::Mock`: the API answered from the spec's examples, steered by `Prefer`, for tests.
mock = ["{RUNTIME_CRATE}/mock"]

[dependencies]
{} = {client}
{RUNTIME_CRATE} = {runtime}
"#,
            self.client_name
        ));
        text.push_str(&dependency_lines(SERVER_NEEDS));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_table() {
        assert_eq!(version_of("axum"), Some("0.8"));
        assert_eq!(version_of("serde_json"), Some("1"));
        assert_eq!(version_of("chrono"), Some("0.4"));
        assert_eq!(version_of("tokio"), None);
    }

    #[test]
    fn manifests_parse_and_name_the_runtime() {
        let manifests = Manifests {
            client_package: plain_package("pets-client"),
            server_package: plain_package("pets-server"),
            client_name: "pets-client".into(),
            client_version: "0.1.0".into(),
            client_path: "../pets-client".into(),
            runtime_path: "/somewhere/runtime".into(),
            publishable: false,
            standalone: true,
        };
        let client = manifests.client();
        let server = manifests.server();
        assert!(
            client.contains("specfirst-runtime = { path = \"/somewhere/runtime\" }"),
            "{client}"
        );
        assert!(
            server
                .contains("pets-client = { path = \"../pets-client\", default-features = false }"),
            "{server}"
        );
        assert!(server.contains("[workspace]"));
        for text in [client, server] {
            assert_eq!(text.matches("[dependencies]").count(), 1);
        }
    }
}
