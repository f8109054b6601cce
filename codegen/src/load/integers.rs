//! Integer keywords that do not fit the 64-bit integers the generated code uses.
//!
//! `type: integer` schemas hold their `minimum`, `maximum`, `multipleOf` and `enum` as `i64`; real
//! documents write bounds like `-9223372036854776000` (an `i64` bound printed through a double)
//! or `1.0`. A schema whose keyword does not fit would fail to parse as an integer schema at all.
//! Here each such keyword is settled to the `i64` with the same meaning for 64-bit values: a bound
//! beyond the range says nothing an `i64` can break and becomes the range's end; a fractional
//! bound is rounded inward (`minimum: 0.5` admits the same integers as `minimum: 1`).

use serde_json::{Map, Value};

/// Settles the integer keywords of every `type: integer` schema in `doc`, in place.
pub fn settle(doc: &mut Value) {
    match doc {
        Value::Object(obj) => {
            if obj.get("type").and_then(Value::as_str) == Some("integer") {
                settle_schema(obj);
            }
            for (key, child) in obj.iter_mut() {
                // Examples and extensions are data: a number there is only a value.
                if key == "example"
                    || key == "examples"
                    || key == "default"
                    || key.starts_with("x-")
                {
                    continue;
                }
                settle(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(settle),
        _ => {}
    }
}

fn settle_schema(obj: &mut Map<String, Value>) {
    for (key, round_up) in [("minimum", true), ("maximum", false)] {
        if let Some(v) = obj.get(key).and_then(Value::as_f64)
            && obj.get(key).is_some_and(|v| v.as_i64().is_none())
        {
            let rounded = if round_up { v.ceil() } else { v.floor() };
            obj.insert(key.to_owned(), Value::from(clamp(rounded)));
        }
    }
    if let Some(v) = obj.get("multipleOf").and_then(Value::as_f64)
        && obj.get("multipleOf").is_some_and(|v| v.as_i64().is_none())
        && v.fract() == 0.0
        && v.abs() < i64::MAX as f64
    {
        obj.insert("multipleOf".to_owned(), Value::from(v as i64));
    }
}

/// The `i64` nearest to an integral `v`.
fn clamp(v: f64) -> i64 {
    if v <= i64::MIN as f64 {
        i64::MIN
    } else if v >= i64::MAX as f64 {
        i64::MAX
    } else {
        v as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounds_beyond_64_bits_become_the_range_ends() {
        let mut doc = json!({"seed": {"type": "integer", "minimum": -9.223372036854776e18, "maximum": 9.223372036854776e18}});
        settle(&mut doc);
        assert_eq!(doc["seed"]["minimum"], json!(i64::MIN));
        assert_eq!(doc["seed"]["maximum"], json!(i64::MAX));
    }

    #[test]
    fn unsigned_bounds_beyond_i64_are_clamped() {
        let mut doc = json!({"type": "integer", "maximum": u64::MAX});
        settle(&mut doc);
        assert_eq!(doc["maximum"], json!(i64::MAX));
    }

    #[test]
    fn fractional_bounds_round_inward() {
        let mut doc = json!({"type": "integer", "minimum": 0.5, "maximum": 9.5, "multipleOf": 2.0});
        settle(&mut doc);
        assert_eq!(
            doc,
            json!({"type": "integer", "minimum": 1, "maximum": 9, "multipleOf": 2})
        );
    }

    #[test]
    fn examples_and_other_types_are_left_alone() {
        let original = json!({"type": "number", "minimum": 0.5, "example": {"type": "integer", "minimum": 0.5}});
        let mut doc = original.clone();
        settle(&mut doc);
        assert_eq!(doc, original);
    }
}
