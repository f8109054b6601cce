//! Pieces every emitter uses: doc comments, type paths, the shape of a response variant.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Docs, Response, TypeRef};
use crate::naming;

/// `#[doc]` attributes for spec text. Indentation and code fences are neutralised so rustdoc
/// never compiles prose from a spec as a doctest.
pub fn doc_attrs(docs: &Docs) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    if let Some(s) = &docs.summary {
        lines.extend(s.lines().map(str::to_owned));
    }
    if let Some(d) = &docs.description {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(d.lines().map(str::to_owned));
    }
    if docs.deprecated {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push("**Deprecated** in the spec.".to_owned());
    }
    doc_lines(&lines)
}

pub fn doc_text(text: &str) -> TokenStream {
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    doc_lines(&lines)
}

fn doc_lines(lines: &[String]) -> TokenStream {
    // Tabs read as four spaces (`clippy::tabs_in_doc_comments`).
    let lines: Vec<String> = lines.iter().map(|l| l.replace('\t', "    ")).collect();
    // Dedent, then cap indentation at three spaces: list continuations keep their shape, but no
    // line can become an indented code block, which rustdoc would compile as a doctest.
    let indent = |l: &str| l.len() - l.trim_start().len();
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut in_fence = false;
    // Where the text of the list item being continued starts, and whether the last line was a
    // quote: a line that would continue either lazily gets a blank line before it instead
    // (`clippy::doc_lazy_continuation`), ending the list or quote as the writer most likely meant.
    // A blank line does not end a list item for Markdown: an indented paragraph after it
    // continues the item, and only a line left of the item's text ends it.
    let mut item_text_at: Option<usize> = None;
    // Where that item's marker is, before the cap.
    let mut item_marker_at: Option<usize> = None;
    let mut after_blank = false;
    let mut after_quote = false;
    let mut texts: Vec<String> = Vec::new();
    for line in &lines {
        let line = line.get(common..).unwrap_or(line.trim_start()).trim_end();
        let trimmed = line.trim_start();
        let text = if trimmed.starts_with("```") {
            in_fence = !in_fence;
            if in_fence {
                "```text".to_owned()
            } else {
                "```".to_owned()
            }
        } else if in_fence {
            line.to_owned()
        } else {
            format!("{}{trimmed}", " ".repeat(indent(line).min(3)))
        };
        let mut text = text;
        if !in_fence && !trimmed.starts_with("```") {
            // A continuation indented at or past its item's text is put at it: it reads the same
            // in Markdown, and is neither overindented (`clippy::doc_overindented_list_items`)
            // nor, by the three-space cap above, left of the item's text and so out of the item.
            // So is an indented line right under the item's text that starts at or right of its
            // marker: Markdown reads it as a lazy continuation of the item's paragraph, which
            // is what the writer of a nested list meant.
            let lazily_in_item = !after_blank
                && indent(line) > 0
                && item_marker_at.is_some_and(|marker| indent(line) >= marker);
            if let Some(start) = item_text_at
                && list_marker(trimmed).is_none()
                && !trimmed.is_empty()
                && (indent(line) >= start || lazily_in_item)
            {
                text = format!("{}{trimmed}", " ".repeat(start));
            }
            let at = indent(&text);
            let item = list_marker(trimmed).map(|len| at + len);
            let quote = trimmed.starts_with('>');
            let leaves_item = !trimmed.is_empty()
                && item.is_none()
                && item_text_at.is_some_and(|start| at < start);
            let lazy = !trimmed.is_empty()
                && item.is_none()
                && ((after_quote && !quote) || (leaves_item && !after_blank));
            if lazy {
                texts.push(String::new());
            }
            if leaves_item {
                item_text_at = None;
                item_marker_at = None;
            }
            if item.is_some() {
                item_text_at = item;
                item_marker_at = Some(indent(line));
            }
            after_blank = trimmed.is_empty();
            after_quote = quote;
        }
        texts.push(text);
    }
    let attrs = texts.into_iter().map(|text| {
        let text = if text.is_empty() {
            String::new()
        } else {
            format!(" {text}")
        };
        quote!(#[doc = #text])
    });
    let mut out: TokenStream = attrs.collect();
    if in_fence {
        out.extend(quote!(#[doc = " ```"]));
    }
    out
}

/// The length of a Markdown list marker with its space (`- `, `* `, `+ `, `12. `, `3) `) at the
/// start of `text`.
fn list_marker(text: &str) -> Option<usize> {
    if text.starts_with("- ") || text.starts_with("* ") || text.starts_with("+ ") {
        return Some(2);
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let rest = &text[digits..];
    (digits > 0 && digits < 10 && (rest.starts_with(". ") || rest.starts_with(") ")))
        .then_some(digits + 2)
}

/// The Rust type for a use of a type; `types` is the path of the module holding named types.
pub fn rust_type(ty: &TypeRef, types: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        TypeRef::Date => quote!(::chrono::NaiveDate),
        TypeRef::Uuid => quote!(::uuid::Uuid),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        TypeRef::Named(n) => {
            let ident = format_ident!("{}", n);
            quote!(#types::#ident)
        }
        TypeRef::Vec(inner) => {
            let inner = rust_type(inner, types);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(inner, types);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
    }
}

/// How a value of a scalar type is written as text in a URL or header.
pub fn to_text(value: TokenStream, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::DateTime => {
            // A function call, so `value` may be a reference or not (`clippy::needless_borrow`).
            quote!(::chrono::DateTime::to_rfc3339_opts(#value, ::chrono::SecondsFormat::AutoSi, true))
        }
        _ => quote!(::std::string::ToString::to_string(#value)),
    }
}

pub fn ident(name: &str) -> proc_macro2::Ident {
    naming::ident(name)
}

/// The payload of a response variant: unit, a body, or fields for status, body and headers.
pub enum Payload {
    Unit,
    Body(TokenStream),
    Fields(Vec<(proc_macro2::Ident, TokenStream, TokenStream)>),
}

pub fn payload(response: &Response, types: &TokenStream, status_type: &TokenStream) -> Payload {
    let body = match &response.content_enum {
        // Several media types: the enum of them, in the client crate's `bodies` module.
        Some(name) => {
            let name = format_ident!("{}", name);
            Some(quote!(crate::bodies::#name))
        }
        None => response.body.as_ref().map(|(_, ty)| rust_type(ty, types)),
    };
    if response.headers.is_empty() && !response.carries_status() {
        return match body {
            None => Payload::Unit,
            Some(b) => Payload::Body(b),
        };
    }
    let mut fields = Vec::new();
    if response.carries_status() {
        fields.push((
            format_ident!("status"),
            status_type.clone(),
            quote!(#[doc = " The status the server answered with."]),
        ));
    }
    if let Some(b) = body {
        fields.push((
            format_ident!("body"),
            b,
            quote!(#[doc = " The response body."]),
        ));
    }
    for h in &response.headers {
        let ty = rust_type(&h.ty, types);
        let ty = if h.required {
            ty
        } else {
            quote!(::std::option::Option<#ty>)
        };
        let mut doc = doc_attrs(&h.doc);
        let name = format!(" The `{}` header.", h.name);
        if doc.is_empty() {
            doc = quote!(#[doc = #name]);
        }
        fields.push((ident(&h.rust_name), ty, doc));
    }
    Payload::Fields(fields)
}

/// Doc text for a response variant: its status and the spec's description.
pub fn response_doc(response: &Response) -> TokenStream {
    use crate::model::StatusMatch;
    let status = match response.status {
        StatusMatch::Code(c) => format!("{c}"),
        StatusMatch::Range(r) => format!("{r}XX"),
        StatusMatch::Default => "Any other status (`default`)".to_owned(),
    };
    let mut text = format!("**{status}**");
    if let Some(d) = &response.doc.description {
        text.push_str(": ");
        text.push_str(d);
    }
    doc_text(&text)
}

#[cfg(test)]
mod tests {
    use super::doc_text;

    fn rendered(text: &str) -> Vec<String> {
        let tokens = doc_text(text).to_string();
        tokens
            .split("# [doc = ")
            .skip(1)
            .map(|s| {
                let s = s.trim().trim_end_matches(']').trim();
                serde_json::from_str::<String>(s).unwrap_or_else(|_| s.to_owned())
            })
            .collect()
    }

    #[test]
    fn list_continuations_line_up_with_their_item_and_tabs_are_spaces() {
        let lines = rendered("* `tags` - Any tags, as defined by its\n   `tags` field.\n\tTabbed.");
        assert_eq!(lines[0], " * `tags` - Any tags, as defined by its");
        assert_eq!(lines[1], "   `tags` field.");
        assert!(!lines.iter().any(|l| l.contains('\t')), "{lines:?}");
    }

    #[test]
    fn a_paragraph_after_a_blank_line_in_an_item_lines_up_with_the_item() {
        let lines = rendered("- first item\n\n   more of the first item\n\nAfter the list.");
        assert_eq!(
            lines,
            [
                " - first item",
                "",
                "   more of the first item",
                "",
                " After the list."
            ]
        );
    }

    #[test]
    fn a_line_left_of_the_item_text_ends_the_item_with_a_blank_line() {
        let lines = rendered("1. first\nnot the item");
        assert_eq!(lines, [" 1. first", "", " not the item"]);
    }

    #[test]
    fn a_nested_item_deeper_than_the_cap_keeps_its_continuation() {
        // The nested item's marker is capped from four spaces to three, its text then starts at
        // five: the continuation, written at six, goes there rather than left of the text.
        let lines = rendered(
            "- **Examples**:\n    - `a`: the first.\n      More of the first.\n    - `b`: the second.",
        );
        assert_eq!(
            lines,
            [
                " - **Examples**:",
                "    - `a`: the first.",
                "      More of the first.",
                "    - `b`: the second."
            ]
        );
    }

    #[test]
    fn a_lazy_line_under_a_nested_item_continues_it() {
        // The second line starts under the nested item's marker, not its text: Markdown still
        // reads it as part of that item's paragraph, so it is put at the item's text.
        let lines = rendered(
            "- **Rules**:\n    - **Query**: a queryable property.\n    Filters on it MUST work.\n    - Sorted.",
        );
        assert_eq!(
            lines,
            [
                " - **Rules**:",
                "    - **Query**: a queryable property.",
                "      Filters on it MUST work.",
                "    - Sorted."
            ]
        );
    }
}
