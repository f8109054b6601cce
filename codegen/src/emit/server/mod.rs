//! The axum server: the `Api` trait to implement, response enums that know their status and
//! headers, a router of thin handlers that read each request through the runtime, and the table
//! of the spec's refusals.
//!
//! Files and what they import, so no module imports one that imports it back:
//! `router` → `handlers` → (`api`, `rejection`, `validate`); `responses` → `rejection`.

mod document;
mod handlers;
mod mock;
mod rejection;
mod responses;
mod router;

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, Operation};

use super::common::{doc_attrs, ident, rust_type};
use super::render;

pub use document::document_module;
pub use handlers::handlers_module;
pub use mock::mock_module;
pub use rejection::rejection_module;
pub use responses::responses_module;
pub use router::router_module;

/// Pieces of `api.rs`: the trait to implement, then its methods (one piece per operation).
pub fn api_count(api: &Api) -> usize {
    2 + api.operations.len()
}

pub fn api_module(api: &Api, range: Range<usize>) -> Vec<render::Segment> {
    let types = quote!(crate::types);
    render::block_with_members(
        range,
        api_trait,
        || quote!(pub trait Api: ::std::marker::Send + ::std::marker::Sync + 'static),
        (api.operations.len(), api.operations.iter(), |op| {
            trait_method(op, &types)
        }),
        (std::iter::empty::<()>(), |()| TokenStream::new()),
    )
}

/// The trait and what it holds beside the operations' methods, which follow in the same block.
fn api_trait() -> TokenStream {
    quote! {
        /// The API, as the implementer provides it: one method per operation. Each receives the
        /// authenticated caller and the decoded inputs; requests the spec does not allow never
        /// reach it. Implement these with `async fn`.
        pub trait Api: ::std::marker::Send + ::std::marker::Sync + 'static {
            /// Who is calling, as the [`Authenticator`](crate::Authenticator) established it.
            type Caller: ::std::marker::Send + 'static;
        }
    }
}

fn trait_method(op: &Operation, types: &TokenStream) -> TokenStream {
    let name = ident(&op.fn_name);
    let response = format_ident!("{}Response", op.type_stem);
    let mut args = Vec::new();
    if op.security.any {
        args.push(if op.security.required {
            quote!(caller: Self::Caller)
        } else {
            quote!(caller: ::std::option::Option<Self::Caller>)
        });
    }
    for p in &op.path_params {
        let n = ident(&p.rust_name);
        let ty = rust_type(&p.ty, types);
        args.push(quote!(#n: #ty));
    }
    if let Some(params) = op.params_type() {
        let params = format_ident!("{}", params);
        args.push(quote!(params: crate::params::#params));
    }
    if let Some(body) = &op.body {
        let ty = super::bodies::body_type(op, body, types);
        args.push(if body.required {
            quote!(body: #ty)
        } else {
            quote!(body: ::std::option::Option<#ty>)
        });
    }
    let mut docs = doc_attrs(&op.doc);
    let line = format!(" `{} {}` (`{}`).", op.method.as_str(), op.path, op.id);
    if !docs.is_empty() {
        docs.extend(quote!(#[doc = ""]));
    }
    docs.extend(quote!(#[doc = #line]));
    if let Some(body) = op.body.as_ref().filter(|b| b.alternatives.is_empty()) {
        // A body of several media types lists what is left out on its `Payload` enum.
        docs.extend(super::bodies::unsupported_docs(body));
    }
    if !op.fixed_query.is_empty() {
        let rest = &op.path[crate::lower::wire_path(&op.path).len()..];
        let query = rest.split('#').next().unwrap_or("");
        let note = format!(
            " The path's `{query}` is not checked: requests without it reach this method too."
        );
        docs.extend(quote!(#[doc = #note]));
    }
    quote! {
        #docs
        fn #name(&self, #(#args),*) -> impl ::std::future::Future<Output = crate::responses::#response> + ::std::marker::Send;
    }
}

/// The name of an operation's row in the refusal table (`CREATE_WEBHOOK`).
fn table_row(op: &Operation) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        op.fn_name.trim_start_matches("r#").to_ascii_uppercase()
    )
}
