//! Validation keywords: a bound, pattern, format, item or property count, or list of numbers
//! that accepts less (tightened) or more (loosened) than before.
//!
//! Tightened where clients send the value, old clients' requests that were valid are refused;
//! loosened where they receive it, old clients that validate or size by the old bound meet
//! values they never expected. The other direction is a warning for servers: old
//! implementations may answer what the new spec forbids, or receive what they never handled.

use super::change::Recorder;
use super::direction::Direction;
use super::rules;
use super::show::show as show_type;
use super::verdict::{Impact, Semver};
use crate::model::{Bound, Checks, TypeRef};

/// Reports a type of `subject` that only widened or narrowed (`int32` → `int64`, `date-time` →
/// any string) and returns whether it was one. Such a change keeps the JSON of the values both
/// types accept: it moves a bound, like a constraint, while the Rust type changes.
pub(super) fn type_moved(
    out: &mut Recorder,
    subject: &str,
    old: &TypeRef,
    new: &TypeRef,
    dir: Direction,
) -> bool {
    let wider = if within(old, new) {
        true
    } else if within(new, old) {
        false
    } else {
        return false;
    };
    out.push(
        if wider {
            rules::CONSTRAINT_LOOSENED
        } else {
            rules::CONSTRAINT_TIGHTENED
        },
        format!("{subject} type: {} → {}", show_type(old), show_type(new)),
        if wider { dir.output } else { dir.input },
        true,
        if wider {
            "accepts more values: old clients receiving it may not decode them, old clients sending it are fine; the Rust type changes"
        } else {
            "accepts fewer values: old clients sending it may be refused, old clients receiving it are fine; the Rust type changes"
        },
    );
    out.rust(Semver::Major);
    true
}

/// Whether every value of `narrow` is a value of `wide`.
fn within(narrow: &TypeRef, wide: &TypeRef) -> bool {
    use TypeRef::*;
    matches!(
        (narrow, wide),
        (I32, I64)
            | (U32, U64)
            | (U32, I64)
            | (I32, F64)
            | (U32, F64)
            | (F32, F64)
            | (DateTime | Date | Uuid, String)
    )
}

/// Which way a keyword moved.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Tighter,
    Looser,
    /// Neither contains the other (another pattern or format): both verdicts apply.
    Other,
}

/// Reports every keyword of `subject` (e.g. "property `name`") that moved.
pub(super) fn compare(
    out: &mut Recorder,
    old: &Checks,
    new: &Checks,
    dir: Direction,
    subject: &str,
) {
    let mut moved: Vec<(String, Way)> = Vec::new();
    let mut lower = |name: &str, a: Option<usize>, b: Option<usize>| {
        if let Some(way) = lower_bound(a.map(|v| v as f64), b.map(|v| v as f64)) {
            moved.push((format!("{name} {} → {}", show(a), show(b)), way));
        }
    };
    lower("minLength", old.min_length, new.min_length);
    lower("minItems", old.min_items, new.min_items);
    lower("minProperties", old.min_properties, new.min_properties);
    let mut upper = |name: &str, a: Option<usize>, b: Option<usize>| {
        if let Some(way) = upper_bound(a.map(|v| v as f64), b.map(|v| v as f64)) {
            moved.push((format!("{name} {} → {}", show(a), show(b)), way));
        }
    };
    upper("maxLength", old.max_length, new.max_length);
    upper("maxItems", old.max_items, new.max_items);
    upper("maxProperties", old.max_properties, new.max_properties);
    if let Some(way) = bound(old.minimum, new.minimum, true) {
        moved.push((
            format!(
                "minimum {} → {}",
                show_bound(old.minimum),
                show_bound(new.minimum)
            ),
            way,
        ));
    }
    if let Some(way) = bound(old.maximum, new.maximum, false) {
        moved.push((
            format!(
                "maximum {} → {}",
                show_bound(old.maximum),
                show_bound(new.maximum)
            ),
            way,
        ));
    }
    if old.multiple_of != new.multiple_of {
        let way = match (old.multiple_of, new.multiple_of) {
            (None, Some(_)) => Way::Tighter,
            (Some(_), None) => Way::Looser,
            (Some(a), Some(b)) if (b / a).fract() == 0.0 => Way::Tighter,
            (Some(a), Some(b)) if (a / b).fract() == 0.0 => Way::Looser,
            _ => Way::Other,
        };
        moved.push((
            format!(
                "multipleOf {} → {}",
                show(old.multiple_of),
                show(new.multiple_of)
            ),
            way,
        ));
    }
    let (p0, p1) = (
        old.pattern.as_ref().map(|p| p.ecma.as_str()),
        new.pattern.as_ref().map(|p| p.ecma.as_str()),
    );
    if p0 != p1 {
        let way = match (p0, p1) {
            (None, Some(_)) => Way::Tighter,
            (Some(_), None) => Way::Looser,
            _ => Way::Other,
        };
        moved.push((format!("pattern {} → {}", quoted(p0), quoted(p1)), way));
    }
    if old.format != new.format {
        let way = match (&old.format, &new.format) {
            (None, Some(_)) => Way::Tighter,
            (Some(_), None) => Way::Looser,
            _ => Way::Other,
        };
        let name = |f: &Option<crate::model::TextFormat>| {
            f.as_ref()
                .map_or("none".to_owned(), |f| format!("{f:?}").to_lowercase())
        };
        moved.push((
            format!("format {} → {}", name(&old.format), name(&new.format)),
            way,
        ));
    }
    if old.unique_items != new.unique_items {
        let way = if new.unique_items {
            Way::Tighter
        } else {
            Way::Looser
        };
        moved.push((
            format!("uniqueItems {} → {}", old.unique_items, new.unique_items),
            way,
        ));
    }
    if old.numbers != new.numbers {
        let gone = old.numbers.iter().any(|n| !new.numbers.contains(n)) || old.numbers.is_empty();
        let came = new.numbers.iter().any(|n| !old.numbers.contains(n)) || new.numbers.is_empty();
        let way = match (gone, came) {
            (true, false) => Way::Tighter,
            (false, true) => Way::Looser,
            _ => Way::Other,
        };
        moved.push((
            format!("allowed numbers {:?} → {:?}", old.numbers, new.numbers),
            way,
        ));
    }
    for (what, way) in moved {
        push(out, subject, &what, way, dir);
    }
    match (&old.inner, &new.inner) {
        (Some(a), Some(b)) => compare(out, a, b, dir, &format!("items of {subject}")),
        (None, Some(b)) => compare(
            out,
            &Checks::default(),
            b,
            dir,
            &format!("items of {subject}"),
        ),
        (Some(a), None) => compare(
            out,
            a,
            &Checks::default(),
            dir,
            &format!("items of {subject}"),
        ),
        (None, None) => {}
    }
}

