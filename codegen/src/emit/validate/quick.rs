//! Quick checks: the same rules as the located checks, on the typed value serde decoded, so a
//! valid body is read in one pass (decode, then check the Rust value) instead of being parsed
//! into a `serde_json::Value`, walked, and decoded again.
//!
//! A quick check only answers "valid or not"; a body it refuses is read again the slow way for
//! its located problems, so what a client is told never depends on which path ran. It must
//! therefore pass exactly the bodies the located check passes (and serde decodes). That holds
//! only where the typed value still shows everything the check reads, so a type has a quick check
//! only when all it contains is:
//! - strings, booleans, integers, `f64` numbers, any-JSON values, string enums (an unlisted value
//!   is the `Unknown` variant), arrays without `uniqueItems`, maps, aliases;
//! - structs without `additionalProperties` schemas, property counts or flattened unions (a typed
//!   struct forgets the keys it ignores).
//!
//! Dates, date-times and UUIDs are left out (chrono and uuid accept spellings their formats do
//! not), as are `f32` (rounding moves a bound), unions (serde takes the first member that fits,
//! `oneOf` needs exactly one) and raw bytes. The runtime only takes the quick path for bodies
//! without a `null`: a typed `Option` cannot tell a `null` from an absent property.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Checks, Operation, TypeKind, TypeRef};

use super::Emitter;
use crate::emit::common::{ident, rust_type};

/// The quick check function of a named type.
pub fn quick_type_fn(name: &str) -> proc_macro2::Ident {
    format_ident!("quick_{}", name)
}

/// Whether types have a quick check, decided once per type (a type that contains itself is
/// assumed to while it is being decided).
#[derive(Default)]
pub struct Quickness {
    known: BTreeMap<String, bool>,
}

