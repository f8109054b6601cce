//! Responses added or removed by status, and their bodies and headers.

use std::collections::BTreeMap;

use crate::compat::change::Recorder;
use crate::compat::rules;
use crate::compat::show::{show, status};
use crate::compat::verdict::Impact;
use crate::model::{Operation, Response, StatusMatch};

pub(super) fn compare(out: &mut Recorder, old: &Operation, new: &Operation) {
    let before: BTreeMap<StatusMatch, &Response> =
        old.responses.iter().map(|r| (r.status, r)).collect();
    let after: BTreeMap<StatusMatch, &Response> =
        new.responses.iter().map(|r| (r.status, r)).collect();
    for (s, r) in &after {
        if before.contains_key(s) {
            continue;
        }
        let what = format!("response {} added", status(*s));
        if r.is_success() {
            out.push(
                rules::RESPONSE_ADDED,
                what,
                true,
                false,
                "old clients get this success as an `Unexpected` error; old implementations never return the new variant",
            );
        } else {
            out.push(
                rules::RESPONSE_ADDED,
                what,
                false,
                false,
                "old clients get it as `Unexpected`, with status, headers and body kept; old implementations never return the new variant",
            );
        }
    }
    for (s, r) in &before {
        let Some(a) = after.get(s) else {
            out.push_removed(
                rules::RESPONSE_REMOVED,
                format!("response {} removed", status(*s)),
                false,
                true,
                "old clients keep a variant that never comes; implementations returning it no longer compile",
            );
            continue;
        };
        let code = status(*s);
        if r.error_code != a.error_code {
            out.push(
                rules::RESPONSE_ERROR_CODE,
                format!(
                    "response {code} x-error-code: {} → {}",
                    r.error_code.as_deref().unwrap_or("none"),
                    a.error_code.as_deref().unwrap_or("none")
                ),
                true,
                false,
                "old clients that match the code of the server's own refusals see another code",
            );
        }
        if r.error_messages != a.error_messages {
            out.push(
                rules::ERROR_MESSAGE,
                format!("response {code} x-error-messages changed"),
                Impact::Warning,
                false,
                "old clients' `message()` returns the old wording for this operation, and code comparing messages sees another",
            );
        }
        match (&r.body, &a.body) {
            (None, None) => {}
            (None, Some((_, t))) => out.push(
                rules::RESPONSE_BODY,
                format!("response {code} body added: {}", show(t)),
                false,
                true,
                "old clients ignore the body; the variant gains a payload implementations must supply",
            ),
            (Some((_, t)), None) => out.push(
                rules::RESPONSE_BODY,
                format!("response {code} body removed: {}", show(t)),
                true,
                true,
                "old clients expect a body to decode and get `Unexpected`; the variant loses its payload",
            ),
            (Some((m0, t0)), Some((m1, t1))) => {
                if !out.same(t0, t1) || m0 != m1 {
                    out.push(
                        rules::RESPONSE_BODY,
                        format!("response {code} body type: {} → {}", show(t0), show(t1)),
                        true,
                        true,
                        "old clients decode the old type and get `Unexpected`; the variant's payload type changes",
                    );
                }
            }
        }
        let media = |r: &crate::model::Response, old: bool| -> Vec<String> {
            r.alternatives
                .iter()
                .map(|a| {
                    let ty = if old {
                        out.in_new_names(&a.ty)
                    } else {
                        a.ty.clone()
                    };
                    format!("{} {}", a.media.content_type(), show(&ty))
                })
                .collect()
        };
        if media(r, true) != media(a, false) {
            out.push(
                rules::RESPONSE_BODY,
                format!(
                    "response {code} media types: [{}] → [{}]",
                    media(r, false).join(", "),
                    media(a, false).join(", ")
                ),
                true,
                true,
                "old clients decode by the old list of media types; the body enum's variants change",
            );
        }
        let hb: BTreeMap<String, _> = r
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h))
            .collect();
        let ha: BTreeMap<String, _> = a
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h))
            .collect();
        for (n, h) in &ha {
            match hb.get(n) {
                None => out.push(
                    rules::RESPONSE_HEADER,
                    format!("response {code} header `{}` added", h.name),
                    false,
                    true,
                    "old clients ignore it; the variant gains a field implementations must set",
                ),
                Some(o) if !out.same(&o.ty, &h.ty) || o.required != h.required => out.push(
                    rules::RESPONSE_HEADER,
                    format!(
                        "response {code} header `{}`: {}{} → {}{}",
                        h.name,
                        show(&o.ty),
                        if o.required { "" } else { " (optional)" },
                        show(&h.ty),
                        if h.required { "" } else { " (optional)" }
                    ),
                    !out.same(&o.ty, &h.ty) || (o.required && !h.required),
                    true,
                    "old clients parse the old type or count on the header; the variant's field type changes",
                ),
                Some(_) => {}
            }
        }
        for (n, h) in &hb {
            if !ha.contains_key(n) {
                out.push(
                    rules::RESPONSE_HEADER,
                    format!("response {code} header `{}` removed", h.name),
                    h.required,
                    true,
                    if h.required {
                        "old clients require the header and no longer get it; the variant loses a field"
                    } else {
                        "optional, so old clients cope without it; the variant loses a field"
                    },
                );
            }
        }
    }
}
