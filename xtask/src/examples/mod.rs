//! `examples`: run the generator over a folder of public OpenAPI documents and check that every
//! one either generates crates that compile or stops with a located error.
//!
//! All generated crates go into one cargo workspace so their dependencies compile once, and one
//! `cargo clippy --workspace` (a check with clippy's lints) judges them all. The workspace and its target directory live under
//! `target/examples-check/`, and files are only rewritten when they change, so a second run only
//! re-checks what the generator now writes differently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod category;

use crate::generate::{manifests, write_crate};
use crate::workspace::root;

/// How the generated workspace's manifest starts, which marks the folder as this command's.
const MANIFEST_MARK: &str = "# Written by `cargo xtask examples`";

/// `cargo xtask examples`'s flags; their doc comments are its `--help`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder of OpenAPI documents (default: ../shared/specs/oas-examples).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Write the generated workspace to this folder and keep it (default: under target/).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Print the result table as Markdown.
    #[arg(long)]
    pub markdown: bool,
    /// Generate each document without the operations and components that hold errors (listed),
    /// instead of refusing the whole document.
    #[arg(long)]
    pub skip_unsupported: bool,
}

/// What the generator did with one document.
enum Generation {
    /// It wrote these crates (client, server), leaving out `skipped` of the document's
    /// `operations`.
    Crates {
        client: String,
        server: String,
        operations: usize,
        skipped: Vec<codegen::skip::Skipped>,
        components: Vec<codegen::skip::Skipped>,
        server_only: Vec<codegen::skip::Skipped>,
    },
    /// It stopped with located errors.
    Located(Vec<codegen::Diagnostic>),
    /// It panicked, or the file could not be read.
    Broken(String),
}

/// The verdict on one document.
enum Verdict {
    Compiles {
        warnings: usize,
        operations: usize,
        skipped: Vec<codegen::skip::Skipped>,
        /// Components left out; a skipped operation that uses one is counted under its cause.
        components: Vec<codegen::skip::Skipped>,
        /// Operations the client has and the server leaves out.
        server_only: Vec<codegen::skip::Skipped>,
    },
    Located(Vec<codegen::Diagnostic>),
    Failed(String),
}

struct Row {
    spec: String,
    verdict: Verdict,
    /// Seconds the generator took on this document.
    seconds: f64,
}

