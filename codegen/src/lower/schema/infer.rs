//! Unions without a discriminator: how a value finds its member.
//!
//! - By JSON type and specificity: the variants are ordered so that the most specific member is
//!   tried first (enums and formatted strings before plain strings, integers before numbers,
//!   objects with more required properties before objects with fewer, maps and any-value members
//!   last). A value is read as the first member that accepts it.
//! - By field names: among object members, a property only one member declares selects that
//!   member when the value holds it (before the ordered tries), so members whose properties are
//!   all optional are still told apart.
//! - The same type listed twice is one variant (the union's docs say so: under `oneOf` the server
//!   counts a value of it as fitting one member). Two members of different types that no value can
//!   tell apart (objects declaring and requiring the same properties alike) are a located error:
//!   which type a value is would be a guess.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::SchemaLowerer;
use crate::diagnostic::Pointer;
use crate::model::{TypeKind, TypeRef, UnionVariant};

const STRING: u8 = 0;
const NUMBER: u8 = 1;
const ARRAY: u8 = 2;
const BOOL: u8 = 3;
const OBJECT: u8 = 4;
const ANY: u8 = 5;

/// What an object member declares (each property's schema, without its documentation) and
/// requires.
#[derive(Default, PartialEq)]
struct Shape {
    declared: BTreeMap<String, serde_json::Value>,
    required: BTreeSet<String>,
}

