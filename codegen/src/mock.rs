//! What the mock answers with, decided from the model: whether a JSON value fits a type (the
//! spec's examples are checked with it), seeded values generated from a type (`Prefer:
//! dynamic=true`, and the parts the spec gives no example for), and the answer for one status
//! of an operation. The generated mock (`mock.rs` of the server crate) and `cargo xtask mock`
//! both answer from here.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::diagnostic::Diagnostics;
use crate::model::{
    Api, BodyMedia, Bound, Checks, Operation, Response, StatusMatch, TextFormat, TypeDef, TypeKind,
    TypeRef,
};

/// A small seeded generator (SplitMix64): the same seed gives the same values on every
/// platform, so tests that ask for dynamic answers are repeatable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// How deep generated values nest before optional parts are left out.
const MAX_DEPTH: usize = 5;
/// Past this depth generation stops (see [`Gen::value`]).
const GIVE_UP_DEPTH: usize = 32;

/// Whether `value` fits `ty` with `checks`: `Err` says where (a JSON pointer inside the value)
/// and why.
pub fn fits(api: &Api, ty: &TypeRef, checks: &Checks, value: &Value) -> Result<(), String> {
    Fit { types: &api.types }.value(ty, checks, value, "")
}

struct Fit<'a> {
    types: &'a BTreeMap<String, TypeDef>,
}

fn at(path: &str) -> String {
    if path.is_empty() {
        "the value".to_owned()
    } else {
        format!("`{path}`")
    }
}