pub fn run(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let root = root()?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| root.join("../shared/specs/oas-examples"));
    let specs = documents(&dir)?;
    let runtime = crate::generate::runtime_dir(None)?;
    if specs.is_empty() {
        return Err(format!(
            "no *.yaml, *.yml or *.json documents in {}",
            dir.display()
        ));
    }
    let check_dir = root.join("target").join("examples-check");
    let workspace = args
        .keep
        .clone()
        .unwrap_or_else(|| check_dir.join("workspace"));
    std::fs::create_dir_all(&workspace)
        .map_err(|e| format!("cannot create {}: {e}", workspace.display()))?;
    // Crates of documents that no longer generate are removed, so never work in a folder
    // this command did not make.
    let ours = std::fs::read_to_string(workspace.join("Cargo.toml"))
        .is_ok_and(|m| m.starts_with(MANIFEST_MARK));
    let empty = std::fs::read_dir(&workspace).is_ok_and(|mut d| d.next().is_none());
    if !ours && !empty {
        return Err(format!(
            "{} is not empty and was not written by `cargo xtask examples`; choose another folder",
            workspace.display()
        ));
    }
    // Two runs at once would rewrite and prune each other's crates: the second waits. The lock
    // goes with the process, however it ends.
    std::fs::create_dir_all(&check_dir)
        .map_err(|e| format!("cannot create {}: {e}", check_dir.display()))?;
    let lock_path = check_dir.join("lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        eprintln!("another `cargo xtask examples` is running; waiting for it...");
        lock.lock()
            .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    }

    // Generate everything, catching panics so one bad document does not hide the others.
    let panic_message = Arc::new(Mutex::new(None::<String>));
    let previous_hook = std::panic::take_hook();
    {
        let slot = Arc::clone(&panic_message);
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-text panic".to_owned());
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(format!("{payload}{location}"));
            }
        }));
    }
    let mut stems = BTreeSet::new();
    let mut generations = Vec::new();
    for spec in &specs {
        let name = spec
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let started = Instant::now();
        let generation = generate_one(
            spec,
            &workspace,
            &runtime,
            &mut stems,
            &panic_message,
            args.skip_unsupported,
        );
        generations.push((name, generation, started.elapsed().as_secs_f64()));
    }
    std::panic::set_hook(previous_hook);

    let members: Vec<String> = generations
        .iter()
        .filter_map(|(_, g, _)| match g {
            Generation::Crates { client, server, .. } => Some([client.clone(), server.clone()]),
            _ => None,
        })
        .flatten()
        .collect();
    prune(&workspace, &members)?;
    let generated_in = started.elapsed();

    let check = if members.is_empty() {
        CheckReport::default()
    } else {
        write_workspace_manifest(&workspace, &members, &root)?;
        cargo_check(&workspace, &check_dir.join("target"))?
    };

    let mut rows = Vec::new();
    let mut unattributed = false;
    for (spec, generation, seconds) in generations {
        let verdict = match generation {
            Generation::Located(d) => Verdict::Located(d),
            Generation::Broken(why) => Verdict::Failed(why),
            Generation::Crates {
                client,
                server,
                operations,
                skipped,
                components,
                server_only,
            } => {
                let failed: Vec<String> = [&client, &server]
                    .into_iter()
                    .filter(|c| check.failed.contains(*c))
                    .map(|c| match check.first_error.get(c) {
                        Some(line) => format!("{c}: {line}"),
                        None => format!("{c} does not compile"),
                    })
                    .collect();
                if !failed.is_empty() {
                    Verdict::Failed(failed.join("; "))
                } else if !check.success && check.failed.is_empty() {
                    // cargo failed without naming any crate: it stopped before compiling.
                    unattributed = true;
                    Verdict::Failed("not checked: cargo failed before reaching it".to_owned())
                } else {
                    let warnings = [&client, &server]
                        .into_iter()
                        .map(|c| check.warnings.get(c).copied().unwrap_or(0))
                        .sum();
                    Verdict::Compiles {
                        warnings,
                        operations,
                        skipped,
                        components,
                        server_only,
                    }
                }
            }
        };
        rows.push(Row {
            spec,
            verdict,
            seconds,
        });
    }
    if unattributed {
        eprintln!("cargo check failed; the end of its output:\n{}", check.tail);
    }

    print_table(&rows, args.markdown);
    print_categories(&rows, args.markdown);
    let compiles = rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Compiles { .. }))
        .count();
    let located = rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Located(_)))
        .count();
    let failed = rows.len() - compiles - located;
    println!();
    let (operations, skipped) = rows.iter().fold((0, 0), |(o, s), r| match &r.verdict {
        Verdict::Compiles {
            operations,
            skipped,
            ..
        } => (o + operations, s + skipped.len()),
        _ => (o, s),
    });
    let skipped_note = if args.skip_unsupported {
        format!(" ({} of their {operations} operations skipped)", skipped)
    } else {
        String::new()
    };
    println!(
        "{compiles} generated and compile{skipped_note}, {located} stopped with a located error, {failed} failed"
    );
    println!(
        "(generation {:.1}s, total {:.1}s; workspace at {}; cargo's output in {})",
        generated_in.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        workspace.display(),
        check_dir.join("cargo-check.log").display()
    );
    if failed > 0 {
        return Err(format!(
            "{failed} document(s) panicked the generator or generated code that does not compile"
        ));
    }
    Ok(())
}

/// The documents in `dir`, sorted by name.
fn documents(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    out.sort();
    Ok(out)
}

fn generate_one(
    spec: &Path,
    workspace: &Path,
    runtime: &Path,
    stems: &mut BTreeSet<String>,
    panic_message: &Mutex<Option<String>>,
    skip: bool,
) -> Generation {
    let text = match std::fs::read_to_string(spec) {
        Ok(text) => text,
        Err(e) => return Generation::Broken(format!("cannot read the file: {e}")),
    };
    let base = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = codegen::naming::snake(&base, "api").replace('_', "-");
    let stem = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|s| stems.insert(s.clone()))
        .unwrap_or(base);
    let client = format!("{stem}-client");
    let server = format!("{stem}-server");
    let options = codegen::Options {
        client_crate: client.replace('-', "_"),
        regenerate_with: format!(
            "generated from {} by `cargo xtask examples`.",
            spec.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ),
    };
    if let Ok(mut slot) = panic_message.lock() {
        *slot = None;
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        codegen::skip::generate(&text, &options, skip)
    }));
    let report = match result {
        Ok(Ok(report)) => report,
        Ok(Err(diags)) => return Generation::Located(diags.0),
        Err(_) => {
            let message = panic_message
                .lock()
                .ok()
                .and_then(|mut m| m.take())
                .unwrap_or_else(|| "no message".to_owned());
            return Generation::Broken(format!("the generator panicked: {message}"));
        }
    };
    let operations = report.operations;
    let generated = report.generated;
    let manifests = manifests(&client, &server, runtime, false);
    let written = write_crate(
        &workspace.join(&client),
        &manifests.client(),
        &generated.client,
    )
    .and_then(|()| {
        write_crate(
            &workspace.join(&server),
            &manifests.server(),
            &generated.server,
        )
    })
    .and_then(|()| {
        // Files the generator no longer writes would otherwise linger (and maybe not compile).
        remove_stale(&workspace.join(&client), &generated.client)?;
        remove_stale(&workspace.join(&server), &generated.server)
    });
    match written {
        Ok(()) => Generation::Crates {
            client,
            server,
            operations,
            skipped: report.skipped_operations,
            components: report.skipped_components,
            server_only: report.left_out_of_server,
        },
        Err(e) => Generation::Broken(e),
    }
}

