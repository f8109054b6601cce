//! What a generated reqwest client needs besides its spec.
//!
//! A generated operation builds an [`Outgoing`] request from its [`Connection`], sends it, and
//! matches the [`Answer`]'s status against the statuses its spec declares; everything that is
//! not one of those (a failure to send, an undocumented status, a body that does not decode) is
//! an [`Error`] shared by every operation.

mod answer;
mod connection;
mod error;
mod outgoing;
pub mod path;
mod retry;
mod token;

pub use answer::Answer;
#[cfg(feature = "rustls")]
pub use connection::install_crypto_provider;
pub use connection::{Connection, InvalidBaseUrl};
pub use error::{Error, OperationError, UnexpectedResponse};
pub use outgoing::{Outgoing, Place, Style};
pub use retry::{RetryPolicy, retry_after};
pub use token::{BoxError, StaticToken, TokenFn, TokenSource, token_fn};
