//! `document.rs`: the OpenAPI document the crate was generated from (YAML, JSON and an HTML
//! reference, written beside it by [`crate::document`]), and the table of operations the router
//! serves, so a service can publish its contract and name each request's operation.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Api;

pub fn document_module(api: &Api) -> TokenStream {
    let operations = api.operations.iter().map(|op| {
        let (id, method, route) = (&op.id, op.method.as_str(), &op.route);
        quote!(Operation { id: #id, method: #method, route: #route })
    });
    quote! {
        /// One operation: its id, method and route (also on every answer as an extension).
        pub use ::specfirst_runtime::operation::Operation;

        /// The OpenAPI document this crate was generated from, as YAML: the document itself when
        /// it was written in YAML, otherwise the same tree converted.
        pub const OPENAPI_YAML: &str = ::std::include_str!("document/openapi.yaml");
        /// The OpenAPI document this crate was generated from, as JSON: the document itself when
        /// it was written in JSON, otherwise the same tree converted.
        pub const OPENAPI_JSON: &str = ::std::include_str!("document/openapi.json");
        /// An API reference rendered from the document: one HTML page with its styles inline that
        /// loads nothing from anywhere else, so it reads the same offline.
        pub const REFERENCE_HTML: &str = ::std::include_str!("document/reference.html");

        /// Every operation the router serves, in the document's order.
        pub const OPERATIONS: &[Operation] = &[#(#operations),*];

        /// The operation that answers `method` on the matched route template `route`. Operations
        /// whose paths differ only inside one segment (`/files/{name}.json`, `/files/{name}.xml`)
        /// share a route, and this names the first; every answer also carries its operation as
        /// a response extension, which is exact.
        pub fn operation(method: &str, route: &str) -> ::std::option::Option<&'static Operation> {
            ::specfirst_runtime::operation::find(OPERATIONS, method, route)
        }
    }
}
