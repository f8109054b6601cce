//! Shared by the delivery tests: the loopback receiver and the PostgreSQL schema per run.

pub mod postgres;
pub mod receiver;