fn push(out: &mut Recorder, subject: &str, what: &str, way: Way, dir: Direction) {
    let what = format!("{subject}: {what}");
    let tighter = way != Way::Looser;
    let looser = way != Way::Tighter;
    let clients = (tighter && dir.input) || (looser && dir.output);
    let servers = (tighter && dir.output) || (looser && dir.input);
    let servers = if servers { Impact::Warning } else { Impact::Ok };
    let (rule, reason) = match way {
        Way::Tighter => (
            rules::CONSTRAINT_TIGHTENED,
            match (dir.input, dir.output) {
                (true, _) => "accepts less: old clients' requests that were valid are now refused",
                (false, true) => {
                    "accepts less in responses: old clients are fine; old implementations may answer what is now invalid"
                }
                _ => "accepts less",
            },
        ),
        Way::Looser => (
            rules::CONSTRAINT_LOOSENED,
            match (dir.output, dir.input) {
                (true, _) => {
                    "accepts more in responses: old clients that validate or size by the old bound meet values they never expected"
                }
                (false, true) => {
                    "accepts more in requests: old clients are fine; old implementations receive values they never handled"
                }
                _ => "accepts more",
            },
        ),
        Way::Other => (
            rules::CONSTRAINT_TIGHTENED,
            "accepts other values, neither a subset nor a superset: both what clients send and what they receive may no longer fit",
        ),
    };
    out.push(rule, what, clients, servers, reason);
}

/// A lower bound (`minLength`, `minItems`): higher or new is tighter.
fn lower_bound(a: Option<f64>, b: Option<f64>) -> Option<Way> {
    match (a, b) {
        (a, b) if a == b => None,
        (None, Some(_)) => Some(Way::Tighter),
        (Some(_), None) => Some(Way::Looser),
        (Some(a), Some(b)) => Some(if b > a { Way::Tighter } else { Way::Looser }),
        (None, None) => None,
    }
}

/// An upper bound (`maxLength`): lower or new is tighter.
fn upper_bound(a: Option<f64>, b: Option<f64>) -> Option<Way> {
    match (a, b) {
        (a, b) if a == b => None,
        (None, Some(_)) => Some(Way::Tighter),
        (Some(_), None) => Some(Way::Looser),
        (Some(a), Some(b)) => Some(if b < a { Way::Tighter } else { Way::Looser }),
        (None, None) => None,
    }
}

/// `minimum` (`is_min`) or `maximum`, with exclusivity: an exclusive bound at the same value
/// accepts less than an inclusive one.
fn bound(a: Option<Bound>, b: Option<Bound>, is_min: bool) -> Option<Way> {
    let key = |x: Bound| (x.value, x.exclusive);
    match (a, b) {
        (None, None) => None,
        (None, Some(_)) => Some(Way::Tighter),
        (Some(_), None) => Some(Way::Looser),
        (Some(a), Some(b)) if key(a) == key(b) => None,
        (Some(a), Some(b)) => {
            let tighter = if a.value == b.value {
                b.exclusive
            } else if is_min {
                b.value > a.value
            } else {
                b.value < a.value
            };
            Some(if tighter { Way::Tighter } else { Way::Looser })
        }
    }
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("none".to_owned(), |v| v.to_string())
}

fn show_bound(b: Option<Bound>) -> String {
    b.map_or("none".to_owned(), |b| {
        if b.exclusive {
            format!("{} (exclusive)", b.value)
        } else {
            b.value.to_string()
        }
    })
}

fn quoted(p: Option<&str>) -> String {
    p.map_or("none".to_owned(), |p| format!("`{p}`"))
}
