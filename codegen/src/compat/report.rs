//! The list of changes, and how it is written for a terminal or a pull request.

use super::change::{Change, Group};

/// The changes from one spec to another, in the order [`compare`](super::compare) found them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub changes: Vec<Change>,
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a terminal.
    Text,
    /// Ready to paste into a pull request.
    Markdown,
}

impl Report {
    /// Whether any change breaks clients or servers.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(Change::is_breaking)
    }

    /// One line: how many changes, how many break clients, servers, and how many are compatible.
    pub fn summary(&self) -> String {
        let changes = &self.changes;
        let clients = changes.iter().filter(|c| c.clients).count();
        let servers = changes.iter().filter(|c| c.servers).count();
        let compatible = changes.iter().filter(|c| !c.is_breaking()).count();
        format!(
            "{} change(s): {clients} break clients, {servers} break servers, {compatible} compatible",
            changes.len()
        )
    }

    /// The report in `format`; `base` names the old spec (a file, or `rev:path`).
    pub fn render(&self, base: &str, format: Format) -> String {
        match format {
            Format::Text => self.text(base),
            Format::Markdown => self.markdown(base),
        }
    }

    /// The terminal report.
    pub fn text(&self, base: &str) -> String {
        let mut s = format!("spec changes since {base}\n{}\n", self.summary());
        for (group, list) in self.grouped() {
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
    pub fn markdown(&self, base: &str) -> String {
        let cell = |t: &str| t.replace('|', "\\|");
        let mut s = format!("**Spec changes since `{base}`**: {}\n", self.summary());
        for (group, list) in self.grouped() {
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
