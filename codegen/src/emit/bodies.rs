//! `bodies.rs` (client crate, shared with the server): the request bodies that are not one of
//! the spec's schemas. A `multipart/form-data` body is a struct with one field per part, which
//! writes and reads itself through the runtime's `FormBody`; an operation that takes several
//! media types gets an enum `{stem}Payload` with one variant per media type, and the client
//! sends whichever the caller builds. The file is only written when some operation needs it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{
    Api, BodyMedia, Docs, FormDef, FormPart, Operation, PartKind, RequestBody, Response,
    StatusMatch, TypeRef,
};

use super::common::{doc_attrs, doc_text, ident, rust_type, to_text};

/// Whether any operation needs the `bodies` module.
pub fn needed(api: &Api) -> bool {
    let bodies = api
        .operations
        .iter()
        .filter_map(|op| op.body.as_ref())
        .any(|b| !b.alternatives.is_empty() || b.form.as_ref().is_some_and(|f| !f.raw));
    let answers = api
        .operations
        .iter()
        .flat_map(|op| &op.responses)
        .any(|r| r.content_enum.is_some());
    bodies || answers
}

/// The Rust type of an operation's request body as the client method and the `Api` trait take
/// it (owned).
pub fn body_type(op: &Operation, body: &RequestBody, types: &TokenStream) -> TokenStream {
    if !body.alternatives.is_empty() {
        let name = format_ident!("{}Payload", op.type_stem);
        return quote!(crate::bodies::#name);
    }
    match &body.form {
        Some(form) => form_type(form),
        None => rust_type(&body.ty, types),
    }
}

fn form_type(form: &FormDef) -> TokenStream {
    if form.raw {
        quote!(::specfirst_runtime::multipart::Form)
    } else {
        let name = format_ident!("{}", form.name);
        quote!(crate::bodies::#name)
    }
}

/// Doc lines naming the media types of a body the generated code leaves out, and why.
pub fn unsupported_docs(body: &RequestBody) -> TokenStream {
    if body.unsupported.is_empty() {
        return quote!();
    }
    let mut text = String::from("The spec also lists media types this code does not speak:");
    for note in &body.unsupported {
        text.push_str("\n- ");
        text.push_str(note);
    }
    let mut out = quote!(#[doc = ""]);
    out.extend(doc_text(&text));
    out
}

pub fn bodies_module(api: &Api) -> TokenStream {
    let types = quote!(crate::types);
    let mut items = Vec::new();
    for op in &api.operations {
        let Some(body) = &op.body else {
            continue;
        };
        let forms = body
            .form
            .iter()
            .chain(body.alternatives.iter().filter_map(|a| a.form.as_ref()));
        let mut done = Vec::new();
        for form in forms {
            if !form.raw && !done.contains(&&form.name) {
                done.push(&form.name);
                items.push(form_struct(op, form, &types));
            }
        }
        if !body.alternatives.is_empty() {
            items.push(payload_enum(op, body, &types));
        }
    }
    for op in &api.operations {
        for r in &op.responses {
            if let Some(name) = &r.content_enum {
                items.push(content_enum(op, r, name, &types));
            }
        }
    }
    if items.is_empty() {
        return quote!();
    }
    quote! {
        #(#items)*
    }
}

fn payload_enum(op: &Operation, body: &RequestBody, types: &TokenStream) -> TokenStream {
    let name = format_ident!("{}Payload", op.type_stem);
    let mut doc = doc_text(&format!(
        "The request body of `{}`, in one of the media types the spec lists for it; the client sends the one built, with its `Content-Type`, and the server reads the one the request's `Content-Type` names.",
        op.id
    ));
    if body.doc.description.is_some() {
        doc.extend(quote!(#[doc = ""]));
        doc.extend(doc_attrs(&body.doc));
    }
    if matches!(body.media, BodyMedia::Json(_)) {
        doc.extend(quote!(#[doc = ""]));
        doc.extend(doc_text(
            "The server checks the JSON variant against its schema's keywords; the other variants are only decoded.",
        ));
    }
    doc.extend(unsupported_docs(body));
    let variants = body.alternatives.iter().map(|a| {
        let variant = format_ident!("{}", a.variant);
        let ty = match (&a.form, &a.media) {
            (Some(form), _) => form_type(form),
            (None, BodyMedia::Text(_)) => quote!(::std::string::String),
            (None, BodyMedia::Binary(_)) => quote!(::std::vec::Vec<u8>),
            (None, _) => rust_type(&a.ty, types),
        };
        let media = format!(" `{}`", a.media.content_type());
        quote!(#[doc = #media] #variant(#ty),)
    });
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// The body of a response with several media types: one variant per type. The client decodes
/// the variant the answer's `Content-Type` names; the server answers with the variant built.
fn content_enum(op: &Operation, r: &Response, name: &str, types: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", name);
    let status = match r.status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(c) => format!("{c}XX"),
        StatusMatch::Default => "default".to_owned(),
    };
    let doc = doc_text(&format!(
        "The `{status}` body of `{}`, in one of the media types the spec lists for it.",
        op.id
    ));
    let variants = r.alternatives.iter().map(|a| {
        let variant = format_ident!("{}", a.variant);
        let ty = match &a.media {
            BodyMedia::Text(_) => quote!(::std::string::String),
            BodyMedia::Binary(_) | BodyMedia::Multipart => quote!(::std::vec::Vec<u8>),
            _ => rust_type(&a.ty, types),
        };
        let media = format!(" `{}`", a.media.content_type());
        quote!(#[doc = #media] #variant(#ty),)
    });
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn part_doc(part: &FormPart) -> TokenStream {
    let mut doc = doc_attrs(&part.doc);
    let mut note = format!("The part `{}`", part.name);
    match &part.kind {
        PartKind::File => note.push_str(", a file"),
        PartKind::FileList => note.push_str(", one file per item"),
        PartKind::TextList(_) => note.push_str(", one part per item"),
        PartKind::Json(_) => note.push_str(", as JSON"),
        PartKind::Text(_) => {}
    }
    if let Some(media) = &part.content_type {
        note.push_str(&format!(", sent as `{media}`"));
    }
    note.push('.');
    if !part.headers.is_empty() {
        let names: Vec<String> = part.headers.iter().map(|h| format!("`{h}`")).collect();
        note.push_str(&format!(
            " The spec declares the part header(s) {}, which this code neither sends nor reads.",
            names.join(", ")
        ));
    }
    if !doc.is_empty() {
        doc.extend(quote!(#[doc = ""]));
    }
    doc.extend(doc_text(&note));
    doc
}

fn form_struct(op: &Operation, form: &FormDef, types: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", form.name);
    let file = quote!(::specfirst_runtime::multipart::File);
    let mut doc = doc_text(&format!(
        "The `multipart/form-data` body of `{}`: one field per part.",
        op.id
    ));
    if form.doc.summary.is_some() || form.doc.description.is_some() {
        doc.extend(quote!(#[doc = ""]));
        doc.extend(doc_attrs(&Docs {
            deprecated: false,
            ..form.doc.clone()
        }));
    }
    doc.extend(quote!(#[doc = ""]));
    doc.extend(doc_text(
        "A server reading it ignores parts the spec does not name; a declared part that is missing or not of its type is refused, naming the part. The schema's other keywords (`minLength`, `pattern`, `maximum`, ...) are not checked on parts.",
    ));
    let fields = form.parts.iter().map(|p| {
        let field = ident(&p.rust_name);
        let doc = part_doc(p);
        let ty = match &p.kind {
            PartKind::File => file.clone(),
            PartKind::FileList => quote!(::std::vec::Vec<#file>),
            PartKind::TextList(inner) => {
                let inner = rust_type(inner, types);
                quote!(::std::vec::Vec<#inner>)
            }
            PartKind::Text(ty) | PartKind::Json(ty) => rust_type(ty, types),
        };
        let ty = match (&p.kind, p.required) {
            (PartKind::FileList | PartKind::TextList(_), _) | (_, true) => ty,
            _ => quote!(::std::option::Option<#ty>),
        };
        quote!(#doc pub #field: #ty,)
    });
    let writes = form.parts.iter().map(|p| {
        let field = ident(&p.rust_name);
        let part = &p.name;
        let media = match &p.content_type {
            // A list of media types: the first is the one sent.
            Some(m) => {
                let first = m.split(',').next().unwrap_or(m).trim();
                quote!(::std::option::Option::Some(#first))
            }
            None => quote!(::std::option::Option::None),
        };
        let list = matches!(p.kind, PartKind::FileList | PartKind::TextList(_));
        let values = if p.required && !list {
            quote!(::std::iter::once(&self.#field))
        } else {
            quote!(&self.#field)
        };
        match &p.kind {
            PartKind::File | PartKind::FileList => quote!(form.files(#part, #media, #values);),
            PartKind::Json(_) => quote!(form.jsons(#part, #media, #values)?;),
            PartKind::Text(ty) | PartKind::TextList(ty) => {
                let each = match ty {
                    TypeRef::DateTime => {
                        let text = to_text(quote!(value), ty);
                        quote!(|value| #text)
                    }
                    _ => quote!(::std::string::ToString::to_string),
                };
                let values = if p.required && !list {
                    quote!(::std::iter::once(&self.#field))
                } else {
                    quote!(self.#field.iter())
                };
                quote!(form.texts(#part, #media, #values.map(#each));)
            }
        }
    });
    let reads = form.parts.iter().map(|p| {
        let field = ident(&p.rust_name);
        let part = &p.name;
        let read = match &p.kind {
            PartKind::File => quote!(form.file(#part)),
            PartKind::FileList => quote!(form.file_list(#part)),
            PartKind::TextList(_) => quote!(form.text_list(#part)?),
            PartKind::Text(_) => quote!(form.text(#part)?),
            PartKind::Json(_) => quote!(form.json(#part)?),
        };
        let list = matches!(p.kind, PartKind::FileList | PartKind::TextList(_));
        if p.required && !list {
            quote!(#field: ::specfirst_runtime::multipart::required(#part, #read)?,)
        } else {
            quote!(#field: #read,)
        }
    });
    let (form_arg, write_body) = if form.parts.is_empty() {
        (quote!(_form), quote!())
    } else {
        (quote!(form), quote!(#(#writes)*))
    };
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        pub struct #name {
            #(#fields)*
        }

        impl ::specfirst_runtime::multipart::FormBody for #name {
            fn write(&self, #form_arg: &mut ::specfirst_runtime::multipart::Form) -> ::std::result::Result<(), ::serde_json::Error> {
                #write_body
                ::std::result::Result::Ok(())
            }

            fn read(#form_arg: &mut ::specfirst_runtime::multipart::Form) -> ::std::result::Result<Self, ::specfirst_runtime::multipart::PartError> {
                ::std::result::Result::Ok(#name { #(#reads)* })
            }
        }
    }
}
