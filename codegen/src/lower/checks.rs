//! A schema's validation keywords (`minLength`, `pattern`, `minItems`, `format: uri`...) as
//! [`Checks`] the generated server enforces on request bodies.
//!
//! Only keywords written on the schema itself are read here: a `$ref`'s keywords belong to the
//! named type and are checked wherever that type is used.

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

use crate::diagnostic::Diagnostics;
use crate::model::{Bound, Checks, Pattern, TextFormat};

use crate::diagnostic::Pointer;

/// The checks of a schema written in place; nothing for a `$ref`.
pub fn of_boxed(
    schema: &ReferenceOr<Box<Schema>>,
    pointer: &Pointer,
    diags: &mut Diagnostics,
) -> Checks {
    match schema {
        ReferenceOr::Item(s) => of(s, pointer, diags),
        ReferenceOr::Reference { .. } => Checks::default(),
    }
}

/// The checks of a schema.
pub fn of(schema: &Schema, pointer: &Pointer, diags: &mut Diagnostics) -> Checks {
    let mut checks = Checks::default();
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            checks.min_length = s.min_length;
            checks.max_length = s.max_length;
            // date-time, date and uuid are types of their own; byte and binary describe.
            checks.format = match &s.format {
                VariantOrUnknownOrEmpty::Unknown(f) => text_format(f),
                _ => None,
            };
            pattern(&mut checks, s.pattern.as_deref(), pointer, diags);
        }
        SchemaKind::Type(Type::Integer(i)) => {
            checks.minimum = i.minimum.map(|v| Bound {
                value: v as f64,
                exclusive: i.exclusive_minimum,
            });
            checks.maximum = i.maximum.map(|v| Bound {
                value: v as f64,
                exclusive: i.exclusive_maximum,
            });
            checks.multiple_of = i.multiple_of.map(|v| v as f64);
            checks.numbers = i.enumeration.iter().flatten().map(|&v| v as f64).collect();
        }
        SchemaKind::Type(Type::Number(n)) => {
            checks.minimum = n.minimum.map(|value| Bound {
                value,
                exclusive: n.exclusive_minimum,
            });
            checks.maximum = n.maximum.map(|value| Bound {
                value,
                exclusive: n.exclusive_maximum,
            });
            checks.multiple_of = n.multiple_of;
            checks.numbers = n.enumeration.iter().flatten().copied().collect();
        }
        SchemaKind::Type(Type::Array(a)) => {
            checks.min_items = a.min_items;
            checks.max_items = a.max_items;
            checks.unique_items = a.unique_items;
            checks.inner = inner(a.items.as_ref(), &pointer.join("items"), diags);
        }
        SchemaKind::Type(Type::Object(o)) => {
            checks.min_properties = o.min_properties;
            checks.max_properties = o.max_properties;
            if o.properties.is_empty()
                && let Some(openapiv3::AdditionalProperties::Schema(values)) =
                    &o.additional_properties
                && let ReferenceOr::Item(values) = values.as_ref()
            {
                let values = of(values, &pointer.join("additionalProperties"), diags);
                checks.inner = (!values.is_empty()).then(|| Box::new(values));
            }
        }
        SchemaKind::Any(any) => {
            checks.min_length = any.min_length;
            checks.max_length = any.max_length;
            checks.format = any.format.as_deref().and_then(text_format);
            pattern(&mut checks, any.pattern.as_deref(), pointer, diags);
            checks.minimum = any.minimum.map(|value| Bound {
                value,
                exclusive: any.exclusive_minimum.unwrap_or(false),
            });
            checks.maximum = any.maximum.map(|value| Bound {
                value,
                exclusive: any.exclusive_maximum.unwrap_or(false),
            });
            checks.multiple_of = any.multiple_of;
            checks.min_items = any.min_items;
            checks.max_items = any.max_items;
            checks.unique_items = any.unique_items.unwrap_or(false);
            checks.min_properties = any.min_properties;
            checks.max_properties = any.max_properties;
            checks.inner = inner(any.items.as_ref(), &pointer.join("items"), diags);
            // Not all strings nor all integers (those are enums of their own): the values.
            let values: Vec<serde_json::Value> = any
                .enumeration
                .iter()
                .filter(|v| !v.is_null())
                .cloned()
                .collect();
            let typed = values.iter().all(|v| v.is_string()) || values.iter().all(|v| v.is_i64());
            if !typed {
                checks.values = values;
            }
        }
        SchemaKind::Type(Type::Boolean(b)) => {
            let values: Vec<bool> = b.enumeration.iter().flatten().copied().collect();
            // `[true, false]` allows every boolean.
            let every = values.contains(&true) && values.contains(&false);
            if !values.is_empty() && !every {
                checks.values = values.into_iter().map(serde_json::Value::Bool).collect();
            }
        }
        SchemaKind::OneOf { .. }
        | SchemaKind::AllOf { .. }
        | SchemaKind::AnyOf { .. }
        | SchemaKind::Not { .. } => {}
    }
    for (keyword, bound) in [
        ("minimum", &mut checks.minimum),
        ("maximum", &mut checks.maximum),
    ] {
        if let Some(b) = bound
            && !b.value.is_finite()
        {
            diags.push(
                pointer.join(keyword),
                format!("`{keyword}: {}` must be a finite number", b.value),
            );
            *bound = None;
        }
    }
    if let Some(m) = checks.multiple_of
        && !(m.is_finite() && m > 0.0)
    {
        diags.push(
            pointer.join("multipleOf"),
            format!("`multipleOf: {m}` must be a number greater than 0"),
        );
        checks.multiple_of = None;
    }
    if let (Some(min), Some(max)) = (checks.min_length, checks.max_length)
        && min > max
    {
        diags.push(
            pointer,
            format!("`minLength: {min}` is greater than `maxLength: {max}`: no string fits"),
        );
    }
    if let (Some(min), Some(max)) = (checks.min_items, checks.max_items)
        && min > max
    {
        diags.push(
            pointer,
            format!("`minItems: {min}` is greater than `maxItems: {max}`: no array fits"),
        );
    }
    checks
}

