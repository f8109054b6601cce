//! The keys of a path item that are operations, for every reader of raw path items (the 3.1
//! rewrite, `--skip-unsupported`, the corpus command). A file of its own so the 3.1 rewrite,
//! which loading calls, need not import loading back.

/// The keys of a path item that are operations (`paths./pets.get`).
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
