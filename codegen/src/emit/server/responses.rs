//! `responses.rs`: one enum per operation with exactly the statuses the spec declares, each
//! written through the runtime's `Reply`.

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, BodyMedia, Operation, Response, StatusMatch, TypeKind, TypeRef};

use super::super::common::{Payload, ident, payload, response_doc, to_text};
use super::super::render;

/// Pieces of `responses.rs`: the imports, then one answer enum per operation.
pub fn responses_module(api: &Api, range: Range<usize>) -> TokenStream {
    let types = quote!(crate::types);
    let head = || {
        quote!(
            use ::specfirst_runtime::server::Reply;
        )
    };
    render::head_and_items(range, head, api.operations.iter(), |op| {
        let name = format_ident!("{}Response", op.type_stem);
        let doc = format!(
            " Every answer `{}` may give, as the spec declares them.",
            op.fn_name
        );
        let status_type = quote!(::http::StatusCode);
        let variants = op.responses.iter().map(|r| {
            let doc = response_doc(r);
            let variant = format_ident!("{}", r.variant);
            match payload(r, &types, &status_type) {
                Payload::Unit => quote!(#doc #variant,),
                Payload::Body(b) => quote!(#doc #variant(#b),),
                Payload::Fields(fields) => {
                    let fields = fields.iter().map(|(n, t, d)| quote!(#d #n: #t,));
                    quote!(#doc #variant { #(#fields)* },)
                }
            }
        });
        let arms = op.responses.iter().map(|r| reply_arm(r, &types));
        let messages = operation_messages(api, op);
        quote! {
            #[doc = #doc]
            #[derive(::std::fmt::Debug)]
            pub enum #name {
                #(#variants)*
            }

            #messages

            impl ::axum::response::IntoResponse for #name {
                fn into_response(self) -> ::axum::response::Response {
                    match self {
                        #(#arms)*
                    }
                    .finish::<crate::rejection::Errors>()
                }
            }
        }
    })
}

fn reply_arm(r: &Response, types: &TokenStream) -> TokenStream {
    let variant = format_ident!("{}", r.variant);
    let status = match r.status {
        StatusMatch::Code(c) => quote!(#c),
        _ => quote!(status),
    };
    let reply = match &r.body {
        Some(_) if r.content_enum.is_some() => {
            // Several media types: the variant built says which.
            let name = format_ident!("{}", r.content_enum.as_deref().unwrap_or_default());
            let arms = r.alternatives.iter().map(|a| {
                let variant = format_ident!("{}", a.variant);
                let media = a.media.content_type();
                let reply = match &a.media {
                    BodyMedia::Json(_) => quote!(Reply::json(#status, #media, &body)),
                    _ => quote!(Reply::bytes(#status, #media, body)),
                };
                quote!(crate::bodies::#name::#variant(body) => #reply,)
            });
            quote!(match body { #(#arms)* })
        }
        None => quote!(Reply::empty(#status)),
        Some((BodyMedia::Json(media), _)) => quote!(Reply::json(#status, #media, &body)),
        Some((media, _)) => {
            let media = media.content_type();
            quote!(Reply::bytes(#status, #media, body))
        }
    };
    let headers = r.headers.iter().map(|h| {
        let field = ident(&h.rust_name);
        let name = &h.name;
        if let TypeRef::Vec(inner) = &h.ty {
            // Items joined by commas (`simple` style).
            let each = match inner.as_ref() {
                TypeRef::DateTime => {
                    let text = to_text(quote!(item), inner);
                    quote!(|item| #text)
                }
                _ => quote!(::std::string::ToString::to_string),
            };
            let join = quote!(.iter().map(#each).collect::<::std::vec::Vec<_>>().join(","));
            return if h.required {
                quote!(.header(#name, #field #join))
            } else {
                quote!(.optional_header(#name, #field.as_ref().map(|items| items #join)))
            };
        }
        if h.required {
            let text = to_text(quote!(&#field), &h.ty);
            quote!(.header(#name, #text))
        } else {
            // A plain `to_string` is passed by path (`clippy::redundant_closure`).
            let text = match &h.ty {
                TypeRef::DateTime => {
                    let text = to_text(quote!(value), &h.ty);
                    quote!(|value| #text)
                }
                _ => quote!(::std::string::ToString::to_string),
            };
            quote!(.optional_header(#name, #field.as_ref().map(#text)))
        }
    });
    let pattern = match payload(r, types, &quote!(::http::StatusCode)) {
        Payload::Unit => quote!(Self::#variant),
        Payload::Body(_) => quote!(Self::#variant(body)),
        Payload::Fields(fields) => {
            let names = fields.iter().map(|(n, _, _)| n);
            quote!(Self::#variant { #(#names),* })
        }
    };
    quote!(#pattern => #reply #(#headers)*,)
}

/// `message(code)` on a response enum whose operation words some codes its own way
/// (`x-error-messages`); other codes keep their standard message.
fn operation_messages(api: &Api, op: &Operation) -> TokenStream {
    let Some(model) = &api.error_model else {
        return quote!();
    };
    let mut seen = std::collections::BTreeSet::new();
    let arms: Vec<TokenStream> = op
        .responses
        .iter()
        .flat_map(|r| r.error_messages.iter())
        .filter(|(code, _)| seen.insert(code.clone()))
        .map(|(code, message)| {
            let code = code_tokens(api, code);
            quote!(#code => ::std::option::Option::Some(#message),)
        })
        .collect();
    if arms.is_empty() {
        return quote!();
    }
    let name = format_ident!("{}Response", op.type_stem);
    let codes = format_ident!("{}", model.codes);
    quote! {
        impl #name {
            /// The message this operation uses for `code`: its own wording where the spec gives one
            /// (`x-error-messages`), else the code's standard message. Placeholders in braces, such
            /// as `{id}`, are for the sender to fill in.
            pub fn message(code: &crate::types::#codes) -> ::std::option::Option<&'static str> {
                match code {
                    #(#arms)*
                    other => other.message(),
                }
            }
        }
    }
}

/// How generated code names an error code: a variant of the spec's code enum, or a string when
/// the spec has no `x-error-model`.
fn code_tokens(api: &Api, code: &str) -> TokenStream {
    let codes =
        api.error_model
            .as_ref()
            .and_then(|m| match api.types.get(&m.codes).map(|t| &t.kind) {
                Some(TypeKind::Enum(e)) => Some((format_ident!("{}", m.codes), e)),
                _ => None,
            });
    if let Some((enum_name, e)) = codes {
        if let Some(v) = e.variants.iter().find(|v| v.value == code) {
            let variant = format_ident!("{}", v.rust_name);
            return quote!(crate::types::#enum_name::#variant);
        }
        return quote!(crate::types::#enum_name::Unknown(::std::borrow::ToOwned::to_owned(#code)));
    }
    quote!(#code)
}
