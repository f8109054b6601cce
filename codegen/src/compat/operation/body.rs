//! The request body added, removed, retyped, or made required or optional.

use crate::compat::change::Recorder;
use crate::compat::show::show;
use crate::model::Operation;

pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    match (&old.body, &new.body) {
        (None, None) => {}
        (None, Some(b)) => out.push(
            format!(
                "request body added: {} ({})",
                show(&b.ty),
                if b.required { "required" } else { "optional" }
            ),
            b.required,
            true,
            if b.required {
                "old clients send no body and are refused; the trait method gains a body argument"
            } else {
                "optional, so old clients may send none; the trait method gains a body argument"
            },
        ),
        (Some(b), None) => out.push(
            format!("request body removed: {}", show(&b.ty)),
            false,
            true,
            "the server ignores the body old clients send; the trait method loses its body argument",
        ),
        (Some(b), Some(a)) => {
            if b.ty != a.ty {
                out.push(
                    format!("request body type: {} → {}", show(&b.ty), show(&a.ty)),
                    true,
                    true,
                    "old clients send the old type; implementations receive another Rust type",
                );
            }
            if b.media != a.media {
                out.push(
                    format!(
                        "request body media type: {} → {}",
                        b.media.content_type(),
                        a.media.content_type()
                    ),
                    true,
                    false,
                    "old clients send the old media type, which the server refuses with 415",
                );
            }
            if b.required != a.required {
                if a.required {
                    out.push(
                        "request body became required",
                        true,
                        true,
                        "old clients may send none and are refused; the argument is no longer an Option",
                    );
                } else {
                    out.push(
                        "request body became optional",
                        false,
                        true,
                        "old clients always send one; the argument becomes an Option",
                    );
                }
            }
        }
    }
}
