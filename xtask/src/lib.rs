//! The commands behind `cargo xtask`, one module each; `main.rs` only parses the command line.
//! A library so that tests call the same code: the freshness test runs [`check::verify`].
//!
//! The generated crates are checked in (reviewers read them, downstream teams depend on them);
//! `regen` rewrites them from spec/webhooks.yaml and `check` fails, with a diff, when they differ.

pub mod check;
pub mod diff;
pub mod examples;
pub mod generate;
pub mod mock;
pub mod regen;
pub mod workspace;
