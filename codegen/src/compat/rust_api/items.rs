//! Collecting the public items of generated crates: each file the crate exposes is parsed with
//! `syn`, and every public type, field, variant, function and method is recorded under its path
//! with its signature.

use quote::ToTokens;

use super::Items;
use crate::Generated;

/// Where each generated file's items are reachable from, or `None` for private modules.
fn module_of(side: &str, file: &str) -> Option<&'static str> {
    match (side, file) {
        (_, "src/lib.rs") => Some(""),
        ("client", "src/client.rs") | ("server", "src/api.rs" | "src/router.rs") => Some(""),
        ("client", "src/types.rs") => Some("types"),
        ("client", "src/params.rs") => Some("params"),
        ("server", "src/responses.rs") => Some("responses"),
        _ => None,
    }
}

/// The public items of generated crates, by path from the crate names they are built under
/// (`webhooks_client`, `webhooks_server`).
pub fn items(
    generated: &Generated,
    client_crate: &str,
    server_crate: &str,
) -> Result<Items, String> {
    let mut items = Items::new();
    for (side, crate_name, files) in [
        ("client", client_crate, &generated.client),
        ("server", server_crate, &generated.server),
    ] {
        for (file, text) in files {
            let Some(module) = module_of(side, file) else {
                continue;
            };
            let parsed = syn::parse_file(text)
                .map_err(|e| format!("generated {side} {file} does not parse: {e}"))?;
            let prefix = if module.is_empty() {
                crate_name.to_owned()
            } else {
                format!("{crate_name}::{module}")
            };
            for item in &parsed.items {
                collect(&prefix, item, &mut items);
            }
        }
    }
    Ok(items)
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Token text with the spacing `to_string` adds around paths and generics taken out.
fn tokens(t: &impl ToTokens) -> String {
    let mut s = t.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// A function's signature with its parameters' names left out: callers pass arguments by
/// position and implementations may name them as they like, so a renamed parameter changes
/// nothing anyone compiles.
fn signature(sig: &syn::Signature) -> String {
    let mut sig = sig.clone();
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(arg) = input {
            *arg.pat = syn::Pat::Wild(syn::PatWild {
                attrs: Vec::new(),
                underscore_token: Default::default(),
            });
        }
    }
    tokens(&sig)
}

fn collect(prefix: &str, item: &syn::Item, out: &mut Items) {
    match item {
        syn::Item::Struct(s) if is_pub(&s.vis) => {
            let name = format!("{prefix}::{}", s.ident);
            out.insert(name.clone(), format!("struct {}", s.ident));
            for field in s.fields.iter().filter(|f| is_pub(&f.vis)) {
                if let Some(ident) = &field.ident {
                    out.insert(format!("{name}.{ident}"), tokens(&field.ty));
                }
            }
        }
        syn::Item::Enum(e) if is_pub(&e.vis) => {
            let name = format!("{prefix}::{}", e.ident);
            // Whether callers must have a wildcard arm decides whether a new variant breaks them.
            let open = e.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
            let signature = if open {
                format!("#[non_exhaustive] enum {}", e.ident)
            } else {
                format!("enum {}", e.ident)
            };
            out.insert(name.clone(), signature);
            for v in &e.variants {
                let fields = tokens(&v.fields);
                let signature = if fields.is_empty() {
                    "unit variant".to_owned()
                } else {
                    fields
                };
                out.insert(format!("{name}::{}", v.ident), signature);
            }
        }
        syn::Item::Fn(f) if is_pub(&f.vis) => {
            out.insert(format!("{prefix}::{}", f.sig.ident), signature(&f.sig));
        }
        syn::Item::Type(t) if is_pub(&t.vis) => {
            out.insert(format!("{prefix}::{}", t.ident), tokens(&t.ty));
        }
        syn::Item::Trait(t) if is_pub(&t.vis) => {
            let name = format!("{prefix}::{}", t.ident);
            out.insert(name.clone(), format!("trait {}", t.ident));
            for member in &t.items {
                match member {
                    syn::TraitItem::Fn(f) => {
                        out.insert(format!("{name}::{}", f.sig.ident), signature(&f.sig));
                    }
                    syn::TraitItem::Type(ty) => {
                        out.insert(
                            format!("{name}::{}", ty.ident),
                            format!("type {}", ty.ident),
                        );
                    }
                    _ => {}
                }
            }
        }
        // Inherent methods only: trait impls (Display, IntoResponse...) follow from the types.
        syn::Item::Impl(i) if i.trait_.is_none() => {
            let owner = format!("{prefix}::{}", tokens(&i.self_ty));
            for member in &i.items {
                match member {
                    syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                        out.insert(format!("{owner}::{}", f.sig.ident), signature(&f.sig));
                    }
                    syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                        out.insert(format!("{owner}::{}", c.ident), tokens(&c.ty));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
