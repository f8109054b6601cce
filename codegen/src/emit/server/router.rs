//! `router.rs`: the routes, each method of a path to its handler, and the answers for requests
//! that match no operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, Operation};

use super::super::common::ident;

pub fn router_module(api: &Api) -> TokenStream {
    let routes = routes(api);
    let fallbacks = fallbacks(api);
    let error_body = (!fallbacks.is_empty()).then(|| {
        quote!(
            use ::specfirst_runtime::server::ErrorBody as _;
        )
    });
    quote! {
        use ::specfirst_runtime::server::{Authenticator, Config, Shared};
        #error_body

        use crate::api::Api;
        use crate::handlers;

        /// The API's routes, served by `api`, with callers established by `auth`.
        pub fn router<A, Au>(api: A, auth: Au) -> ::axum::Router
        where
            A: Api,
            Au: Authenticator<Caller = A::Caller>,
        {
            router_with_config(api, auth, Config::default())
        }

        /// [`router`] with explicit limits.
        pub fn router_with_config<A, Au>(api: A, auth: Au, config: Config) -> ::axum::Router
        where
            A: Api,
            Au: Authenticator<Caller = A::Caller>,
        {
            let state = ::std::sync::Arc::new(Shared { api, auth, config });
            ::axum::Router::new()
                #(#routes)*
                #fallbacks
                .with_state(state)
        }
    }
}

/// Answers for requests no operation matches, in the spec's error body: `x-error-model`'s
/// `unknownPath` (404) and `methodNotAllowed` (405), or the built-in body for specs without a model.
fn fallbacks(api: &Api) -> TokenStream {
    let (unknown, not_allowed) = match &api.error_model {
        Some(m) => (m.unknown_path.as_deref(), m.method_not_allowed.as_deref()),
        None => (Some("NotFound"), Some("MethodNotAllowed")),
    };
    let answer = |status: TokenStream, code: Option<&str>, method: TokenStream| {
        code.map(|code| {
            quote!(.#method(|| async { crate::rejection::Errors::refuse(::http::StatusCode::#status, #code, ::std::vec::Vec::new()) }))
        })
    };
    let unknown = answer(quote!(NOT_FOUND), unknown, quote!(fallback));
    let not_allowed = answer(
        quote!(METHOD_NOT_ALLOWED),
        not_allowed,
        quote!(method_not_allowed_fallback),
    );
    quote!(#unknown #not_allowed)
}

fn routes(api: &Api) -> Vec<TokenStream> {
    let mut by_path: Vec<(&str, Vec<&Operation>)> = Vec::new();
    for op in &api.operations {
        match by_path.iter_mut().find(|(p, _)| *p == op.route) {
            Some((_, ops)) => ops.push(op),
            None => by_path.push((&op.route, vec![op])),
        }
    }
    by_path
        .into_iter()
        .map(|(path, ops)| {
            let methods = ops.iter().enumerate().map(|(i, op)| {
                let method = format_ident!("{}", op.method.as_str().to_ascii_lowercase());
                let handler = ident(&op.fn_name);
                if i == 0 {
                    quote!(::axum::routing::#method(handlers::#handler::<A, Au>))
                } else {
                    quote!(.#method(handlers::#handler::<A, Au>))
                }
            });
            quote!(.route(#path, #(#methods)*))
        })
        .collect()
}
