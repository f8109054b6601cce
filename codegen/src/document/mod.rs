//! The contract beside the code: the server crate embeds the OpenAPI document it was generated
//! from, as YAML and as JSON, and an HTML reference rendered from it. A service built on the crate
//! serves the very text its routes and checks came from, so the two cannot drift apart.

mod reference;

use crate::diagnostic::Diagnostic;
use crate::emit::Generated;

/// Where the document's files go in the server crate; `src/document.rs` includes them.
pub const YAML_PATH: &str = "src/document/openapi.yaml";
pub const JSON_PATH: &str = "src/document/openapi.json";
pub const REFERENCE_PATH: &str = "src/document/reference.html";

/// Adds the document's three files to the server crate of `generated`. The format the document
/// was written in is kept byte for byte; the other is the same tree converted.
pub fn attach(generated: &mut Generated, text: &str) -> Result<(), Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = crate::load::tree(text)?;
    let written_in_json = text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    let (yaml, json) = if written_in_json {
        let yaml = serde_yaml::to_string(&tree).map_err(|e| {
            Diagnostic::new("#", format!("the document cannot be written as YAML: {e}"))
        })?;
        (yaml, text.to_owned())
    } else {
        let mut json = serde_json::to_string_pretty(&tree).map_err(|e| {
            Diagnostic::new("#", format!("the document cannot be written as JSON: {e}"))
        })?;
        json.push('\n');
        (text.to_owned(), json)
    };
    let html = reference::render(&tree);
    generated.server.insert(YAML_PATH.to_owned(), yaml);
    generated.server.insert(JSON_PATH.to_owned(), json);
    generated.server.insert(REFERENCE_PATH.to_owned(), html);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attached(text: &str) -> Generated {
        let mut generated = Generated {
            client: Default::default(),
            server: Default::default(),
        };
        attach(&mut generated, text).expect("attaches");
        generated
    }

    const YAML: &str =
        "openapi: 3.0.3\n# a comment YAML keeps\ninfo: {title: Pets, version: '1'}\npaths: {}\n";

    #[test]
    fn yaml_is_kept_as_written_and_json_is_the_same_tree() {
        let g = attached(YAML);
        assert_eq!(g.server[YAML_PATH], YAML);
        let json: serde_json::Value = serde_json::from_str(&g.server[JSON_PATH]).unwrap();
        assert_eq!(json["info"]["title"], "Pets");
        assert_eq!(json["info"]["version"], "1");
    }

    #[test]
    fn json_is_kept_as_written_and_yaml_is_the_same_tree() {
        let text = r#"{"openapi":"3.0.3","info":{"title":"Pets","version":"1"},"paths":{}}"#;
        let g = attached(text);
        assert_eq!(g.server[JSON_PATH], text);
        let yaml: serde_json::Value = serde_yaml::from_str(&g.server[YAML_PATH]).unwrap();
        assert_eq!(
            yaml,
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_served() {
        let g = attached(&format!("\u{feff}{YAML}"));
        assert_eq!(g.server[YAML_PATH], YAML);
    }
}
