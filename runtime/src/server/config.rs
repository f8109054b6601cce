//! The limits a generated router applies before calling the implementation.

/// Limits the router applies before calling the implementation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Request bodies over this many bytes are refused with the spec's 413.
    pub body_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 1024 * 1024,
        }
    }
}

impl Config {
    /// The default limits with another body limit.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}
