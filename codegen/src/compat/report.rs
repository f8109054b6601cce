//! The list of changes with their verdicts, and how it is written: for a terminal, a pull
//! request comment, a program (JSON), or GitHub's workflow annotations.

use serde_json::json;

use super::change::{Change, Group, Side};
use super::lines::LineIndex;
use super::rust_api::{self, ItemChange, Items};
use super::verdict::{Impact, Semver, Severity};

/// The changes from one spec to another, in the order [`compare`](super::compare) found them,
/// and what they do to the generated crates' public items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub changes: Vec<Change>,
    /// Public items of the generated crates added, removed or changed (see [`Report::with_rust`]).
    pub rust_items: Vec<ItemChange>,
    /// The semver level those item changes ask for.
    pub rust_items_level: Option<Semver>,
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a terminal.
    Text,
    /// A pull request comment: a summary table, then the details, collapsible.
    Markdown,
    /// One object; its schema is in README ("Reviewing a spec change").
    Json,
    /// GitHub workflow commands (`::error file=…,line=…::…`), one per change.
    Github,
}

/// What the report names: the old spec (a file, or `rev:path`) and the new spec's path, which
/// locations refer to.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    pub base: &'a str,
    pub spec: &'a str,
}

impl Report {
    /// The changes a reviewer has not accepted in the ignore file.
    pub fn counted(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.ignored.is_none())
    }

    /// Whether any counted change breaks clients or servers.
    pub fn is_breaking(&self) -> bool {
        self.counted().any(Change::is_breaking)
    }

    /// The highest severity among counted changes.
    pub fn worst(&self) -> Option<Severity> {
        self.counted().map(Change::severity).max()
    }

    /// The semver level the generated crates need: the highest of the changes' (ignored ones
    /// too: an ignore file accepts a wire verdict, it does not make a Rust change smaller) and of
    /// the public items' own comparison.
    pub fn semver(&self) -> Semver {
        self.changes
            .iter()
            .map(|c| c.rust)
            .chain(self.rust_items_level)
            .max()
            .unwrap_or(Semver::Patch)
    }

    /// Adds the comparison of the generated crates' public items (`new` are the items after).
    pub fn with_rust(mut self, items: Vec<ItemChange>, new: &Items) -> Self {
        self.rust_items_level = Some(rust_api::level(&items, new));
        self.rust_items = items;
        self
    }

    /// Finds each change's line: in the new spec, or for what is gone, where its nearest
    /// ancestor still is (a pull request can only show lines of the new file).
    pub fn locate(&mut self, new_text: &str) {
        let index = LineIndex::new(new_text);
        for c in &mut self.changes {
            c.line = index.line_of(&c.pointer);
        }
    }

    /// One line: how many changes, and how many of each severity.
    pub fn summary(&self) -> String {
        let count = |s: Severity| self.counted().filter(|c| c.severity() == s).count();
        let ignored = self.changes.len() - self.counted().count();
        let mut s = format!(
            "{} change(s): {} breaking, {} warning, {} info",
            self.changes.len(),
            count(Severity::Breaking),
            count(Severity::Warning),
            count(Severity::Info)
        );
        if ignored > 0 {
            s.push_str(&format!(", {ignored} ignored"));
        }
        s.push_str(&format!("; generated crates: {}", self.semver().as_str()));
        s
    }

    /// The report in `format`.
    pub fn render(&self, names: Names, format: Format) -> String {
        match format {
            Format::Text => self.text(names),
            Format::Markdown => self.markdown(names),
            Format::Json => self.json(names),
            Format::Github => self.github(names),
        }
    }

    /// The terminal report.
    pub fn text(&self, names: Names) -> String {
        let mut s = format!("spec changes since {}\n{}\n", names.base, self.summary());
        for (group, list) in self.grouped() {
            s.push_str(&format!("\n{}\n", group_title(group)));
            for c in list {
                s.push_str(&format!(
                    "  [{}] {}  ({})\n      clients: {}, servers: {}, Rust API: {}; {}\n      at {}\n",
                    tag(c),
                    c.what,
                    c.rule.id,
                    impact(c.clients),
                    impact(c.servers),
                    c.rust.as_str(),
                    c.reason,
                    location(c, names)
                ));
                if let Some(why) = &c.ignored {
                    s.push_str(&format!("      ignored: {why}\n"));
                }
            }
        }
        s.push_str(&rust_api::render(&self.rust_items, Format::Text));
        s
    }

    /// The report as a pull request comment: the summary table first, then each group's changes
    /// in a collapsible section, open where something breaks.
    pub fn markdown(&self, names: Names) -> String {
        let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
        let mut s = format!("### Spec changes since `{}`\n\n", names.base);
        let count = |sev: Severity| self.counted().filter(|c| c.severity() == sev).count();
        let breaks =
            |f: fn(&Change) -> Impact| self.counted().filter(|c| f(c) == Impact::Breaks).count();
        s.push_str("| | count |\n| --- | ---: |\n");
        s.push_str(&format!("| changes | {} |\n", self.changes.len()));
        s.push_str(&format!("| breaking | {} |\n", count(Severity::Breaking)));
        s.push_str(&format!("| warning | {} |\n", count(Severity::Warning)));
        s.push_str(&format!("| info | {} |\n", count(Severity::Info)));
        s.push_str(&format!(
            "| ignored (reviewed) | {} |\n",
            self.changes.len() - self.counted().count()
        ));
        s.push_str(&format!(
            "| break old clients on the wire | {} |\n",
            breaks(|c| c.clients)
        ));
        s.push_str(&format!(
            "| break existing server implementations | {} |\n",
            breaks(|c| c.servers)
        ));
        s.push_str(&format!(
            "\n**Generated crates: {} version bump** (the public Rust API).\n",
            self.semver().as_str()
        ));
        for (group, list) in self.grouped() {
            let open = if list.iter().any(|c| c.is_breaking() && c.ignored.is_none()) {
                " open"
            } else {
                ""
            };
            s.push_str(&format!(
                "\n<details{open}><summary>{} — {} change(s)</summary>\n\n| | change | clients | servers | Rust | rule | at | why |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
                group_title(group),
                list.len()
            ));
            for c in list {
                let why = match &c.ignored {
                    Some(accepted) => format!("{} (ignored: {accepted})", c.reason),
                    None => c.reason.clone(),
                };
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | `{}` | `{}` | {} |\n",
                    mark(c),
                    cell(&c.what),
                    impact(c.clients),
                    impact(c.servers),
                    c.rust.as_str(),
                    c.rule.id,
                    location(c, names),
                    cell(&why)
                ));
            }
            s.push_str("\n</details>\n");
        }
        if !self.rust_items.is_empty() {
            s.push_str(&format!(
                "\n<details><summary>Generated Rust API — {} item(s) added, removed or changed</summary>\n\n```diff\n{}\n```\n\n</details>\n",
                self.rust_items.len(),
                rust_api::lines(&self.rust_items).join("\n")
            ));
        }
        s
    }

    /// The report as one JSON object (schema in README).
    pub fn json(&self, names: Names) -> String {
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                let (kind, name) = match &c.group {
                    Group::Operation(id) => ("operation", id),
                    Group::Schema(n) => ("schema", n),
                };
                json!({
                    "rule": c.rule.id,
                    "severity": c.severity().as_str(),
                    "group": {"kind": kind, "name": name},
                    "what": c.what,
                    "clients": impact(c.clients),
                    "servers": impact(c.servers),
                    "rust": c.rust.as_str(),
                    "reason": c.reason,
                    "pointer": c.pointer,
                    "pointerIn": match c.side { Side::New => "new", Side::Old => "old" },
                    "file": names.spec,
                    "line": c.line,
                    "location": location(c, names),
                    "ignored": c.ignored,
                })
            })
            .collect();
        let items: Vec<serde_json::Value> = self
            .rust_items
            .iter()
            .map(|i| match i {
                ItemChange::Added { path, signature } => {
                    json!({"change": "added", "path": path, "new": signature})
                }
                ItemChange::Removed { path, signature } => {
                    json!({"change": "removed", "path": path, "old": signature})
                }
                ItemChange::Changed { path, old, new } => {
                    json!({"change": "changed", "path": path, "old": old, "new": new})
                }
            })
            .collect();
        let count = |s: Severity| self.counted().filter(|c| c.severity() == s).count();
        let value = json!({
            "base": names.base,
            "spec": names.spec,
            "summary": {
                "changes": self.changes.len(),
                "breaking": count(Severity::Breaking),
                "warning": count(Severity::Warning),
                "info": count(Severity::Info),
                "ignored": self.changes.len() - self.counted().count(),
            },
            "semver": self.semver().as_str(),
            "changes": changes,
            "rustItems": items,
        });
        let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
        s.push('\n');
        s
    }

    /// GitHub workflow commands: an `error` for each breaking change, a `warning` or `notice`
    /// for the rest, at its line of the new spec; ignored changes are notices.
    pub fn github(&self, names: Names) -> String {
        let mut s = String::new();
        for c in &self.changes {
            let level = match (c.severity(), &c.ignored) {
                (_, Some(_)) | (Severity::Info, None) => "notice",
                (Severity::Warning, None) => "warning",
                (Severity::Breaking, None) => "error",
            };
            let mut props = format!("file={}", property(names.spec));
            if let Some(line) = c.line {
                props.push_str(&format!(",line={line}"));
            }
            props.push_str(&format!(
                ",title={}",
                property(&format!("{} ({})", c.rule.id, c.severity().as_str()))
            ));
            let mut message = format!(
                "{}: {}. Old clients: {}; existing servers: {}; Rust API: {}. {}",
                group_title(&c.group),
                c.what,
                impact(c.clients),
                impact(c.servers),
                c.rust.as_str(),
                c.reason
            );
            if let Some(why) = &c.ignored {
                message.push_str(&format!(" Ignored: {why}"));
            }
            s.push_str(&format!("::{level} {props}::{}\n", data(&message)));
        }
        s
    }

    /// Changes grouped in order of first appearance.
    fn grouped(&self) -> Vec<(&Group, Vec<&Change>)> {
        let mut groups: Vec<(&Group, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match groups.iter_mut().find(|(g, _)| *g == &c.group) {
                Some((_, list)) => list.push(c),
                None => groups.push((&c.group, vec![c])),
            }
        }
        groups
    }
}

fn group_title(group: &Group) -> String {
    match group {
        Group::Operation(id) => format!("operation `{id}`"),
        Group::Schema(name) => format!("schema `{name}`"),
    }
}

fn impact(i: Impact) -> &'static str {
    match i {
        Impact::Ok => "ok",
        Impact::Warning => "warning",
        Impact::Breaks => "breaks",
    }
}

fn tag(c: &Change) -> &'static str {
    match c.severity() {
        Severity::Breaking => "BREAKING",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn mark(c: &Change) -> &'static str {
    match (c.severity(), c.ignored.is_some()) {
        (_, true) => "⚪",
        (Severity::Breaking, false) => "🔴",
        (Severity::Warning, false) => "🟡",
        (Severity::Info, false) => "🟢",
    }
}

/// `spec/webhooks.yaml:42`, or the file alone when no line was found.
fn location(c: &Change, names: Names) -> String {
    match c.line {
        Some(line) => format!("{}:{line}", names.spec),
        None => names.spec.to_owned(),
    }
}

/// A workflow command's message, escaped as GitHub's toolkit escapes it.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
