//! The generated crates' public Rust API, item by item, so a review shows what a spec change does
//! to the code downstream teams compile against: both versions of the spec are generated, their
//! public items collected by path ([`items`]), and compared ([`compare`]).

mod items;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use items::items;

use super::{Format, Semver};

/// Public item path (`webhooks_client::types::Webhook.callback_url`) → its signature.
pub type Items = BTreeMap<String, String>;

/// One public item added, removed, or with another signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemChange {
    Added {
        path: String,
        signature: String,
    },
    Removed {
        path: String,
        signature: String,
    },
    Changed {
        path: String,
        old: String,
        new: String,
    },
}

/// What changed between two sets of public items, in path order.
pub fn compare(old: &Items, new: &Items) -> Vec<ItemChange> {
    let mut changes = Vec::new();
    for (path, signature) in old {
        match new.get(path) {
            None => changes.push(ItemChange::Removed {
                path: path.clone(),
                signature: signature.clone(),
            }),
            Some(now) if now != signature => changes.push(ItemChange::Changed {
                path: path.clone(),
                old: signature.clone(),
                new: now.clone(),
            }),
            Some(_) => {}
        }
    }
    for (path, signature) in new {
        if !old.contains_key(path) {
            changes.push(ItemChange::Added {
                path: path.clone(),
                signature: signature.clone(),
            });
        }
    }
    changes.sort_by(|a, b| path_of(a).cmp(path_of(b)));
    changes
}

fn path_of(c: &ItemChange) -> &str {
    match c {
        ItemChange::Added { path, .. }
        | ItemChange::Removed { path, .. }
        | ItemChange::Changed { path, .. } => path,
    }
}

/// The semver level `changes` ask of the crates, `new` being the items after them: anything
/// removed or changed is major; an addition is minor unless code that compiled must now name it
/// (a public field in a struct literal, a method implementations must write, a variant of an
/// enum callers match exhaustively).
pub fn level(changes: &[ItemChange], new: &Items) -> Semver {
    changes
        .iter()
        .map(|c| match c {
            ItemChange::Removed { .. } | ItemChange::Changed { .. } => Semver::Major,
            ItemChange::Added { path, .. } => {
                let (parent, member) = match path.rsplit_once('.') {
                    Some((owner, _)) => (owner, true),
                    None => (path.rsplit_once("::").map_or("", |(p, _)| p), false),
                };
                let owner = new.get(parent).map(String::as_str).unwrap_or("");
                let binding = member || owner.starts_with("trait ") || owner.starts_with("enum ");
                if binding {
                    Semver::Major
                } else {
                    Semver::Minor
                }
            }
        })
        .max()
        .unwrap_or(Semver::Patch)
}

/// One line per change: `+` added, `-` removed, `~` changed.
pub fn lines(changes: &[ItemChange]) -> Vec<String> {
    changes
        .iter()
        .map(|c| match c {
            ItemChange::Added { path, signature } => format!("+ {path}: {signature}"),
            ItemChange::Removed { path, signature } => format!("- {path}: {signature}"),
            ItemChange::Changed { path, old, new } => format!("~ {path}: {old} -> {new}"),
        })
        .collect()
}

/// The public items a change adds (`+`), removes (`-`) or changes (`~`), as a report section.
pub fn render(changes: &[ItemChange], format: Format) -> String {
    let lines = lines(changes);
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
        // Both carry the items inside the report itself.
        Format::Json | Format::Github => String::new(),
    }
}
