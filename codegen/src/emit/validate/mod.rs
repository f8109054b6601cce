//! The server's request body validation: one function per JSON body and per named type a body
//! can contain, walking the decoded JSON and recording every value that breaks the schema
//! (wrong type, missing or unknown property, read-only property, enum value, length, pattern,
//! format, bounds, item counts), each with where it is.
//!
//! Validation runs on a `serde_json::Value` before the typed decode, so one request with three
//! problems gets three details rather than serde's first error.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Api, BodyMedia, Checks, Operation, Pattern, TextFormat, TypeKind, TypeRef};

use super::common::{doc_text, rust_type};

mod params;
mod quick;

pub use params::params_check;
use quick::Quickness;

/// `validate.rs`.
pub fn validate_module(api: &Api) -> TokenStream {
    let emitter = Emitter::new(api);
    let mut quickness = Quickness::default();
    let bodies: Vec<TokenStream> = api
        .operations
        .iter()
        .filter_map(|op| emitter.body_fn(op, &mut quickness))
        .collect();
    let params: Vec<TokenStream> = api
        .operations
        .iter()
        .filter_map(|op| emitter.params_fn(op))
        .collect();
    let reachable = reachable(api);
    let types: Vec<TokenStream> = reachable
        .iter()
        .filter_map(|name| emitter.type_fn(name))
        .collect();
    let quick_types: Vec<TokenStream> = quickness
        .used(&emitter)
        .iter()
        .filter_map(|name| emitter.quick_type_fn(name, &mut quickness))
        .collect();
    let patterns = emitter.patterns.borrow();
    let statics = patterns.iter().map(|(pattern, index)| {
        let name = format_ident!("PATTERN_{}", index);
        let doc = if pattern.ecma == pattern.regex {
            format!(" `{}`, compiled on first use.", pattern.ecma)
        } else {
            format!(
                " `{}`, in the regex crate's syntax with ECMA-262's meaning; compiled on first use.",
                pattern.ecma
            )
        };
        let regex = &pattern.regex;
        quote! {
            #[doc = #doc]
            static #name: ::std::sync::LazyLock<::std::option::Option<::regex::Regex>> =
                ::std::sync::LazyLock::new(|| ::regex::Regex::new(#regex).ok());
        }
    });
    quote! {
        //! Request validation generated from the spec's schemas: every problem in a body is
        //! found, not only the first, and every parameter that breaks its keywords is named.
        // Functions are named after the schemas (`check_CreateWebhook`).
        #![allow(non_snake_case)]

        #[allow(unused_imports)]
        use ::specfirst_runtime::server::validate::{BodyCheck, Problems};

        #(#statics)*
        #(#bodies)*
        #(#params)*
        #(#types)*
        #(#quick_types)*
    }
}

/// The named types reachable from JSON request bodies, in name order.
fn reachable(api: &Api) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<TypeRef> = api
        .operations
        .iter()
        .filter_map(|op| op.body.as_ref())
        .filter(|b| matches!(b.media, BodyMedia::Json(_)))
        .map(|b| b.ty.clone())
        .collect();
    while let Some(ty) = stack.pop() {
        match ty {
            TypeRef::Named(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                match api.types.get(&name).map(|t| &t.kind) {
                    Some(TypeKind::Struct(s)) => {
                        // A read-only field is only checked for absence, never descended into.
                        stack.extend(
                            s.fields
                                .iter()
                                .filter(|f| !f.read_only)
                                .map(|f| f.ty.clone()),
                        );
                        stack.extend(s.extra.iter().cloned());
                        stack.extend(s.unions.iter().map(|u| u.ty.clone()));
                    }
                    Some(TypeKind::Union(u)) => {
                        stack.extend(u.variants.iter().map(|v| v.ty.clone()))
                    }
                    Some(TypeKind::Tuple(items)) => {
                        stack.extend(items.iter().map(|i| i.ty.clone()))
                    }
                    Some(TypeKind::Alias(inner) | TypeKind::Newtype(inner)) => {
                        stack.push(inner.clone())
                    }
                    Some(TypeKind::Enum(_)) | None => {}
                }
            }
            TypeRef::Vec(inner) | TypeRef::Map(inner) => stack.push(*inner),
            _ => {}
        }
    }
    seen
}

/// The check function of a named type.
pub fn type_check_fn(name: &str) -> proc_macro2::Ident {
    format_ident!("check_{}", name)
}

/// How an operation's JSON request body is checked (a `BodyCheck` constant).
pub fn body_check(op: &Operation) -> proc_macro2::Ident {
    format_ident!(
        "BODY_{}",
        op.fn_name.trim_start_matches("r#").to_ascii_uppercase()
    )
}

/// The located check function of an operation's request body.
fn body_check_fn(op: &Operation) -> proc_macro2::Ident {
    format_ident!("body_{}", op.fn_name.trim_start_matches("r#"))
}

struct Emitter<'a> {
    api: &'a Api,
    /// Pattern → its static's number; shared by every use of the same pattern.
    patterns: RefCell<BTreeMap<Pattern, usize>>,
}

