//! The public items of the workspace's own spec, and one property added to it.

use super::*;
use crate::Options;

const SPEC: &str = include_str!("../../../../spec/webhooks.yaml");

/// The items of the crates `spec` generates, under the workspace's crate names.
fn items_of(spec: &str) -> Items {
    let options = Options {
        client_crate: "webhooks_client".into(),
        regenerate_with: "a test".into(),
    };
    let generated = crate::generate(spec, &options).unwrap_or_else(|d| panic!("{d}"));
    items(&generated, "webhooks_client", "webhooks_server").expect("the generated files parse")
}

#[test]
fn the_webhooks_api_has_its_operations_and_types() {
    let items = items_of(SPEC);
    assert!(
        items.contains_key("webhooks_client::Client::activate_webhook"),
        "{:#?}",
        items.keys().take(20).collect::<Vec<_>>()
    );
    assert!(items.contains_key("webhooks_server::Api::activate_webhook"));
    assert!(items.contains_key("webhooks_client::types::Webhook.callback_url"));
    assert!(items.contains_key("webhooks_server::responses::ActivateWebhookResponse::Accepted"));
    assert!(compare(&items, &items).is_empty());
}

#[test]
fn a_new_property_shows_in_the_rust_api() {
    let old = items_of(SPEC);
    let anchor = "\n        secret:\n          description: \"A new key to sign events with, in effect at once";
    assert_eq!(
        SPEC.matches(anchor).count(),
        1,
        "the UpdateWebhook secret property moved"
    );
    let changed = SPEC.replacen(
        anchor,
        &format!("\n        label:\n          type: string{anchor}"),
        1,
    );
    let new = items_of(&changed);
    let changes = compare(&old, &new);
    assert_eq!(
        lines(&changes),
        vec![
            "+ webhooks_client::types::UpdateWebhook.label: ::std::option::Option<::std::string::String>"
        ]
    );
    assert_eq!(
        render(&changes, Format::Markdown),
        "\n#### generated Rust API: 1 item(s) added, removed or changed\n\n```diff\n+ webhooks_client::types::UpdateWebhook.label: ::std::option::Option<::std::string::String>\n```\n"
    );
}