impl Quickness {
    /// The named types whose quick checks the quick body checks call, in name order.
    pub fn used(&mut self, emitter: &Emitter<'_>) -> std::collections::BTreeSet<String> {
        let mut stack: Vec<TypeRef> = Vec::new();
        for op in &emitter.api.operations {
            if let Some(b) = &op.body
                && matches!(b.media, crate::model::BodyMedia::Json(_))
                && self.of(emitter, &b.ty, &b.checks)
            {
                stack.push(b.ty.clone());
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        while let Some(ty) = stack.pop() {
            match ty {
                TypeRef::Named(name) => {
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    match emitter.api.types.get(&name).map(|t| &t.kind) {
                        Some(TypeKind::Struct(s)) => stack.extend(
                            s.fields
                                .iter()
                                .filter(|f| !f.read_only)
                                .map(|f| f.ty.clone()),
                        ),
                        Some(TypeKind::Alias(inner) | TypeKind::Newtype(inner)) => {
                            stack.push(inner.clone())
                        }
                        _ => {}
                    }
                }
                TypeRef::Vec(inner) | TypeRef::Map(inner) => stack.push(*inner),
                _ => {}
            }
        }
        seen
    }

    pub fn named(&mut self, emitter: &Emitter<'_>, name: &str) -> bool {
        if let Some(&known) = self.known.get(name) {
            return known;
        }
        self.known.insert(name.to_owned(), true);
        let quick = match emitter.api.types.get(name).map(|t| (&t.kind, &t.checks)) {
            Some((TypeKind::Struct(s), checks)) => {
                // A struct that requires itself has no finite values: nothing to check quickly.
                let requires_itself = s.fields.iter().any(|f| {
                    !f.is_option() && !f.read_only && f.ty == TypeRef::Named(name.to_owned())
                });
                // A required read-only field: a body that decoded holds it, and is refused, so
                // only the located check has anything to say.
                let holds_read_only = s.fields.iter().any(|f| f.read_only && !f.is_option());
                !requires_itself
                    && !holds_read_only
                    && s.extra.is_none()
                    && s.unions.is_empty()
                    && checks.min_properties.is_none()
                    && checks.max_properties.is_none()
                    && s.fields
                        .iter()
                        .all(|f| f.read_only || self.of(emitter, &f.ty, &f.checks))
            }
            Some((TypeKind::Enum(_), _)) => true,
            Some((TypeKind::Alias(inner) | TypeKind::Newtype(inner), checks)) => {
                self.of(emitter, inner, checks)
            }
            Some((TypeKind::Union(_) | TypeKind::Tuple(_), _)) | None => false,
        };
        self.known.insert(name.to_owned(), quick);
        quick
    }

    pub fn of(&mut self, emitter: &Emitter<'_>, ty: &TypeRef, checks: &Checks) -> bool {
        // Allowed values of any JSON type are only checked the located way.
        if !checks.values.is_empty() {
            return false;
        }
        match ty {
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::U32
            | TypeRef::U64
            | TypeRef::F64
            | TypeRef::Json => true,
            TypeRef::F32 | TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid | TypeRef::Bytes => {
                false
            }
            TypeRef::Named(name) => self.named(emitter, name),
            TypeRef::Vec(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                !checks.unique_items && self.of(emitter, inner, &inner_checks)
            }
            TypeRef::Map(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                self.of(emitter, inner, &inner_checks)
            }
        }
    }
}

impl Emitter<'_> {
    /// `quick_<Type>`, for a named type that has a quick check.
    pub(super) fn quick_type_fn(
        &self,
        name: &str,
        quickness: &mut Quickness,
    ) -> Option<TokenStream> {
        if !quickness.named(self, name) {
            return None;
        }
        let def = self.api.types.get(name)?;
        let fn_name = quick_type_fn(name);
        let ty = format_ident!("{}", name);
        let doc =
            format!(" Whether a decoded `{name}` passes `check_{name}` (see the module's notes).");
        let body = match &def.kind {
            TypeKind::Struct(s) => {
                let conditions: Vec<TokenStream> = s
                    .fields
                    .iter()
                    .filter_map(|f| {
                        let field = ident(&f.rust_name);
                        let access = if f.boxed {
                            quote!(as_deref)
                        } else {
                            quote!(as_ref)
                        };
                        if f.read_only {
                            // The server sets it; a body that holds it is refused. (A struct
                            // with a required read-only field has no quick check at all.)
                            return Some(quote!(value.#field.is_none()));
                        }
                        if !f.is_option() {
                            let field_value = if f.boxed {
                                quote!(&*value.#field)
                            } else {
                                quote!(&value.#field)
                            };
                            return self.quick(&f.ty, &f.checks, &field_value);
                        }
                        let check = self.quick(&f.ty, &f.checks, &quote!(item));
                        match (f.required, check) {
                            // Required but nullable: without `null` in the body, `None` is absent.
                            (true, Some(check)) => {
                                let check = predicate(check);
                                Some(quote!(value.#field.#access().is_some_and(#check)))
                            }
                            (true, None) => Some(quote!(value.#field.is_some())),
                            (false, Some(check)) => {
                                let check = predicate(check);
                                Some(quote!(value.#field.#access().is_none_or(#check)))
                            }
                            (false, None) => None,
                        }
                    })
                    .collect();
                and(conditions)
            }
            // A closed enum has no value outside the spec's.
            TypeKind::Enum(e) if e.closed => quote!(true),
            TypeKind::Enum(_) => quote!(!::std::matches!(value, crate::types::#ty::Unknown(_))),
            TypeKind::Alias(inner) => self
                .quick(inner, &def.checks, &quote!(value))
                .unwrap_or(quote!(true)),
            TypeKind::Newtype(inner) => self
                .quick(inner, &def.checks, &quote!(&value.0))
                .unwrap_or(quote!(true)),
            TypeKind::Union(_) | TypeKind::Tuple(_) => return None,
        };
        let uses_value = body.to_string().contains("value");
        let param = if uses_value {
            quote!(value)
        } else {
            quote!(_value)
        };
        Some(quote! {
            #[doc = #doc]
            pub(crate) fn #fn_name(#param: &crate::types::#ty) -> bool {
                #body
            }
        })
    }

    /// `quick_body_<operation>`, for a JSON body whose type has a quick check.
    pub(super) fn quick_body_fn(
        &self,
        op: &Operation,
        quickness: &mut Quickness,
    ) -> Option<(proc_macro2::Ident, TokenStream)> {
        let body = op.body.as_ref()?;
        if !quickness.of(self, &body.ty, &body.checks) {
            return None;
        }
        let name = format_ident!("quick_body_{}", op.fn_name.trim_start_matches("r#"));
        let ty = rust_type(&body.ty, &quote!(crate::types));
        // `BodyCheck<Vec<T>>` holds this as a `fn(&Vec<T>) -> bool`, so an array body cannot be
        // taken as the slice `clippy::ptr_arg` asks for.
        let allow = matches!(body.ty, TypeRef::Vec(_)).then(|| quote!(#[allow(clippy::ptr_arg)]));
        let check = self
            .quick(&body.ty, &body.checks, &quote!(value))
            .unwrap_or(quote!(true));
        let param = if check.to_string().contains("value") {
            quote!(value)
        } else {
            quote!(_value)
        };
        let doc = format!(
            " Whether a decoded body of `{}` passes its located check.",
            op.id
        );
        Some((
            name.clone(),
            quote! {
                #[doc = #doc]
                #allow
                pub(crate) fn #name(#param: &#ty) -> bool {
                    #check
                }
            },
        ))
    }

    /// A `bool` expression: whether `value` (a `&T` of `ty`) meets `checks`; `None` when there is
    /// nothing to check.
    pub(super) fn quick(
        &self,
        ty: &TypeRef,
        checks: &Checks,
        value: &TokenStream,
    ) -> Option<TokenStream> {
        match ty {
            TypeRef::String => {
                let ok = self.text_ok(checks)?;
                Some(quote!({ let text: &str = #value; #ok }))
            }
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => {
                let ok = number_ok(checks)?;
                let number = deref(value);
                Some(quote!({ let number = #number as f64; #ok }))
            }
            TypeRef::F64 => {
                let ok = number_ok(checks)?;
                let number = deref(value);
                Some(quote!({ let number = #number; #ok }))
            }
            TypeRef::Named(name) => {
                let f = quick_type_fn(name);
                Some(quote!(#f(#value)))
            }
            TypeRef::Vec(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                let each = self.quick(inner, &inner_checks, &quote!(item));
                let count =
                    super::count_ok(quote!(items.len()), checks.min_items, checks.max_items);
                let each = each.map(|each| {
                    let each = predicate(each);
                    quote!(items.iter().all(#each))
                });
                let ok: Vec<TokenStream> = count.into_iter().chain(each).collect();
                (!ok.is_empty()).then(|| quote!({ let items = #value; #(#ok)&&* }))
            }
            TypeRef::Map(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                let each = self.quick(inner, &inner_checks, &quote!(item));
                let count = super::count_ok(
                    quote!(map.len()),
                    checks.min_properties,
                    checks.max_properties,
                );
                let each = each.map(|each| {
                    let each = predicate(each);
                    quote!(map.values().all(#each))
                });
                let ok: Vec<TokenStream> = count.into_iter().chain(each).collect();
                (!ok.is_empty()).then(|| quote!({ let map = #value; #(#ok)&&* }))
            }
            _ => None,
        }
    }
}

/// The bounds and allowed values of a `number` (an `f64`), as the located check has them.
fn number_ok(checks: &Checks) -> Option<TokenStream> {
    let mut ok = Vec::new();
    if let Some(bounds) = super::bounds_ok(checks) {
        ok.push(bounds);
    }
    if !checks.numbers.is_empty() {
        let allowed = checks.numbers.iter().map(|&n| Literal::f64_suffixed(n));
        ok.push(quote!([#(#allowed),*].contains(&number)));
    }
    (!ok.is_empty()).then(|| quote!(#(#ok)&&*))
}

/// A check of `item` as something to call with it: the function itself when the check is just a
/// call of one (`clippy::redundant_closure`), else a closure.
fn predicate(check: TokenStream) -> TokenStream {
    let tokens: Vec<proc_macro2::TokenTree> = check.clone().into_iter().collect();
    if let [
        proc_macro2::TokenTree::Ident(f),
        proc_macro2::TokenTree::Group(args),
    ] = tokens.as_slice()
        && args.delimiter() == proc_macro2::Delimiter::Parenthesis
        && args.stream().to_string() == "item"
    {
        return quote!(#f);
    }
    quote!(|item| #check)
}

/// The value `value` (a `&T` expression) refers to: `&x.y` is `x.y`, anything else `*value`, so the
/// output has no `*&` (`clippy::deref_addrof`).
fn deref(value: &TokenStream) -> TokenStream {
    let mut tokens = value.clone().into_iter();
    match tokens.next() {
        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&' => tokens.collect(),
        _ => quote!(*#value),
    }
}

fn and(conditions: Vec<TokenStream>) -> TokenStream {
    if conditions.is_empty() {
        return quote!(true);
    }
    // A block first in a function body would be a statement of its own, not an operand; alone,
    // it is the body's value and needs no parentheses (rustc warns about them).
    if conditions.len() == 1 {
        return conditions.into_iter().collect();
    }
    let conditions = conditions.into_iter().map(|c| {
        let block = matches!(c.clone().into_iter().next(), Some(proc_macro2::TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Brace);
        if block { quote!((#c)) } else { c }
    });
    quote!(#(#conditions)&&*)
}
