//! Shared by the service tests: the loopback receiver, the PostgreSQL schema per run, and webhooks
//! as the store keeps them.

pub mod postgres;
pub mod receiver;
pub mod stored;
