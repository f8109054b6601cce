//! One classified difference between two specs, and the recorder the rules push them into.

use std::collections::BTreeMap;

use super::rules::Rule;
use super::verdict::{Impact, Semver, Severity};
use crate::model::TypeRef;

/// Where a change belongs in the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// An operation, by `operationId`.
    Operation(String),
    /// A schema, by its Rust type name.
    Schema(String),
}

/// Which spec a change's location is in: removals are found in the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Old,
    New,
}

/// One difference between the two specs, with its three verdicts and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The rule that found it (see [`RULES`](super::RULES)).
    pub rule: &'static Rule,
    pub group: Group,
    /// What changed, e.g. "query parameter `limit` added (required)".
    pub what: String,
    /// Where, as a JSON pointer (`#/paths/~1pets/get`) into the spec named by `side`.
    pub pointer: String,
    pub side: Side,
    /// Clients generated from (or written for) the old spec, talking to the new server.
    pub clients: Impact,
    /// Implementations of the old `Api` trait rebuilt against the new crates: they must compile
    /// and answer what the new spec promises.
    pub servers: Impact,
    /// The generated crates' public Rust API.
    pub rust: Semver,
    /// Why, in one line.
    pub reason: String,
    /// The line of `pointer` in its spec's text, once [`Report::locate`](super::Report::locate)
    /// has read it.
    pub line: Option<usize>,
    /// Why a reviewer accepted it, from the ignore file: it is reported, not counted.
    pub ignored: Option<String>,
}

impl Change {
    /// Whether it breaks clients or servers.
    pub fn is_breaking(&self) -> bool {
        self.severity() == Severity::Breaking
    }

    pub fn severity(&self) -> Severity {
        match self.clients.max(self.servers) {
            Impact::Breaks => Severity::Breaking,
            Impact::Warning => Severity::Warning,
            Impact::Ok => Severity::Info,
        }
    }
}

/// The changes found so far, and where the rule being applied reports: each rule only says what
/// changed, its verdicts and why.
pub(super) struct Recorder {
    pub changes: Vec<Change>,
    pub group: Group,
    /// The JSON pointer of what is being compared, in the new spec.
    pub at: String,
    /// Its place in the old spec, for what is no longer in the new one.
    pub was_at: String,
    /// Schemas renamed with the same content, old name → new name: a type that only took the
    /// new name is the same type on the wire.
    pub renamed: BTreeMap<String, String>,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            changes: Vec::new(),
            group: Group::Operation(String::new()),
            at: "#".to_owned(),
            was_at: "#".to_owned(),
            renamed: BTreeMap::new(),
        }
    }

    /// Whether `old` (a type of the old spec) is `new` on the wire: equal once renamed schemas
    /// take their new names.
    pub fn same(&self, old: &TypeRef, new: &TypeRef) -> bool {
        self.in_new_names(old) == *new
    }

    /// `ty` of the old spec, with renamed schemas under their new names.
    pub fn in_new_names(&self, ty: &TypeRef) -> TypeRef {
        match ty {
            TypeRef::Named(n) => TypeRef::Named(self.renamed.get(n).unwrap_or(n).clone()),
            TypeRef::Vec(t) => TypeRef::Vec(Box::new(self.in_new_names(t))),
            TypeRef::Map(t) => TypeRef::Map(Box::new(self.in_new_names(t))),
            other => other.clone(),
        }
    }

    /// Sets the Rust API verdict of the change just pushed, where the rule's usual level does
    /// not apply (a field that was an `Option` and stays one).
    pub fn rust(&mut self, level: Semver) {
        if let Some(last) = self.changes.last_mut() {
            last.rust = level;
        }
    }

    /// A change at the current place in the new spec.
    pub fn push(
        &mut self,
        rule: &'static Rule,
        what: impl Into<String>,
        clients: impl Into<Impact>,
        servers: impl Into<Impact>,
        reason: &str,
    ) {
        let at = self.at.clone();
        self.record(rule, what.into(), (at, Side::New), clients, servers, reason);
    }

    /// A change whose subject is only in the old spec (a removal), located there.
    pub fn push_removed(
        &mut self,
        rule: &'static Rule,
        what: impl Into<String>,
        clients: impl Into<Impact>,
        servers: impl Into<Impact>,
        reason: &str,
    ) {
        let at = self.was_at.clone();
        self.record(rule, what.into(), (at, Side::Old), clients, servers, reason);
    }

    fn record(
        &mut self,
        rule: &'static Rule,
        what: String,
        (pointer, side): (String, Side),
        clients: impl Into<Impact>,
        servers: impl Into<Impact>,
        reason: &str,
    ) {
        self.changes.push(Change {
            rule,
            group: self.group.clone(),
            what,
            pointer,
            side,
            clients: clients.into(),
            servers: servers.into(),
            rust: rule.rust,
            reason: reason.to_owned(),
            line: None,
            ignored: None,
        });
    }

    /// Runs `f` with the current places extended by `suffix` (a pointer fragment such as
    /// `/properties/name`), then restores them.
    pub fn within(&mut self, suffix: &str, f: impl FnOnce(&mut Self)) {
        let (at, was_at) = (self.at.clone(), self.was_at.clone());
        self.at.push_str(suffix);
        self.was_at.push_str(suffix);
        f(self);
        self.at = at;
        self.was_at = was_at;
    }
}

/// A JSON pointer segment for `key` (`/` and `~` escaped).
pub fn segment(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}
