//! The generated crates' public Rust API, item by item, so a review shows what a spec change does
//! to the code downstream teams compile against: both versions of the spec are generated in
//! memory, parsed with `syn`, and their public items compared by path.

use std::collections::BTreeMap;

use quote::ToTokens;

/// Public item path (`webhooks_client::types::Webhook.callback_url`) → its signature.
pub type Items = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemChange {
    Added {
        path: String,
        signature: String,
    },
    Removed {
        path: String,
        signature: String,
    },
    Changed {
        path: String,
        old: String,
        new: String,
    },
}

/// Where each generated file's items are reachable from, or `None` for private modules.
fn module_of(side: &str, file: &str) -> Option<&'static str> {
    match (side, file) {
        (_, "src/lib.rs") => Some(""),
        ("client", "src/client.rs") | ("server", "src/api.rs") => Some(""),
        ("client", "src/types.rs") => Some("types"),
        ("client", "src/params.rs") => Some("params"),
        ("client", "src/support.rs") => Some("support"),
        ("server", "src/responses.rs") => Some("responses"),
        _ => None,
    }
}

/// The public items of the crates generated from `spec`.
pub fn items(spec: &str) -> Result<Items, String> {
    let generated = codegen::generate(spec, &crate::workspace::options()).map_err(|d| d.to_string())?;
    let mut items = Items::new();
    for (side, crate_name, files) in [
        ("client", crate::workspace::CLIENT_CRATE, &generated.client),
        ("server", crate::workspace::SERVER_CRATE, &generated.server),
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
            out.insert(name.clone(), format!("enum {}", e.ident));
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
            out.insert(format!("{prefix}::{}", f.sig.ident), tokens(&f.sig));
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
                        out.insert(format!("{name}::{}", f.sig.ident), tokens(&f.sig));
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
                        out.insert(format!("{owner}::{}", f.sig.ident), tokens(&f.sig));
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

/// What changed between two sets of public items, in path order.
pub fn compare(old: &Items, new: &Items) -> Vec<ItemChange> {
    let mut changes = Vec::new();
    for (path, signature) in old {
        match new.get(path) {
            None => changes.push(ItemChange::Removed {
                path: path.clone(),
                signature: signature.clone(),
            }),
            Some(now) if now != signature => changes.push(ItemChange::Changed {
                path: path.clone(),
                old: signature.clone(),
                new: now.clone(),
            }),
            Some(_) => {}
        }
    }
    for (path, signature) in new {
        if !old.contains_key(path) {
            changes.push(ItemChange::Added {
                path: path.clone(),
                signature: signature.clone(),
            });
        }
    }
    changes.sort_by(|a, b| path_of(a).cmp(path_of(b)));
    changes
}

fn path_of(c: &ItemChange) -> &str {
    match c {
        ItemChange::Added { path, .. }
        | ItemChange::Removed { path, .. }
        | ItemChange::Changed { path, .. } => path,
    }
}

/// One line per change: `+` added, `-` removed, `~` changed.
pub fn lines(changes: &[ItemChange]) -> Vec<String> {
    changes
        .iter()
        .map(|c| match c {
            ItemChange::Added { path, signature } => format!("+ {path}: {signature}"),
            ItemChange::Removed { path, signature } => format!("- {path}: {signature}"),
            ItemChange::Changed { path, old, new } => format!("~ {path}: {old} -> {new}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../../spec/webhooks.yaml");

    #[test]
    fn the_webhooks_api_has_its_operations_and_types() {
        let items = items(SPEC).expect("generates");
        assert!(
            items.contains_key("webhooks_client::Client::activate_webhook"),
            "{:#?}",
            items.keys().take(20).collect::<Vec<_>>()
        );
        assert!(items.contains_key("webhooks_server::Api::activate_webhook"));
        assert!(items.contains_key("webhooks_client::types::Webhook.callback_url"));
        assert!(
            items.contains_key("webhooks_server::responses::ActivateWebhookResponse::Accepted")
        );
        assert!(compare(&items, &items).is_empty());
    }

    #[test]
    fn a_new_property_shows_in_the_rust_api() {
        let old = items(SPEC).expect("old");
        let anchor = "\n        secret:\n          description: The key that signs every event sent to the callback; generated when absent.";
        assert!(
            SPEC.contains(anchor),
            "the CreateWebhook secret property moved"
        );
        let changed = SPEC.replacen(
            anchor,
            &format!("\n        label:\n          type: string{anchor}"),
            1,
        );
        let new = items(&changed).expect("new");
        let lines = lines(&compare(&old, &new));
        assert_eq!(
            lines,
            vec![
                "+ webhooks_client::types::CreateWebhook.label: ::std::option::Option<::std::string::String>"
            ]
        );
    }
}
