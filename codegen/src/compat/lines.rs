//! The line of a JSON pointer in a spec's text, so a review can show each change where it was
//! written. The model keeps no positions, and YAML parsers that do would mean a second parser;
//! block-style YAML and pretty-printed JSON put every key on a line of its own, so the keys are
//! found by indentation. A key that cannot be found (flow style, a one-line JSON document)
//! leaves the line of the deepest one that was.

/// The 1-based line where `pointer` (`#/paths/~1pets/get`) is written in `text`, or the line of
/// its deepest ancestor found there; `None` when not even the first key is found.
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    LineIndex::new(text).line_of(pointer)
}

/// A text's lines with their indentation worked out once, for locating many pointers in it.
pub struct LineIndex<'a> {
    lines: Vec<&'a str>,
    /// The keys' indentation of each line (past a sequence item's dash).
    keys: Vec<usize>,
    /// The raw indentation of each line.
    raw: Vec<usize>,
    content: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        LineIndex {
            keys: lines.iter().map(|l| indentation(l)).collect(),
            raw: lines
                .iter()
                .map(|l| l.len() - l.trim_start().len())
                .collect(),
            content: lines.iter().map(|l| is_content(l)).collect(),
            lines,
        }
    }

    /// See [`line_of`].
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        // The top level's keys: the whole text, or inside a JSON document's opening brace.
        let mut body = match self.content.iter().position(|&c| c) {
            Some(first) if self.lines[first].trim() == "{" => first + 1..self.lines.len(),
            _ => 0..self.lines.len(),
        };
        let mut found = None;
        for raw in pointer.trim_start_matches('#').split('/').skip(1) {
            let key = raw.replace("~1", "/").replace("~0", "~");
            let Some(at) = self.child(body.clone(), &key) else {
                break;
            };
            found = Some(at + 1);
            let item = self.lines[at].trim_start().starts_with("- ");
            // An item ends where a line starts at or left of its dash; a key's value ends where
            // a line starts at or left of the key.
            let (indent, widths) = if item {
                (self.raw[at], &self.raw)
            } else {
                (self.keys[at], &self.keys)
            };
            let end = (at + 1..body.end)
                .find(|&i| self.content[i] && widths[i] <= indent)
                .unwrap_or(body.end);
            // A sequence item's own keys start on its dash line.
            body = if item { at..end } else { at + 1..end };
        }
        found
    }

    /// The line in `body` that holds `key` at the shallowest indentation there, or the `key`-th
    /// item of a sequence at that indentation.
    fn child(&self, body: std::ops::Range<usize>, key: &str) -> Option<usize> {
        let level = body
            .clone()
            .filter(|&i| self.content[i])
            .map(|i| self.keys[i])
            .min()?;
        let mut at_level = body.filter(|&i| self.content[i] && self.keys[i] == level);
        if let Ok(index) = key.parse::<usize>() {
            let item = at_level
                .clone()
                .filter(|&i| {
                    let t = self.lines[i].trim_start();
                    t.starts_with("- ") || t == "-" || t.starts_with('{')
                })
                .nth(index);
            if item.is_some() {
                return item;
            }
        }
        at_level.find(|&i| holds_key(self.lines[i], key))
    }
}

fn holds_key(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t);
    [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
        format!("\"{key}\" :"),
    ]
    .iter()
    .any(|k| t.starts_with(k.as_str()))
}

/// The indentation of a line's key: a sequence item's keys are indented past its dash.
fn indentation(line: &str) -> usize {
    let t = line.trim_start();
    let indent = line.len() - t.len();
    if let Some(rest) = t.strip_prefix("- ") {
        indent + 2 + (rest.len() - rest.trim_start().len())
    } else {
        indent
    }
}

/// A line that holds a key or an item: not blank, not a comment, not a JSON closing bracket.
fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#') && !t.starts_with('}') && !t.starts_with(']')
}

#[cfg(test)]
mod tests {
    use super::line_of;

    const YAML: &str = r#"openapi: 3.0.3
paths:
  /pets:
    get:
      # list them
      parameters:
        - name: limit
          in: query
        - name: kind
          in: query
    post:
      operationId: createPet
components:
  schemas:
    Pet:
      properties:
        name: {type: string}
"#;

    #[test]
    fn keys_are_found_by_indentation() {
        assert_eq!(line_of(YAML, "#/paths/~1pets/post"), Some(11));
        assert_eq!(line_of(YAML, "#/paths/~1pets/get"), Some(4));
        assert_eq!(
            line_of(YAML, "#/components/schemas/Pet/properties/name"),
            Some(17)
        );
    }

    #[test]
    fn sequence_items_are_found_by_index() {
        assert_eq!(line_of(YAML, "#/paths/~1pets/get/parameters/1"), Some(9));
    }

    #[test]
    fn a_missing_key_leaves_its_deepest_ancestor() {
        assert_eq!(line_of(YAML, "#/paths/~1pets/delete"), Some(3));
        assert_eq!(line_of(YAML, "#/nothing"), None);
    }

    #[test]
    fn pretty_printed_json_is_read_the_same_way() {
        let json = "{\n  \"paths\": {\n    \"/pets\": {\n      \"get\": {}\n    }\n  }\n}\n";
        assert_eq!(line_of(json, "#/paths/~1pets/get"), Some(4));
    }
}
