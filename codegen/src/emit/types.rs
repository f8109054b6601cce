//! The `types` module: one Rust type per schema, and the `params` module: one struct per
//! operation with query or header parameters.

use std::ops::Range;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{
    Api, EnumDef, Operation, ParamLocation, StructDef, TypeDef, TypeKind, TypeRef, UnionDef,
};

use super::common::{doc_attrs, doc_text, ident, rust_type};
use super::render;

/// Pieces of `types.rs`: one per named type, in name order, then the error constructor.
pub fn types_count(api: &Api) -> usize {
    api.types.len() + 1
}

pub fn types_module(api: &Api, range: Range<usize>) -> TokenStream {
    let types = quote!(crate::types);
    let codes = api.error_model.as_ref().map(|m| m.codes.as_str());
    let defs = api.types.values().map(Some).chain(std::iter::once(None));
    render::items(range, defs, |def| match def {
        Some(def) => type_def(def, &types, codes == Some(def.name.as_str())),
        None => error_constructor(api),
    })
}

/// `ErrorResponse::from_code`: the spec's error body for a code, with its standard message, so
/// implementers never spell a message out. Only for an error model whose objects have no fields
/// beyond `error` and `code`, `message`, `target`, `details` (anything else has no value to give).
fn error_constructor(api: &Api) -> TokenStream {
    let Some(m) = &api.error_model else {
        return quote!();
    };
    let field_count = |name: &str| match api.types.get(name).map(|t| &t.kind) {
        Some(TypeKind::Struct(s)) if s.extra.is_none() => Some(s.fields.len()),
        _ => None,
    };
    let known = 2 + usize::from(m.target_field.is_some()) + usize::from(m.details_field.is_some());
    if field_count(&m.schema) != Some(1) || field_count(&m.error_type) != Some(known) {
        return quote!();
    }
    let wrap = |optional: bool, value: TokenStream| {
        if optional {
            quote!(::std::option::Option::Some(#value))
        } else {
            value
        }
    };
    let schema = format_ident!("{}", m.schema);
    let error_type = format_ident!("{}", m.error_type);
    let codes = format_ident!("{}", m.codes);
    let code_field = ident(&m.code_field.0);
    let code_value = wrap(m.code_field.1, quote!(code));
    let message_field = ident(&m.message_field.0);
    let message_value = if m.message_field.1 {
        quote!(code.message().map(::std::borrow::ToOwned::to_owned))
    } else {
        quote!(::std::borrow::ToOwned::to_owned(
            code.message().unwrap_or_default()
        ))
    };
    let target = m.target_field.as_ref().map(|(name, optional)| {
        let f = ident(name);
        if *optional {
            quote!(#f: ::std::option::Option::None,)
        } else {
            quote!(#f: ::std::string::String::new(),)
        }
    });
    let details = m.details_field.as_ref().map(|(name, optional)| {
        let f = ident(name);
        if *optional {
            quote!(#f: ::std::option::Option::None,)
        } else {
            quote!(#f: ::std::vec::Vec::new(),)
        }
    });
    let error_field = ident(&m.error_field.0);
    let error_value = wrap(m.error_field.1, quote!(error));
    quote! {
        impl #schema {
            /// The error body for `code`, with the spec's standard message for it
            /// (`x-enum-messages`), and no target or details.
            pub fn from_code(code: crate::types::#codes) -> Self {
                let error = crate::types::#error_type {
                    #message_field: #message_value,
                    #code_field: #code_value,
                    #target
                    #details
                };
                Self { #error_field: #error_value }
            }
        }
    }
}

/// `error_codes`: whether this is the error model's code enum, whose `message()` the error
/// constructors call even when the spec gives no messages.
fn type_def(def: &TypeDef, types: &TokenStream, error_codes: bool) -> TokenStream {
    let mut docs = doc_attrs(&def.doc);
    if docs.is_empty() {
        docs = doc_text(&format!(
            "The `{}` schema.",
            def.pointer.rsplit('/').next().unwrap_or(&def.name)
        ));
    }
    let name = format_ident!("{}", def.name);
    match &def.kind {
        TypeKind::Struct(s) => struct_def(&name, docs, s, types),
        TypeKind::Enum(e) => enum_def(&name, docs, e, error_codes),
        TypeKind::Union(u) => union_def(&name, docs, u, types),
        TypeKind::Tuple(items) => {
            let items = items.iter().map(|i| rust_type(&i.ty, types));
            quote! {
                #docs
                #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                pub struct #name(#(pub #items),*);
            }
        }
        TypeKind::Newtype(ty) => {
            let ty = rust_type(ty, types);
            quote! {
                #docs
                #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #ty);
            }
        }
        TypeKind::Alias(ty) => {
            let ty = rust_type(ty, types);
            let allowed =
                allowed_values(&def.checks.values).map(|text| quote!(#[doc = ""] #[doc = #text]));
            quote! {
                #docs
                #allowed
                pub type #name = #ty;
            }
        }
    }
}

fn struct_def(
    name: &proc_macro2::Ident,
    docs: TokenStream,
    s: &StructDef,
    types: &TokenStream,
) -> TokenStream {
    let all_optional = s.fields.iter().all(|f| f.is_option()) && s.unions.is_empty();
    let default = if all_optional {
        quote!(::std::default::Default,)
    } else {
        quote!()
    };
    let deny = if s.deny_unknown {
        quote!(#[serde(deny_unknown_fields)])
    } else {
        quote!()
    };
    let fields = s.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let mut ty = rust_type(&f.ty, types);
        if f.boxed {
            ty = quote!(::std::boxed::Box<#ty>);
        }
        let mut attrs = Vec::new();
        // Compare the identifier serde sees: `r#type` is `type`, but `self` is written `self_`.
        if field.to_string().trim_start_matches("r#") != f.json_name {
            let json = &f.json_name;
            attrs.push(quote!(rename = #json));
        }
        if f.is_option() {
            ty = quote!(::std::option::Option<#ty>);
            attrs.push(quote!(default));
            if !f.required {
                attrs.push(quote!(
                    skip_serializing_if = "::std::option::Option::is_none"
                ));
            }
        }
        let serde = if attrs.is_empty() {
            quote!()
        } else {
            quote!(#[serde(#(#attrs),*)])
        };
        let mut doc = doc_attrs(&f.doc);
        if doc.is_empty() {
            // A `$ref` property carries no description of its own (OpenAPI 3.0 ignores siblings
            // of `$ref`), so point at the type that does.
            let text = match &f.ty {
                TypeRef::Named(n) => format!(" The `{}` property: a [`{n}`].", f.json_name),
                _ => format!(" The `{}` property.", f.json_name),
            };
            doc = quote!(#[doc = #text]);
        }
        let mut notes = Vec::new();
        let allowed = allowed_values(&f.checks.values);
        if let Some(text) = &allowed {
            notes.push(text.trim_start());
        }
        if f.read_only {
            notes.push("Read-only: sent by the server, never in a request.");
        }
        if f.write_only {
            notes.push("Write-only: sent in requests, never returned.");
        }
        for note in notes {
            let text = format!(" {note}");
            if !doc.is_empty() {
                doc.extend(quote!(#[doc = ""]));
            }
            doc.extend(quote!(#[doc = #text]));
        }
        quote! {
            #doc
            #serde
            pub #field: #ty,
        }
    });
    let extra = s.extra.as_ref().map(|ty| {
        let ty = rust_type(ty, types);
        quote! {
            /// Members beyond the declared properties (`additionalProperties`).
            #[serde(flatten)]
            pub additional_properties: ::std::collections::BTreeMap<::std::string::String, #ty>,
        }
    });
    let unions = s.unions.iter().map(|u| {
        let field = ident(&u.rust_name);
        let mut ty = rust_type(&u.ty, types);
        if u.boxed {
            ty = quote!(::std::boxed::Box<#ty>);
        }
        let doc = doc_attrs(&u.doc);
        quote! {
            #doc
            #[serde(flatten)]
            pub #field: #ty,
        }
    });
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
        #deny
        pub struct #name {
            #(#fields)*
            #(#unions)*
            #extra
        }
    }
}

fn enum_def(
    name: &proc_macro2::Ident,
    docs: TokenStream,
    e: &EnumDef,
    error_codes: bool,
) -> TokenStream {
    if e.integer {
        return integer_enum_def(name, docs, e);
    }
    let variants: Vec<_> = e
        .variants
        .iter()
        .map(|v| format_ident!("{}", v.rust_name))
        .collect();
    let values: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
    let variant_docs = e.variants.iter().map(|v| {
        let mut text = format!("`{}`", v.value);
        if let Some(d) = &v.doc {
            text.push_str(": ");
            text.push_str(d);
        }
        if let Some(m) = &v.message {
            text.push_str("\n\nStandard message: \"");
            text.push_str(m);
            text.push('"');
        }
        doc_text(&text)
    });
    if e.closed {
        return closed_enum_def(name, docs, e, variant_docs.collect());
    }
    let messages = if error_codes || e.variants.iter().any(|v| v.message.is_some()) {
        let arms = e.variants.iter().map(|v| {
            let variant = format_ident!("{}", v.rust_name);
            match &v.message {
                Some(m) => quote!(Self::#variant => ::std::option::Option::Some(#m),),
                None => quote!(Self::#variant => ::std::option::Option::None,),
            }
        });
        quote! {
            /// The spec's standard message for this value (`x-enum-messages`). Placeholders in
            /// braces, such as `{id}`, are for the sender to fill in.
            pub fn message(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #(#arms)*
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value this version of the spec does not list, kept as sent.
            Unknown(::std::string::String),
        }

        impl #name {
            /// Every value the spec lists.
            pub const ALL: &'static [Self] = &[#(Self::#variants),*];

            /// The value as it appears in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(value) => value,
                }
            }

            #messages
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            // Not `Self::Err`: that is ambiguous when the enum has a variant `Err`.
            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::convert::Infallible> {
                ::std::result::Result::Ok(Self::from(value))
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(&*value))
            }
        }
    }
}

/// A closed string enum (see `EnumDef::closed`): the listed values and nothing else. Reading any
/// other value is an error rather than an `Unknown`.
fn closed_enum_def(
    name: &proc_macro2::Ident,
    docs: TokenStream,
    e: &EnumDef,
    variant_docs: Vec<TokenStream>,
) -> TokenStream {
    let variants: Vec<_> = e
        .variants
        .iter()
        .map(|v| format_ident!("{}", v.rust_name))
        .collect();
    let values: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
    // The first value is the default: with one value, the only one a field of it can hold.
    let declared = variants
        .iter()
        .zip(variant_docs)
        .enumerate()
        .map(|(i, (v, doc))| {
            let default = (i == 0).then(|| quote!(#[default]));
            quote!(#doc #default #v,)
        });
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord, ::std::default::Default)]
        pub enum #name {
            #(#declared)*
        }

        impl #name {
            /// Every value the spec lists.
            pub const ALL: &'static [Self] = &[#(Self::#variants),*];

            /// The value as it appears in JSON.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#variants => #values,)*
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                match &*value {
                    #(#values => ::std::result::Result::Ok(Self::#variants),)*
                    other => ::std::result::Result::Err(::serde::de::Error::unknown_variant(other, &[#(#values),*])),
                }
            }
        }
    }
}

/// An enum of integers: variants for the listed values, `Unknown` for any other, read and
/// written as JSON numbers (what `serde_repr` does, by hand).
fn integer_enum_def(name: &proc_macro2::Ident, docs: TokenStream, e: &EnumDef) -> TokenStream {
    let variants: Vec<_> = e
        .variants
        .iter()
        .map(|v| format_ident!("{}", v.rust_name))
        .collect();
    let values: Vec<Literal> = e
        .variants
        .iter()
        .map(|v| Literal::i64_unsuffixed(v.value.parse().unwrap_or_default()))
        .collect();
    let variant_docs = e.variants.iter().map(|v| {
        let mut text = format!("`{}`", v.value);
        if let Some(d) = &v.doc {
            text.push_str(": ");
            text.push_str(d);
        }
        doc_text(&text)
    });
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value this version of the spec does not list, kept as sent.
            Unknown(i64),
        }

        impl #name {
            /// Every value the spec lists.
            pub const ALL: &'static [Self] = &[#(Self::#variants),*];

            /// The value as it appears in JSON.
            pub fn as_i64(&self) -> i64 {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(value) => *value,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.as_i64(), f)
            }
        }

        impl ::std::convert::From<i64> for #name {
            fn from(value: i64) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(other),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::num::ParseIntError;

            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::num::ParseIntError> {
                value.parse::<i64>().map(Self::from)
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.as_i64())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <i64 as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

/// A sentence listing the values a schema allows (`Checks::values`), for its docs.
fn allowed_values(values: &[serde_json::Value]) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    Some(format!(
        " Allowed values: {} (the generated server refuses others).",
        listed.join(", ")
    ))
}

fn union_def(
    name: &proc_macro2::Ident,
    mut docs: TokenStream,
    u: &UnionDef,
    types: &TokenStream,
) -> TokenStream {
    for note in &u.notes {
        let text = format!(" {note}");
        docs.extend(quote!(#[doc = ""] #[doc = #text]));
    }
    let variants: Vec<_> = u
        .variants
        .iter()
        .map(|v| {
            let variant = format_ident!("{}", v.rust_name);
            let mut ty = rust_type(&v.ty, types);
            if v.boxed {
                ty = quote!(::std::boxed::Box<#ty>);
            }
            (variant, ty)
        })
        .collect();
    let defs = variants.iter().map(|(v, ty)| quote!(#v(#ty),));
    match &u.discriminator {
        None if u.variants.iter().any(|v| !v.unique_fields.is_empty()) => {
            inferred_union(name, docs, u, &variants)
        }
        None => quote! {
            #docs
            #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#defs)*
            }
        },
        Some(property) => {
            let arms = u.variants.iter().zip(&variants).map(|(v, (variant, _))| {
                let tags = &v.tags;
                let build = if v.boxed {
                    quote!(::std::boxed::Box::new(::serde::Deserialize::deserialize(value).map_err(::serde::de::Error::custom)?))
                } else {
                    quote!(::serde::Deserialize::deserialize(value).map_err(::serde::de::Error::custom)?)
                };
                quote!(#(::std::option::Option::Some(#tags))|* => ::std::result::Result::Ok(Self::#variant(#build)),)
            });
            let expected = u
                .variants
                .iter()
                .flat_map(|v| v.tags.iter().map(|t| format!("`{t}`")))
                .collect::<Vec<_>>()
                .join(", ");
            let missing =
                format!("the discriminator `{property}` is missing or not one of {expected}");
            // A member schema need not declare the discriminator property; its value is then
            // written from the variant, so what a generated client sends, a server reads.
            let tagged = u.variants.iter().zip(&variants).map(|(v, (variant, _))| {
                let tag = v.tags.first().map(String::as_str).unwrap_or_default();
                quote!(Self::#variant(inner) => (::serde_json::to_value(inner).map_err(::serde::ser::Error::custom)?, #tag),)
            });
            quote! {
                #docs
                #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
                pub enum #name {
                    #(#defs)*
                }

                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                        let (mut value, tag) = match self {
                            #(#tagged)*
                        };
                        if let ::serde_json::Value::Object(members) = &mut value
                            && !members.contains_key(#property)
                        {
                            members.insert(::std::borrow::ToOwned::to_owned(#property), ::serde_json::Value::String(::std::borrow::ToOwned::to_owned(tag)));
                        }
                        ::serde::Serialize::serialize(&value, serializer)
                    }
                }

                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let tag = value.get(#property).and_then(::serde_json::Value::as_str).map(::std::borrow::ToOwned::to_owned);
                        match tag.as_deref() {
                            #(#arms)*
                            _ => ::std::result::Result::Err(::serde::de::Error::custom(#missing)),
                        }
                    }
                }
            }
        }
    }
}

/// An untagged union whose object members are told apart by field names: a value holding a
/// property only one member declares is read as that member; any other value (or one that member
/// refuses) is read as the first member, in order, that accepts it.
fn inferred_union(
    name: &proc_macro2::Ident,
    docs: TokenStream,
    u: &UnionDef,
    variants: &[(proc_macro2::Ident, TokenStream)],
) -> TokenStream {
    let defs = variants.iter().map(|(v, ty)| quote!(#v(#ty),));
    let read = |v: &crate::model::UnionVariant, variant: &proc_macro2::Ident| {
        if v.boxed {
            quote!(::serde::Deserialize::deserialize(&value).map(|inner| Self::#variant(::std::boxed::Box::new(inner))))
        } else {
            quote!(::serde::Deserialize::deserialize(&value).map(Self::#variant))
        }
    };
    let by_field: Vec<TokenStream> = u
        .variants
        .iter()
        .zip(variants)
        .filter(|(v, _)| !v.unique_fields.is_empty())
        .map(|(v, (variant, _))| {
            let fields = &v.unique_fields;
            let read = read(v, variant);
            quote! {
                [#(#fields),*].iter().any(|key| members.contains_key(*key))
                    && let ::std::result::Result::Ok(found) = #read
            }
        })
        .collect();
    // One member told apart by its fields is one condition (`clippy::collapsible_if`).
    let by_field = match by_field.as_slice() {
        [] => quote!(),
        [only] => quote! {
            if let ::serde_json::Value::Object(members) = &value && #only {
                return ::std::result::Result::Ok(found);
            }
        },
        several => quote! {
            if let ::serde_json::Value::Object(members) = &value {
                #(
                    if #several {
                        return ::std::result::Result::Ok(found);
                    }
                )*
            }
        },
    };
    let in_order = u.variants.iter().zip(variants).map(|(v, (variant, _))| {
        let read = read(v, variant);
        quote! {
            if let ::std::result::Result::Ok(found) = #read {
                return ::std::result::Result::Ok(found);
            }
        }
    });
    let serialize = variants
        .iter()
        .map(|(variant, _)| quote!(Self::#variant(inner) => ::serde::Serialize::serialize(inner, serializer),));
    let none = format!("the value is none of the members of `{name}`");
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        pub enum #name {
            #(#defs)*
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize)*
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                #by_field
                #(#in_order)*
                ::std::result::Result::Err(::serde::de::Error::custom(#none))
            }
        }
    }
}

/// Pieces of `params.rs`: one per operation, a struct for one that has query or header
/// parameters (empty for the others).
pub fn params_module(api: &Api, range: Range<usize>) -> TokenStream {
    let types = quote!(crate::types);
    render::items(range, api.operations.iter(), |op| {
        params_struct(op, &types).unwrap_or_default()
    })
}

fn params_struct(op: &Operation, types: &TokenStream) -> Option<TokenStream> {
    let name = format_ident!("{}", op.params_type()?);
    let all_optional = op.params.iter().all(|p| !p.required);
    let default = if all_optional {
        quote!(::std::default::Default,)
    } else {
        quote!()
    };
    let fields = op.params.iter().map(|p| {
        let field = ident(&p.rust_name);
        let mut ty = rust_type(&p.ty, types);
        if !p.required {
            ty = quote!(::std::option::Option<#ty>);
        }
        let place = match p.location {
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
            ParamLocation::Path => "path",
        };
        let mut doc = doc_attrs(&p.doc);
        let text = format!(
            " The `{}` {place} parameter{}.",
            p.name,
            if p.required { " (required)" } else { "" }
        );
        if !doc.is_empty() {
            doc.extend(quote!(#[doc = ""]));
        }
        doc.extend(quote!(#[doc = #text]));
        quote! {
            #doc
            pub #field: #ty,
        }
    });
    let doc = format!(" Query and header parameters of `{}`.", op.id);
    Some(quote! {
        #[doc = #doc]
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, #default)]
        pub struct #name {
            #(#fields)*
        }
    })
}
