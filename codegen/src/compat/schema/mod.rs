//! The rules for a schema that is in both specs: its kind, and what changed inside it.

mod enumeration;
mod object;

use super::change::Recorder;
use super::constraints;
use super::direction::Direction;
use super::rules;
use super::show::show;
use crate::model::{TypeDef, TypeKind};

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct(_) => "object",
        TypeKind::Enum(_) => "string enum",
        TypeKind::Union(_) => "oneOf/anyOf",
        TypeKind::Alias(_) => "alias",
        TypeKind::Newtype(_) => "newtype",
        TypeKind::Tuple(_) => "tuple",
    }
}

pub(super) fn compare(
    out: &mut Recorder,
    old: &TypeDef,
    new: &TypeDef,
    dir: Direction,
    is_codes: bool,
) {
    constraints::compare(out, &old.checks, &new.checks, dir, "value");
    match (&old.kind, &new.kind) {
        (TypeKind::Struct(a), TypeKind::Struct(b)) => object::compare(out, a, b, dir),
        (TypeKind::Enum(a), TypeKind::Enum(b)) => enumeration::compare(out, a, b, dir, is_codes),
        (TypeKind::Alias(a), TypeKind::Alias(b)) | (TypeKind::Newtype(a), TypeKind::Newtype(b)) => {
            if !out.same(a, b) {
                out.push(
                    rules::SCHEMA_KIND,
                    format!("type: {} → {}", show(a), show(b)),
                    true,
                    true,
                    "values of the old type no longer fit; the Rust type changes",
                );
            }
        }
        (TypeKind::Union(a), TypeKind::Union(b)) => {
            let va: Vec<String> = a
                .variants
                .iter()
                .map(|v| show(&out.in_new_names(&v.ty)))
                .collect();
            let vb: Vec<String> = b.variants.iter().map(|v| show(&v.ty)).collect();
            for v in vb.iter().filter(|v| !va.contains(v)) {
                out.push(
                    rules::VARIANT_ADDED,
                    format!("variant {v} added"),
                    dir.output,
                    false,
                    if dir.output {
                        "old clients cannot decode the new variant in responses"
                    } else {
                        "old clients never send it; implementations see a new variant"
                    },
                );
            }
            for v in va.iter().filter(|v| !vb.contains(v)) {
                out.push(
                    rules::VARIANT_REMOVED,
                    format!("variant {v} removed"),
                    dir.input,
                    true,
                    "old clients may send it and are refused; implementations naming the variant no longer compile",
                );
            }
        }
        (a, b) => out.push(
            rules::SCHEMA_KIND,
            format!("kind: {} → {}", kind_name(a), kind_name(b)),
            true,
            true,
            "the JSON shape and the Rust type both change",
        ),
    }
}