/// Removes files under `dir/src` that are not in `files`.
fn remove_stale(dir: &Path, files: &codegen::CrateFiles) -> Result<(), String> {
    let src = dir.join("src");
    let Ok(entries) = std::fs::read_dir(&src) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let rel = format!("src/{}", entry.file_name().to_string_lossy());
        if !files.contains_key(&rel) && entry.path().is_file() {
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Removes crate folders of documents that no longer generate (or no longer exist).
fn prune(workspace: &Path, members: &[String]) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(workspace) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_crate = name.ends_with("-client") || name.ends_with("-server");
        if is_crate && entry.path().is_dir() && !members.contains(&name) {
            std::fs::remove_dir_all(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn write_workspace_manifest(
    workspace: &Path,
    members: &[String],
    root: &Path,
) -> Result<(), String> {
    let list: Vec<String> = members.iter().map(|m| format!("    \"{m}\",")).collect();
    let manifest = format!(
        "{MANIFEST_MARK}: every crate generated from the example documents.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}\n]\n",
        list.join("\n")
    );
    let path = workspace.join("Cargo.toml");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(manifest.as_str()) {
        std::fs::write(&path, manifest)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    // Start from this workspace's lock file: the generated crates use the same dependencies, so
    // cargo resolves them without asking the registry again.
    let lock = workspace.join("Cargo.lock");
    if !lock.exists()
        && let Ok(text) = std::fs::read_to_string(root.join("Cargo.lock"))
    {
        std::fs::write(&lock, text).map_err(|e| format!("cannot write {}: {e}", lock.display()))?;
    }
    Ok(())
}

#[derive(Default)]
struct CheckReport {
    success: bool,
    /// Crates cargo could not compile.
    failed: BTreeSet<String>,
    /// The first error of each crate that has one.
    first_error: BTreeMap<String, String>,
    /// Warnings per crate.
    warnings: BTreeMap<String, usize>,
    /// The last lines cargo printed, for failures no crate is named in.
    tail: String,
}

fn cargo_check(workspace: &Path, target: &Path) -> Result<CheckReport, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "checking the generated crates (cargo clippy --workspace in {})...",
        workspace.display()
    );
    let output = Command::new(cargo)
        .args([
            "clippy",
            "--workspace",
            "--keep-going",
            "--message-format",
            "short",
        ])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target)
        // The parent cargo's settings would leak into the child otherwise.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The whole output, for reading the errors and warnings the table only counts.
    let log = target.with_file_name("cargo-check.log");
    std::fs::write(&log, stderr.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let mut report = CheckReport {
        success: output.status.success(),
        ..CheckReport::default()
    };
    for line in stderr.lines() {
        // `error: could not compile `x` (lib) due to 2 previous errors`
        if let Some(rest) = line.strip_prefix("error: could not compile `")
            && let Some((name, _)) = rest.split_once('`')
        {
            report.failed.insert(name.to_owned());
            continue;
        }
        // `warning: `x` (lib) generated 3 warnings`
        if let Some(rest) = line.strip_prefix("warning: `")
            && let Some((name, after)) = rest.split_once('`')
            && let Some(count) = after
                .split_whitespace()
                .skip_while(|w| *w != "generated")
                .nth(1)
                .and_then(|n| n.parse::<usize>().ok())
        {
            *report.warnings.entry(name.to_owned()).or_default() += count;
            continue;
        }
        // `petstore-client/src/types.rs:12:5: error[E0412]: cannot find type ...`
        if let Some((path, message)) = line.split_once(": error")
            && let Some((krate, _)) = path.split_once('/')
            && !path.contains(' ')
        {
            report
                .first_error
                .entry(krate.to_owned())
                .or_insert_with(|| format!("{path}: error{message}"));
        }
    }
    let lines: Vec<&str> = stderr.lines().collect();
    report.tail = lines[lines.len().saturating_sub(30)..].join("\n");
    Ok(report)
}

fn print_table(rows: &[Row], markdown: bool) {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let ops = match &r.verdict {
                Verdict::Compiles {
                    operations,
                    skipped,
                    ..
                } => format!("{}/{operations}", operations - skipped.len()),
                _ => "-".to_owned(),
            };
            [
                r.spec.clone(),
                ops,
                format!("{:.2}s", r.seconds),
                describe(&r.verdict),
            ]
        })
        .collect();
    let header = ["spec", "operations", "generation", "result"];
    if markdown {
        println!("| {} |", header.join(" | "));
        println!("| --- | ---: | ---: | --- |");
        for [spec, ops, time, result] in &cells {
            println!(
                "| `{spec}` | {ops} | {time} | {} |",
                result.replace('|', "\\|")
            );
        }
        return;
    }
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    println!(
        "{:w0$}  {:>w1$}  {:>w2$}  result",
        header[0], header[1], header[2]
    );
    println!("{:-<w0$}  {:->w1$}  {:->w2$}  {:-<6}", "", "", "", "");
    for [spec, ops, time, result] in &cells {
        println!("{spec:w0$}  {ops:>w1$}  {time:>w2$}  {result}");
    }
}

/// What still stops documents, by construct: how many documents each kind of error stops (or
/// takes operations from, with `--skip-unsupported`), and how many errors of it there are.
fn print_categories(rows: &[Row], markdown: bool) {
    let mut by: BTreeMap<&'static str, (BTreeSet<&str>, usize)> = BTreeMap::new();
    for row in rows {
        let found: Vec<(String, String)> = match &row.verdict {
            Verdict::Located(diags) => diags
                .iter()
                .map(|d| (d.pointer.clone(), d.message.clone()))
                .collect(),
            Verdict::Compiles {
                skipped,
                components,
                ..
            } => skipped.iter().map(|s| root_cause(s, components)).collect(),
            Verdict::Failed(_) => Vec::new(),
        };
        for (pointer, message) in found {
            let entry = by.entry(category::of(&pointer, &message)).or_default();
            entry.0.insert(&row.spec);
            entry.1 += 1;
        }
    }
    if by.is_empty() {
        return;
    }
    let mut lines: Vec<(&str, usize, usize)> = by
        .into_iter()
        .map(|(c, (docs, n))| (c, docs.len(), n))
        .collect();
    lines.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)));
    println!();
    if markdown {
        println!("| refused construct | documents | errors or skipped operations |");
        println!("| --- | ---: | ---: |");
        for (c, docs, n) in lines {
            println!("| {c} | {docs} | {n} |");
        }
        return;
    }
    println!("refused constructs (documents, errors or skipped operations):");
    for (c, docs, n) in lines {
        println!("  {c:45} {docs:>4} {n:>6}");
    }
}