impl Fit<'_> {
    fn value(&self, ty: &TypeRef, checks: &Checks, v: &Value, path: &str) -> Result<(), String> {
        keywords(checks, v).map_err(|why| format!("{} {why}", at(path)))?;
        let wrong = |what: &str| Err(format!("{} is not {what}: {v}", at(path)));
        match ty {
            TypeRef::Json => Ok(()),
            TypeRef::String | TypeRef::Bytes => {
                if v.is_string() {
                    Ok(())
                } else {
                    wrong("a string")
                }
            }
            TypeRef::Bool => {
                if v.is_boolean() {
                    Ok(())
                } else {
                    wrong("a boolean")
                }
            }
            TypeRef::I32 => match v.as_i64() {
                Some(n) if i32::try_from(n).is_ok() => Ok(()),
                _ => wrong("a 32-bit integer"),
            },
            TypeRef::I64 => match v.as_i64() {
                Some(_) => Ok(()),
                _ => wrong("a 64-bit integer"),
            },
            TypeRef::U32 => match v.as_u64() {
                Some(n) if u32::try_from(n).is_ok() => Ok(()),
                _ => wrong("an unsigned 32-bit integer"),
            },
            TypeRef::U64 => match v.as_u64() {
                Some(_) => Ok(()),
                _ => wrong("an unsigned integer"),
            },
            TypeRef::F32 | TypeRef::F64 => {
                if v.is_number() {
                    Ok(())
                } else {
                    wrong("a number")
                }
            }
            TypeRef::DateTime => match v.as_str() {
                Some(s) if is_date_time(s) => Ok(()),
                _ => wrong("an RFC 3339 date-time"),
            },
            TypeRef::Date => match v.as_str() {
                Some(s) if is_date(s) => Ok(()),
                _ => wrong("a date (YYYY-MM-DD)"),
            },
            TypeRef::Uuid => match v.as_str() {
                Some(s) if is_uuid(s) => Ok(()),
                _ => wrong("a uuid"),
            },
            TypeRef::Vec(item) => {
                let Some(items) = v.as_array() else {
                    return wrong("an array");
                };
                let inner = checks.inner.as_deref().cloned().unwrap_or_default();
                for (i, item_value) in items.iter().enumerate() {
                    self.value(item, &inner, item_value, &format!("{path}/{i}"))?;
                }
                Ok(())
            }
            TypeRef::Map(item) => {
                let Some(map) = v.as_object() else {
                    return wrong("an object");
                };
                let inner = checks.inner.as_deref().cloned().unwrap_or_default();
                for (k, item_value) in map {
                    self.value(item, &inner, item_value, &format!("{path}/{k}"))?;
                }
                Ok(())
            }
            TypeRef::Named(name) => {
                let Some(def) = self.types.get(name) else {
                    return Ok(());
                };
                keywords(&def.checks, v).map_err(|why| format!("{} {why}", at(path)))?;
                self.kind(def, v, path)
            }
        }
    }

    fn kind(&self, def: &TypeDef, v: &Value, path: &str) -> Result<(), String> {
        let none = Checks::default();
        match &def.kind {
            TypeKind::Alias(inner) | TypeKind::Newtype(inner) => self.value(inner, &none, v, path),
            TypeKind::Enum(e) => {
                let listed = e.variants.iter().any(|variant| {
                    if e.integer {
                        v.as_i64().map(|n| n.to_string()) == Some(variant.value.clone())
                    } else {
                        v.as_str() == Some(variant.value.as_str())
                    }
                });
                if listed {
                    Ok(())
                } else {
                    Err(format!(
                        "{} is not one of {}'s values: {v}",
                        at(path),
                        def.name
                    ))
                }
            }
            TypeKind::Tuple(items) => {
                let Some(values) = v.as_array() else {
                    return Err(format!("{} is not an array: {v}", at(path)));
                };
                if values.len() != items.len() {
                    return Err(format!("{} must hold {} items", at(path), items.len()));
                }
                for (i, (item, value)) in items.iter().zip(values).enumerate() {
                    self.value(&item.ty, &item.checks, value, &format!("{path}/{i}"))?;
                }
                Ok(())
            }
            TypeKind::Union(u) => {
                if let Some(tag) = &u.discriminator {
                    let found = v.get(tag).and_then(Value::as_str);
                    let chosen = u
                        .variants
                        .iter()
                        .find(|variant| found.is_some_and(|t| variant.tags.iter().any(|x| x == t)));
                    return match chosen {
                        Some(variant) => self.value(&variant.ty, &variant.checks, v, path),
                        None => Err(format!(
                            "{} has no `{tag}` naming one of {}'s members",
                            at(path),
                            def.name
                        )),
                    };
                }
                let mut errors = Vec::new();
                let mut fitting = 0;
                for variant in &u.variants {
                    match self.value(&variant.ty, &variant.checks, v, path) {
                        Ok(()) => fitting += 1,
                        Err(e) => errors.push(format!("{}: {e}", variant.rust_name)),
                    }
                }
                match fitting {
                    0 => Err(format!(
                        "{} fits none of {}'s members ({})",
                        at(path),
                        def.name,
                        errors.join("; ")
                    )),
                    1 => Ok(()),
                    _ if !u.exactly_one => Ok(()),
                    n => Err(format!(
                        "{} fits {n} of {}'s members, and `oneOf` allows one",
                        at(path),
                        def.name
                    )),
                }
            }
            TypeKind::Struct(s) => {
                let Some(map) = v.as_object() else {
                    return Err(format!("{} is not an object: {v}", at(path)));
                };
                for field in &s.fields {
                    let here = format!("{path}/{}", field.json_name);
                    match map.get(&field.json_name) {
                        None if field.required && !field.write_only => {
                            return Err(format!(
                                "{} lacks the required property `{}`",
                                at(path),
                                field.json_name
                            ));
                        }
                        None => {}
                        Some(Value::Null) if field.is_option() => {}
                        Some(value) => self.value(&field.ty, &field.checks, value, &here)?,
                    }
                }
                for union in &s.unions {
                    self.value(&union.ty, &none, v, path)?;
                }
                let declared = |k: &String| s.fields.iter().any(|f| &f.json_name == k);
                if let Some(extra) = &s.extra {
                    for (k, value) in map.iter().filter(|(k, _)| !declared(k)) {
                        self.value(extra, &none, value, &format!("{path}/{k}"))?;
                    }
                } else if s.deny_unknown
                    && s.unions.is_empty()
                    && let Some(k) = map.keys().find(|k| !declared(k))
                {
                    return Err(format!(
                        "{} has `{k}`, which {} does not declare (additionalProperties: false)",
                        at(path),
                        def.name
                    ));
                }
                Ok(())
            }
        }
    }
}

fn below(bound: &Bound, n: f64) -> bool {
    if bound.exclusive {
        n < bound.value
    } else {
        n <= bound.value
    }
}

fn above(bound: &Bound, n: f64) -> bool {
    if bound.exclusive {
        n > bound.value
    } else {
        n >= bound.value
    }
}

