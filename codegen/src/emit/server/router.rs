//! `router.rs`: the routes, each method of a path to its handler, and the answers for requests
//! that match no operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, Method, Operation, PathSegment, SegmentPiece};

use super::super::common::ident;
use super::handlers::segment_template;

pub fn router_module(api: &Api) -> TokenStream {
    let routes = routes(api);
    let fallbacks = fallbacks(api);
    let dispatchers = dispatchers(api);
    let error_body = (!fallbacks.is_empty()).then(|| {
        quote!(
            use ::specfirst_runtime::server::ErrorBody as _;
        )
    });
    let (dispatch_imports, dispatch) = if dispatchers.is_empty() {
        (None, None)
    } else {
        let unknown = unknown_path(api);
        let fits = dispatchers
            .iter()
            .any(|d| d.to_string().contains("fits"))
            .then(|| {
                quote!(
                    use ::specfirst_runtime::server::fits;
                )
            });
        (
            Some(quote! {
                use ::std::sync::Arc;

                use ::axum::extract::{Request, State};
                use ::axum::response::Response;
                #fits
            }),
            Some(quote! {
                #unknown
                #(#dispatchers)*
            }),
        )
    };
    quote! {
        use ::specfirst_runtime::server::{Authenticator, Config, Shared};
        #error_body
        #dispatch_imports

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

        #dispatch
    }
}

