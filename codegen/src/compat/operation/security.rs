//! Authentication made required or optional, and scopes added or removed.

use crate::compat::change::Recorder;
use crate::compat::rules;
use crate::model::Operation;

pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    let (s0, s1) = (&old.security, &new.security);
    if s0.required != s1.required {
        if s1.required {
            out.push(
                rules::SECURITY,
                "authentication became required",
                true,
                false,
                "old clients may call without a token and get 401; the router checks it before the implementation",
            );
        } else {
            out.push(
                rules::SECURITY,
                "authentication became optional",
                false,
                false,
                "old clients still send a token, which is accepted",
            );
        }
    }
    for scope in s1.scopes.iter().filter(|s| !s0.scopes.contains(s)) {
        out.push(
            rules::SECURITY,
            format!("scope `{scope}` added"),
            true,
            false,
            "old clients' tokens may lack it and get 401; the router hands the new scope to the Authenticator",
        );
    }
    for scope in s0.scopes.iter().filter(|s| !s1.scopes.contains(s)) {
        out.push(
            rules::SECURITY,
            format!("scope `{scope}` removed"),
            false,
            false,
            "less is asked of old clients' tokens; the Authenticator is asked for less",
        );
    }
}