/// The validation keywords the generated server checks, on one value.
fn keywords(c: &Checks, v: &Value) -> Result<(), String> {
    if let Some(s) = v.as_str() {
        let len = s.chars().count();
        if c.min_length.is_some_and(|m| len < m) {
            return Err(format!(
                "is shorter than minLength {}",
                c.min_length.unwrap_or(0)
            ));
        }
        if c.max_length.is_some_and(|m| len > m) {
            return Err(format!(
                "is longer than maxLength {}",
                c.max_length.unwrap_or(0)
            ));
        }
        if let Some(p) = &c.pattern
            && let Ok(re) = regex::Regex::new(&p.regex)
            && !re.is_match(s)
        {
            return Err(format!("does not match the pattern `{}`", p.ecma));
        }
        if let Some(f) = c.format
            && !format_fits(f, s)
        {
            return Err(format!("is not a valid {f:?}"));
        }
    }
    if let Some(n) = v.as_f64() {
        if c.minimum.is_some_and(|b| !above(&b, n)) {
            return Err("is below its minimum".to_owned());
        }
        if c.maximum.is_some_and(|b| !below(&b, n)) {
            return Err("is above its maximum".to_owned());
        }
        if let Some(m) = c.multiple_of.filter(|m| *m > 0.0) {
            let q = n / m;
            if (q - q.round()).abs() > 1e-9 {
                return Err(format!("is not a multiple of {m}"));
            }
        }
        if !c.numbers.is_empty() && !c.numbers.contains(&n) {
            return Err("is not one of the values the enum allows".to_owned());
        }
    }
    if let Some(items) = v.as_array() {
        if c.min_items.is_some_and(|m| items.len() < m) {
            return Err("has fewer items than minItems".to_owned());
        }
        if c.max_items.is_some_and(|m| items.len() > m) {
            return Err("has more items than maxItems".to_owned());
        }
        if c.unique_items {
            for (i, a) in items.iter().enumerate() {
                if items[..i].contains(a) {
                    return Err("repeats an item (uniqueItems)".to_owned());
                }
            }
        }
    }
    if let Some(map) = v.as_object() {
        if c.min_properties.is_some_and(|m| map.len() < m) {
            return Err("has fewer properties than minProperties".to_owned());
        }
        if c.max_properties.is_some_and(|m| map.len() > m) {
            return Err("has more properties than maxProperties".to_owned());
        }
    }
    if !c.values.is_empty() && !c.values.contains(v) {
        return Err("is not one of the values the enum allows".to_owned());
    }
    Ok(())
}

fn format_fits(f: TextFormat, s: &str) -> bool {
    match f {
        TextFormat::Uri => s.split_once(':').is_some_and(|(scheme, _)| {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }),
        TextFormat::UriReference => !s.contains(char::is_whitespace),
        TextFormat::Email => s
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()),
        TextFormat::Hostname => {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        }
        TextFormat::Ipv4 => s.parse::<std::net::Ipv4Addr>().is_ok(),
        TextFormat::Ipv6 => s.parse::<std::net::Ipv6Addr>().is_ok(),
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && digits(parts[0], 4)
        && digits(parts[1], 2)
        && digits(parts[2], 2)
        && (1..=12).contains(&parts[1].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u8>().unwrap_or(0))
}

fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    let (clock, zone_ok) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, true)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let zone = &time[i + 1..];
        let ok =
            zone.len() == 5 && digits(&zone[..2], 2) && &zone[2..3] == ":" && digits(&zone[3..], 2);
        (&time[..i], ok)
    } else {
        (time, false)
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let hms: Vec<&str> = hms.split(':').collect();
    is_date(date)
        && zone_ok
        && hms.len() == 3
        && hms.iter().all(|p| digits(p, 2))
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let hex = |g: &str, n: usize| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit());
    (groups.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&groups)
            .all(|(n, g)| hex(g, *n)))
        || hex(s, 32)
}

/// A value of `ty` that fits it and `checks`, generated from `rng`.
pub fn sample(api: &Api, ty: &TypeRef, checks: &Checks, rng: &mut Rng) -> Value {
    Gen {
        types: &api.types,
        rng,
    }
    .value(ty, checks, 0)
}

