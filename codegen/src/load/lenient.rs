//! A YAML tree read the way a JSON reader would read it. `serde_yaml::Value` refuses integers
//! beyond 64 bits (`minimum: -9223372036854776000`, written by generators that print an `i64`
//! bound through a double) and so refuses whole documents that are valid; here such integers
//! become floating-point numbers, as JSON readers make them, and duplicate keys stay an error.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use serde_yaml::{Mapping, Number, Value};

/// A YAML value; see the module docs for how it differs from `serde_yaml::Value`.
pub struct Yaml(pub Value);

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(Yaml)
    }
}

struct YamlVisitor;

impl<'de> de::Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    // Beyond 64 bits: the nearest double, which is what a JSON reader keeps of the same text.
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v as f64)))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v as f64)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Yaml::deserialize(deserializer).map(|y| y.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Yaml(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Mapping::new();
        while let Some(Yaml(key)) = map.next_key()? {
            let Yaml(value) = map.next_value()?;
            if out.contains_key(&key) {
                let shown = match &key {
                    Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                };
                return Err(de::Error::custom(format!(
                    "duplicate mapping key `{shown}`"
                )));
            }
            out.insert(key, value);
        }
        Ok(Value::Mapping(out))
    }

    // serde_yaml hands a tagged node (`!tag value`) over as an enum: the tag is the variant.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, variant): (String, _) = data.variant()?;
        let Yaml(value) = variant.newtype_variant()?;
        Ok(Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: serde_yaml::value::Tag::new(tag),
            value,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, serde_yaml::Error> {
        serde_yaml::from_str::<Yaml>(text).map(|y| y.0)
    }

    #[test]
    fn integers_beyond_64_bits_become_doubles() {
        let v = read("min: -9223372036854776000\nmax: 18446744073709551616\n").unwrap();
        assert_eq!(v["min"].as_f64(), Some(-9.223372036854776e18));
        assert_eq!(v["max"].as_f64(), Some(1.8446744073709552e19));
    }

    #[test]
    fn ordinary_values_read_as_serde_yaml_reads_them() {
        let text = "a: 1\nb: [true, null, 2.5, x]\nc: {d: -3}\n";
        assert_eq!(
            read(text).unwrap(),
            serde_yaml::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = read("a: 1\na: 2\n").unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
    }

    #[test]
    fn tags_are_kept() {
        let v = read("a: !custom 5\n").unwrap();
        assert!(matches!(&v["a"], Value::Tagged(t) if t.tag == "custom"));
    }
}
