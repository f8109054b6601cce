//! One classified difference between two specs, and the recorder the rules push them into.

/// Where a change belongs in the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// An operation, by `operationId`.
    Operation(String),
    /// A schema, by its Rust type name.
    Schema(String),
}

/// One difference between the two specs, with who it breaks and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub group: Group,
    /// What changed, e.g. "query parameter `limit` added (required)".
    pub what: String,
    /// Breaks clients generated from the old spec.
    pub clients: bool,
    /// Breaks server implementations written against the old spec.
    pub servers: bool,
    /// Why, in one line.
    pub reason: String,
}

impl Change {
    /// Whether it breaks clients, servers, or both.
    pub fn is_breaking(&self) -> bool {
        self.clients || self.servers
    }
}

/// The changes found so far, and the group the rule being applied reports under: each rule only
/// says what changed, for whom it breaks and why.
pub(super) struct Recorder {
    pub changes: Vec<Change>,
    pub group: Group,
}

impl Recorder {
    pub fn push(&mut self, what: impl Into<String>, clients: bool, servers: bool, reason: &str) {
        self.changes.push(Change {
            group: self.group.clone(),
            what: what.into(),
            clients,
            servers,
            reason: reason.to_owned(),
        });
    }
}