impl<'a> Emitter<'a> {
    fn new(api: &'a Api) -> Self {
        Emitter {
            api,
            patterns: RefCell::new(BTreeMap::new()),
        }
    }
}

impl Emitter<'_> {
    fn body_fn(&self, op: &Operation, quickness: &mut Quickness) -> Option<TokenStream> {
        let body = op.body.as_ref()?;
        if !matches!(body.media, BodyMedia::Json(_)) {
            return None;
        }
        let constant = body_check(op);
        let name = body_check_fn(op);
        let ty = rust_type(&body.ty, &quote!(crate::types));
        let check = self.check(&body.ty, &body.checks, &quote!(value));
        let doc = doc_text(&format!("How the request body of `{}` is checked.", op.id));
        let located_doc = doc_text(&format!(
            "Every problem in the request body of `{}`, located.",
            op.id
        ));
        let notes = body.checks.unchecked.iter().map(|n| doc_text(n));
        let (quick, quick_fn) = match self.quick_body_fn(op, quickness) {
            Some((name, item)) => (quote!(::std::option::Option::Some(#name)), item),
            None => (quote!(::std::option::Option::None), quote!()),
        };
        Some(quote! {
            #doc
            pub(crate) const #constant: BodyCheck<#ty> = BodyCheck { located: #name, quick: #quick };

            #located_doc
            #(#notes)*
            fn #name(value: &::serde_json::Value, problems: &mut Problems) {
                #check
            }

            #quick_fn
        })
    }

    fn type_fn(&self, name: &str) -> Option<TokenStream> {
        let def = self.api.types.get(name)?;
        let fn_name = type_check_fn(name);
        let doc = doc_text(&format!("A `{name}` ({}).", def.pointer));
        let notes = def.checks.unchecked.iter().map(|n| doc_text(n));
        let body = match &def.kind {
            TypeKind::Struct(s) => {
                let mut notes: Vec<TokenStream> =
                    def.checks.unchecked.iter().map(|n| doc_text(n)).collect();
                let fields = s.fields.iter().map(|f| {
                    notes.extend(f.checks.unchecked.iter().map(|n| doc_text(n)));
                    let json = &f.json_name;
                    if f.read_only {
                        // The server sets it; a client that sends it is mistaken.
                        return quote! {
                            if object.contains_key(#json) {
                                problems.field(#json, |problems| problems.here());
                            }
                        };
                    }
                    let check = self.check(&f.ty, &f.checks, &quote!(value));
                    let check_field = quote!(problems.field(#json, |problems| { #check }));
                    match (f.required, f.nullable) {
                        (true, nullable) => {
                            let null = nullable.then(|| quote!(::std::option::Option::Some(::serde_json::Value::Null) => {}));
                            quote! {
                                match object.get(#json) {
                                    #null
                                    ::std::option::Option::Some(value) => #check_field,
                                    ::std::option::Option::None => problems.field(#json, |problems| problems.here()),
                                }
                            }
                        }
                        (false, true) => quote! {
                            if let ::std::option::Option::Some(value) = object.get(#json) && !value.is_null() {
                                #check_field;
                            }
                        },
                        (false, false) => quote! {
                            if let ::std::option::Option::Some(value) = object.get(#json) {
                                #check_field;
                            }
                        },
                    }
                }).collect::<Vec<_>>();
                let known: Vec<&str> = s.fields.iter().map(|f| f.json_name.as_str()).collect();
                let others = match (&s.extra, s.deny_unknown) {
                    (Some(extra), _) => {
                        let check = self.check(extra, &Checks::default(), &quote!(value));
                        Some(quote! {
                            for (key, value) in object {
                                if ![#(#known),*].contains(&key.as_str()) {
                                    problems.field(key, |problems| { #check });
                                }
                            }
                        })
                    }
                    (None, true) => Some(quote! {
                        for key in object.keys() {
                            if ![#(#known),*].contains(&key.as_str()) {
                                problems.field(key, |problems| problems.here());
                            }
                        }
                    }),
                    (None, false) => None,
                };
                let count = count_ok(
                    quote!(object.len()),
                    def.checks.min_properties,
                    def.checks.max_properties,
                )
                .map(|ok| quote!(if !(#ok) { problems.here(); }));
                // The unions the object also is read the whole object.
                let unions = s.unions.iter().map(|u| {
                    let f = match &u.ty {
                        TypeRef::Named(n) => type_check_fn(n),
                        _ => return quote!(),
                    };
                    quote!(#f(value, problems);)
                });
                return Some(quote! {
                    #doc
                    #(#notes)*
                    pub(crate) fn #fn_name(value: &::serde_json::Value, problems: &mut Problems) {
                        let ::std::option::Option::Some(object) = ::specfirst_runtime::server::validate::object(value, problems) else { return };
                        #count
                        #(#fields)*
                        #others
                        #(#unions)*
                    }
                });
            }
            TypeKind::Enum(e) if e.integer => {
                let numbers = Checks {
                    numbers: e
                        .variants
                        .iter()
                        .filter_map(|v| v.value.parse::<i64>().ok())
                        .map(|n| n as f64)
                        .collect(),
                    ..Checks::default()
                };
                self.check(&TypeRef::I64, &numbers, &quote!(value))
            }
            TypeKind::Enum(e) => {
                let values = e.variants.iter().map(|v| &v.value);
                quote!(::specfirst_runtime::server::validate::one_of_text(value, problems, &[#(#values),*]);)
            }
            TypeKind::Union(u) => {
                let checks: Vec<TokenStream> = u
                    .variants
                    .iter()
                    .map(|v| self.check(&v.ty, &v.checks, &quote!(value)))
                    .collect();
                let variants = checks.iter().map(
                    |check| quote!(|value: &::serde_json::Value, problems: &mut Problems| { #check }),
                );
                match &u.discriminator {
                    Some(property) => {
                        let arms = u.variants.iter().zip(&checks).map(|(v, check)| {
                            let tags = &v.tags;
                            quote!(::std::option::Option::Some(#(#tags)|*) => { #check })
                        });
                        // Not an object: the problem is the value itself (as for a struct),
                        // not a missing discriminator.
                        quote! {
                            if let ::std::option::Option::Some(object) = ::specfirst_runtime::server::validate::object(value, problems) {
                                match object.get(#property).and_then(::serde_json::Value::as_str) {
                                    #(#arms)*
                                    _ => problems.field(#property, |problems| problems.here()),
                                }
                            }
                        }
                    }
                    None => {
                        let rule = if u.exactly_one {
                            quote!(::specfirst_runtime::server::validate::one_of)
                        } else {
                            quote!(::specfirst_runtime::server::validate::any_of)
                        };
                        quote! {
                            let candidates: &[fn(&::serde_json::Value, &mut Problems)] = &[#(#variants),*];
                            #rule(value, problems, candidates);
                        }
                    }
                }
            }
            TypeKind::Alias(inner) | TypeKind::Newtype(inner) => {
                self.check(inner, &def.checks, &quote!(value))
            }
            TypeKind::Tuple(items) => {
                let count = Literal::usize_suffixed(items.len());
                let positions = items.iter().enumerate().map(|(i, item)| {
                    let check = self.check(&item.ty, &item.checks, &quote!(item));
                    let index = Literal::usize_unsuffixed(i);
                    quote! {
                        if let ::std::option::Option::Some(item) = items.get(#index) {
                            problems.item(#index, |problems| { #check });
                        }
                    }
                });
                quote! {
                    if let ::std::option::Option::Some(items) = ::specfirst_runtime::server::validate::array(value, problems) {
                        if items.len() != #count {
                            problems.here();
                        }
                        #(#positions)*
                    }
                }
            }
        };
        Some(quote! {
            #doc
            #(#notes)*
            pub(crate) fn #fn_name(value: &::serde_json::Value, problems: &mut Problems) {
                #body
            }
        })
    }

    /// Statements that check `value` (a `&Value`) as a `ty` with `checks`.
    fn check(&self, ty: &TypeRef, checks: &Checks, value: &TokenStream) -> TokenStream {
        if checks.values.is_empty() {
            return self.check_type(ty, checks, value);
        }
        // Allowed values of any JSON type (`enum: [true]`, `[4.1, "3_lite"]`): the Rust type is
        // theirs, so a listed value also has the type.
        let allowed = checks.values.iter().map(|v| match v {
            serde_json::Value::Bool(b) => quote!(#value.as_bool() == ::std::option::Option::Some(#b)),
            serde_json::Value::Number(n) => {
                let n = Literal::f64_suffixed(n.as_f64().unwrap_or_default());
                quote!(#value.as_f64() == ::std::option::Option::Some(#n))
            }
            serde_json::Value::String(s) => {
                quote!(#value.as_str() == ::std::option::Option::Some(#s))
            }
            other => {
                let text = other.to_string();
                quote!(::serde_json::from_str::<::serde_json::Value>(#text).is_ok_and(|allowed| allowed == *#value))
            }
        });
        quote! {
            if !(#(#allowed)||*) {
                problems.here();
            }
        }
    }

    fn check_type(&self, ty: &TypeRef, checks: &Checks, value: &TokenStream) -> TokenStream {
        match ty {
            TypeRef::String => {
                let ok = self.text_ok(checks);
                match ok {
                    Some(ok) => quote! {
                        if let ::std::option::Option::Some(text) = ::specfirst_runtime::server::validate::text(#value, problems) && !(#ok) {
                            problems.here();
                        }
                    },
                    None => quote!(::specfirst_runtime::server::validate::text(#value, problems);),
                }
            }
            TypeRef::DateTime => {
                quote!(::specfirst_runtime::server::validate::date_time(#value, problems);)
            }
            TypeRef::Date => quote!(::specfirst_runtime::server::validate::date(#value, problems);),
            TypeRef::Uuid => quote!(::specfirst_runtime::server::validate::uuid(#value, problems);),
            TypeRef::Bool => {
                quote!(::specfirst_runtime::server::validate::boolean(#value, problems);)
            }
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => {
                let (lo, hi): (i128, i128) = match ty {
                    TypeRef::I32 => (i32::MIN.into(), i32::MAX.into()),
                    TypeRef::I64 => (i64::MIN.into(), i64::MAX.into()),
                    TypeRef::U32 => (0, u32::MAX.into()),
                    _ => (0, u64::MAX.into()),
                };
                let lo = Literal::i128_suffixed(lo);
                let hi = Literal::i128_suffixed(hi);
                self.number(
                    quote!(::specfirst_runtime::server::validate::whole(#value, problems, #lo, #hi)),
                    checks,
                )
            }
            TypeRef::F32 | TypeRef::F64 => self.number(
                quote!(::specfirst_runtime::server::validate::real(#value, problems)),
                checks,
            ),
            // Any value will do.
            TypeRef::Json | TypeRef::Bytes => quote!(let _ = (#value, problems);),
            TypeRef::Named(name) => {
                let f = type_check_fn(name);
                quote!(#f(#value, problems);)
            }
            TypeRef::Vec(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                let each = self.check(inner, &inner_checks, &quote!(item));
                let count = count_ok(quote!(items.len()), checks.min_items, checks.max_items);
                let unique = checks
                    .unique_items
                    .then(|| quote!(::specfirst_runtime::server::validate::unique(items)));
                let ok: Vec<TokenStream> = count.into_iter().chain(unique).collect();
                let whole = (!ok.is_empty()).then(|| quote!(if !(#(#ok)&&*) { problems.here(); }));
                quote! {
                    if let ::std::option::Option::Some(items) = ::specfirst_runtime::server::validate::array(#value, problems) {
                        #whole
                        for (index, item) in items.iter().enumerate() {
                            problems.item(index, |problems| { #each });
                        }
                    }
                }
            }
            TypeRef::Map(inner) => {
                let inner_checks = checks.inner.as_deref().cloned().unwrap_or_default();
                let each = self.check(inner, &inner_checks, &quote!(item));
                let whole = count_ok(
                    quote!(map.len()),
                    checks.min_properties,
                    checks.max_properties,
                )
                .map(|ok| quote!(if !(#ok) { problems.here(); }));
                quote! {
                    if let ::std::option::Option::Some(map) = ::specfirst_runtime::server::validate::object(#value, problems) {
                        #whole
                        for (key, item) in map {
                            problems.field(key, |problems| { #each });
                        }
                    }
                }
            }
        }
    }

    /// The condition a string `text` must meet, when the checks demand anything.
    fn text_ok(&self, checks: &Checks) -> Option<TokenStream> {
        let mut ok = Vec::new();
        if checks.min_length.is_some() || checks.max_length.is_some() {
            let min = opt_usize(checks.min_length);
            let max = opt_usize(checks.max_length);
            ok.push(quote!(::specfirst_runtime::server::validate::length_ok(text, #min, #max)));
        }
        if let Some(pattern) = &checks.pattern {
            let mut patterns = self.patterns.borrow_mut();
            let next = patterns.len();
            let index = *patterns.entry(pattern.clone()).or_insert(next);
            let name = format_ident!("PATTERN_{}", index);
            ok.push(quote!(#name.as_ref().is_none_or(|pattern| pattern.is_match(text))));
        }
        if let Some(format) = checks.format {
            let variant = format_ident!(
                "{}",
                match format {
                    TextFormat::Uri => "Uri",
                    TextFormat::UriReference => "UriReference",
                    TextFormat::Email => "Email",
                    TextFormat::Hostname => "Hostname",
                    TextFormat::Ipv4 => "Ipv4",
                    TextFormat::Ipv6 => "Ipv6",
                }
            );
            ok.push(
                quote!(::specfirst_runtime::server::validate::TextFormat::#variant.accepts(text)),
            );
        }
        (!ok.is_empty()).then(|| quote!(#(#ok)&&*))
    }

    /// Statements for a number read by `read`, with its bounds and allowed values.
    fn number(&self, read: TokenStream, checks: &Checks) -> TokenStream {
        let mut ok = Vec::new();
        if let Some(bounds) = bounds_ok(checks) {
            ok.push(bounds);
        }
        if !checks.numbers.is_empty() {
            let allowed = checks.numbers.iter().map(|&n| Literal::f64_suffixed(n));
            ok.push(quote!([#(#allowed),*].contains(&number)));
        }
        if ok.is_empty() {
            return quote!(#read;);
        }
        quote! {
            if let ::std::option::Option::Some(number) = #read && !(#(#ok)&&*) {
                problems.here();
            }
        }
    }
}

/// `minimum`, `maximum` and `multipleOf` of a `number` (an `f64`), when the checks have any.
fn bounds_ok(checks: &Checks) -> Option<TokenStream> {
    if checks.minimum.is_none() && checks.maximum.is_none() && checks.multiple_of.is_none() {
        return None;
    }
    let bound = |b: Option<crate::model::Bound>| match b {
        Some(b) => {
            let value = Literal::f64_suffixed(b.value);
            let exclusive = b.exclusive;
            quote!(::std::option::Option::Some((#value, #exclusive)))
        }
        None => quote!(::std::option::Option::None),
    };
    let min = bound(checks.minimum);
    let max = bound(checks.maximum);
    let multiple = match checks.multiple_of {
        Some(m) => {
            let m = Literal::f64_suffixed(m);
            quote!(::std::option::Option::Some(#m))
        }
        None => quote!(::std::option::Option::None),
    };
    Some(quote!(::specfirst_runtime::server::validate::bounds_ok(number, #min, #max, #multiple)))
}

fn opt_usize(v: Option<usize>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::usize_suffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    }
}

fn count_ok(len: TokenStream, min: Option<usize>, max: Option<usize>) -> Option<TokenStream> {
    if min.is_none() && max.is_none() {
        return None;
    }
    let min = opt_usize(min);
    let max = opt_usize(max);
    Some(quote!(::specfirst_runtime::server::validate::count_ok(#len, #min, #max)))
}
