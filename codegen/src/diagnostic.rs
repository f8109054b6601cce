//! Errors the generator reports about a spec: each names the construct and where it is.

use std::fmt;

/// One problem found in a spec, located by a JSON pointer into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// JSON pointer (RFC 6901) of the offending construct, e.g. `#/paths/~1webhooks/post`.
    pub pointer: String,
    /// What is wrong, in a sentence that names the construct.
    pub message: String,
    /// Which generated crate the problem stops.
    pub side: Side,
}

/// Which of the generated crates a problem concerns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The construct cannot be expressed at all: neither crate can be generated as it is.
    #[default]
    Both,
    /// Only the server cannot serve the operation at the pointer (two operations it could not
    /// tell apart, a route axum cannot hold); the client is generated with it, and the server can
    /// be generated without it (see [`crate::generate_leaving_out_of_server`]).
    Server,
}

impl Diagnostic {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
            side: Side::Both,
        }
    }

    /// A problem that stops only the server's operation at `pointer`.
    pub fn server_only(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            side: Side::Server,
            ..Self::new(pointer, message)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)?;
        if self.side == Side::Server {
            f.write_str(" (server only: the client is generated with this operation)")?;
        }
        Ok(())
    }
}

/// Every problem found in one run. The generator keeps going after the first problem so that a
/// maintainer sees all of them at once; it never emits code when this is non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(Diagnostic::new(pointer, message));
    }

    /// A problem that stops only the server's operation at `pointer` (see [`Side::Server`]).
    pub fn push_server(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(Diagnostic::server_only(pointer, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every problem concerns the server only, so the client can still be generated.
    pub fn server_only(&self) -> bool {
        self.0.iter().all(|d| d.side == Side::Server)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was reported, the diagnostics otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A JSON pointer under construction. Segments are escaped as RFC 6901 requires (`~` → `~0`,
/// `/` → `~1`), so `/webhooks/{id}` becomes `~1webhooks~1{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pointer(String);

impl Pointer {
    pub fn root() -> Self {
        Pointer("#".to_owned())
    }

    /// Parses a local `$ref` (`#/components/schemas/Pet`) into a pointer.
    pub fn from_ref(reference: &str) -> Self {
        Pointer(reference.to_owned())
    }

    pub fn join(&self, segment: impl fmt::Display) -> Self {
        let segment = segment.to_string().replace('~', "~0").replace('/', "~1");
        Pointer(format!("{}/{}", self.0, segment))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&Pointer> for String {
    fn from(p: &Pointer) -> String {
        p.0.clone()
    }
}

impl From<Pointer> for String {
    fn from(p: Pointer) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped() {
        let p = Pointer::root()
            .join("paths")
            .join("/webhooks/{id}")
            .join("a~b");
        assert_eq!(p.as_str(), "#/paths/~1webhooks~1{id}/a~0b");
    }

    #[test]
    fn diagnostics_print_one_per_line() {
        let mut d = Diagnostics::default();
        d.push("#/a", "first");
        d.push("#/b", "second");
        assert_eq!(d.to_string(), "error: #/a: first\nerror: #/b: second");
    }
}
