//! The verdicts a change gets: what it does to each audience on the wire, the semver level it asks
//! of the generated crates, and the severity a reviewer sees.

/// What a change does to one audience: nothing, something some of them may trip on, or a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Ok,
    /// Breaks only some members of the audience (clients that match enums exhaustively,
    /// implementations that answered what the new spec no longer allows).
    Warning,
    Breaks,
}

impl From<bool> for Impact {
    fn from(breaks: bool) -> Self {
        if breaks { Impact::Breaks } else { Impact::Ok }
    }
}

/// The semver level a change asks of the generated crates' public Rust API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Semver {
    /// No public item changes (documentation, checks inside the server).
    Patch,
    /// Items are added, and nothing that compiled stops compiling.
    Minor,
    /// Code that compiled against the old crates may not compile.
    Major,
}

impl Semver {
    pub fn as_str(self) -> &'static str {
        match self {
            Semver::Patch => "patch",
            Semver::Minor => "minor",
            Semver::Major => "major",
        }
    }
}

/// How much a change matters to a reviewer: the worst of its two wire verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Breaking,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Breaking => "breaking",
        }
    }
}
