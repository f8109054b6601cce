//! The rules for an operation that is in both specs: where it is, its parameters, its request
//! body, its responses and its security.

mod body;
mod params;
mod responses;
mod security;

use super::change::Recorder;
use super::paths::path_shape;
use super::rules;
use crate::model::Operation;

/// Every change to one operation.
pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    // A path that only renamed its parameters is the same URL: the parameters report that.
    if old.method != new.method || path_shape(&old.path) != path_shape(&new.path) {
        out.push(
            rules::OPERATION_MOVED,
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
    if old.doc.deprecated != new.doc.deprecated {
        out.push(
            rules::OPERATION_DEPRECATED,
            if new.doc.deprecated {
                "became deprecated"
            } else {
                "is no longer deprecated"
            },
            false,
            false,
            "nothing changes on the wire; the generated method carries `#[deprecated]`, a warning, not an error",
        );
    }
    out.within("/parameters", |out| params::compare(out, old, new));
    out.within("/requestBody", |out| body::compare(out, old, new));
    out.within("/responses", |out| responses::compare(out, old, new));
    out.within("/security", |out| security::compare(out, old, new));
}