struct Gen<'a, 'r> {
    types: &'a BTreeMap<String, TypeDef>,
    rng: &'r mut Rng,
}

const WORDS: &[&str] = &["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];

impl Gen<'_, '_> {
    fn value(&mut self, ty: &TypeRef, checks: &Checks, depth: usize) -> Value {
        // A type that requires itself (a required self-typed field, a union whose member holds
        // the union) has no finite value: give up at a depth no real document needs, instead of
        // overflowing the stack.
        if depth > GIVE_UP_DEPTH {
            return Value::Null;
        }
        if !checks.values.is_empty() {
            let i = self.rng.below(checks.values.len() as u64) as usize;
            return checks.values[i].clone();
        }
        match ty {
            TypeRef::Json => json!({ "sample": self.rng.below(1000) }),
            TypeRef::String | TypeRef::Bytes => Value::String(self.string(checks)),
            TypeRef::Bool => Value::Bool(self.rng.below(2) == 1),
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => {
                let unsigned = matches!(ty, TypeRef::U32 | TypeRef::U64);
                self.integer(checks, unsigned)
            }
            TypeRef::F32 | TypeRef::F64 => self.number(checks),
            TypeRef::DateTime => {
                let day = 1 + self.rng.below(28);
                let hour = self.rng.below(24);
                let minute = self.rng.below(60);
                Value::String(format!("2024-03-{day:02}T{hour:02}:{minute:02}:00Z"))
            }
            TypeRef::Date => Value::String(format!("2024-03-{:02}", 1 + self.rng.below(28))),
            TypeRef::Uuid => {
                let a = self.rng.next_u64();
                let b = self.rng.next_u64();
                Value::String(format!(
                    "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
                    a >> 32,
                    (a >> 16) & 0xffff,
                    a & 0xfff,
                    8 + (b >> 62),
                    (b >> 48) & 0xfff,
                    b & 0xffff_ffff_ffff
                ))
            }
            TypeRef::Vec(item) => {
                let inner = checks.inner.as_deref().cloned().unwrap_or_default();
                let min = checks.min_items.unwrap_or(0);
                let max = checks.max_items.unwrap_or(usize::MAX);
                let want = if depth >= MAX_DEPTH {
                    min
                } else {
                    min.max(1 + self.rng.below(2) as usize)
                };
                let want = want.min(max);
                let mut items: Vec<Value> = Vec::new();
                let mut tries = 0;
                while items.len() < want && tries < want * 8 + 8 {
                    tries += 1;
                    let v = self.value(item, &inner, depth + 1);
                    if checks.unique_items && items.contains(&v) {
                        continue;
                    }
                    items.push(v);
                }
                Value::Array(items)
            }
            TypeRef::Map(item) => {
                let inner = checks.inner.as_deref().cloned().unwrap_or_default();
                let mut map = Map::new();
                let count = checks
                    .min_properties
                    .unwrap_or(if depth >= MAX_DEPTH { 0 } else { 1 });
                for i in 0..count {
                    map.insert(format!("key{i}"), self.value(item, &inner, depth + 1));
                }
                Value::Object(map)
            }
            TypeRef::Named(name) => {
                let Some(def) = self.types.get(name) else {
                    return Value::Null;
                };
                self.kind(def, depth)
            }
        }
    }

    fn kind(&mut self, def: &TypeDef, depth: usize) -> Value {
        let none = Checks::default();
        match &def.kind {
            TypeKind::Alias(inner) | TypeKind::Newtype(inner) => {
                self.value(inner, &def.checks, depth)
            }
            TypeKind::Enum(e) => {
                let Some(variant) = e
                    .variants
                    .get(self.rng.below(e.variants.len() as u64) as usize)
                else {
                    return Value::Null;
                };
                if e.integer {
                    variant
                        .value
                        .parse::<i64>()
                        .map_or(Value::Null, Value::from)
                } else {
                    Value::String(variant.value.clone())
                }
            }
            TypeKind::Tuple(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.value(&item.ty, &item.checks, depth + 1))
                    .collect(),
            ),
            TypeKind::Union(u) => {
                // The first member that does not contain the union again, when nesting is deep.
                let pick = if depth >= MAX_DEPTH {
                    0
                } else {
                    self.rng.below(u.variants.len() as u64) as usize
                };
                let Some(variant) = u.variants.get(pick) else {
                    return Value::Null;
                };
                let mut v = self.value(&variant.ty, &variant.checks, depth + 1);
                if let (Some(tag), Some(value), Some(map)) =
                    (&u.discriminator, variant.tags.first(), v.as_object_mut())
                {
                    map.insert(tag.clone(), Value::String(value.clone()));
                }
                v
            }
            TypeKind::Struct(s) => {
                let mut map = Map::new();
                for field in &s.fields {
                    if field.write_only {
                        continue;
                    }
                    let wanted = field.required || (depth < 3 && !field.boxed);
                    if !wanted {
                        continue;
                    }
                    map.insert(
                        field.json_name.clone(),
                        self.value(&field.ty, &field.checks, depth + 1),
                    );
                }
                for union in &s.unions {
                    if let Value::Object(more) = self.value(&union.ty, &none, depth + 1) {
                        for (k, v) in more {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
                Value::Object(map)
            }
        }
    }

    fn integer(&mut self, c: &Checks, unsigned: bool) -> Value {
        if !c.numbers.is_empty() {
            let n = c.numbers[self.rng.below(c.numbers.len() as u64) as usize];
            return Value::from(n as i64);
        }
        let mut lo = c.minimum.map_or(if unsigned { 0 } else { 1 }, |b| {
            b.value.ceil() as i64 + i64::from(b.exclusive && b.value.fract() == 0.0)
        });
        let hi = c.maximum.map_or(lo.saturating_add(100), |b| {
            b.value.floor() as i64 - i64::from(b.exclusive && b.value.fract() == 0.0)
        });
        if unsigned {
            lo = lo.max(0);
        }
        let span = (hi.saturating_sub(lo)).clamp(0, 1000) as u64;
        let mut n = lo + self.rng.below(span + 1) as i64;
        if let Some(m) = c.multiple_of.filter(|m| *m >= 1.0) {
            let m = m as i64;
            n = (lo + m - 1).div_euclid(m) * m;
        }
        Value::from(n)
    }

    fn number(&mut self, c: &Checks) -> Value {
        if !c.numbers.is_empty() {
            return json!(c.numbers[self.rng.below(c.numbers.len() as u64) as usize]);
        }
        let lo = c.minimum.map_or(0.0, |b| b.value);
        let hi = c.maximum.map_or(lo + 100.0, |b| b.value);
        let mut n = lo + (hi - lo) * (self.rng.below(1000) as f64 / 1000.0);
        if let Some(m) = c.multiple_of.filter(|m| *m > 0.0) {
            n = (n / m).ceil() * m;
        }
        if c.minimum.is_some_and(|b| !above(&b, n)) || c.maximum.is_some_and(|b| !below(&b, n)) {
            n = (lo + hi) / 2.0;
        }
        json!(n)
    }

    /// Text that fits `c`: a few tries, as a pattern's text may miss its lengths.
    fn string(&mut self, c: &Checks) -> String {
        let mut s = self.one_string(c);
        for _ in 0..32 {
            if keywords(c, &Value::String(s.clone())).is_ok() {
                break;
            }
            s = self.one_string(c);
        }
        s
    }

    fn one_string(&mut self, c: &Checks) -> String {
        let n = self.rng.below(1000);
        let word = WORDS[self.rng.below(WORDS.len() as u64) as usize];
        let mut s = if let Some(p) = &c.pattern {
            match from_pattern(&p.regex, self.rng) {
                Some(s) => s,
                None => format!("{word}{n}"),
            }
        } else {
            match c.format {
                Some(TextFormat::Uri) => format!("https://example.com/{word}/{n}"),
                Some(TextFormat::UriReference) => format!("/{word}/{n}"),
                Some(TextFormat::Email) => format!("{word}{n}@example.com"),
                Some(TextFormat::Hostname) => format!("{word}{n}.example.com"),
                Some(TextFormat::Ipv4) => format!("192.0.2.{}", n % 250),
                Some(TextFormat::Ipv6) => format!("2001:db8::{:x}", n),
                None => format!("{word}{n}"),
            }
        };
        if c.pattern.is_none() && c.format.is_none() {
            let min = c.min_length.unwrap_or(0);
            while s.chars().count() < min {
                s.push('x');
            }
            if let Some(max) = c.max_length {
                s = s.chars().take(max).collect();
            }
        }
        s
    }
}

/// A string the regex matches, built from its syntax tree (literals, the first characters of
/// classes, the fewest repetitions, seeded alternation), or `None` when the built string does
/// not match after all (look-arounds the tree does not say, say).
fn from_pattern(pattern: &str, rng: &mut Rng) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(h: &Hir, rng: &mut Rng, out: &mut String) {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(&String::from_utf8_lossy(&l.0)),
            HirKind::Class(Class::Unicode(c)) => {
                let ranges = c.ranges();
                // Printable ASCII first where the class allows it.
                let ascii = ranges
                    .iter()
                    .flat_map(|r| (r.start()..=r.end()).take(95))
                    .filter(|ch| ch.is_ascii_graphic())
                    .collect::<Vec<char>>();
                if !ascii.is_empty() {
                    out.push(ascii[rng.below(ascii.len() as u64) as usize]);
                } else if let Some(r) = ranges.first() {
                    out.push(r.start());
                }
            }
            HirKind::Class(Class::Bytes(c)) => {
                if let Some(r) = c.ranges().first() {
                    out.push(char::from(r.start()));
                }
            }
            HirKind::Repetition(r) => {
                let extra = r.max.map_or(2, |m| m.saturating_sub(r.min).min(2));
                let times = r.min.max(1).min(r.max.unwrap_or(u32::MAX))
                    + rng.below(u64::from(extra) + 1) as u32;
                let times = times.min(r.max.unwrap_or(u32::MAX)).max(r.min);
                for _ in 0..times.min(16) {
                    walk(&r.sub, rng, out);
                }
            }
            HirKind::Capture(c) => walk(&c.sub, rng, out),
            HirKind::Concat(parts) => parts.iter().for_each(|p| walk(p, rng, out)),
            HirKind::Alternation(parts) => {
                let i = rng.below(parts.len() as u64) as usize;
                walk(&parts[i], rng, out);
            }
        }
    }
    let hir = regex_syntax::parse(pattern).ok()?;
    let re = regex::Regex::new(pattern).ok()?;
    for _ in 0..8 {
        let mut out = String::new();
        walk(&hir, rng, &mut out);
        if re.is_match(&out) {
            return Some(out);
        }
    }
    None
}

/// Every response example in the spec that does not fit its body's type, at its pointer.
pub fn check_examples(api: &Api) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for op in &api.operations {
        for r in &op.responses {
            let Some((media, ty)) = &r.body else {
                continue;
            };
            for example in &r.examples {
                let result = match media {
                    BodyMedia::Json(_) => fits(api, ty, &Checks::default(), &example.value),
                    _ if example.value.is_string() => Ok(()),
                    _ => Err("is not text, and the body is".to_owned()),
                };
                if let Err(why) = result {
                    diags.push(
                        example.pointer.clone(),
                        format!(
                            "the example does not fit the response's schema: {why} (the mock answers with examples, so each must be a valid answer)"
                        ),
                    );
                }
            }
        }
    }
    diags
}

