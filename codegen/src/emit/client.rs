//! The reqwest client: a `Client` with one async method per operation, and per operation an
//! error enum with one variant per documented status.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

use crate::model::{
    Api, BodyMedia, Operation, Param, ParamLocation, Response, StatusMatch, TypeRef,
};

use super::common::{Payload, doc_attrs, ident, payload, response_doc, rust_type, to_text};

pub fn client_module(api: &Api) -> TokenStream {
    let types = quote!(crate::types);
    let methods = api.operations.iter().map(|op| method(op, &types));
    let outcomes = api.operations.iter().map(|op| outcome_types(op, &types));
    quote! {
        use crate::support::{BoxError, UnexpectedResponse};

        /// A client for the API. Cheap to clone: clones share one connection pool and token source.
        #[derive(::std::clone::Clone)]
        pub struct Client {
            base_url: ::reqwest::Url,
            http: ::reqwest::Client,
            token: ::std::option::Option<::std::sync::Arc<dyn crate::support::TokenSource>>,
            retry: crate::support::RetryPolicy,
        }

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Client").field("base_url", &self.base_url.as_str()).finish_non_exhaustive()
            }
        }

        impl Client {
            /// A client for the API at `base_url` (e.g. `https://api.example.com`), with a default
            /// reqwest client (rustls) and no credentials.
            pub fn new(base_url: &str) -> ::std::result::Result<Self, crate::support::InvalidBaseUrl> {
                #[cfg(feature = "rustls")]
                crate::support::install_crypto_provider();
                let http = ::reqwest::Client::builder()
                    .build()
                    .map_err(|e| crate::support::InvalidBaseUrl::new(base_url, e.to_string()))?;
                Self::with_http_client(base_url, http)
            }

            /// A client that sends its requests through `http` (for timeouts, proxies, middleware).
            pub fn with_http_client(base_url: &str, http: ::reqwest::Client) -> ::std::result::Result<Self, crate::support::InvalidBaseUrl> {
                let base_url = ::reqwest::Url::parse(base_url)
                    .map_err(|e| crate::support::InvalidBaseUrl::new(base_url, e.to_string()))?;
                if base_url.cannot_be_a_base() {
                    return ::std::result::Result::Err(crate::support::InvalidBaseUrl::new(base_url.as_str(), "it cannot have a path".to_owned()));
                }
                ::std::result::Result::Ok(Self {
                    base_url,
                    http,
                    token: ::std::option::Option::None,
                    retry: crate::support::RetryPolicy::none(),
                })
            }

            /// Sends `Authorization: Bearer <token>` from `source` with every request that needs it.
            pub fn with_token_source(mut self, source: impl crate::support::TokenSource) -> Self {
                self.token = ::std::option::Option::Some(::std::sync::Arc::new(source));
                self
            }

            /// Sends this fixed bearer token with every request that needs one.
            pub fn with_bearer_token(self, token: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.with_token_source(crate::support::StaticToken::new(token))
            }

            /// The base URL requests are sent to.
            pub fn base_url(&self) -> &::reqwest::Url {
                &self.base_url
            }

            /// The base URL with `segments` appended, each percent-encoded as one path segment.
            fn url(&self, segments: &[&str]) -> ::reqwest::Url {
                let mut url = self.base_url.clone();
                if let ::std::result::Result::Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty().extend(segments);
                }
                url
            }

            /// Sends requests again after a 429 or 503, as `policy` allows (off by default).
            pub fn with_retry_policy(mut self, policy: crate::support::RetryPolicy) -> Self {
                self.retry = policy;
                self
            }

            // Unused when no operation of the spec takes a bearer token.
            #[allow(dead_code)]
            async fn bearer(&self, request: ::reqwest::RequestBuilder) -> ::std::result::Result<::reqwest::RequestBuilder, BoxError> {
                match &self.token {
                    ::std::option::Option::Some(source) => ::std::result::Result::Ok(request.bearer_auth(source.token().await?)),
                    ::std::option::Option::None => ::std::result::Result::Ok(request),
                }
            }

            #(#methods)*
        }

        #(#outcomes)*
    }
}