/// The pointer and message of the error that made `skipped` go: its own, or that of the
/// component it uses (followed through components that use others).
fn root_cause(
    skipped: &codegen::skip::Skipped,
    components: &[codegen::skip::Skipped],
) -> (String, String) {
    let mut current = skipped;
    for _ in 0..components.len() {
        let used = current
            .reason
            .strip_prefix("uses ")
            .and_then(|r| r.strip_suffix(", which is skipped"));
        match used.and_then(|p| components.iter().find(|c| c.pointer == p)) {
            Some(component) => current = component,
            None => break,
        }
    }
    match current.reason.split_once(": ") {
        Some((pointer, message)) if pointer.starts_with('#') => {
            (pointer.to_owned(), message.to_owned())
        }
        _ => (current.pointer.clone(), current.reason.clone()),
    }
}

fn describe(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Compiles {
            warnings,
            skipped,
            server_only,
            ..
        } => {
            let mut out = "generated + compiles".to_owned();
            if *warnings > 0 {
                out.push_str(&format!(" ({warnings} warning(s))"));
            }
            if !server_only.is_empty() {
                out.push_str(&format!(
                    "; {} operation(s) in the client only",
                    server_only.len()
                ));
            }
            if let Some(first) = skipped.first() {
                out.push_str(&format!(
                    "; skipped {} operation(s), first {}: {}",
                    skipped.len(),
                    first.what,
                    first.reason
                ));
            }
            out
        }
        Verdict::Located(diags) => {
            let first = diags
                .first()
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .unwrap_or_else(|| "(no diagnostic)".to_owned());
            let more = match diags.len() {
                0 | 1 => String::new(),
                n => format!(" (+{} more)", n - 1),
            };
            format!("located error: {first}{more}")
        }
        Verdict::Failed(why) => format!("FAILED: {why}"),
    }
}