/// Which answer a request asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pick {
    /// The named example, or the first one (`None`).
    #[default]
    Example,
    Named(String),
    /// Generated from the schema with this seed.
    Dynamic(u64),
}

/// The status a `code` names among an operation's responses: the exact status, else its
/// range, else `default`.
pub fn response_for(op: &Operation, code: u16) -> Option<&Response> {
    op.responses
        .iter()
        .find(|r| r.status == StatusMatch::Code(code))
        .or_else(|| {
            op.responses
                .iter()
                .find(|r| r.status == StatusMatch::Range(code / 100))
        })
        .or_else(|| {
            op.responses
                .iter()
                .find(|r| r.status == StatusMatch::Default)
        })
}

/// The status an operation answers with when not asked: its first success, else its first
/// declared status.
pub fn default_status(op: &Operation) -> Option<u16> {
    let concrete = |r: &Response| match r.status {
        StatusMatch::Code(c) => c,
        StatusMatch::Range(r) => r * 100,
        StatusMatch::Default => 500,
    };
    op.responses
        .iter()
        .find(|r| r.is_success())
        .or_else(|| op.responses.first())
        .map(concrete)
}

/// The body of an answer with `r`'s status: the picked example, else the error model's body
/// (the response's `x-error-code` with its message), else a generated value. `None` for a
/// response without a body. `Err` when a named example does not exist.
pub fn body(api: &Api, op: &Operation, r: &Response, pick: &Pick) -> Result<Option<Value>, String> {
    let Some((media, ty)) = &r.body else {
        return match pick {
            Pick::Named(name) => Err(format!(
                "status {} has no body, so no example `{name}`",
                status_text(r)
            )),
            _ => Ok(None),
        };
    };
    match pick {
        Pick::Named(name) => {
            return r
                .examples
                .iter()
                .find(|e| e.name.as_deref() == Some(name.as_str()))
                .map(|e| Some(e.value.clone()))
                .ok_or_else(|| {
                    let names: Vec<&str> = r
                        .examples
                        .iter()
                        .filter_map(|e| e.name.as_deref())
                        .collect();
                    format!(
                        "status {} has no example `{name}` (it has: {})",
                        status_text(r),
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )
                });
        }
        Pick::Dynamic(seed) => {
            // An error keeps the operation's code and message.
            if let Some(v) = error_body(api, op, r, ty) {
                return Ok(Some(v));
            }
            let v = sample(api, ty, &Checks::default(), &mut Rng::new(*seed));
            return Ok(Some(text_or(media, v)));
        }
        Pick::Example => {}
    }
    if let Some(example) = r.examples.first() {
        return Ok(Some(example.value.clone()));
    }
    if let Some(v) = error_body(api, op, r, ty) {
        return Ok(Some(v));
    }
    Ok(Some(text_or(
        media,
        sample(api, ty, &Checks::default(), &mut Rng::new(0)),
    )))
}

