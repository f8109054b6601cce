//! The request body added, removed, retyped, or made required or optional.

use crate::compat::change::Recorder;
use crate::compat::rules;
use crate::compat::show::show;
use crate::model::{Operation, PartKind, RequestBody};

pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    match (&old.body, &new.body) {
        (None, None) => {}
        (None, Some(b)) => out.push(
            rules::REQUEST_BODY_ADDED,
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
            rules::REQUEST_BODY_REMOVED,
            format!("request body removed: {}", show(&b.ty)),
            false,
            true,
            "the server ignores the body old clients send; the trait method loses its body argument",
        ),
        (Some(b), Some(a)) => {
            if !out.same(&b.ty, &a.ty) {
                out.push(
                    rules::REQUEST_BODY_TYPE,
                    format!("request body type: {} → {}", show(&b.ty), show(&a.ty)),
                    true,
                    true,
                    "old clients send the old type; implementations receive another Rust type",
                );
            }
            if b.media != a.media {
                out.push(
                    rules::REQUEST_BODY_MEDIA,
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
            if form_parts(b) != form_parts(a) {
                out.push(
                    rules::REQUEST_BODY_MEDIA,
                    format!(
                        "request body form parts: {} → {}",
                        form_parts(b).join(", "),
                        form_parts(a).join(", ")
                    ),
                    true,
                    true,
                    "old clients send the old parts; the form struct's fields change",
                );
            }
            if media_types(b) != media_types(a) {
                out.push(
                    rules::REQUEST_BODY_MEDIA,
                    format!(
                        "request body media types: {} → {}",
                        media_types(b).join(", "),
                        media_types(a).join(", ")
                    ),
                    true,
                    true,
                    "old clients may send a media type the server now refuses with 415; the payload enum's variants change",
                );
            }
            if b.required != a.required {
                if a.required {
                    out.push(
                        rules::REQUEST_BODY_REQUIRED,
                        "request body became required",
                        true,
                        true,
                        "old clients may send none and are refused; the argument is no longer an Option",
                    );
                } else {
                    out.push(
                        rules::REQUEST_BODY_REQUIRED,
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

/// A multipart body's parts as `name: kind (required)`, in order; empty for other bodies.
fn form_parts(body: &RequestBody) -> Vec<String> {
    let Some(form) = &body.form else {
        return Vec::new();
    };
    if form.raw {
        return vec!["(any parts)".to_owned()];
    }
    form.parts
        .iter()
        .map(|p| {
            let kind = match &p.kind {
                PartKind::File => "file".to_owned(),
                PartKind::FileList => "files".to_owned(),
                PartKind::Text(t) => show(t),
                PartKind::TextList(t) => format!("[{}]", show(t)),
                PartKind::Json(t) => format!("JSON {}", show(t)),
            };
            let required = if p.required { " (required)" } else { "" };
            format!("{}: {kind}{required}", p.name)
        })
        .collect()
}

/// The media types of a body that takes several, in order; empty for one.
fn media_types(body: &RequestBody) -> Vec<String> {
    body.alternatives
        .iter()
        .map(|a| a.media.content_type().to_owned())
        .collect()
}
