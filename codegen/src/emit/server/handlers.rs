//! `handlers.rs`: per operation, a few lines that read the request through the runtime's
//! `Incoming` and call the implementation; every refusal goes through the operation's row of the
//! refusal table (`rejection.rs`).

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

use crate::model::{
    Api, BodyMedia, Operation, ParamLocation, ParamShape, ParamStyle, PathRead, PathSegment,
    SegmentPiece, TypeRef, encode_path_text,
};

use super::super::bodies::body_type;
use super::super::common::ident;
use super::super::validate::body_check;
use super::table_row;

pub fn handlers_module(api: &Api) -> TokenStream {
    let (handlers, reads): (Vec<TokenStream>, Vec<bool>) =
        api.operations.iter().map(|op| handler(api, op)).unzip();
    let incoming_import = reads.contains(&true).then(|| quote!(Incoming,));
    let reads_params = api.operations.iter().any(|op| !op.params.is_empty());
    let in_import = reads_params.then(|| quote!(In,));
    quote! {
        use ::std::sync::Arc;

        use ::axum::extract::{Request, State};
        use ::axum::response::Response;
        use ::specfirst_runtime::server::{Authenticator, Failure, #in_import #incoming_import Shared, respond};

        use crate::api::Api;
        use crate::rejection::{self, Errors};

        #(#handlers)*
    }
}

/// One handler, and whether it reads anything from its request.
fn handler(api: &Api, op: &Operation) -> (TokenStream, bool) {
    let name = ident(&op.fn_name);
    let op_id = &op.id;
    let scopes = &op.security.scopes;
    let row = table_row(op);
    let mut reads = Vec::new();

    // Content negotiation first: no other answer suits a client that accepts none of them.
    if op.rejections.not_acceptable.is_some() {
        let produces = produces(api, op);
        reads.push(quote!(request.negotiate(&[#(#produces),*])?;));
    }
    let auth = quote!(&state.auth);
    if op.security.any {
        let read = match (op.security.bearer, op.security.required) {
            (true, true) => quote!(request.bearer(#auth, #op_id, &[#(#scopes),*]).await?),
            (true, false) => quote!(request.optional_bearer(#auth, #op_id, &[#(#scopes),*]).await?),
            (false, true) => quote!(request.credentials(#auth, #op_id, &[#(#scopes),*]).await?),
            (false, false) => {
                quote!(request.optional_credentials(#auth, #op_id, &[#(#scopes),*]).await)
            }
        };
        reads.push(quote!(let caller = #read;));
    }
    // The route may name a parameter as another operation of the same route does.
    for (p, read) in op.path_params.iter().zip(&op.path_reads) {
        let var = local("path", &p.rust_name);
        let value = match read {
            PathRead::Capture(key) if p.shape == ParamShape::List => {
                quote!(request.path_list(#key)?)
            }
            PathRead::Capture(key) => quote!(request.path(#key)?),
            PathRead::Split { segment, nth } => {
                let template = segment_template(op, *segment);
                let segment = proc_macro2::Literal::usize_unsuffixed(*segment);
                let nth = proc_macro2::Literal::usize_unsuffixed(*nth);
                quote!(request.path_in(#segment, &[#(#template),*], #nth)?)
            }
            PathRead::Rest { segment } => {
                let segment = proc_macro2::Literal::usize_unsuffixed(*segment);
                quote!(request.path_rest(#segment)?)
            }
        };
        reads.push(quote!(let #var = #value;));
    }
    if let Some(params_type) = op.params_type() {
        let params_type = format_ident!("{}", params_type);
        let fields = op.params.iter().map(|p| {
            let field = ident(&p.rust_name);
            let name = &p.name;
            let place = match p.location {
                ParamLocation::Query => quote!(In::Query),
                ParamLocation::Cookie => quote!(In::Cookie),
                _ => quote!(In::Header),
            };
            let explode = p.explode;
            let separator = match p.style {
                ParamStyle::SpaceDelimited => Some(' '),
                ParamStyle::PipeDelimited => Some('|'),
                _ => None,
            };
            let optional = match (p.shape, &p.ty, separator) {
                (ParamShape::Json, _, _) => Some(quote!(request.json_param(#place, #name)?)),
                (ParamShape::Object, _, _) => {
                    let style = match p.style {
                        ParamStyle::Simple => quote!(Simple),
                        ParamStyle::DeepObject => quote!(DeepObject),
                        _ => quote!(Form),
                    };
                    let properties = &p.properties;
                    Some(quote!(request.object_param(#place, #name, ::specfirst_runtime::server::Style::#style, #explode, &[#(#properties),*])?))
                }
                (_, TypeRef::Vec(_), Some(separator)) => {
                    Some(quote!(request.delimited_list(#place, #name, #explode, #separator)?))
                }
                _ => None,
            };
            let read = match (optional, &p.ty, p.required) {
                (Some(read), _, true) => {
                    quote!(#read.ok_or(Failure::InvalidParam(::std::option::Option::Some(#name)))?)
                }
                (Some(read), _, false) => read,
                (None, TypeRef::Vec(_), true) => {
                    quote!(request.required_param_list(#place, #name, #explode)?)
                }
                (None, TypeRef::Vec(_), false) => {
                    quote!(request.param_list(#place, #name, #explode)?)
                }
                (None, _, true) => quote!(request.required_param(#place, #name)?),
                (None, _, false) => quote!(request.param(#place, #name)?),
            };
            quote!(#field: #read)
        });
        reads.push(quote!(let params = crate::params::#params_type { #(#fields),* };));
        if let Some(check) = crate::emit::validate::params_check(api, op) {
            reads.push(quote!(crate::validate::#check(&params)?;));
        }
    }
    if let Some(b) = &op.body {
        let read = if b.alternatives.is_empty() {
            let read = read_body(op, &b.media, false);
            match &b.form {
                Some(_) => {
                    let ty = body_type(op, b, &quote!(crate::types));
                    quote!(request.multipart::<#ty>().await?)
                }
                None => read,
            }
        } else {
            // Several media types: the request's `Content-Type` picks the reader.
            let payload = format_ident!("{}Payload", op.type_stem);
            let accepted = b
                .alternatives
                .iter()
                .map(|a| a.media.content_type().to_ascii_lowercase());
            let arms = b.alternatives.iter().enumerate().map(|(i, a)| {
                let i = proc_macro2::Literal::usize_unsuffixed(i);
                let variant = format_ident!("{}", a.variant);
                let read = match &a.form {
                    Some(form) if !form.raw => {
                        let name = format_ident!("{}", form.name);
                        quote!(request.multipart::<crate::bodies::#name>().await?)
                    }
                    Some(_) => quote!(request.multipart::<::specfirst_runtime::multipart::Form>().await?),
                    None => read_body(op, &a.media, true),
                };
                quote!(::std::option::Option::Some(#i) => #read.map(crate::bodies::#payload::#variant),)
            });
            quote! {
                match request.body_media(&[#(#accepted),*]).await? {
                    #(#arms)*
                    _ => ::std::option::Option::None,
                }
            }
        };
        let read = if b.required {
            quote!(#read.ok_or_else(Failure::missing_body)?)
        } else {
            read
        };
        reads.push(quote!(let body = #read;));
    }

    let mut args = Vec::new();
    if op.security.any {
        args.push(quote!(caller));
    }
    for p in &op.path_params {
        args.push(local("path", &p.rust_name).into_token_stream());
    }
    if op.params_type().is_some() {
        args.push(quote!(params));
    }
    if op.body.is_some() {
        args.push(quote!(body));
    }
    let mutable = (!op.params.is_empty() || op.body.is_some()).then(|| quote!(mut));
    // An operation that reads nothing from its request does not take it apart.
    let (request, incoming) = if reads.is_empty() {
        (quote!(_request), quote!())
    } else {
        (
            quote!(request),
            quote!(let #mutable request = Incoming::new(request, &state.config).await;),
        )
    };
    let doc = format!(" `{} {}` (`{}`).", op.method.as_str(), op.path, op.id);
    let tokens = quote! {
        #[doc = #doc]
        pub(crate) async fn #name<A, Au>(State(state): State<Arc<Shared<A, Au>>>, #request: Request) -> Response
        where
            A: Api,
            Au: Authenticator<Caller = A::Caller>,
        {
            let handling = async {
                #incoming
                #(#reads)*
                ::std::result::Result::Ok::<_, Failure>(state.api.#name(#(#args),*).await)
            };
            respond::<Errors, _>(&rejection::#row, handling).await
        }
    };
    (tokens, !reads.is_empty())
}

/// The reader of a body of one media type (`chosen`: the handler already matched its
/// `Content-Type` among several).
fn read_body(op: &Operation, media: &BodyMedia, chosen: bool) -> TokenStream {
    match media {
        BodyMedia::Json(_) => {
            let check = body_check(op);
            quote!(request.json(&crate::validate::#check).await?)
        }
        BodyMedia::Form => quote!(request.form().await?),
        BodyMedia::Text(media) => {
            let media = media.to_ascii_lowercase();
            quote!(request.text(#media).await?)
        }
        BodyMedia::Binary(media) if chosen => {
            let media = media.to_ascii_lowercase();
            quote!(request.binary_of(#media).await?)
        }
        BodyMedia::Binary(_) => quote!(request.binary().await?),
        BodyMedia::Multipart => {
            quote!(
                request
                    .multipart::<::specfirst_runtime::multipart::Form>()
                    .await?
            )
        }
    }
}

/// The media types the operation answers with, lower case so the runtime compares them without
/// allocating.
fn produces(api: &Api, op: &Operation) -> Vec<String> {
    let mut produces: Vec<String> = op
        .responses
        .iter()
        .flat_map(|r| {
            r.body
                .iter()
                .map(|(media, _)| media)
                .chain(r.alternatives.iter().map(|a| &a.media))
                .map(|media| media.content_type().to_ascii_lowercase())
        })
        .collect();
    if api.error_model.is_some() || produces.is_empty() {
        produces.push("application/json".to_owned());
    }
    produces.sort_unstable();
    produces.dedup();
    produces
}

/// The handler's local variable for a path parameter: prefixed, so a parameter named like one of
/// the handler's own variables (`state`, `request`, `body`...) cannot shadow it.
fn local(place: &str, rust_name: &str) -> proc_macro2::Ident {
    format_ident!("{place}_{}", rust_name.trim_start_matches("r#"))
}

/// The runtime's template of the path segment at `index`: its literal text percent-encoded as the
/// client sends it, and a `Piece::Param` for each parameter.
pub fn segment_template(op: &Operation, index: usize) -> Vec<TokenStream> {
    let text = |t: &str| {
        let t = encode_path_text(t);
        quote!(::specfirst_runtime::server::Piece::Text(#t))
    };
    match op.segments.get(index) {
        Some(PathSegment::Template(pieces)) => pieces
            .iter()
            .map(|p| match p {
                SegmentPiece::Text(t) => text(t),
                SegmentPiece::Param(_) => quote!(::specfirst_runtime::server::Piece::Param),
            })
            .collect(),
        Some(PathSegment::Text(t)) => vec![text(t)],
        _ => vec![quote!(::specfirst_runtime::server::Piece::Param)],
    }
}