impl SchemaLowerer<'_> {
    /// Orders `variants` (built from `members`, in order) most specific first and fills in their
    /// unique fields; reports members that cannot be told apart.
    pub(super) fn infer(
        &mut self,
        variants: &mut Vec<UnionVariant>,
        members: &[ReferenceOr<Schema>],
        pointer: &Pointer,
        exactly_one: bool,
    ) -> Vec<String> {
        // The same type listed twice (`[{type: string}, {type: string, title: t}]`) is one
        // variant; the docs say so, since `oneOf` would refuse a value fitting both.
        let mut notes = Vec::new();
        let mut original: Vec<usize> = Vec::new();
        let mut kept: Vec<(UnionVariant, &ReferenceOr<Schema>)> = Vec::new();
        for (i, (variant, member)) in variants.drain(..).zip(members).enumerate() {
            let twin = kept
                .iter()
                .position(|(k, _)| k.ty == variant.ty && k.checks == variant.checks);
            match twin {
                Some(k) => notes.push(format!(
                    "Members {} and {i} of the `{}` are the same type, which is one variant here{}.",
                    original[k],
                    if exactly_one { "oneOf" } else { "anyOf" },
                    if exactly_one {
                        " (the server counts a value of it as fitting one member)"
                    } else {
                        ""
                    }
                )),
                None => {
                    original.push(i);
                    kept.push((variant, member));
                }
            }
        }
        let shapes: Vec<Option<Shape>> = kept
            .iter()
            .map(|(v, m)| self.object_shape(m, &v.ty, 0))
            .collect();
        variants.extend(kept.into_iter().map(|(v, _)| v));
        for i in 0..variants.len() {
            for j in 0..i {
                if shapes[i].is_some() && shapes[i] == shapes[j] {
                    if exactly_one {
                        self.diags.push(
                            pointer.join(original[i]),
                            format!(
                                "this member cannot be told apart from member {}: both accept the same values, so which one a value is would be a guess (merge them, or add a `discriminator`)",
                                original[j]
                            ),
                        );
                    } else {
                        // `anyOf` lets a value fit several members: the first that reads it
                        // is a right reading, and the docs say which one that is.
                        notes.push(format!(
                            "Members {} and {} of the `anyOf` accept the same objects; such a value is read as member {}.",
                            original[j], original[i], original[j]
                        ));
                    }
                }
            }
        }
        let objects = shapes.iter().filter(|s| s.is_some()).count();
        if objects >= 2 {
            for (i, variant) in variants.iter_mut().enumerate() {
                let Some(own) = &shapes[i] else { continue };
                variant.unique_fields = own
                    .declared
                    .keys()
                    .filter(|k| {
                        shapes.iter().enumerate().all(|(j, s)| {
                            j == i || s.as_ref().is_none_or(|s| !s.declared.contains_key(*k))
                        })
                    })
                    .cloned()
                    .collect();
            }
        }
        // Sorted most specific first within each JSON type (strings among strings...), each
        // type keeping its places; members that accept any value go last.
        let keys: Vec<(u8, u8, usize, usize)> = variants
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (required, declared) = shapes[i]
                    .as_ref()
                    .map(|s| (s.required.len(), s.declared.len()))
                    .unwrap_or_default();
                let (class, rank) = self.rank(&v.ty);
                (class, rank, usize::MAX - required, usize::MAX - declared)
            })
            .collect();
        let mut taken: Vec<Option<UnionVariant>> = variants.drain(..).map(Some).collect();
        let mut order: Vec<usize> = (0..taken.len()).collect();
        let classes: BTreeSet<u8> = keys.iter().map(|k| k.0).collect();
        for class in classes {
            let places: Vec<usize> = (0..keys.len()).filter(|i| keys[*i].0 == class).collect();
            let mut sorted = places.clone();
            sorted.sort_by_key(|i| (keys[*i], *i));
            for (place, from) in places.into_iter().zip(sorted) {
                order[place] = from;
            }
        }
        let (any, rest): (Vec<usize>, Vec<usize>) =
            order.into_iter().partition(|i| keys[*i].0 == ANY);
        variants.extend(rest.into_iter().chain(any).filter_map(|i| taken[i].take()));
        notes
    }

    /// The JSON type of a variant's values (a class), and how early it is tried among
    /// variants of that class: the fewer values it accepts, the earlier.
    fn rank(&self, ty: &TypeRef) -> (u8, u8) {
        match ty {
            TypeRef::Named(n) => match self.types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Enum(e)) if e.integer => (NUMBER, 0),
                Some(TypeKind::Enum(_)) => (STRING, 0),
                Some(TypeKind::Struct(_) | TypeKind::Union(_)) => (OBJECT, 0),
                Some(TypeKind::Tuple(_)) => (ARRAY, 0),
                Some(TypeKind::Alias(inner) | TypeKind::Newtype(inner)) => self.rank(inner),
                // Not lowered yet (a type on its way): an object, most likely.
                None => (OBJECT, 0),
            },
            TypeRef::DateTime | TypeRef::Date | TypeRef::Uuid => (STRING, 1),
            TypeRef::String | TypeRef::Bytes => (STRING, 2),
            TypeRef::I32 | TypeRef::U32 => (NUMBER, 1),
            TypeRef::I64 | TypeRef::U64 => (NUMBER, 2),
            TypeRef::F32 | TypeRef::F64 => (NUMBER, 3),
            TypeRef::Vec(_) => (ARRAY, 0),
            TypeRef::Bool => (BOOL, 0),
            TypeRef::Map(_) => (OBJECT, 1),
            TypeRef::Json => (ANY, 0),
        }
    }

    /// The properties an object member declares and requires (following `$ref`s and `allOf`);
    /// `None` for a member that is not an object with properties.
    fn object_shape(
        &self,
        member: &ReferenceOr<Schema>,
        ty: &TypeRef,
        depth: usize,
    ) -> Option<Shape> {
        if depth > 16 {
            return None;
        }
        let schema = self.resolve(member)?;
        let mut shape = Shape::default();
        self.gather(schema, &mut shape, depth);
        // A member lowered without some properties (they are the enclosing struct's) declares
        // what its type has.
        if let TypeRef::Named(n) = ty
            && let Some(TypeKind::Struct(s)) = self.types.get(n).map(|t| &t.kind)
        {
            shape
                .declared
                .retain(|k, _| s.fields.iter().any(|f| f.json_name == *k));
            shape
                .required
                .retain(|k| s.fields.iter().any(|f| f.json_name == *k));
        }
        (!shape.declared.is_empty()).then_some(shape)
    }

    fn gather(&self, schema: &Schema, shape: &mut Shape, depth: usize) {
        if depth > 16 {
            return;
        }
        let (properties, required, all_of) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required, &[][..]),
            SchemaKind::Any(a) => (&a.properties, &a.required, a.all_of.as_slice()),
            SchemaKind::AllOf { all_of } => {
                for m in all_of {
                    if let Some(s) = self.resolve(m) {
                        self.gather(s, shape, depth + 1);
                    }
                }
                return;
            }
            _ => return,
        };
        shape
            .declared
            .extend(properties.iter().map(|(k, v)| (k.clone(), plain(v))));
        shape.required.extend(required.iter().cloned());
        for m in all_of {
            if let Some(s) = self.resolve(m) {
                self.gather(s, shape, depth + 1);
            }
        }
    }
}

/// A property's schema as JSON without its documentation, for comparing definitions.
pub(super) fn plain(schema: &ReferenceOr<Box<Schema>>) -> serde_json::Value {
    let mut value = serde_json::to_value(schema).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        for key in [
            "description",
            "title",
            "example",
            "deprecated",
            "externalDocs",
        ] {
            map.remove(key);
        }
    }
    value
}
