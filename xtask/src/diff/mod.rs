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
    let old = Version {
        label: &format!("{label} (base)"),
        text: &old_text,
    };
    let new = Version {
        label: &new_path.display().to_string(),
        text: &new_text,
    };
    let mut report = review(old, new, !args.no_rust_items)?;
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

/// One version of a spec: how messages name it, and its text.
#[derive(Clone, Copy)]
struct Version<'a> {
    label: &'a str,
    text: &'a str,
}

/// The changes from `old` to `new`, with the generated crates' public items compared when
/// `rust_items` is set.
fn review(old: Version, new: Version, rust_items: bool) -> Result<Report, String> {
    // The two versions are read on two threads: for a large description, reading is the cost.
    let (old_model, new_model) = std::thread::scope(|s| {
        let old_model = s.spawn(|| compat::model(old.text));
        let new_model = compat::model(new.text);
        (old_model.join(), new_model)
    });
    let old_model = old_model
        .map_err(|_| format!("reading {} panicked", old.label))?
        .map_err(|d| format!("{}:\n{d}", old.label))?;
    let new_model = new_model.map_err(|d| format!("{}:\n{d}", new.label))?;
    let report = compat::compare(&old_model, &new_model);
    drop((old_model, new_model));
    if !rust_items {
        return Ok(report);
    }
    let before = self::rust_items(old.text).map_err(|e| format!("{}: {e}", old.label))?;
    let after = self::rust_items(new.text).map_err(|e| format!("{}: {e}", new.label))?;
    Ok(report.with_rust(rust_api::compare(&before, &after), &after))
}

/// The semver level the generated crates need for the change of the workspace spec since `rev`,
/// or `None` when nothing changed.
pub fn level_since(rev: &str) -> Result<Option<Semver>, String> {
    let root = root()?;
    let new_text =
        std::fs::read_to_string(root.join(SPEC)).map_err(|e| format!("cannot read {SPEC}: {e}"))?;
    let old_text = show_at(&root, rev, SPEC)?;
    let old = Version {
        label: &format!("{rev}:{SPEC}"),
        text: &old_text,
    };
    let new = Version {
        label: SPEC,
        text: &new_text,
    };
    let report = review(old, new, true)?;
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
