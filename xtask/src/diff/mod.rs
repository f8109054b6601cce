//! `diff`: what a spec change does to old clients, existing server implementations, and the
//! generated crates' public Rust API.
//!
//! The rules are the library's ([`codegen::compat`]); this is the command around them: which two
//! specs to compare, the ignore file, the report's format, and the exit code.

mod base;
pub mod ignore;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::compat::{self, Names, Report, Semver, Severity, rust_api};

use crate::workspace::{self, SPEC, root};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a terminal.
    Text,
    /// A pull request comment: summary table first, then collapsible details.
    Markdown,
    /// One JSON object (schema in README).
    Json,
    /// GitHub workflow commands, so a pull request shows each change at its line.
    Github,
}

impl From<Format> for compat::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => compat::Format::Text,
            Format::Markdown => compat::Format::Markdown,
            Format::Json => compat::Format::Json,
            Format::Github => compat::Format::Github,
        }
    }
}

/// `--fail-on`: the lowest severity that makes the command exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Breaking,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn fails(self, worst: Option<Severity>) -> bool {
        let Some(worst) = worst else { return false };
        match self {
            FailOn::Breaking => worst >= Severity::Breaking,
            FailOn::Warning => worst >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

/// `cargo xtask diff`'s arguments; their doc comments are its `--help`.
#[derive(clap::Args)]
pub struct Args {
    /// A git revision (default: the merge-base with `main`, else HEAD) or a spec file.
    pub base: Option<String>,
    /// The new spec (default: spec/webhooks.yaml in the working tree).
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when a change not ignored is at least this severe.
    #[arg(long, value_enum, default_value = "breaking")]
    pub fail_on: FailOn,
    /// Same as `--fail-on never`.
    #[arg(long)]
    pub allow_breaking: bool,
    /// Reviewed exceptions: lines of `RULE-ID POINTER REASON` (default: spec/diff-ignore when it
    /// exists).
    #[arg(long)]
    pub ignore: Option<PathBuf>,
    /// Skip generating both versions to compare the crates' public items (faster on very large
    /// documents; each change still has its Rust API verdict).
    #[arg(long)]
    pub no_rust_items: bool,
    /// Print the rule table (Markdown) and exit.
    #[arg(long)]
    pub rules: bool,
}

/// Exit codes: 0 nothing at or above `--fail-on`, 1 something is, 2 usage or load errors.
pub fn run(args: &Args) -> ExitCode {
    if args.rules {
        print!("{}", compat::rules::table());
        return ExitCode::SUCCESS;
    }
    match prepare(args) {
        Ok((report, names)) => {
            let names = Names {
                base: &names.0,
                spec: &names.1,
            };
            print!("{}", report.render(names, args.format.into()));
            let fail_on = if args.allow_breaking {
                FailOn::Never
            } else {
                args.fail_on
            };
            if fail_on.fails(report.worst()) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// The report, and the names of the base and of the new spec as the report writes them.
fn prepare(args: &Args) -> Result<(Report, (String, String)), String> {
    let new_path = match &args.spec {
        Some(path) => path.clone(),
        None => root()?.join(SPEC),
    };
    let new_text = std::fs::read_to_string(&new_path)
        .map_err(|e| format!("cannot read {}: {e}", new_path.display()))?;
    let (label, old_text) = base::read(args.base.as_deref())?;
    // The two versions are read on two threads: for a large description, reading is the cost.
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| compat::model(&old_text));
        let new = compat::model(&new_text);
        (old.join(), new)
    });
    let old = old
        .map_err(|_| "reading the base panicked".to_owned())?
        .map_err(|d| format!("{label} (base):\n{d}"))?;
    let new = new.map_err(|d| format!("{}:\n{d}", new_path.display()))?;
    let mut report = compat::compare(&old, &new);
    drop((old, new));
    if !args.no_rust_items {
        let before = rust_items(&old_text).map_err(|e| format!("{label} (base): {e}"))?;
        let after = rust_items(&new_text).map_err(|e| format!("{}: {e}", new_path.display()))?;
        report = report.with_rust(rust_api::compare(&before, &after), &after);
    }
    report.locate(&new_text);
    let ignore_file = match &args.ignore {
        Some(file) => Some(file.clone()),
        None => root()
            .ok()
            .map(|r| r.join(ignore::DEFAULT))
            .filter(|f| f.is_file()),
    };
    if let Some(file) = ignore_file {
        let entries = ignore::read(&file)?;
        for unused in ignore::apply(&entries, &mut report) {
            eprintln!(
                "{}:{}: matches no change (`{} {}`): remove it",
                file.display(),
                unused.line,
                unused.rule,
                unused.pointer
            );
        }
    }
    Ok((report, (label, display_path(&new_path))))
}

/// The semver level the generated crates need for the change of the workspace spec since `rev`,
/// or `None` when nothing changed.
pub fn level_since(rev: &str) -> Result<Option<Semver>, String> {
    let root = root()?;
    let new_text =
        std::fs::read_to_string(root.join(SPEC)).map_err(|e| format!("cannot read {SPEC}: {e}"))?;
    let old_text = show_at(&root, rev, SPEC)?;
    let old = compat::model(&old_text).map_err(|d| format!("{rev}:{SPEC}:\n{d}"))?;
    let new = compat::model(&new_text).map_err(|d| format!("{SPEC}:\n{d}"))?;
    let before = rust_items(&old_text).map_err(|e| format!("{rev}:{SPEC}: {e}"))?;
    let after = rust_items(&new_text).map_err(|e| format!("{SPEC}: {e}"))?;
    let report = compat::compare(&old, &new).with_rust(rust_api::compare(&before, &after), &after);
    let unchanged = report.changes.is_empty() && report.rust_items.is_empty();
    Ok((!unchanged).then(|| report.semver()))
}

/// A file of the workspace at a git revision.
pub fn show_at(root: &Path, rev: &str, file: &str) -> Result<String, String> {
    base::git_show_file(root, rev, file)
}

/// The new spec's path as annotations need it: relative to the workspace when inside it.
fn display_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    root()
        .ok()
        .and_then(|r| absolute.strip_prefix(r).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// The public items of the crates the workspace would generate from `spec`.
fn rust_items(spec: &str) -> Result<rust_api::Items, String> {
    let generated = codegen::generate(spec, &workspace::options()).map_err(|d| d.to_string())?;
    rust_api::items(&generated, workspace::CLIENT_CRATE, workspace::SERVER_CRATE)
}
