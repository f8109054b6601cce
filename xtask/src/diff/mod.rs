//! `diff`: what a spec change does to existing clients and server implementations.
//!
//! Both versions of the spec are loaded and lowered into the generator's model, so `$ref`s are
//! resolved and every name is the Rust one; [`compare::compare`] lists the differences grouped
//! by operation and schema, each classified with a one-line reason.

pub mod compare;
pub mod rust_api;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub use compare::{Change, Group, compare};

use crate::workspace::{SPEC, root};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
}

pub struct Args {
    pub base: Option<String>,
    pub spec: Option<PathBuf>,
    pub allow_breaking: bool,
    pub format: Format,
}

/// Exit codes: 0 nothing breaks (or `--allow-breaking`), 1 something breaks, 2 usage or load
/// errors.
pub fn run(args: &Args) -> ExitCode {
    match prepare(args) {
        Ok((label, old, new, rust)) => {
            let changes = compare(&old, &new);
            let report = match args.format {
                Format::Text => text(&label, &changes),
                Format::Markdown => markdown(&label, &changes),
            };
            print!("{report}");
            print!("{}", rust_report(&rust, args.format));
            if changes.iter().any(Change::is_breaking) && !args.allow_breaking {
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

/// The base's label and both models.
/// The base's label, both models, and what changes in the generated crates' public API.
type Prepared = (
    String,
    codegen::model::Api,
    codegen::model::Api,
    Vec<rust_api::ItemChange>,
);

fn prepare(args: &Args) -> Result<Prepared, String> {
    let root = root();
    let new_path = args.spec.clone().unwrap_or_else(|| root.join(SPEC));
    let new_text = std::fs::read_to_string(&new_path)
        .map_err(|e| format!("cannot read {}: {e}", new_path.display()))?;
    let (label, old_text) = match &args.base {
        Some(base) if Path::new(base).is_file() => {
            let text =
                std::fs::read_to_string(base).map_err(|e| format!("cannot read {base}: {e}"))?;
            (base.clone(), text)
        }
        Some(rev) => (format!("{rev}:{SPEC}"), git_show(&root, rev)?),
        None => {
            let rev = git(&root, &["merge-base", "HEAD", "main"]).unwrap_or_else(|_| "HEAD".into());
            let short: String = rev.chars().take(12).collect();
            (format!("{short}:{SPEC}"), git_show(&root, &rev)?)
        }
    };
    let old = model(&old_text).map_err(|d| format!("{label} (base):\n{d}"))?;
    let new = model(&new_text).map_err(|d| format!("{}:\n{d}", new_path.display()))?;
    let rust = rust_api::compare(
        &rust_api::items(&old_text).map_err(|e| format!("{label} (base): {e}"))?,
        &rust_api::items(&new_text).map_err(|e| format!("{}: {e}", new_path.display()))?,
    );
    Ok((label, old, new, rust))
}

/// Loads and lowers a spec.
pub fn model(text: &str) -> Result<codegen::model::Api, codegen::Diagnostics> {
    let doc = codegen::load::load(text)?;
    codegen::lower::lower(&doc)
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn git_show(root: &Path, rev: &str) -> Result<String, String> {
    git(root, &["show", &format!("{rev}:{SPEC}")])
        .map_err(|e| format!("`{rev}` is neither a file nor a git revision with {SPEC}: {e}"))
}

fn group_title(group: &Group) -> String {
    match group {
        Group::Operation(id) => format!("operation `{id}`"),
        Group::Schema(name) => format!("schema `{name}`"),
    }
}

/// Changes grouped in order of first appearance.
fn grouped(changes: &[Change]) -> Vec<(&Group, Vec<&Change>)> {
    let mut groups: Vec<(&Group, Vec<&Change>)> = Vec::new();
    for c in changes {
        match groups.iter_mut().find(|(g, _)| *g == &c.group) {
            Some((_, list)) => list.push(c),
            None => groups.push((&c.group, vec![c])),
        }
    }
    groups
}

fn summary(changes: &[Change]) -> String {
    let clients = changes.iter().filter(|c| c.clients).count();
    let servers = changes.iter().filter(|c| c.servers).count();
    let compatible = changes.iter().filter(|c| !c.is_breaking()).count();
    format!(
        "{} change(s): {clients} break clients, {servers} break servers, {compatible} compatible",
        changes.len()
    )
}

/// The terminal report.
pub fn text(base: &str, changes: &[Change]) -> String {
    let mut s = format!("spec changes since {base}\n{}\n", summary(changes));
    for (group, list) in grouped(changes) {
        s.push_str(&format!("\n{}\n", group_title(group)));
        for c in list {
            let tag = match (c.clients, c.servers) {
                (true, true) => "BREAKS clients+servers",
                (true, false) => "BREAKS clients",
                (false, true) => "BREAKS servers",
                (false, false) => "compatible",
            };
            s.push_str(&format!("  [{tag}] {}\n      {}\n", c.what, c.reason));
        }
    }
    s
}

/// The report as Markdown, ready to paste into a pull request.
pub fn markdown(base: &str, changes: &[Change]) -> String {
    let cell = |t: &str| t.replace('|', "\\|");
    let mut s = format!("**Spec changes since `{base}`**: {}\n", summary(changes));
    for (group, list) in grouped(changes) {
        s.push_str(&format!(
            "\n#### {}\n\n| change | clients | servers | reason |\n| --- | --- | --- | --- |\n",
            group_title(group)
        ));
        for c in list {
            let mark = |b: bool| if b { "**breaks**" } else { "ok" };
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&c.what),
                mark(c.clients),
                mark(c.servers),
                cell(&c.reason)
            ));
        }
    }
    s
}

/// The generated crates' public items that a change adds (`+`), removes (`-`) or changes (`~`).
fn rust_report(changes: &[rust_api::ItemChange], format: Format) -> String {
    let lines = rust_api::lines(changes);
    let title = format!(
        "generated Rust API: {} item(s) added, removed or changed",
        lines.len()
    );
    match format {
        Format::Text if lines.is_empty() => format!("\n{title}\n"),
        Format::Text => format!(
            "\n{title}\n{}\n",
            lines
                .iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Format::Markdown if lines.is_empty() => format!("\n#### {title}\n"),
        Format::Markdown => format!("\n#### {title}\n\n```diff\n{}\n```\n", lines.join("\n")),
    }
}
