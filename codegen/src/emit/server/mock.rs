//! `mock.rs` (behind the server crate's `mock` feature): a `Mock` that implements the generated
//! `Api` trait from the spec's examples, steered per request by `Prefer`, with a setter per
//! operation to script its answers in Rust. The bodies are embedded as JSON text the generator
//! checked against their types (see [`crate::mock`]), and decoded into the response enums'
//! typed variants.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::mock::{self as answers, Pick};
use crate::model::{Api, BodyMedia, Checks, Operation, Response, StatusMatch};

use super::super::common::{Payload, ident, payload, rust_type};

/// How many generated values each status with a body embeds for `Prefer: dynamic=true`
/// (`seed=N` picks value `N % DYNAMIC_VALUES`).
pub const DYNAMIC_VALUES: u64 = 8;

pub fn mock_module(api: &Api) -> TokenStream {
    let types = quote!(crate::types);
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    let mut aliases = Vec::new();
    let mut methods = Vec::new();
    let mut answer_fns = Vec::new();
    let mut listing = String::new();
    for op in &api.operations {
        let name = ident(&op.fn_name);
        let bare = op.fn_name.trim_start_matches("r#");
        let script = format_ident!("{}Script", op.type_stem);
        let setter = format_ident!("on_{}", bare);
        let answer_fn = format_ident!("{}_answer", bare);
        let response = format_ident!("{}Response", op.type_stem);
        let row = super::table_row(op);
        let args = method_args(op, &types);
        let arg_names: Vec<_> = args.iter().map(|(n, _)| n.clone()).collect();
        let arg_types: Vec<_> = args.iter().map(|(_, t)| t.clone()).collect();
        let params: Vec<_> = args.iter().map(|(n, t)| quote!(#n: #t)).collect();
        let default = answers::default_status(op).unwrap_or(200);
        let statuses = op
            .responses
            .iter()
            .map(status_text)
            .collect::<Vec<_>>()
            .join(", ");
        listing.push_str(&format!(
            "\n- `{} {}` (`{}`): {}",
            op.method.as_str(),
            op.path,
            op.id,
            statuses
        ));
        let alias_doc = format!(
            " A scripted answer for `{}`: called with the method's arguments instead of the spec's examples.",
            op.id
        );
        aliases.push(quote! {
            #[doc = #alias_doc]
            pub type #script = ::std::boxed::Box<
                dyn Fn(#(#arg_types),*) -> crate::responses::#response + ::std::marker::Send + ::std::marker::Sync,
            >;
        });
        fields.push(quote!(#name: ::std::option::Option<#script>,));
        let setter_doc = format!(
            " Answers `{}` with `script` instead of the spec's examples (the request is still read and refused as by the real server first).",
            op.id
        );
        setters.push(quote! {
            #[doc = #setter_doc]
            pub fn #setter(
                mut self,
                script: impl Fn(#(#arg_types),*) -> crate::responses::#response + ::std::marker::Send + ::std::marker::Sync + 'static,
            ) -> Self {
                self.#name = ::std::option::Option::Some(::std::boxed::Box::new(script));
                self
            }
        });
        methods.push(quote! {
            async fn #name(&self, #(#params),*) -> crate::responses::#response {
                if let ::std::option::Option::Some(script) = &self.#name {
                    return script(#(#arg_names),*);
                }
                let prefer = ::specfirst_runtime::mock::prefer();
                let answer = match &prefer.invalid {
                    ::std::option::Option::Some(why) => ::std::result::Result::Err(::std::clone::Clone::clone(why)),
                    ::std::option::Option::None => #answer_fn(prefer.code.unwrap_or(#default), &prefer.pick()),
                };
                match answer {
                    ::std::result::Result::Ok(answer) => answer,
                    ::std::result::Result::Err(why) => {
                        let refusal = crate::rejection::#row.answer::<crate::rejection::Errors>(
                            ::specfirst_runtime::server::Failure::InvalidParam(::std::option::Option::Some("Prefer")),
                        );
                        ::specfirst_runtime::mock::replace_answer(refusal, &why);
                        #answer_fn(#default, &::specfirst_runtime::mock::Pick::First)
                            .expect("the first answer of the default status is always there")
                    }
                }
            }
        });
        // Exact statuses before ranges before `default`, as `match` tries them in order.
        let mut ordered: Vec<&Response> = op.responses.iter().collect();
        ordered.sort_by_key(|r| match r.status {
            StatusMatch::Code(_) => 0,
            StatusMatch::Range(_) => 1,
            StatusMatch::Default => 2,
        });
        let arms = ordered
            .into_iter()
            .map(|r| answer_arm(api, op, r, &response));
        let catch_all = (!op
            .responses
            .iter()
            .any(|r| r.status == StatusMatch::Default))
        .then(|| {
            quote!(_ => return ::std::result::Result::Err(::specfirst_runtime::mock::undeclared(status, #statuses)),)
        });
        let doc = format!(
            " `{}`'s answer with `status`, as `pick` chooses its body.",
            op.id
        );
        answer_fns.push(quote! {
            #[doc = #doc]
            #[allow(unused_variables)]
            fn #answer_fn(
                status: u16,
                pick: &::specfirst_runtime::mock::Pick,
            ) -> ::std::result::Result<crate::responses::#response, ::std::string::String> {
                ::std::result::Result::Ok(match status {
                    #(#arms)*
                    #catch_all
                })
            }
        });
    }
    let module_doc = format!(
        " A mock of the API: every operation answers with the spec's example for its first success\n status, steered per request by `Prefer` (`code=404`, `example=name`, `dynamic=true`,\n `seed=N`), or with what a script set by `on_{{operation}}` returns. Requests are read and\n refused by the generated router, as by the real server; any bearer token is accepted.\n\n A `Prefer` the operation cannot meet (a status it does not declare, an example it lacks)\n is answered with the operation's refusal of an invalid header parameter (target `Prefer`),\n and the reason in the `x-mock-refusal` header. `dynamic=true` answers with one of {DYNAMIC_VALUES}\n values generated from the schema (`seed` picks which); an error status keeps the error\n model's body.\n\n Operations and the statuses they declare:\n{listing}"
    );
    let module_doc = module_doc.lines().map(|l| {
        let l = if l.is_empty() || l.starts_with(' ') {
            l.to_owned()
        } else {
            format!(" {l}")
        };
        quote!(#![doc = #l])
    });
    quote! {
        #(#module_doc)*

        pub use ::specfirst_runtime::mock::{AnyToken, Pick, Prefer, Running};

        #(#aliases)*

        /// The mock: [`crate::Api`] answered from the spec. Build it with [`Mock::default`],
        /// script operations with the `on_` setters, then [`Mock::start`] it or take its
        /// [`Mock::router`].
        #[derive(Default)]
        pub struct Mock {
            #(#fields)*
        }

        impl Mock {
            #(#setters)*

            /// The generated router over this mock, with any bearer token admitted and `Prefer`
            /// read from each request.
            pub fn router(self) -> ::axum::Router {
                crate::router(self, AnyToken).layer(::axum::middleware::from_fn(::specfirst_runtime::mock::steer))
            }

            /// Serves the mock on `127.0.0.1` at a free port in the current tokio runtime; the
            /// answer's `base_url` is for the client. Dropping it stops the server.
            pub async fn start(self) -> ::std::io::Result<Running> {
                ::specfirst_runtime::mock::serve(
                    self.router(),
                    ::std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                )
                .await
            }
        }

        /// [`Mock::start`] with every operation answered from the spec.
        pub async fn start() -> ::std::io::Result<Running> {
            Mock::default().start().await
        }

        impl crate::Api for Mock {
            type Caller = ::std::string::String;

            #(#methods)*
        }

        #(#answer_fns)*
    }
}

/// The arguments of an operation's trait method, with the mock's caller type.
fn method_args(op: &Operation, types: &TokenStream) -> Vec<(proc_macro2::Ident, TokenStream)> {
    let mut args = Vec::new();
    if op.security.any {
        args.push((
            format_ident!("caller"),
            if op.security.required {
                quote!(::std::string::String)
            } else {
                quote!(::std::option::Option<::std::string::String>)
            },
        ));
    }
    for p in &op.path_params {
        args.push((ident(&p.rust_name), rust_type(&p.ty, types)));
    }
    if let Some(params) = op.params_type() {
        let params = format_ident!("{}", params);
        args.push((format_ident!("params"), quote!(crate::params::#params)));
    }
    if let Some(body) = &op.body {
        let ty = super::super::bodies::body_type(op, body, types);
        args.push((
            format_ident!("body"),
            if body.required {
                ty
            } else {
                quote!(::std::option::Option<#ty>)
            },
        ));
    }
    args
}

fn status_text(r: &Response) -> String {
    match r.status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(c) => format!("{c}XX"),
        StatusMatch::Default => "default".to_owned(),
    }
}

fn answer_arm(
    api: &Api,
    op: &Operation,
    r: &Response,
    response: &proc_macro2::Ident,
) -> TokenStream {
    let pattern = match r.status {
        StatusMatch::Code(c) => quote!(#c),
        StatusMatch::Range(h) => {
            let (lo, hi) = (h * 100, h * 100 + 99);
            quote!(#lo..=#hi)
        }
        StatusMatch::Default => quote!(_),
    };
    let variant = format_ident!("{}", r.variant);
    let json = |v: &serde_json::Value| v.to_string();
    let (prelude, body) = match &r.body {
        None => (quote!(pick.no_body()?;), None),
        Some((media, ty)) => {
            let first = answers::body(api, op, r, &Pick::Example)
                .ok()
                .flatten()
                .map(|v| json(&v))
                .unwrap_or_else(|| "null".to_owned());
            let named = r.examples.iter().filter_map(|e| {
                let name = e.name.as_deref()?;
                let text = json(&e.value);
                Some(quote!((#name, #text)))
            });
            // The error model's body stays the operation's code and message when dynamic.
            let error_body = api
                .error_model
                .as_ref()
                .is_some_and(|m| *ty == crate::model::TypeRef::Named(m.schema.clone()));
            let seeds = if error_body { 0 } else { DYNAMIC_VALUES };
            let generated = (0..seeds).filter_map(|seed| {
                let v = answers::body(api, op, r, &Pick::Dynamic(seed))
                    .ok()
                    .flatten()?;
                let fits = match media {
                    BodyMedia::Json(_) => answers::fits(api, ty, &Checks::default(), &v).is_ok(),
                    _ => v.is_string(),
                };
                fits.then(|| json(&v))
            });
            let decoded = match media {
                BodyMedia::Binary(_) | BodyMedia::Multipart => {
                    quote!(
                        ::specfirst_runtime::mock::decode::<::std::string::String>(text)
                            .into_bytes()
                    )
                }
                _ => quote!(::specfirst_runtime::mock::decode(text)),
            };
            let decoded = match (&r.content_enum, r.alternatives.first()) {
                (Some(name), Some(alt)) => {
                    let name = format_ident!("{}", name);
                    let alt = format_ident!("{}", alt.variant);
                    quote!(crate::bodies::#name::#alt(#decoded))
                }
                _ => decoded,
            };
            (
                quote!(let text = pick.body(#first, &[#(#named),*], &[#(#generated),*])?;),
                Some(decoded),
            )
        }
    };
    let value = match payload(r, &quote!(crate::types), &quote!(::http::StatusCode)) {
        Payload::Unit => quote!(crate::responses::#response::#variant),
        Payload::Body(_) => quote!(crate::responses::#response::#variant(#body)),
        Payload::Fields(fields) => {
            let inits = fields.iter().map(|(n, _, _)| {
                let name = n.to_string();
                if name == "status" && r.carries_status() {
                    quote!(#n: ::http::StatusCode::from_u16(status).unwrap_or(::http::StatusCode::INTERNAL_SERVER_ERROR))
                } else if name == "body" && body.is_some() {
                    quote!(#n: #body)
                } else {
                    let h = r.headers.iter().find(|h| ident(&h.rust_name) == *n);
                    let text = h
                        .map(|h| json(&answers::header(api, h, 0)))
                        .unwrap_or_else(|| "null".to_owned());
                    quote!(#n: ::specfirst_runtime::mock::decode(#text))
                }
            });
            quote!(crate::responses::#response::#variant { #(#inits),* })
        }
    };
    quote!(#pattern => { #prelude #value })
}
