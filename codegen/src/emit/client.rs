//! The reqwest client: a `Client` with one async method per operation, and per operation an
//! error enum with one variant per error status the spec declares. Sending, retrying, decoding
//! and every failure that is not a declared status come from the runtime.

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

use crate::model::{
    Api, BodyMedia, Operation, Param, ParamLocation, ParamShape, ParamStyle, PathSegment, Response,
    SegmentPiece, StatusMatch, TypeRef, encode_path_text,
};

use super::common::{Payload, doc_attrs, ident, payload, response_doc, rust_type, to_text};
use super::render;

/// Pieces of `client.rs`: the client, its methods (one piece per operation), then each
/// operation's outcome types.
pub fn client_count(api: &Api) -> usize {
    2 + 2 * api.operations.len()
}

pub fn client_module(api: &Api, range: Range<usize>) -> Vec<render::Segment> {
    let types = quote!(crate::types);
    let ops = api.operations.len();
    render::block_with_members(
        range,
        client_struct,
        || quote!(impl Client),
        (ops, api.operations.iter(), |op| method(op, &types)),
        (api.operations.iter(), |op| outcome_types(op, &types)),
    )
}

/// The client and its constructors; the operations' methods follow in the same `impl` block.
fn client_struct() -> TokenStream {
    quote! {
        use ::specfirst_runtime::client::{Connection, Error, InvalidBaseUrl, OperationError, RetryPolicy, TokenSource};

        /// A client for the API. Cheap to clone: clones share one connection pool and token source.
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        pub struct Client {
            connection: Connection,
        }

        impl Client {
            /// A client for the API at `base_url` (e.g. `https://api.example.com`), with a default
            /// reqwest client (rustls) and no credentials.
            pub fn new(base_url: &str) -> ::std::result::Result<Self, InvalidBaseUrl> {
                Connection::new(base_url).map(|connection| Client { connection })
            }

            /// A client that sends its requests through `http` (for timeouts, proxies, middleware).
            pub fn with_http_client(base_url: &str, http: ::reqwest::Client) -> ::std::result::Result<Self, InvalidBaseUrl> {
                Connection::with_http_client(base_url, http).map(|connection| Client { connection })
            }

            /// Sends `Authorization: Bearer <token>` from `source` with every request that needs it.
            pub fn with_token_source(self, source: impl TokenSource) -> Self {
                Client { connection: self.connection.with_token_source(source) }
            }

            /// Sends this fixed bearer token with every request that needs one.
            pub fn with_bearer_token(self, token: impl ::std::convert::Into<::std::string::String>) -> Self {
                Client { connection: self.connection.with_bearer_token(token) }
            }

            /// Sends requests again after a 429 or 503, as `policy` allows (off by default).
            pub fn with_retry_policy(self, policy: RetryPolicy) -> Self {
                Client { connection: self.connection.with_retry_policy(policy) }
            }

            /// The base URL requests are sent to.
            pub fn base_url(&self) -> &::reqwest::Url {
                self.connection.base_url()
            }
        }
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
        " The error statuses the spec declares for `{}`, decoded. Wrapped in [`Error::Api`](::specfirst_runtime::client::Error::Api), beside failures to send or to understand the answer.",
        op.fn_name
    );
    let variants = errors.iter().map(|r| variant_def(r, types));
    let status_arms: Vec<TokenStream> = errors
        .iter()
        .map(|r| {
            let variant = format_ident!("{}", r.variant);
            match (r.status, payload(r, types, &quote!(::reqwest::StatusCode))) {
                (_, Payload::Fields(f)) if f.iter().any(|(n, _, _)| n == "status") => {
                    quote!(Self::#variant { status, .. } => status.as_u16(),)
                }
                (StatusMatch::Code(c), payload) => {
                    let pattern = match payload {
                        Payload::Unit => quote!(Self::#variant),
                        Payload::Body(_) => quote!(Self::#variant(_)),
                        Payload::Fields(_) => quote!(Self::#variant { .. }),
                    };
                    let c = proc_macro2::Literal::u16_unsuffixed(c);
                    quote!(#pattern => #c,)
                }
                // Ranges and `default` always carry their status.
                _ => quote!(),
            }
        })
        .collect();
    let operation = &op.id;
    let status_body = if status_arms.is_empty() {
        // No declared error: the enum has no values, so this is never called.
        quote!(match *self {})
    } else {
        quote!(match self { #(#status_arms)* })
    };
    out.extend(quote! {
        #[doc = #doc]
        #[derive(::std::fmt::Debug)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }

        impl OperationError for #name {
            const OPERATION: &'static str = #operation;

            fn status(&self) -> u16 {
                #status_body
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
        let ty = match &p.ty {
            // A slice, not `&Vec` (`clippy::ptr_arg`).
            TypeRef::Vec(inner) => {
                let inner = rust_type(inner, types);
                quote!([#inner])
            }
            other => rust_type(other, types),
        };
        args.push(quote!(#name: &#ty));
    }
    if let Some(params) = op.params_type() {
        let params = format_ident!("{}", params);
        args.push(quote!(params: &crate::params::#params));
    }
    if let Some(body) = &op.body {
        let ty = match &body.ty {
            _ if !body.alternatives.is_empty() || body.form.is_some() => {
                super::bodies::body_type(op, body, types)
            }
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

    let method = format_ident!("{}", op.method.as_str());
    let segments = path_segments(op);
    let request = if encodes_itself(op) {
        quote!(request_encoded)
    } else {
        quote!(request)
    };
    let accept = op.accept.clone().unwrap_or_else(|| accept_value(op));
    let mut parts = vec![quote!(.accept(#accept))];
    for (name, value) in &op.fixed_query {
        parts.push(quote!(.query(#name, [::std::string::String::from(#value)])));
    }
    for p in &op.params {
        let name = &p.name;
        let field = ident(&p.rust_name);
        let value = if p.required {
            quote!(::std::option::Option::Some(&params.#field))
        } else {
            quote!(params.#field.as_ref())
        };
        let place = match p.location {
            ParamLocation::Header => quote!(::specfirst_runtime::client::Place::Header),
            ParamLocation::Cookie => quote!(::specfirst_runtime::client::Place::Cookie),
            _ => quote!(::specfirst_runtime::client::Place::Query),
        };
        parts.push(match p.shape {
            ParamShape::Json => quote!(.json_param(#place, #name, #value)),
            ParamShape::Object => {
                let style = match p.style {
                    ParamStyle::Simple => quote!(Simple),
                    ParamStyle::DeepObject => quote!(DeepObject),
                    _ => quote!(Form),
                };
                let explode = p.explode;
                quote!(.object_param(#place, #name, ::specfirst_runtime::client::Style::#style, #explode, #value))
            }
            ParamShape::Text | ParamShape::List => {
                let values = param_values(p);
                match p.location {
                    ParamLocation::Query => quote!(.query(#name, #values)),
                    ParamLocation::Cookie => quote!(.cookie(#name, #values)),
                    _ => quote!(.header(#name, #values)),
                }
            }
        });
    }
    if let Some(b) = &op.body {
        let attach = if b.alternatives.is_empty() {
            attach_body(&b.media)
        } else {
            // The caller chose the media type by the variant it built.
            let payload = format_ident!("{}Payload", op.type_stem);
            let arms = b.alternatives.iter().map(|a| {
                let variant = format_ident!("{}", a.variant);
                let attach = attach_body(&a.media);
                let rebind = match &a.media {
                    BodyMedia::Text(_) => quote!(let body = body.as_str();),
                    BodyMedia::Binary(_) => quote!(let body = body.as_slice();),
                    _ => quote!(),
                };
                quote!(crate::bodies::#payload::#variant(body) => { #rebind request.#attach })
            });
            quote!(apply(|request| match body { #(#arms)* }))
        };
        parts.push(if b.required {
            quote!(.#attach)
        } else {
            quote!(.with(body, |request, body| request.#attach))
        });
    }
    if op.security.any && op.security.bearer {
        parts.push(quote!(.authorized()));
    }

    let ok = success_responses(op);
    let success_name = format_ident!("{}Success", op.type_stem);
    let response_name = format_ident!("{}Response", op.type_stem);
    let mut arms: Vec<(u8, TokenStream)> = op
        .responses
        .iter()
        .map(|r| {
            let is_ok = ok.iter().any(|o| std::ptr::eq(*o, r));
            let variant = format_ident!("{}", r.variant);
            let build = match payload(r, types, &quote!(::reqwest::StatusCode)) {
                Payload::Unit => quote!(VARIANT),
                Payload::Body(_) => {
                    let body = decode_body(r);
                    quote!(VARIANT(#body))
                }
                Payload::Fields(fields) => {
                    let fields = fields.iter().map(|(n, _, _)| {
                        let value = decode_field(r, &n.to_string());
                        quote!(#n: #value)
                    });
                    quote!(VARIANT { #(#fields),* })
                }
            };
            let value = if is_ok {
                match (
                    ok.len(),
                    payload(r, types, &quote!(::reqwest::StatusCode)),
                    &r.body,
                ) {
                    (1, Payload::Unit, _) => quote!(::std::result::Result::Ok(())),
                    // The one success with a JSON body: decoding is the answer.
                    (1, Payload::Body(_), Some((BodyMedia::Json(_), _)))
                        if r.content_enum.is_none() =>
                    {
                        quote!(answer.json())
                    }
                    (1, Payload::Body(_), _) => {
                        let body = decode_body(r);
                        quote!(::std::result::Result::Ok(#body))
                    }
                    (1, Payload::Fields(_), _) => {
                        let value = replace_variant(build, quote!(#response_name));
                        quote!(::std::result::Result::Ok(#value))
                    }
                    _ => {
                        let value = replace_variant(build, quote!(#success_name::#variant));
                        quote!(::std::result::Result::Ok(#value))
                    }
                }
            } else if let (Payload::Body(_), Some((BodyMedia::Json(_), _)), None) = (
                payload(r, types, &quote!(::reqwest::StatusCode)),
                &r.body,
                &r.content_enum,
            ) {
                quote!(answer.error(#error::#variant))
            } else {
                let value = replace_variant(build, quote!(#error::#variant));
                quote!(::std::result::Result::Err(#value.into()))
            };
            let (rank, pattern) = match r.status {
                StatusMatch::Code(c) => {
                    let c = proc_macro2::Literal::u16_unsuffixed(c);
                    (0, quote!(#c))
                }
                StatusMatch::Range(c) => {
                    let lo = proc_macro2::Literal::u16_unsuffixed(c * 100);
                    let hi = proc_macro2::Literal::u16_unsuffixed(c * 100 + 99);
                    (1, quote!(#lo..=#hi))
                }
                StatusMatch::Default => (2, quote!(_)),
            };
            (rank, quote!(#pattern => #value,))
        })
        .collect();
    // Exact statuses first, ranges next, `default` last, as OpenAPI specifies.
    arms.sort_by_key(|(rank, _)| *rank);
    let has_default = op
        .responses
        .iter()
        .any(|r| r.status == StatusMatch::Default);
    let fallback =
        (!has_default).then(|| quote!(_ => ::std::result::Result::Err(answer.unexpected()),));
    // Exact statuses inside a declared range are matched first, on purpose.
    let overlapping = op.responses.iter().any(|r| match r.status {
        StatusMatch::Code(c) => op
            .responses
            .iter()
            .any(|o| o.status == StatusMatch::Range(c / 100)),
        _ => false,
    });
    let allow_overlap = overlapping.then(|| quote!(#[allow(clippy::match_overlapping_arm)]));
    let decode = if op.responses.len() == 1 && has_default {
        // Only `default`: every status is that answer (no `match`, `clippy::match_single_binding`).
        let value = op
            .responses
            .first()
            .map(|r| single_default(r, types, &response_name))
            .unwrap_or_default();
        quote!(#value)
    } else {
        let arms = arms.into_iter().map(|(_, arm)| arm);
        quote! {
            match answer.status() {
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
    if let Some(body) = op.body.as_ref().filter(|b| b.alternatives.is_empty()) {
        // A body of several media types lists what is left out on its `Payload` enum.
        docs.extend(super::bodies::unsupported_docs(body));
    }
    if let Some(note) = path_note(op) {
        docs.extend(quote!(#[doc = #note]));
    }
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
    // An operation whose only answer is an empty `default` never reads it.
    let binding = if decode.to_string().contains("answer") {
        quote!(answer)
    } else {
        quote!(_answer)
    };
    quote! {
        #docs
        #allow_overlap
        pub async fn #fn_name(&self, #(#args),*) -> ::std::result::Result<#success, Error<#error>> {
            let #binding = self
                .connection
                .#request(::reqwest::Method::#method, &[#(#segments),*])
                #(#parts)*
                .send::<#error>()
                .await?;
            #decode
        }
    }
}

/// The answer of an operation whose only response is `default`: its success.
fn single_default(r: &Response, types: &TokenStream, name: &proc_macro2::Ident) -> TokenStream {
    match payload(r, types, &quote!(::reqwest::StatusCode)) {
        Payload::Unit => quote!(::std::result::Result::Ok(())),
        Payload::Body(_) => {
            let body = decode_body(r);
            quote!(::std::result::Result::Ok(#body))
        }
        Payload::Fields(fields) => {
            let fields = fields.iter().map(|(n, _, _)| {
                let value = decode_field(r, &n.to_string());
                quote!(#n: #value)
            });
            quote!(::std::result::Result::Ok(#name { #(#fields),* }))
        }
    }
}

/// The `Accept` the client sends when the spec names none: every media type the operation's
/// responses declare, in order (JSON when they declare none).
fn accept_value(op: &Operation) -> String {
    let mut media: Vec<&str> = Vec::new();
    for r in &op.responses {
        let listed = r
            .alternatives
            .iter()
            .map(|a| &a.media)
            .chain(r.body.as_ref().map(|(m, _)| m));
        for m in listed {
            let text = m.content_type();
            if !media.contains(&text) {
                media.push(text);
            }
        }
    }
    if media.is_empty() {
        "application/json".to_owned()
    } else {
        media.join(", ")
    }
}

/// How the request builder attaches a body of one media type, from a `body` binding.
fn attach_body(media: &BodyMedia) -> TokenStream {
    let content_type = media.content_type();
    match media {
        BodyMedia::Json(_) => quote!(json(#content_type, body)),
        BodyMedia::Form => quote!(form(body)),
        BodyMedia::Multipart => quote!(multipart(body)),
        BodyMedia::Text(_) | BodyMedia::Binary(_) => quote!(bytes(#content_type, body)),
    }
}

/// What the client does with a query or fragment written into the path template.
pub fn path_note(op: &Operation) -> Option<String> {
    let rest = &op.path[crate::lower::wire_path(&op.path).len()..];
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let mut notes = Vec::new();
    if !query.is_empty() {
        notes.push(format!(
            " The path's `{query}` is sent as query parameters with every call."
        ));
    }
    if let Some(fragment) = fragment {
        notes.push(format!(
            " The path's `#{fragment}` is a fragment the spec uses to tell operations apart: it is never sent."
        ));
    }
    (!notes.is_empty()).then(|| notes.concat())
}

/// Whether the path needs segments the client encodes itself (text beside a parameter, a
/// reserved expansion), or each segment is one text `Connection::request` encodes.
fn encodes_itself(op: &Operation) -> bool {
    op.segments.iter().any(|s| match s {
        PathSegment::Text(_) => false,
        PathSegment::Template(pieces) => !matches!(pieces[..], [SegmentPiece::Param(_)]),
        PathSegment::Reserved(_) => true,
    })
}

/// The path's segments as texts: for `Connection::request` (literal text as written, values
/// as text, both encoded there), or, when [`encodes_itself`], already percent-encoded for
/// `Connection::request_encoded`.
fn path_segments(op: &Operation) -> Vec<TokenStream> {
    let encoded = encodes_itself(op);
    let value = |index: usize| {
        let p = &op.path_params[index];
        match &p.ty {
            TypeRef::Vec(inner) => join_text(ident(&p.rust_name).into_token_stream(), inner, ","),
            ty => to_text(ident(&p.rust_name).into_token_stream(), ty),
        }
    };
    op.segments
        .iter()
        .map(|segment| match segment {
            PathSegment::Text(text) if encoded => {
                let text = encode_path_text(text);
                quote!(#text)
            }
            PathSegment::Text(text) => quote!(#text),
            PathSegment::Reserved(index) => {
                let text = value(*index);
                quote!(&::specfirst_runtime::client::path::reserved_value(&#text))
            }
            PathSegment::Template(pieces) => match pieces[..] {
                [SegmentPiece::Param(index)] if !encoded => {
                    let text = value(index);
                    quote!(&#text)
                }
                _ => {
                    // The template's literal text, which values must not contain unencoded.
                    let beside: String = pieces
                        .iter()
                        .filter_map(|p| match p {
                            SegmentPiece::Text(t) => Some(t.as_str()),
                            SegmentPiece::Param(_) => None,
                        })
                        .collect();
                    let mut format_str = String::new();
                    let mut values = Vec::new();
                    for piece in pieces {
                        match piece {
                            SegmentPiece::Text(t) if encoded => {
                                format_str.push_str(&encode_path_text(t))
                            }
                            SegmentPiece::Text(t) => {
                                format_str.push_str(&t.replace('{', "{{").replace('}', "}}"))
                            }
                            SegmentPiece::Param(index) => {
                                format_str.push_str("{}");
                                let text = value(*index);
                                values.push(if encoded {
                                    quote!(::specfirst_runtime::client::path::segment_value(&#text, #beside))
                                } else {
                                    text
                                });
                            }
                        }
                    }
                    match (format_str.as_str(), values.len()) {
                        ("{}", 1) => {
                            let value = &values[0];
                            quote!(&#value)
                        }
                        _ => quote!(&format!(#format_str, #(#values),*)),
                    }
                }
            },
        })
        .collect()
}

/// A query or header parameter as the texts to send: none for an absent optional one, one per
/// item for an exploded array in a query, else one.
fn param_values(p: &Param) -> TokenStream {
    let field = ident(&p.rust_name);
    let exploded = p.explode && matches!(p.location, ParamLocation::Query | ParamLocation::Cookie);
    match (&p.ty, p.required) {
        (TypeRef::Vec(inner), true) if exploded => {
            let each = text_fn(inner);
            quote!(params.#field.iter().map(#each))
        }
        (TypeRef::Vec(inner), false) if exploded => {
            let each = text_fn(inner);
            quote!(params.#field.iter().flatten().map(#each))
        }
        (_, true) => {
            let text = param_text(p, false);
            quote!([#text])
        }
        // A plain `to_string` is passed by path: a closure around it is `clippy::redundant_closure`.
        (ty, false) if !matches!(ty, TypeRef::Vec(_) | TypeRef::DateTime) => {
            quote!(params.#field.as_ref().map(::std::string::ToString::to_string))
        }
        (_, false) => {
            let text = param_text(p, true);
            quote!(params.#field.as_ref().map(|value| #text))
        }
    }
}

/// A function from `&T` to its text: a path where one does (`clippy::redundant_closure`).
fn text_fn(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::DateTime => {
            let text = to_text(quote!(item), ty);
            quote!(|item| #text)
        }
        _ => quote!(::std::string::ToString::to_string),
    }
}

/// How the answer's body is read for a response.
fn decode_body(r: &Response) -> TokenStream {
    if let Some(name) = &r.content_enum {
        // Several media types: the answer's `Content-Type` says which variant it is.
        let name = format_ident!("{}", name);
        let media = r
            .alternatives
            .iter()
            .map(|a| a.media.content_type().to_ascii_lowercase());
        let arms = r.alternatives.iter().enumerate().map(|(i, a)| {
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            let variant = format_ident!("{}", a.variant);
            let read = match &a.media {
                BodyMedia::Json(_) => quote!(answer.json()?),
                BodyMedia::Text(_) | BodyMedia::Form => quote!(answer.text()),
                BodyMedia::Binary(_) | BodyMedia::Multipart => quote!(answer.bytes()),
            };
            quote!(::std::option::Option::Some(#i) => crate::bodies::#name::#variant(#read),)
        });
        return quote! {
            match answer.media_of(&[#(#media),*]) {
                #(#arms)*
                _ => return ::std::result::Result::Err(answer.unexpected_media()),
            }
        };
    }
    match &r.body {
        Some((BodyMedia::Json(_), _)) => quote!(answer.json()?),
        Some((BodyMedia::Text(_) | BodyMedia::Form, _)) => quote!(answer.text()),
        Some((BodyMedia::Binary(_) | BodyMedia::Multipart, _)) => quote!(answer.bytes()),
        None => quote!(()),
    }
}

/// A field of a response variant with fields: the status, the body or a header.
fn decode_field(r: &Response, field: &str) -> TokenStream {
    match field {
        "status" if r.carries_status() => quote!(answer.status_code()),
        "body" if r.body.is_some() => decode_body(r),
        _ => {
            let header = r.headers.iter().find(|h| ident(&h.rust_name) == field);
            match header {
                Some(h) if matches!(h.ty, TypeRef::Vec(_)) => {
                    let name = &h.name;
                    if h.required {
                        quote!(answer.required_header_list(#name)?)
                    } else {
                        quote!(answer.header_list(#name))
                    }
                }
                Some(h) if h.required => {
                    let name = &h.name;
                    quote!(answer.required_header(#name)?)
                }
                Some(h) => {
                    let name = &h.name;
                    quote!(answer.header(#name))
                }
                None => quote!(::std::default::Default::default()),
            }
        }
    }
}
/// A query or header parameter's value as one text: from `params.<field>`, or from a `value`
/// binding (`bound`) that already refers to the present value of an optional parameter.
fn param_text(p: &Param, bound: bool) -> TokenStream {
    let field = ident(&p.rust_name);
    let separator = match p.style {
        ParamStyle::SpaceDelimited => " ",
        ParamStyle::PipeDelimited => "|",
        _ => ",",
    };
    match (&p.ty, bound) {
        (TypeRef::Vec(inner), true) => join_text(quote!(value), inner, separator),
        (TypeRef::Vec(inner), false) => join_text(quote!(params.#field), inner, separator),
        (other, true) => to_text(quote!(value), other),
        (other, false) => to_text(quote!(&params.#field), other),
    }
}

/// An array written as one comma-separated text (a header, or a query without `explode`);
/// `value` is an expression with `.iter()`.
fn join_text(value: TokenStream, inner: &TypeRef, separator: &str) -> TokenStream {
    // A plain `to_string` is passed by path: a closure around it is `clippy::redundant_closure`.
    let each = match inner {
        TypeRef::DateTime => {
            let text = to_text(quote!(item), inner);
            quote!(|item| #text)
        }
        _ => quote!(::std::string::ToString::to_string),
    };
    quote!(#value.iter().map(#each).collect::<::std::vec::Vec<_>>().join(#separator))
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