/// Answers for requests no operation matches, in the spec's error body: `x-error-model`'s
/// `unknownPath` (404) and `methodNotAllowed` (405), or the built-in body for specs without a model.
/// The answer to a request whose path fits none of its route's templates: the same as to an
/// unknown path.
fn unknown_path(api: &Api) -> TokenStream {
    let code = match &api.error_model {
        Some(m) => m.unknown_path.as_deref(),
        None => Some("NotFound"),
    };
    let answer = match code {
        Some(code) => {
            quote!(crate::rejection::Errors::refuse(::http::StatusCode::NOT_FOUND, #code, ::std::vec::Vec::new()))
        }
        None => quote!(::axum::response::IntoResponse::into_response(
            ::http::StatusCode::NOT_FOUND
        )),
    };
    quote! {
        /// The answer to a path that fits none of its route's templates, as to an unknown path.
        fn unknown_path() -> Response {
            #answer
        }
    }
}

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

/// The segments of `op`'s route that the router matches against the operation's templates:
/// whole-segment captures holding more than one parameter alone (text beside a parameter, or
/// literal text axum cannot hold).
fn split_segments(op: &Operation) -> Vec<usize> {
    op.route
        .trim_start_matches('/')
        .split('/')
        .zip(&op.segments)
        .enumerate()
        .filter(|(_, (route, segment))| {
            let captured =
                route.starts_with('{') && route.ends_with('}') && !route.starts_with("{*");
            let alone = match segment {
                PathSegment::Template(pieces) => matches!(pieces[..], [SegmentPiece::Param(_)]),
                PathSegment::Text(_) => false,
                PathSegment::Reserved(_) => true,
            };
            captured && !alone
        })
        .map(|(i, _)| i)
        .collect()
}

/// The literal text of `op`'s split segments: operations with more of it are tried first.
fn literal_text(op: &Operation) -> usize {
    split_segments(op)
        .into_iter()
        .filter_map(|i| op.segments.get(i))
        .map(|segment| match segment {
            PathSegment::Text(t) => t.len(),
            PathSegment::Template(pieces) => pieces
                .iter()
                .map(|p| match p {
                    SegmentPiece::Text(t) => t.len(),
                    SegmentPiece::Param(_) => 0,
                })
                .sum(),
            PathSegment::Reserved(_) => 0,
        })
        .sum()
}

/// A route's methods, each with its operations.
type Methods<'a> = Vec<(Method, Vec<&'a Operation>)>;

/// The operations of each route and method, in the order they are tried.
fn routes_and_methods(api: &Api) -> Vec<(&str, Methods<'_>)> {
    let mut by_path: Vec<(&str, Methods<'_>)> = Vec::new();
    for op in &api.operations {
        let methods = match by_path.iter_mut().find(|(p, _)| *p == op.route) {
            Some((_, methods)) => methods,
            None => {
                by_path.push((&op.route, Vec::new()));
                &mut by_path.last_mut().expect("just pushed").1
            }
        };
        match methods.iter_mut().find(|(m, _)| *m == op.method) {
            Some((_, ops)) => ops.push(op),
            None => methods.push((op.method, vec![op])),
        }
    }
    for (_, methods) in &mut by_path {
        for (_, ops) in methods {
            // Stable: operations with as much text keep the spec's order.
            ops.sort_by_key(|op| {
                let split = !split_segments(op).is_empty();
                (!split, std::cmp::Reverse(literal_text(op)))
            });
        }
    }
    by_path
}

/// Whether the router picks among operations (or checks a template) before a handler runs.
fn dispatched(ops: &[&Operation]) -> bool {
    ops.len() > 1 || ops.iter().any(|op| !split_segments(op).is_empty())
}

fn dispatcher_name(route: usize, method: Method) -> proc_macro2::Ident {
    format_ident!("route_{route}_{}", method.as_str().to_ascii_lowercase())
}

/// Handlers for the routes whose operations are told apart by their segments' templates: each
/// tries the operations in order and answers as for an unknown path when none fits.
fn dispatchers(api: &Api) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (r, (route, methods)) in routes_and_methods(api).into_iter().enumerate() {
        for (method, ops) in methods {
            if !dispatched(&ops) {
                continue;
            }
            let name = dispatcher_name(r, method);
            let mut checks = Vec::new();
            let mut tries = Vec::new();
            let mut last = None;
            for (i, op) in ops.iter().enumerate() {
                let handler = ident(&op.fn_name);
                let segments = split_segments(op);
                if segments.is_empty() {
                    last = Some(quote!(handlers::#handler::<A, Au>(state, request).await));
                    break;
                }
                let fits = format_ident!("fits_{i}");
                let conditions = segments.iter().map(|index| {
                    let template = segment_template(op, *index);
                    let index = proc_macro2::Literal::usize_unsuffixed(*index);
                    quote!(fits(path, #index, &[#(#template),*]))
                });
                checks.push(quote!(let #fits = #(#conditions)&&*;));
                tries.push(quote! {
                    if #fits {
                        return handlers::#handler::<A, Au>(state, request).await;
                    }
                });
            }
            let last = last.unwrap_or_else(|| quote!(unknown_path()));
            let doc = format!(
                " `{} {route}`: {}, told apart by their path segments.",
                method.as_str(),
                ops.iter()
                    .map(|op| format!("`{}`", op.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let path = (!checks.is_empty()).then(|| quote!(let path = request.uri().path();));
            out.push(quote! {
                #[doc = #doc]
                async fn #name<A, Au>(state: State<Arc<Shared<A, Au>>>, request: Request) -> Response
                where
                    A: Api,
                    Au: Authenticator<Caller = A::Caller>,
                {
                    #path
                    #(#checks)*
                    #(#tries)*
                    #last
                }
            });
        }
    }
    out
}

fn routes(api: &Api) -> Vec<TokenStream> {
    routes_and_methods(api)
        .into_iter()
        .enumerate()
        .map(|(r, (path, methods))| {
            let methods = methods.iter().enumerate().map(|(i, (method, ops))| {
                let handler = if dispatched(ops) {
                    let name = dispatcher_name(r, *method);
                    quote!(#name::<A, Au>)
                } else {
                    let handler = ident(&ops[0].fn_name);
                    quote!(handlers::#handler::<A, Au>)
                };
                let method = format_ident!("{}", method.as_str().to_ascii_lowercase());
                if i == 0 {
                    quote!(::axum::routing::#method(#handler))
                } else {
                    quote!(.#method(#handler))
                }
            });
            quote!(.route(#path, #(#methods)*))
        })
        .collect()
}