fn text_or(media: &BodyMedia, v: Value) -> Value {
    match (media, &v) {
        (BodyMedia::Json(_), _) | (_, Value::String(_)) => v,
        _ => Value::String(v.to_string()),
    }
}

fn status_text(r: &Response) -> String {
    match r.status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(c) => format!("{c}XX"),
        StatusMatch::Default => "default".to_owned(),
    }
}

/// The error model's body for a response that names its code (`x-error-code`), with the
/// operation's wording or the code's standard message, when it fits the response's type.
fn error_body(api: &Api, op: &Operation, r: &Response, ty: &TypeRef) -> Option<Value> {
    let model = api.error_model.as_ref()?;
    if *ty != TypeRef::Named(model.schema.clone()) {
        return None;
    }
    let code = r.error_code.clone().or_else(|| {
        // The code the router itself answers this status with.
        let rej = &op.rejections;
        let status = match r.status {
            StatusMatch::Code(c) => c,
            _ => return None,
        };
        [
            &rej.missing_credentials,
            &rej.invalid_credentials,
            &rej.invalid_path,
            &rej.invalid_params,
            &rej.invalid_body,
            &rej.unsupported_media,
            &rej.too_large,
        ]
        .into_iter()
        .chain(rej.not_acceptable.as_ref())
        .find(|x| x.status == status)
        .map(|x| x.code.clone())
    })?;
    let message = r
        .error_messages
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| m.clone())
        .or_else(|| match api.types.get(&model.codes).map(|t| &t.kind) {
            Some(TypeKind::Enum(e)) => e
                .variants
                .iter()
                .find(|v| v.value == code)
                .and_then(|v| v.message.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let mut error = Map::new();
    error.insert(model.code_field.0.clone(), Value::String(code));
    error.insert(model.message_field.0.clone(), Value::String(message));
    let mut body = Map::new();
    body.insert(model.error_field.0.clone(), Value::Object(error));
    let body = Value::Object(body);
    fits(api, ty, &Checks::default(), &body).ok().map(|()| body)
}

/// A header's value for the mock: its example when that fits, else a generated one.
pub fn header(api: &Api, h: &crate::model::ResponseHeader, seed: u64) -> Value {
    if let Some(example) = &h.example {
        if fits(api, &h.ty, &Checks::default(), example).is_ok() {
            return example.clone();
        }
        // Header examples are often written as text ("60" for an integer).
        if let Some(text) = example.as_str()
            && let Ok(v) = serde_json::from_str::<Value>(text)
            && fits(api, &h.ty, &Checks::default(), &v).is_ok()
        {
            return v;
        }
    }
    sample(api, &h.ty, &Checks::default(), &mut Rng::new(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(spec: &str) -> Api {
        let doc = crate::load::load(spec).expect("loads");
        crate::lower::lower(&doc).expect("lowers")
    }

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples:
                small: {value: {name: ab, count: 2, kind: big, at: "2024-01-02T03:04:05Z"}}
components:
  schemas:
    Thing:
      type: object
      additionalProperties: false
      required: [name, count]
      properties:
        name: {type: string, minLength: 2, pattern: "^[a-z]+$"}
        count: {type: integer, minimum: 1, maximum: 9}
        kind: {type: string, enum: [big, small]}
        at: {type: string, format: date-time}
        tags: {type: array, items: {type: string, format: email}, maxItems: 3, uniqueItems: true}
"##;

    #[test]
    fn examples_that_fit_pass_and_others_are_located() {
        let a = api(SPEC);
        assert!(check_examples(&a).is_empty());
        let bad = SPEC.replace("count: 2", "count: 12");
        let diags = check_examples(&api(&bad));
        let d = diags.iter().next().expect("a diagnostic");
        assert_eq!(
            d.pointer,
            "#/paths/~1things/get/responses/200/content/application~1json/examples/small/value"
        );
        assert!(
            d.message.contains("`/count` is above its maximum"),
            "{}",
            d.message
        );
        let extra = SPEC.replace("kind: big,", "kind: big, other: 1,");
        let diags = check_examples(&api(&extra));
        assert!(
            diags
                .iter()
                .next()
                .expect("a diagnostic")
                .message
                .contains("`other`")
        );
        let missing = SPEC.replace("name: ab, ", "");
        assert!(!check_examples(&api(&missing)).is_empty());
    }

    #[test]
    fn samples_fit_and_repeat_with_their_seed() {
        let a = api(SPEC);
        let ty = TypeRef::Named("Thing".into());
        for seed in 0..200 {
            let v = sample(&a, &ty, &Checks::default(), &mut Rng::new(seed));
            fits(&a, &ty, &Checks::default(), &v)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}: {v}"));
            assert_eq!(v, sample(&a, &ty, &Checks::default(), &mut Rng::new(seed)));
        }
        assert_ne!(
            sample(&a, &ty, &Checks::default(), &mut Rng::new(1)),
            sample(&a, &ty, &Checks::default(), &mut Rng::new(2))
        );
    }

    #[test]
    fn patterns_generate_matching_text() {
        let mut rng = Rng::new(7);
        for p in [
            r"^[A-Za-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9]*\.v[0-9]+$",
            r"\S",
            r"^(?:whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?|(?:[^w]|w[^h])[\s\S]*)$",
        ] {
            let s = from_pattern(p, &mut rng).expect("a match");
            assert!(
                regex::Regex::new(p).expect("regex").is_match(&s),
                "{p}: {s}"
            );
        }
    }

    #[test]
    fn dates_and_uuids() {
        assert!(is_date_time("2021-06-07T08:27:42Z"));
        assert!(is_date_time("2021-06-07T08:27:42.123456+02:00"));
        assert!(!is_date_time("2021-06-07"));
        assert!(!is_date_time("2021-13-07T08:27:42Z"));
        assert!(is_uuid("5885fb70-81c1-423b-b556-771b5ab4d55b"));
        assert!(!is_uuid("5885fb70-81c1-423b-b556"));
    }

    #[test]
    fn a_type_that_requires_itself_ends_instead_of_overflowing() {
        let api = api(r##"
openapi: 3.0.3
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    Node:
      type: object
      required: [next]
      properties:
        next: {$ref: "#/components/schemas/Node"}
"##);
        let ty = TypeRef::Named("Node".to_owned());
        let value = sample(&api, &ty, &Checks::default(), &mut Rng::new(1));
        // No finite value fits; the chain stops at the give-up depth.
        let mut depth = 0;
        let mut at = &value;
        while let Some(next) = at.get("next") {
            depth += 1;
            at = next;
        }
        assert!(depth <= GIVE_UP_DEPTH + 1, "{depth}");
    }
}