fn inner(
    items: Option<&ReferenceOr<Box<Schema>>>,
    pointer: &Pointer,
    diags: &mut Diagnostics,
) -> Option<Box<Checks>> {
    let checks = of_boxed(items?, pointer, diags);
    (!checks.is_empty() || !checks.unchecked.is_empty()).then(|| Box::new(checks))
}

/// Formats whose syntax is checked; the rest (`password`, `byte`, vendor formats) describe
/// rather than constrain.
fn text_format(format: &str) -> Option<TextFormat> {
    Some(match format {
        "uri" | "url" => TextFormat::Uri,
        "uri-reference" => TextFormat::UriReference,
        "email" => TextFormat::Email,
        "hostname" => TextFormat::Hostname,
        "ipv4" => TextFormat::Ipv4,
        "ipv6" => TextFormat::Ipv6,
        _ => return None,
    })
}

/// Keeps a pattern the generated code can compile. ECMA-262 syntax that the regex crate lacks
/// (look-around, back-references), or a pattern too big for it, is not an error in the spec, so
/// it is noted rather than refused: the value is then checked for everything else.
fn pattern(checks: &mut Checks, pattern: Option<&str>, pointer: &Pointer, diags: &mut Diagnostics) {
    let Some(pattern) = pattern else { return };
    let rewritten = super::pattern::to_regex_syntax(pattern);
    match regex::Regex::new(&rewritten) {
        Ok(_) => {
            checks.pattern = Some(Pattern {
                ecma: pattern.to_owned(),
                regex: rewritten,
            })
        }
        Err(error)
            if matches!(error, regex::Error::CompiledTooBig(_)) || supported_elsewhere(pattern) =>
        {
            checks.unchecked.push(format!(
                "`pattern: {pattern}` at {} is not checked: {}",
                pointer.as_str(),
                first_line(&error.to_string())
            ))
        }
        Err(error) => diags.push(
            pointer.join("pattern"),
            format!(
                "`pattern: {pattern}` is not a regular expression: {}",
                first_line(&error.to_string())
            ),
        ),
    }
}

/// Whether a pattern the regex crate refuses uses ECMA-262 features it lacks, rather than being
/// malformed: look-around or back-references.
fn supported_elsewhere(pattern: &str) -> bool {
    ["(?=", "(?!", "(?<=", "(?<!", "\\k<"]
        .iter()
        .any(|f| pattern.contains(f))
        || pattern
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'\\' && (b'1'..=b'9').contains(&w[1]))
}

fn first_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(yaml: &str) -> (Checks, Diagnostics) {
        let schema: Schema = serde_yaml::from_str(yaml).expect("test schema parses");
        let mut diags = Diagnostics::default();
        let checks = of(&schema, &Pointer::root(), &mut diags);
        (checks, diags)
    }

    #[test]
    fn string_keywords_become_checks() {
        let (c, d) =
            checks("{type: string, minLength: 2, maxLength: 5, pattern: '^a+$', format: uri}");
        assert!(d.is_empty());
        assert_eq!(c.min_length, Some(2));
        assert_eq!(c.max_length, Some(5));
        assert_eq!(c.pattern.map(|p| p.ecma).as_deref(), Some("^a+$"));
        assert_eq!(c.format, Some(TextFormat::Uri));
    }

    #[test]
    fn inline_items_carry_their_checks() {
        let (c, _) = checks("{type: array, minItems: 1, items: {type: string, maxLength: 3}}");
        assert_eq!(c.min_items, Some(1));
        assert_eq!(c.inner.as_ref().and_then(|i| i.max_length), Some(3));
    }

    #[test]
    fn look_around_is_noted_not_refused() {
        let (c, d) = checks("{type: string, pattern: '^(?!x).*$'}");
        assert!(d.is_empty());
        assert!(c.pattern.is_none());
        assert_eq!(c.unchecked.len(), 1);
    }

    #[test]
    fn a_malformed_pattern_is_a_located_error() {
        let (_, d) = checks("{type: string, pattern: 'a(b'}");
        let d: Vec<_> = d.iter().collect();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].pointer, "#/pattern");
    }

    #[test]
    fn impossible_bounds_are_located_errors() {
        let (_, d) = checks("{type: string, minLength: 5, maxLength: 2}");
        assert_eq!(d.iter().count(), 1);
        let (_, d) = checks("{type: number, multipleOf: 0}");
        assert_eq!(
            d.iter().next().map(|d| d.pointer.as_str()),
            Some("#/multipleOf")
        );
    }
}