/// The success type of an operation: `()`, its body, a struct with its headers, or an enum when
/// several statuses succeed.
fn success_responses(op: &Operation) -> Vec<&Response> {
    let ok: Vec<&Response> = op.responses.iter().filter(|r| r.is_success()).collect();
    if ok.is_empty() {
        // With no 2xx declared, `default` is the answer the spec expects.
        return op
            .responses
            .iter()
            .filter(|r| r.status == StatusMatch::Default)
            .collect();
    }
    ok
}

fn error_responses(op: &Operation) -> Vec<&Response> {
    let ok = success_responses(op);
    op.responses
        .iter()
        .filter(|r| !ok.iter().any(|o| std::ptr::eq(*o, *r)))
        .collect()
}

fn success_type(op: &Operation, types: &TokenStream) -> TokenStream {
    let ok = success_responses(op);
    match ok.as_slice() {
        [] => quote!(()),
        [single] => match payload(single, types, &quote!(::reqwest::StatusCode)) {
            Payload::Unit => quote!(()),
            Payload::Body(b) => b,
            Payload::Fields(_) => {
                let name = format_ident!("{}Response", op.type_stem);
                quote!(#name)
            }
        },
        _ => {
            let name = format_ident!("{}Success", op.type_stem);
            quote!(#name)
        }
    }
}

fn variant_def(r: &Response, types: &TokenStream) -> TokenStream {
    let doc = response_doc(r);
    let variant = format_ident!("{}", r.variant);
    match payload(r, types, &quote!(::reqwest::StatusCode)) {
        Payload::Unit => quote!(#doc #variant,),
        Payload::Body(b) => quote!(#doc #variant(#b),),
        Payload::Fields(fields) => {
            let fields = fields.iter().map(|(n, t, d)| quote!(#d #n: #t,));
            quote!(#doc #variant { #(#fields)* },)
        }
    }
}

/// The success struct or enum and the error enum of one operation.
fn outcome_types(op: &Operation, types: &TokenStream) -> TokenStream {
    let ok = success_responses(op);
    let mut out = TokenStream::new();
    match ok.as_slice() {
        [single] => {
            if let Payload::Fields(fields) = payload(single, types, &quote!(::reqwest::StatusCode))
            {
                let name = format_ident!("{}Response", op.type_stem);
                let doc = format!(
                    " What `{}` answers on success, with its headers.",
                    op.fn_name
                );
                let fields = fields.iter().map(|(n, t, d)| quote!(#d pub #n: #t,));
                out.extend(quote! {
                    #[doc = #doc]
                    #[derive(::std::fmt::Debug, ::std::clone::Clone)]
                    pub struct #name { #(#fields)* }
                });
            }
        }
        [] => {}
        many => {
            let name = format_ident!("{}Success", op.type_stem);
            let doc = format!(
                " The successful answers of `{}`, one per documented status.",
                op.fn_name
            );
            let variants = many.iter().map(|r| variant_def(r, types));
            out.extend(quote! {
                #[doc = #doc]
                #[derive(::std::fmt::Debug, ::std::clone::Clone)]
                #[non_exhaustive]
                pub enum #name { #(#variants)* }
            });
        }
    }

    let errors = error_responses(op);
    let name = format_ident!("{}Error", op.type_stem);
    let doc = format!(
        " Why `{}` did not succeed: one variant per documented error status, plus failures to send or to understand the answer.",
        op.fn_name
    );
    let variants = errors.iter().map(|r| variant_def(r, types));
    let status_arms = errors.iter().map(|r| {
        let variant = format_ident!("{}", r.variant);
        let status = match (r.status, payload(r, types, &quote!(::reqwest::StatusCode))) {
            (_, Payload::Fields(f)) if f.iter().any(|(n, _, _)| n == "status") => {
                quote!(::std::option::Option::Some(*status))
            }
            (StatusMatch::Code(c), _) => quote!(::reqwest::StatusCode::from_u16(#c).ok()),
            _ => quote!(::std::option::Option::None),
        };
        let pattern = match payload(r, types, &quote!(::reqwest::StatusCode)) {
            Payload::Unit => quote!(Self::#variant),
            Payload::Body(_) => quote!(Self::#variant(_)),
            Payload::Fields(f) if f.iter().any(|(n, _, _)| n == "status") => {
                quote!(Self::#variant { status, .. })
            }
            Payload::Fields(_) => quote!(Self::#variant { .. }),
        };
        quote!(#pattern => #status,)
    });
    let display_arms = errors.iter().map(|r| {
        let variant = format_ident!("{}", r.variant);
        let text = match r.status {
            StatusMatch::Code(c) => format!("{} answered {c} {}", op.id, r.variant),
            StatusMatch::Range(c) => format!("{} answered a {c}XX status", op.id),
            StatusMatch::Default => format!(
                "{} answered a status outside those documented for success",
                op.id
            ),
        };
        let pattern = match payload(r, types, &quote!(::reqwest::StatusCode)) {
            Payload::Unit => quote!(Self::#variant),
            Payload::Body(_) => quote!(Self::#variant(_)),
            Payload::Fields(_) => quote!(Self::#variant { .. }),
        };
        quote!(#pattern => f.write_str(#text),)
    });
    let escaped = op.id.replace('{', "{{").replace('}', "}}");
    let request_text = format!("{escaped} could not be sent: {{}}");
    let transport_text = format!("{escaped} failed in transport: {{}}");
    let unexpected_text = format!("{escaped} got an answer the spec does not describe: {{}}");
    out.extend(quote! {
        #[doc = #doc]
        #[derive(::std::fmt::Debug)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A status the spec does not list for this operation, or a body that does not decode as
            /// the spec says; the status, headers and raw body are kept.
            Unexpected(UnexpectedResponse),
            /// The request could not be built: the token source failed or the body could not be encoded.
            Request(BoxError),
            /// The request or response failed on the way (connection, TLS, timeout).
            Transport(::reqwest::Error),
        }

        impl #name {
            /// The HTTP status of the answer, when there was one.
            pub fn status(&self) -> ::std::option::Option<::reqwest::StatusCode> {
                match self {
                    #(#status_arms)*
                    Self::Unexpected(response) => ::std::option::Option::Some(response.status),
                    Self::Request(_) => ::std::option::Option::None,
                    Self::Transport(error) => error.status(),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #(#display_arms)*
                    Self::Unexpected(response) => write!(f, #unexpected_text, response),
                    Self::Request(error) => write!(f, #request_text, error),
                    Self::Transport(error) => write!(f, #transport_text, error),
                }
            }
        }

        impl ::std::error::Error for #name {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    Self::Request(error) => ::std::option::Option::Some(&**error),
                    Self::Transport(error) => ::std::option::Option::Some(error),
                    _ => ::std::option::Option::None,
                }
            }
        }
    });
    out
}

fn method(op: &Operation, types: &TokenStream) -> TokenStream {
    let fn_name = ident(&op.fn_name);
    let error = format_ident!("{}Error", op.type_stem);
    let success = success_type(op, types);

    let mut args = Vec::new();
    for p in &op.path_params {
        let name = ident(&p.rust_name);
        let ty = rust_type(&p.ty, types);
        args.push(quote!(#name: &#ty));
    }
    if let Some(params) = op.params_type() {
        let params = format_ident!("{}", params);
        args.push(quote!(params: &crate::params::#params));
    }
    if let Some(body) = &op.body {
        let ty = match &body.ty {
            TypeRef::String => quote!(str),
            TypeRef::Bytes => quote!([u8]),
            other => rust_type(other, types),
        };
        args.push(if body.required {
            quote!(body: &#ty)
        } else {
            quote!(body: ::std::option::Option<&#ty>)
        });
    }

    // Path: literal segments as written, `{name}` segments from the arguments.
    let segments = op
        .path
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            match op
                .path_params
                .iter()
                .find(|p| segment.contains(&format!("{{{}}}", p.name)))
            {
                Some(p) if segment == format!("{{{}}}", p.name) => {
                    let text = to_text(ident(&p.rust_name).into_token_stream(), &p.ty);
                    quote!(&#text)
                }
                Some(_) => {
                    // A segment with text around the parameter: fill every `{name}` in it.
                    let mut format_str = segment.to_owned();
                    let mut values = Vec::new();
                    for p in &op.path_params {
                        let placeholder = format!("{{{}}}", p.name);
                        if format_str.contains(&placeholder) {
                            format_str = format_str.replace(&placeholder, "{}");
                            values.push(to_text(ident(&p.rust_name).into_token_stream(), &p.ty));
                        }
                    }
                    quote!(&format!(#format_str, #(#values),*))
                }
                None => quote!(#segment),
            }
        });

    // Each query parameter as `(name, text)` pairs: one pair for a scalar or a joined array,
    // one per item for an exploded array.
    let query_params: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
        .collect();
    let pair = |p: &Param, bound: bool| -> TokenStream {
        let name = &p.name;
        let text = param_text(p, bound);
        quote!((#name, #text))
    };
    let one_pair = |p: &&&Param| p.required && !(p.explode && matches!(p.ty, TypeRef::Vec(_)));
    // Required parameters with one pair start the list (in spec order), rather than being
    // pushed right after it is made (`clippy::vec_init_then_push`).
    let lead = query_params.iter().take_while(one_pair).count();
    let initial = query_params[..lead].iter().map(|p| pair(p, false));
    let query = query_params[lead..].iter().map(|p| {
        let field = ident(&p.rust_name);
        let push = |value: TokenStream, bound: bool| -> TokenStream {
            match &p.ty {
                TypeRef::Vec(inner) if p.explode => {
                    let inner: &TypeRef = inner;
                    let name = &p.name;
                    let text = to_text(quote!(item), inner);
                    quote! { for item in #value { query.push((#name, #text)); } }
                }
                _ => {
                    let pair = pair(p, bound);
                    quote! { query.push(#pair); }
                }
            }
        };
        if p.required {
            push(quote!(&params.#field), false)
        } else {
            let inner = push(quote!(value), true);
            quote! { if let ::std::option::Option::Some(value) = &params.#field { #inner } }
        }
    });
    let has_query = !query_params.is_empty();
    let query_mut = if lead == query_params.len() {
        quote!()
    } else {
        quote!(mut)
    };
    let query_block = if has_query {
        quote! {
            let #query_mut query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec![#(#initial),*];
            #(#query)*
            if !query.is_empty() {
                url.query_pairs_mut().extend_pairs(query);
            }
        }
    } else {
        quote!()
    };

    let headers = op.params.iter().filter(|p| p.location == ParamLocation::Header).map(|p| {
        let field = ident(&p.rust_name);
        let name = &p.name;
        if p.required {
            let t = param_text(p, false);
            quote! { request = request.header(#name, #t); }
        } else {
            let t = param_text(p, true);
            quote! { if let ::std::option::Option::Some(value) = &params.#field { request = request.header(#name, #t); } }
        }
    });

    let accept = op
        .accept
        .clone()
        .unwrap_or_else(|| "application/json".to_owned());
    let auth = if op.security.any && op.security.bearer {
        quote! { let request = self.bearer(request).await.map_err(#error::Request)?; }
    } else {
        quote!()
    };

    let body = op.body.as_ref().map(|b| {
        let content_type = b.media.content_type();
        let attach = match &b.media {
            BodyMedia::Json(_) => quote! {
                let bytes = ::serde_json::to_vec(body).map_err(|e| #error::Request(::std::boxed::Box::new(e)))?;
                request = request.header(::reqwest::header::CONTENT_TYPE, #content_type).body(bytes);
            },
            BodyMedia::Form => quote! { request = request.form(body); },
            BodyMedia::Text(_) => quote! {
                request = request.header(::reqwest::header::CONTENT_TYPE, #content_type).body(::std::borrow::ToOwned::to_owned(body));
            },
            BodyMedia::Binary(_) => quote! {
                request = request.header(::reqwest::header::CONTENT_TYPE, #content_type).body(body.to_vec());
            },
        };
        if b.required {
            attach
        } else {
            quote! { if let ::std::option::Option::Some(body) = body { #attach } }
        }
    });

    let method = format_ident!("{}", op.method.as_str());
    // RFC 9110's idempotent methods may be sent again; POST and PATCH only when the caller says so.
    let idempotent = !matches!(
        op.method,
        crate::model::Method::Post | crate::model::Method::Patch
    );
    let ok = success_responses(op);
    let success_name = format_ident!("{}Success", op.type_stem);
    let response_name = format_ident!("{}Response", op.type_stem);
    let arms = op.responses.iter().map(|r| {
        let is_ok = ok.iter().any(|o| std::ptr::eq(*o, r));
        let variant = format_ident!("{}", r.variant);
        let build = match payload(r, types, &quote!(::reqwest::StatusCode)) {
            Payload::Unit => quote!(VARIANT),
            Payload::Body(_) => quote!(VARIANT(body)),
            Payload::Fields(fields) => {
                let names = fields.iter().map(|(n, _, _)| n);
                quote!(VARIANT { #(#names),* })
            }
        };
        let constructor = if is_ok {
            match (ok.len(), payload(r, types, &quote!(::reqwest::StatusCode))) {
                (1, Payload::Unit) => quote!(()),
                (1, Payload::Body(_)) => quote!(body),
                (1, Payload::Fields(_)) => replace_variant(build, quote!(#response_name)),
                _ => replace_variant(build, quote!(#success_name::#variant)),
            }
        } else {
            replace_variant(build, quote!(#error::#variant))
        };
        let wrap = if is_ok { quote!(::std::result::Result::Ok(#constructor)) } else { quote!(::std::result::Result::Err(#constructor)) };
        let decode_body = match &r.body {
            None => quote!(),
            Some((BodyMedia::Json(_), _)) => quote! {
                let body = crate::support::decode_json(status, &headers, &bytes).map_err(#error::Unexpected)?;
            },
            Some((BodyMedia::Text(_) | BodyMedia::Form, _)) => quote! { let body = ::std::string::String::from_utf8_lossy(&bytes).into_owned(); },
            Some((BodyMedia::Binary(_), _)) => quote! { let body = bytes.to_vec(); },
        };
        let decode_headers = r.headers.iter().map(|h| {
            let field = ident(&h.rust_name);
            let name = &h.name;
            if h.required {
                quote! {
                    let #field = crate::support::required_header(status, &headers, &bytes, #name).map_err(#error::Unexpected)?;
                }
            } else {
                quote! { let #field = crate::support::optional_header(&headers, #name); }
            }
        });
        let pattern = match r.status {
            StatusMatch::Code(c) => {
                let c = proc_macro2::Literal::u16_unsuffixed(c);
                quote!(#c)
            }
            StatusMatch::Range(c) => {
                let lo = proc_macro2::Literal::u16_unsuffixed(c * 100);
                let hi = proc_macro2::Literal::u16_unsuffixed(c * 100 + 99);
                quote!(#lo..=#hi)
            }
            StatusMatch::Default => quote!(_),
        };
        // A spec with only `default` needs no `match` (`clippy::match_single_binding`).
        if op.responses.len() == 1 && r.status == StatusMatch::Default {
            return quote! {
                #decode_body
                #(#decode_headers)*
                #wrap
            };
        }
        quote! {
            #pattern => {
                #decode_body
                #(#decode_headers)*
                #wrap
            }
        }
    });
    let has_default = op
        .responses
        .iter()
        .any(|r| r.status == StatusMatch::Default);
    let fallback = if has_default {
        quote!()
    } else {
        quote! { _ => ::std::result::Result::Err(#error::Unexpected(UnexpectedResponse::new(status, headers, bytes, ::std::option::Option::None))), }
    };
    // The answer's headers and bytes are kept by the fallback and read to decode bodies and
    // headers (a JSON body keeps both when it does not decode, a missing required header the
    // bytes); otherwise they are unused.
    let reads_headers = !has_default
        || op
            .responses
            .iter()
            .any(|r| !r.headers.is_empty() || matches!(r.body, Some((BodyMedia::Json(_), _))));
    let reads_bytes = !has_default
        || op
            .responses
            .iter()
            .any(|r| r.body.is_some() || r.headers.iter().any(|h| h.required));
    let headers_binding = if reads_headers {
        quote!(headers)
    } else {
        quote!(_headers)
    };
    let bytes_binding = if reads_bytes {
        quote!(bytes)
    } else {
        quote!(_bytes)
    };
    // Exact statuses first, ranges next, `default` last, as OpenAPI specifies.
    let mut arms: Vec<(u8, TokenStream)> = op
        .responses
        .iter()
        .zip(arms)
        .map(|(r, arm)| {
            let rank = match r.status {
                StatusMatch::Code(_) => 0,
                StatusMatch::Range(_) => 1,
                StatusMatch::Default => 2,
            };
            (rank, arm)
        })
        .collect();
    arms.sort_by_key(|(rank, _)| *rank);
    // Exact statuses inside a declared range are matched first, on purpose.
    let overlapping = op.responses.iter().any(|r| match r.status {
        StatusMatch::Code(c) => op
            .responses
            .iter()
            .any(|o| o.status == StatusMatch::Range(c / 100)),
        _ => false,
    });
    let allow_overlap = if overlapping {
        quote!(#[allow(clippy::match_overlapping_arm)])
    } else {
        quote!()
    };
    let answer = if op.responses.len() == 1 && has_default {
        arms.into_iter().map(|(_, arm)| arm).collect()
    } else {
        let arms = arms.into_iter().map(|(_, arm)| arm);
        quote! {
            match status.as_u16() {
                #(#arms)*
                #fallback
            }
        }
    };

    let mut docs = doc_attrs(&op.doc);
    let line = format!(" `{} {}` (`{}`).", op.method.as_str(), op.path, op.id);
    if !docs.is_empty() {
        docs.extend(quote!(#[doc = ""]));
    }
    docs.extend(quote!(#[doc = #line]));
    if !op.security.scopes.is_empty() {
        let scopes = format!(
            " Needs a token with the scope(s): {}.",
            op.security
                .scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        docs.extend(quote!(#[doc = #scopes]));
    }
    let mutable = if op.body.is_some()
        || op
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Header)
    {
        quote!(mut)
    } else {
        quote!()
    };
    let url_mut = if has_query { quote!(mut) } else { quote!() };

    quote! {
        #docs
        #allow_overlap
        pub async fn #fn_name(&self, #(#args),*) -> ::std::result::Result<#success, #error> {
            let #url_mut url = self.url(&[#(#segments),*]);
            #query_block
            let #mutable request = self
                .http
                .request(::reqwest::Method::#method, url)
                .header(::reqwest::header::ACCEPT, #accept);
            #(#headers)*
            #body
            #auth
            let response = crate::support::send(&self.retry, request, #idempotent).await.map_err(#error::Transport)?;
            let status = response.status();
            let #headers_binding = response.headers().clone();
            let #bytes_binding = response.bytes().await.map_err(#error::Transport)?;
            #answer
        }
    }
}

/// A query or header parameter's value as one text: from `params.<field>`, or from a `value`
/// binding (`bound`) that already refers to the present value of an optional parameter.
fn param_text(p: &Param, bound: bool) -> TokenStream {
    let field = ident(&p.rust_name);
    match (&p.ty, bound) {
        (TypeRef::Vec(inner), true) => join_text(quote!(value), inner),
        (TypeRef::Vec(inner), false) => join_text(quote!(params.#field), inner),
        (other, true) => to_text(quote!(value), other),
        (other, false) => to_text(quote!(&params.#field), other),
    }
}

/// An array written as one comma-separated text (a header, or a query without `explode`);
/// `value` is an expression with `.iter()`.
fn join_text(value: TokenStream, inner: &TypeRef) -> TokenStream {
    // A plain `to_string` is passed by path: a closure around it is `clippy::redundant_closure`.
    let each = match inner {
        TypeRef::DateTime => {
            let text = to_text(quote!(item), inner);
            quote!(|item| #text)
        }
        _ => quote!(::std::string::ToString::to_string),
    };
    quote!(#value.iter().map(#each).collect::<::std::vec::Vec<_>>().join(","))
}

/// Replaces the `VARIANT` placeholder in a constructor with a real path.
fn replace_variant(tokens: TokenStream, path: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tt| match &tt {
            proc_macro2::TokenTree::Ident(i) if i == "VARIANT" => path.clone(),
            proc_macro2::TokenTree::Group(g) => {
                let inner = replace_variant(g.stream(), path.clone());
                let mut group = proc_macro2::Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                std::iter::once(proc_macro2::TokenTree::Group(group)).collect()
            }
            _ => std::iter::once(tt).collect(),
        })
        .collect()
}
