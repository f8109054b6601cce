//! The axum server: a trait with one `async fn` per operation, response enums that know their
//! status and headers, and a router whose handlers authenticate and decode before calling it.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

use crate::model::{
    Api, BodyMedia, ErrorModel, Operation, ParamLocation, Rejection, Response, StatusMatch,
    TypeKind, TypeRef,
};

use super::common::{Payload, doc_attrs, ident, payload, response_doc, rust_type};

/// `api.rs`: the trait to implement, authentication, and the router.
pub fn api_module(api: &Api) -> TokenStream {
    let types = quote!(crate::types);
    let methods = api.operations.iter().map(|op| trait_method(op, &types));
    let routes = routes(api);
    let fallbacks = fallbacks(api);
    // A spec without security never authenticates, one without bodies never reads the limit.
    let unused = quote!(#[allow(dead_code)]);
    let auth_unused = (!api.operations.iter().any(|op| op.security.any)).then(|| unused.clone());
    let config_unused = (!api.operations.iter().any(|op| op.body.is_some())).then_some(unused);
    quote! {
        use crate::handlers;

        /// The API, as the implementer provides it: one method per operation. Each receives the
        /// authenticated caller and the decoded inputs; requests the spec does not allow never
        /// reach it. Implement these with `async fn`.
        pub trait Api: ::std::marker::Send + ::std::marker::Sync + 'static {
            /// Who is calling, as the [`Authenticator`] established it.
            type Caller: ::std::marker::Send + 'static;

            #(#methods)*
        }

        /// What the router asks of an authenticator for one request.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy)]
        #[non_exhaustive]
        pub struct AuthRequest<'a> {
            /// The spec's `operationId`.
            pub operation_id: &'static str,
            /// The bearer token from `Authorization: Bearer <token>`, when the scheme uses one.
            pub token: ::std::option::Option<&'a str>,
            /// The scopes the spec requires for this operation.
            pub scopes: &'static [&'static str],
            /// All request headers, for schemes that read others.
            pub headers: &'a ::http::HeaderMap,
        }

        /// Why credentials were refused. Either way the client gets the spec's 401.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq)]
        #[non_exhaustive]
        pub enum AuthError {
            /// The token is malformed, expired, badly signed or from an unknown issuer.
            InvalidCredentials,
            /// The token is valid but lacks a scope the operation requires.
            MissingScope,
        }

        /// Turns credentials into a caller. The router passes the scopes the spec names for the
        /// operation; checking them is the authenticator's job.
        pub trait Authenticator: ::std::marker::Send + ::std::marker::Sync + 'static {
            /// The caller handed to [`Api`] methods.
            type Caller: ::std::marker::Send + 'static;

            fn authenticate(&self, request: AuthRequest<'_>) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Caller, AuthError>> + ::std::marker::Send;
        }

        /// Limits the router applies before calling the implementation.
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        #[non_exhaustive]
        pub struct Config {
            /// Request bodies over this many bytes are refused with the spec's 413.
            pub body_limit: usize,
        }

        impl ::std::default::Default for Config {
            fn default() -> Self {
                Config { body_limit: 1024 * 1024 }
            }
        }

        impl Config {
            /// The default limits with another body limit.
            pub fn with_body_limit(mut self, bytes: usize) -> Self {
                self.body_limit = bytes;
                self
            }
        }

        pub(crate) struct Shared<A, Au> {
            pub api: A,
            #auth_unused
            pub auth: Au,
            #config_unused
            pub config: Config,
        }

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
        let ty = rust_type(&body.ty, types);
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
    quote! {
        #docs
        fn #name(&self, #(#args),*) -> impl ::std::future::Future<Output = crate::responses::#response> + ::std::marker::Send;
    }
}

