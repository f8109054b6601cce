//! `rejection.rs`: the refusal policy in one place. One row per operation gives, for each way a
//! request can fail before the implementation sees it, the status and error code its spec
//! names; `Errors` writes the spec's error body for them.

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, ErrorModel, Operation, Rejection};

use super::super::common::ident;
use super::super::render;
use super::table_row;

/// Pieces of `rejection.rs`: the error body, then one table of refusals per operation.
pub fn rejection_module(api: &Api, range: Range<usize>) -> TokenStream {
    let head = || {
        let body = match &api.error_model {
            Some(model) => spec_error_body(model),
            None => builtin_error_body(),
        };
        quote! {
            use ::specfirst_runtime::server::{Detail, ErrorBody, Refusal, Refusals};

            #body
        }
    };
    render::head_and_items(range, head, api.operations.iter(), |op| row(api, op))
}

fn refusal(r: &Rejection) -> TokenStream {
    let status = r.status;
    let code = &r.code;
    quote!(Refusal::new(#status, #code))
}

fn row(api: &Api, op: &Operation) -> TokenStream {
    let rj = &op.rejections;
    let name = table_row(op);
    let doc = format!(
        " How `{}` refuses requests its implementation never sees.",
        op.id
    );
    let not_acceptable = match &rj.not_acceptable {
        Some(r) => {
            let r = refusal(r);
            quote!(::std::option::Option::Some(#r))
        }
        None => quote!(::std::option::Option::None),
    };
    let [missing, invalid, path, params, body, media, large] = [
        &rj.missing_credentials,
        &rj.invalid_credentials,
        &rj.invalid_path,
        &rj.invalid_params,
        &rj.invalid_body,
        &rj.unsupported_media,
        &rj.too_large,
    ]
    .map(refusal);
    let invalid_field = api
        .error_model
        .as_ref()
        .map_or("InvalidValue", |m: &ErrorModel| m.invalid_field.as_str());
    let field_codes = op
        .body
        .iter()
        .flat_map(|b| b.field_codes.iter())
        .map(|(field, code)| quote!((#field, #code)));
    let param_codes = op
        .params
        .iter()
        .filter_map(|p| p.error_code.as_ref().map(|code| (&p.name, code)))
        .map(|(name, code)| quote!((#name, #code)));
    let (op_id, op_method, op_route) = (&op.id, op.method.as_str(), &op.route);
    quote! {
        #[doc = #doc]
        pub(crate) const #name: Refusals = Refusals {
            operation: ::specfirst_runtime::operation::Operation {
                id: #op_id,
                method: #op_method,
                route: #op_route,
            },
            not_acceptable: #not_acceptable,
            missing_credentials: #missing,
            invalid_credentials: #invalid,
            invalid_path: #path,
            invalid_params: #params,
            invalid_body: #body,
            unsupported_media_type: #media,
            too_large: #large,
            invalid_field: #invalid_field,
            field_codes: &[#(#field_codes),*],
            param_codes: &[#(#param_codes),*],
        };
    }
}

fn spec_error_body(m: &ErrorModel) -> TokenStream {
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
    let (detail_list, details_param) = if m.details_field.is_some() {
        (
            quote!(let details = details.into_iter().map(|d| error_object(d.code, d.target, ::std::vec::Vec::new())).collect();),
            quote!(details: ::std::vec::Vec<crate::types::#error_type>),
        )
    } else {
        (
            quote!(let _ = details;),
            quote!(_details: ::std::vec::Vec<crate::types::#error_type>),
        )
    };
    let target_binding = if m.target_field.is_some() {
        quote!(target_value)
    } else {
        quote!(_target)
    };
    quote! {
        /// The spec's error body (`x-error-model`), for the answers the router gives by itself.
        pub(crate) struct Errors;

        impl ErrorBody for Errors {
            fn refuse(status: ::http::StatusCode, code: &'static str, details: ::std::vec::Vec<Detail>) -> ::axum::response::Response {
                #detail_list
                let body = crate::types::#schema { #error_field: #error_value };
                ::specfirst_runtime::server::error_json(status, &body)
            }

            fn internal_error() -> ::axum::response::Response {
                Self::refuse(::http::StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", ::std::vec::Vec::new())
            }
        }

        /// One error object, with the code's standard message.
        fn error_object(code: &str, #target_binding: ::std::option::Option<::std::string::String>, #details_param) -> crate::types::#error_type {
            let code = crate::types::#codes::from(code);
            let message = ::std::borrow::ToOwned::to_owned(code.message().unwrap_or_default());
            crate::types::#error_type {
                #code_field: #code_value,
                #message_field: #message_value,
                #target
                #details
            }
        }
    }
}

fn builtin_error_body() -> TokenStream {
    quote! {
        // This spec names no error schema (`x-error-model`), so refusals use a plain
        // `{"error": {"code", "message", "target", "details"}}` body.
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
                "NotAcceptable" => "The Accept header admits no media type this operation answers with.",
                "NotFound" => "No operation has this path.",
                "MethodNotAllowed" => "The path has no operation for this method.",
                _ => "The server could not complete the request.",
            }
        }

        /// A plain `{"error": ...}` body, for the answers the router gives by itself.
        pub(crate) struct Errors;

        impl ErrorBody for Errors {
            fn refuse(status: ::http::StatusCode, code: &'static str, details: ::std::vec::Vec<Detail>) -> ::axum::response::Response {
                let details = details
                    .into_iter()
                    .map(|d| ErrorObject { code: d.code, message: message(d.code), target: d.target, details: ::std::vec::Vec::new() })
                    .collect();
                let body = Body { error: ErrorObject { code, message: message(code), target: ::std::option::Option::None, details } };
                ::specfirst_runtime::server::error_json(status, &body)
            }

            fn internal_error() -> ::axum::response::Response {
                Self::refuse(::http::StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", ::std::vec::Vec::new())
            }
        }
    }
}
