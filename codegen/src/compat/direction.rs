//! Which way each named type travels: whether a change to a type breaks clients depends on
//! whether they send it, receive it, or both.

use std::collections::BTreeMap;

use crate::model::{Api, TypeKind, TypeRef};

/// Whether a type travels in requests (input), in responses (output), or both.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Direction {
    pub input: bool,
    pub output: bool,
}

/// For every named type: (used in a request, used in a response), through fields, items and
/// union variants.
pub(super) fn usage(api: &Api) -> BTreeMap<String, (bool, bool)> {
    let mut seen: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut stack: Vec<(String, bool)> = Vec::new();
    for op in &api.operations {
        for p in op.path_params.iter().chain(&op.params) {
            named(&p.ty, true, &mut stack);
        }
        if let Some(body) = &op.body {
            named(&body.ty, true, &mut stack);
        }
        for r in &op.responses {
            if let Some((_, ty)) = &r.body {
                named(ty, false, &mut stack);
            }
            for h in &r.headers {
                named(&h.ty, false, &mut stack);
            }
        }
    }
    while let Some((name, input)) = stack.pop() {
        let entry = seen.entry(name.clone()).or_default();
        let slot = if input { &mut entry.0 } else { &mut entry.1 };
        if *slot {
            continue;
        }
        *slot = true;
        let Some(def) = api.types.get(&name) else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct(s) => {
                for f in &s.fields {
                    named(&f.ty, input, &mut stack);
                }
                if let Some(extra) = &s.extra {
                    named(extra, input, &mut stack);
                }
            }
            TypeKind::Union(u) => {
                for v in &u.variants {
                    named(&v.ty, input, &mut stack);
                }
            }
            TypeKind::Alias(t) | TypeKind::Newtype(t) => named(t, input, &mut stack),
            TypeKind::Tuple(items) => {
                for item in items {
                    named(&item.ty, input, &mut stack);
                }
            }
            TypeKind::Enum(_) => {}
        }
    }
    seen
}

fn named(ty: &TypeRef, input: bool, stack: &mut Vec<(String, bool)>) {
    match ty {
        TypeRef::Named(n) => stack.push((n.clone(), input)),
        TypeRef::Vec(t) | TypeRef::Map(t) => named(t, input, stack),
        _ => {}
    }
}
