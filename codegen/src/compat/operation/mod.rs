//! The rules for an operation that is in both specs: where it is, its parameters, its request
//! body, its responses and its security.

mod body;
mod params;
mod responses;
mod security;

use super::change::Recorder;
use crate::model::Operation;

/// Every change to one operation.
pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    if old.method != new.method || old.path != new.path {
        out.push(
            format!(
                "moved: {} {} → {} {}",
                old.method.as_str(),
                old.path,
                new.method.as_str(),
                new.path
            ),
            true,
            false,
            "old clients send the request to the old method and path; the trait method is unchanged",
        );
    }
    params::compare(out, old, new);
    body::compare(out, old, new);
    responses::compare(out, old, new);
    security::compare(out, old, new);
}