/// Answers for requests no operation matches, in the spec's error body: `x-error-model`'s
/// `unknownPath` (404) and `methodNotAllowed` (405), or the built-in body for specs without a model.
fn fallbacks(api: &Api) -> TokenStream {
    let (unknown, not_allowed) = match &api.error_model {
        Some(m) => (m.unknown_path.as_deref(), m.method_not_allowed.as_deref()),
        None => (Some("NotFound"), Some("MethodNotAllowed")),
    };
    let answer = |status: u16, code: Option<&str>, method: TokenStream| {
        code.map(|code| {
            let status = proc_macro2::Literal::u16_unsuffixed(status);
            let code = code_tokens(api, code);
            quote!(.#method(|| async { crate::rejection::reject(#status, #code, ::std::vec::Vec::new()) }))
        })
    };
    let unknown = answer(404, unknown, quote!(fallback));
    let not_allowed = answer(405, not_allowed, quote!(method_not_allowed_fallback));
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

/// `responses.rs`: one enum per operation with exactly the statuses the spec declares.
pub fn responses_module(api: &Api) -> TokenStream {
    let types = quote!(crate::types);
    let items = api.operations.iter().map(|op| {
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
        let arms = op.responses.iter().map(|r| into_response_arm(r, &types));
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
                }
            }
        }
    });
    quote!(#(#items)*)
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

fn into_response_arm(r: &Response, types: &TokenStream) -> TokenStream {
    let variant = format_ident!("{}", r.variant);
    let status = match r.status {
        StatusMatch::Code(c) => {
            let c = proc_macro2::Literal::u16_unsuffixed(c);
            quote!(crate::support::status(#c))
        }
        _ => quote!(status),
    };
    let set_headers = r.headers.iter().map(|h| {
        let field = ident(&h.rust_name);
        let name = &h.name;
        let text = super::common::to_text(quote!(value), &h.ty);
        let unsendable = quote!(!crate::support::set_header(&mut headers, #name, &#text));
        if h.required {
            quote! {
                let value = &#field;
                if #unsendable {
                    return crate::rejection::internal_error();
                }
            }
        } else {
            quote! {
                if let ::std::option::Option::Some(value) = &#field && #unsendable {
                    return crate::rejection::internal_error();
                }
            }
        }
    });
    let write = match &r.body {
        None => quote!(crate::support::empty(#status, headers)),
        Some((BodyMedia::Json(media), _)) => {
            quote!(crate::support::json(#status, #media, &body, headers))
        }
        Some((BodyMedia::Text(media), _)) => {
            quote!(crate::support::raw(#status, #media, body, headers))
        }
        Some((BodyMedia::Binary(media), _)) => {
            quote!(crate::support::raw(#status, #media, body, headers))
        }
        Some((BodyMedia::Form, _)) => {
            quote!(crate::support::raw(#status, "application/x-www-form-urlencoded", body, headers))
        }
    };
    let pattern = match payload(r, types, &quote!(::http::StatusCode)) {
        Payload::Unit => quote!(Self::#variant),
        Payload::Body(_) => quote!(Self::#variant(body)),
        Payload::Fields(fields) => {
            let names = fields.iter().map(|(n, _, _)| n);
            quote!(Self::#variant { #(#names),* })
        }
    };
    let mutable = if r.headers.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    quote! {
        #pattern => {
            let #mutable headers = ::http::HeaderMap::new();
            #(#set_headers)*
            #write
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

fn reject(api: &Api, rejection: &Rejection, details: TokenStream) -> TokenStream {
    let status = proc_macro2::Literal::u16_unsuffixed(rejection.status);
    let code = code_tokens(api, &rejection.code);
    quote!(return crate::rejection::reject(#status, #code, #details))
}

/// `handlers.rs`: per operation, authenticate, decode, call, answer.
pub fn handlers_module(api: &Api) -> TokenStream {
    let types = quote!(crate::types);
    let handlers = api.operations.iter().map(|op| handler(api, op, &types));
    quote! {
        use ::axum::response::IntoResponse as _;

        use crate::api::Shared;
        use crate::{Api, Authenticator};

        #(#handlers)*
    }
}

fn handler(api: &Api, op: &Operation, types: &TokenStream) -> TokenStream {
    let name = ident(&op.fn_name);
    let op_id = &op.id;
    let scopes = &op.security.scopes;
    let rj = &op.rejections;
    let no_details = quote!(::std::vec::Vec::new());

    let auth = if !op.security.any {
        quote!()
    } else if op.security.bearer {
        let missing = reject(api, &rj.missing_credentials, no_details.clone());
        let invalid = reject(api, &rj.invalid_credentials, no_details.clone());
        let call = quote! {
            match state.auth.authenticate(crate::AuthRequest { operation_id: #op_id, token: ::std::option::Option::Some(token), scopes: &[#(#scopes),*], headers: &parts.headers }).await {
                ::std::result::Result::Ok(caller) => caller,
                ::std::result::Result::Err(_) => { #invalid; }
            }
        };
        if op.security.required {
            quote! {
                let caller = match crate::support::bearer_token(&parts.headers) {
                    ::std::result::Result::Ok(::std::option::Option::Some(token)) => #call,
                    ::std::result::Result::Ok(::std::option::Option::None) => { #missing; }
                    ::std::result::Result::Err(()) => { #invalid; }
                };
            }
        } else {
            quote! {
                let caller = match crate::support::bearer_token(&parts.headers) {
                    ::std::result::Result::Ok(::std::option::Option::Some(token)) => ::std::option::Option::Some(#call),
                    ::std::result::Result::Ok(::std::option::Option::None) => ::std::option::Option::None,
                    ::std::result::Result::Err(()) => { #invalid; }
                };
            }
        }
    } else {
        let invalid = reject(api, &rj.invalid_credentials, no_details.clone());
        let call = quote! {
            state.auth.authenticate(crate::AuthRequest { operation_id: #op_id, token: ::std::option::Option::None, scopes: &[#(#scopes),*], headers: &parts.headers }).await
        };
        if op.security.required {
            quote! {
                let caller = match #call {
                    ::std::result::Result::Ok(caller) => caller,
                    ::std::result::Result::Err(_) => { #invalid; }
                };
            }
        } else {
            quote! { let caller = #call.ok(); }
        }
    };

    let invalid_field = api
        .error_model
        .as_ref()
        .map(|m: &ErrorModel| m.invalid_field.clone())
        .unwrap_or_else(|| "InvalidValue".to_owned());
    let field_code = code_tokens(api, &invalid_field);
    let detail = |target: TokenStream, code: TokenStream| {
        quote!(::std::vec![crate::rejection::Detail { code: #code, target: #target }])
    };

    let path = if op.path_params.is_empty() {
        quote!()
    } else {
        let reject_path = reject(api, &rj.invalid_path, no_details.clone());
        // The route may name a parameter as another operation of the same route does.
        let keys = op.route_params();
        let params = op.path_params.iter().zip(keys).map(|(p, key)| {
            let var = local("path", &p.rust_name);
            let ty = rust_type(&p.ty, types);
            quote! {
                let #var: #ty = match raw.iter().find(|(k, _)| *k == #key).and_then(|(_, v)| crate::support::parse(v)) {
                    ::std::option::Option::Some(value) => value,
                    ::std::option::Option::None => { #reject_path; }
                };
            }
        });
        quote! {
            let raw = match <::axum::extract::RawPathParams as ::axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &()).await {
                ::std::result::Result::Ok(raw) => raw,
                ::std::result::Result::Err(_) => { #reject_path; }
            };
            #(#params)*
        }
    };

    let params = op.params_type().map(|params_type| {
        let params_type = format_ident!("{}", params_type);
        let has_query = op.params.iter().any(|p| p.location == ParamLocation::Query);
        let pairs = if has_query {
            let whole = reject(api, &rj.invalid_params, detail(quote!(::std::option::Option::None), field_code.clone()));
            quote! {
                let pairs = match crate::support::query_pairs(&parts.uri) {
                    ::std::option::Option::Some(pairs) => pairs,
                    ::std::option::Option::None => { #whole; }
                };
            }
        } else {
            quote!()
        };
        let fields = op.params.iter().map(|p| {
            let var = local("param", &p.rust_name);
            let name = &p.name;
            let ty = rust_type(&p.ty, types);
            let bad = reject(api, &rj.invalid_params, detail(quote!(::std::option::Option::Some(::std::borrow::ToOwned::to_owned(#name))), field_code.clone()));
            let (raw, list_parse) = match p.location {
                ParamLocation::Query => (
                    quote!(pairs.iter().filter(|(k, _)| k == #name).map(|(_, v)| v.as_str()).collect::<::std::vec::Vec<&str>>()),
                    p.explode,
                ),
                _ => (
                    quote!(parts.headers.get_all(#name).iter().map(|v| v.to_str().unwrap_or("\u{0}")).collect::<::std::vec::Vec<&str>>()),
                    false,
                ),
            };
            let parse = match &p.ty {
                TypeRef::Vec(_) if list_parse => quote! {
                    values.iter().map(|v| crate::support::parse(v)).collect::<::std::option::Option<#ty>>()
                },
                TypeRef::Vec(_) => quote! {
                    values.first().and_then(|v| crate::support::parse_list(v))
                },
                _ => quote! {
                    values.first().and_then(|v| crate::support::parse::<#ty>(v))
                },
            };
            if p.required {
                quote! {
                    let values = #raw;
                    let #var: #ty = match #parse {
                        ::std::option::Option::Some(value) if !values.is_empty() => value,
                        _ => { #bad; }
                    };
                }
            } else {
                quote! {
                    let values = #raw;
                    let #var: ::std::option::Option<#ty> = if values.is_empty() {
                        ::std::option::Option::None
                    } else {
                        match #parse {
                            ::std::option::Option::Some(value) => ::std::option::Option::Some(value),
                            ::std::option::Option::None => { #bad; }
                        }
                    };
                }
            }
        });
        let names = op.params.iter().map(|p| {
            let field = ident(&p.rust_name);
            let var = local("param", &p.rust_name);
            quote!(#field: #var)
        });
        quote! {
            #pairs
            #(#fields)*
            let params = crate::params::#params_type { #(#names),* };
        }
    });

    let body = op.body.as_ref().map(|b| {
        let ty = rust_type(&b.ty, types);
        let too_large = reject(api, &rj.too_large, no_details.clone());
        let unreadable = reject(api, &rj.invalid_body, detail(quote!(::std::option::Option::None), field_code.clone()));
        let media = reject(api, &rj.unsupported_media, no_details.clone());
        let missing = reject(api, &rj.invalid_body, detail(quote!(::std::option::Option::None), field_code.clone()));
        let arms: Vec<TokenStream> = b
            .field_codes
            .iter()
            .map(|(field, code)| {
                let code = code_tokens(api, code);
                quote!(::std::option::Option::Some(#field) => #code,)
            })
            .collect();
        let pick_code = if arms.is_empty() {
            quote!(let code = #field_code;)
        } else {
            quote! {
                let code = match error.root_field() {
                    #(#arms)*
                    _ => #field_code,
                };
            }
        };
        let bad_fields = reject(api, &rj.invalid_body, quote!(details));
        let check = super::validate::body_check_fn(op);
        let decode = match &b.media {
            BodyMedia::Json(_) => quote! {
                if !crate::support::is_json(&parts.headers) { #media; }
                match crate::support::decode_checked::<#ty>(&bytes, crate::validate::#check) {
                    ::std::result::Result::Ok(value) => value,
                    ::std::result::Result::Err(errors) => {
                        let details = errors.into_iter().map(|error| {
                            #pick_code
                            crate::rejection::Detail { code, target: error.target }
                        }).collect();
                        #bad_fields;
                    }
                }
            },
            BodyMedia::Form => quote! {
                if !crate::support::has_content_type(&parts.headers, "application/x-www-form-urlencoded") { #media; }
                match ::serde_urlencoded::from_bytes::<#ty>(&bytes) {
                    ::std::result::Result::Ok(value) => value,
                    ::std::result::Result::Err(_) => { #unreadable; }
                }
            },
            BodyMedia::Text(m) => quote! {
                if !crate::support::has_content_type(&parts.headers, #m) { #media; }
                match ::std::string::String::from_utf8(bytes.to_vec()) {
                    ::std::result::Result::Ok(value) => value,
                    ::std::result::Result::Err(_) => { #unreadable; }
                }
            },
            BodyMedia::Binary(_) => quote! { bytes.to_vec() },
        };
        let empty = if b.required {
            quote! { #missing; }
        } else {
            quote! { ::std::option::Option::None }
        };
        // Already inside the `else` block: more braces would warn (`unused_braces`) on a bare
        // expression such as a binary body's.
        let decoded = if b.required { decode } else { quote!(::std::option::Option::Some({ #decode })) };
        quote! {
            let bytes = match crate::support::read_body(body, state.config.body_limit).await {
                ::std::result::Result::Ok(bytes) => bytes,
                ::std::result::Result::Err(crate::support::BodyError::TooLarge) => { #too_large; }
                ::std::result::Result::Err(crate::support::BodyError::Unreadable) => { #unreadable; }
            };
            let body = if bytes.is_empty() {
                #empty
            } else {
                #decoded
            };
        }
    });

    let mut call_args = Vec::new();
    if op.security.any {
        call_args.push(quote!(caller));
    }
    for p in &op.path_params {
        call_args.push(local("path", &p.rust_name).into_token_stream());
    }
    if op.params_type().is_some() {
        call_args.push(quote!(params));
    }
    if op.body.is_some() {
        call_args.push(quote!(body));
    }
    let body_binding = if op.body.is_some() {
        quote!(body)
    } else {
        quote!(_body)
    };
    let parts_mut = if op.path_params.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    // Content negotiation, first: no other answer suits a client that accepts none of them.
    let negotiate = rj.not_acceptable.as_ref().map(|refusal| {
        // Lower case, so the generated check compares without allocating.
        let mut produces: Vec<String> = op
            .responses
            .iter()
            .filter_map(|r| {
                r.body
                    .as_ref()
                    .map(|(media, _)| media.content_type().to_ascii_lowercase())
            })
            .collect();
        if api.error_model.is_some() || produces.is_empty() {
            produces.push("application/json".to_owned());
        }
        produces.sort_unstable();
        produces.dedup();
        let refuse = reject(api, refusal, no_details.clone());
        quote! {
            if !crate::support::acceptable(&parts.headers, &[#(#produces),*]) { #refuse; }
        }
    });
    // The request head is read for credentials, parameters and the body's media type.
    let reads_parts = negotiate.is_some()
        || op.security.any
        || !op.path_params.is_empty()
        || op.params_type().is_some()
        || op
            .body
            .as_ref()
            .is_some_and(|b| !matches!(b.media, BodyMedia::Binary(_)));
    let parts_binding = if reads_parts {
        quote!(#parts_mut parts)
    } else {
        quote!(_parts)
    };
    quote! {
        pub(crate) async fn #name<A, Au>(
            ::axum::extract::State(state): ::axum::extract::State<::std::sync::Arc<Shared<A, Au>>>,
            request: ::axum::extract::Request,
        ) -> ::axum::response::Response
        where
            A: Api,
            Au: Authenticator<Caller = A::Caller>,
        {
            let (#parts_binding, #body_binding) = request.into_parts();
            #negotiate
            #auth
            #path
            #params
            #body
            // A panic in the implementation is the spec's 500, not a dropped connection.
            let answer = ::std::panic::AssertUnwindSafe(state.api.#name(#(#call_args),*));
            match ::futures_util::FutureExt::catch_unwind(answer).await {
                ::std::result::Result::Ok(response) => response.into_response(),
                ::std::result::Result::Err(_) => crate::rejection::internal_error(),
            }
        }
    }
}

/// `rejection.rs`: the error body the server writes when it refuses a request itself.
pub fn rejection_module(api: &Api) -> TokenStream {
    match &api.error_model {
        Some(model) => spec_rejection(api, model),
        None => builtin_rejection(),
    }
}

fn spec_rejection(api: &Api, m: &ErrorModel) -> TokenStream {
    let schema = format_ident!("{}", m.schema);
    let error_type = format_ident!("{}", m.error_type);
    let codes = format_ident!("{}", m.codes);
    let wrap = |optional: bool, value: TokenStream| {
        if optional {
            quote!(::std::option::Option::Some(#value))
        } else {
            value
        }
    };
    let code_field = ident(&m.code_field.0);
    let code_value = wrap(m.code_field.1, quote!(code));
    let message_field = ident(&m.message_field.0);
    let message_value = wrap(m.message_field.1, quote!(message));
    let target = m.target_field.as_ref().map(|(name, optional)| {
        let f = ident(name);
        if *optional {
            quote!(#f: target_value,)
        } else {
            quote!(#f: target_value.unwrap_or_default(),)
        }
    });
    let details = m.details_field.as_ref().map(|(name, optional)| {
        let f = ident(name);
        if *optional {
            quote!(#f: if details.is_empty() { ::std::option::Option::None } else { ::std::option::Option::Some(details) },)
        } else {
            quote!(#f: details,)
        }
    });
    let error_field = ident(&m.error_field.0);
    let error_value = wrap(
        m.error_field.1,
        quote!(error_object(code, ::std::option::Option::None, details)),
    );
    let internal = api
        .types
        .get(&m.codes)
        .and_then(|t| match &t.kind {
            TypeKind::Enum(e) => e.variants.iter().find(|v| v.value == "InternalServerError").map(|v| format_ident!("{}", v.rust_name)),
            _ => None,
        })
        .map(|v| quote!(crate::types::#codes::#v))
        .unwrap_or_else(|| quote!(crate::types::#codes::Unknown(::std::borrow::ToOwned::to_owned("InternalServerError"))));
    let uses_details = m.details_field.is_some();
    let detail_list = if uses_details {
        quote!(let details: ::std::vec::Vec<crate::types::#error_type> = details.into_iter().map(|d| error_object(d.code, d.target, ::std::vec::Vec::new())).collect();)
    } else {
        quote!(let _ = details;)
    };
    let details_param = if uses_details {
        quote!(details: ::std::vec::Vec<crate::types::#error_type>)
    } else {
        quote!(_details: ::std::vec::Vec<crate::types::#error_type>)
    };
    let target_binding = if m.target_field.is_some() {
        quote!(target_value)
    } else {
        quote!(_target)
    };
    quote! {
        /// One entry of `details`: a code and the field it is about.
        pub(crate) struct Detail {
            pub code: crate::types::#codes,
            pub target: ::std::option::Option<::std::string::String>,
        }

        fn error_object(code: crate::types::#codes, #target_binding: ::std::option::Option<::std::string::String>, #details_param) -> crate::types::#error_type {
            let message = ::std::borrow::ToOwned::to_owned(code.message().unwrap_or_default());
            crate::types::#error_type {
                #code_field: #code_value,
                #message_field: #message_value,
                #target
                #details
            }
        }

        /// The spec's error body for `code` with `details`, at `status`.
        pub(crate) fn reject(status: u16, code: crate::types::#codes, details: ::std::vec::Vec<Detail>) -> ::axum::response::Response {
            #detail_list
            let body = crate::types::#schema { #error_field: #error_value };
            let status = ::http::StatusCode::from_u16(status).unwrap_or(::http::StatusCode::INTERNAL_SERVER_ERROR);
            match ::serde_json::to_vec(&body) {
                ::std::result::Result::Ok(bytes) => crate::support::raw(status, "application/json", bytes, ::http::HeaderMap::new()),
                ::std::result::Result::Err(_) => crate::support::empty(::http::StatusCode::INTERNAL_SERVER_ERROR, ::http::HeaderMap::new()),
            }
        }

        /// The answer when the server cannot write the answer the implementation chose.
        pub(crate) fn internal_error() -> ::axum::response::Response {
            reject(500, #internal, ::std::vec::Vec::new())
        }
    }
}

fn builtin_rejection() -> TokenStream {
    quote! {
        //! This spec names no error schema (`x-error-model`), so refusals use a plain
        //! `{"error": {"code", "message", "target", "details"}}` body.

        /// One entry of `details`: a code and the field it is about.
        pub(crate) struct Detail {
            pub code: &'static str,
            pub target: ::std::option::Option<::std::string::String>,
        }

        #[derive(::serde::Serialize)]
        struct Body {
            error: ErrorObject,
        }

        #[derive(::serde::Serialize)]
        struct ErrorObject {
            code: &'static str,
            message: &'static str,
            #[serde(skip_serializing_if = "::std::option::Option::is_none")]
            target: ::std::option::Option<::std::string::String>,
            #[serde(skip_serializing_if = "::std::vec::Vec::is_empty")]
            details: ::std::vec::Vec<ErrorObject>,
        }

        fn message(code: &str) -> &'static str {
            match code {
                "Unauthorized" => "The request lacks valid credentials.",
                "InvalidPathParameter" => "A path parameter is not valid.",
                "InvalidParameter" => "A query or header parameter is not valid.",
                "InvalidRequestBody" => "The request body is not valid.",
                "InvalidValue" => "The value is not valid.",
                "UnsupportedMediaType" => "The request body has an unsupported media type.",
                "PayloadTooLarge" => "The request body is too large.",
                "NotFound" => "No operation has this path.",
                "MethodNotAllowed" => "The path has no operation for this method.",
                _ => "The server could not complete the request.",
            }
        }

        /// A `{"error": ...}` body for `code` with `details`, at `status`.
        pub(crate) fn reject(status: u16, code: &'static str, details: ::std::vec::Vec<Detail>) -> ::axum::response::Response {
            let details = details
                .into_iter()
                .map(|d| ErrorObject { code: d.code, message: message(d.code), target: d.target, details: ::std::vec::Vec::new() })
                .collect();
            let body = Body { error: ErrorObject { code, message: message(code), target: ::std::option::Option::None, details } };
            let status = ::http::StatusCode::from_u16(status).unwrap_or(::http::StatusCode::INTERNAL_SERVER_ERROR);
            match ::serde_json::to_vec(&body) {
                ::std::result::Result::Ok(bytes) => crate::support::raw(status, "application/json", bytes, ::http::HeaderMap::new()),
                ::std::result::Result::Err(_) => crate::support::empty(::http::StatusCode::INTERNAL_SERVER_ERROR, ::http::HeaderMap::new()),
            }
        }

        /// The answer when the server cannot write the answer the implementation chose.
        pub(crate) fn internal_error() -> ::axum::response::Response {
            reject(500, "InternalServerError", ::std::vec::Vec::new())
        }
    }
}

/// The handler's local variable for a parameter: prefixed, so a parameter named like one of the
/// handler's own variables (`state`, `parts`, `body`...), or a path and a query parameter of the
/// same name, cannot shadow each other.
fn local(place: &str, rust_name: &str) -> proc_macro2::Ident {
    format_ident!("{place}_{}", rust_name)
}
