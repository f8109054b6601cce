//! The states of a delivery row, as stored: what the queue moves rows between and what the
//! attempt history and the deliveries API read.

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";
