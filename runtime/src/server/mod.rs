//! What a generated axum router needs besides its spec.
//!
//! A generated handler reads its request through [`Incoming`], whose readers fail with a
//! spec-agnostic [`Failure`]; [`respond`] turns a failure into the spec's answer through the
//! operation's [`Refusals`] (one generated table per API) and the API's [`ErrorBody`].

mod auth;
mod body;
mod config;
mod incoming;
mod negotiate;
mod objects;
pub mod path;
mod refusal;
mod reply;
pub mod validate;

pub use auth::{AuthError, AuthRequest, Authenticator};
pub use config::Config;
pub use incoming::{In, Incoming, Style};
pub use path::{Piece, fits};
pub use refusal::{Detail, ErrorBody, Failure, Refusal, Refusals, respond};
pub use reply::{Reply, error_json};
pub use validate::FieldError;

/// What a generated router keeps for its handlers: the implementation, the authenticator and
/// the limits.
pub struct Shared<A, Au> {
    pub api: A,
    pub auth: Au,
    pub config: Config,
}
