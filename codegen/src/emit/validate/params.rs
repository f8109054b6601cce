//! Parameter checks: once a query, header or cookie parameter has parsed into its type, the
//! keywords of its schema (`minimum`, `maxLength`, `pattern`, `maxItems`, ...) are checked on the
//! typed value, the same rules as in bodies. Every parameter that breaks them is named in one
//! refusal, each with its `x-error-code` when it has one.
//!
//! Strings, numbers, open enums and arrays of them are checked this way; objects and JSON
//! parameters keep their keywords in the docs.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Api, Checks, Operation, Param, TypeKind, TypeRef};

use super::Emitter;
use crate::emit::common::ident;

/// The function that checks `op`'s parameters, when one of them has keywords to check.
pub fn params_check(api: &Api, op: &Operation) -> Option<Ident> {
    let emitter = Emitter::new(api);
    op.params
        .iter()
        .any(|p| emitter.param_ok(p, &quote!(value)).is_some())
        .then(|| params_check_fn(op))
}

fn params_check_fn(op: &Operation) -> Ident {
    format_ident!("params_{}", op.fn_name.trim_start_matches("r#"))
}

impl Emitter<'_> {
    /// Whether `value` (a `&T` of the parameter's type) meets the parameter's keywords; `None`
    /// when it has none the generated code checks.
    fn param_ok(&self, p: &Param, value: &TokenStream) -> Option<TokenStream> {
        if !p.checks.values.is_empty() {
            return None;
        }
        self.param_value_ok(&p.ty, &p.checks, value)
    }

    /// [`Self::param_ok`] for a value of `ty` with `checks`: strings and numbers as in bodies,
    /// an open enum refuses the values the spec does not list (parsing keeps them as `Unknown`),
    /// an array its item count and each item.
    fn param_value_ok(
        &self,
        ty: &TypeRef,
        checks: &Checks,
        value: &TokenStream,
    ) -> Option<TokenStream> {
        match ty {
            TypeRef::String
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::U32
            | TypeRef::U64
            | TypeRef::F64 => self.quick(ty, checks, value),
            TypeRef::Named(name) => match self.api.types.get(name).map(|t| &t.kind) {
                Some(TypeKind::Enum(e)) if !e.closed => {
                    let ty = format_ident!("{}", name);
                    Some(quote!(crate::types::#ty::ALL.contains(#value)))
                }
                _ => None,
            },
            TypeRef::Vec(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                let each = self.param_value_ok(inner, &inner_checks, &quote!(item));
                let count =
                    super::count_ok(quote!(items.len()), checks.min_items, checks.max_items);
                let each = each.map(|each| quote!(items.iter().all(|item| #each)));
                let ok: Vec<TokenStream> = count.into_iter().chain(each).collect();
                (!ok.is_empty()).then(|| quote!({ let items = #value; #(#ok)&&* }))
            }
            _ => None,
        }
    }

    /// `params_<operation>`: the names of the parameters that break their keywords.
    pub(super) fn params_fn(&self, op: &Operation) -> Option<TokenStream> {
        let params_type = format_ident!("{}", op.params_type()?);
        let checks: Vec<TokenStream> = op
            .params
            .iter()
            .filter_map(|p| {
                let field = ident(&p.rust_name);
                let name = &p.name;
                let ok = self.param_ok(p, &quote!(value))?;
                Some(if p.required {
                    quote! {
                        let value = &params.#field;
                        if !(#ok) {
                            invalid.push(#name);
                        }
                    }
                } else {
                    quote! {
                        if let ::std::option::Option::Some(value) = &params.#field && !(#ok) {
                            invalid.push(#name);
                        }
                    }
                })
            })
            .collect();
        if checks.is_empty() {
            return None;
        }
        let name = params_check_fn(op);
        let doc = crate::emit::common::doc_text(&format!(
            "Refuses `{}`'s parameters that break their schema's keywords, naming each.",
            op.id
        ));
        Some(quote! {
            #doc
            pub(crate) fn #name(
                params: &crate::params::#params_type,
            ) -> ::std::result::Result<(), ::specfirst_runtime::server::Failure> {
                let mut invalid = ::std::vec::Vec::new();
                #(#checks)*
                if invalid.is_empty() {
                    ::std::result::Result::Ok(())
                } else {
                    ::std::result::Result::Err(::specfirst_runtime::server::Failure::InvalidParams(invalid))
                }
            }
        })
    }
}
