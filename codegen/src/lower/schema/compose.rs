//! Compositions: `allOf`, and `oneOf` / `anyOf` beside `properties` (or inside `allOf`
//! members). The rules:
//!
//! - `allOf` members are merged into one struct: every member's properties (following `$ref`s and
//!   nested `allOf`), the union of their `required` lists, and the last `additionalProperties`
//!   (`true` or a schema: the struct keeps the other members in a map). A property two members
//!   define differently is a located error, unless the definitions agree: the same `$ref`, the
//!   same schema, one of them only documentation or any value, or the same scalar type (the one
//!   with more keywords, the stricter, is kept; the server checks that one).
//! - A `oneOf` or `anyOf` beside properties, or inside an `allOf` member, is a union the value is
//!   at the same time: a `#[serde(flatten)]` field of the struct, named `one_of` / `any_of`. The
//!   struct's fields are the properties declared beside the union; members written inline leave
//!   those to the struct (serde gives each key to one side), and the union's discriminator
//!   property is the union's. A `$ref` member that requires a property declared beside it is a
//!   located error: the struct would take the key and the member never see it. Beside a union,
//!   `additionalProperties` is left to the members (`false` cannot be enforced by a flattened
//!   struct; extra members belong to whichever member declares them).
//! - `anyOf` is a union too (not a struct of optional alternatives): the value is typed as the one
//!   member it is read as, and the server checks that at least one member accepts it.

use std::collections::BTreeSet;

use openapiv3::{AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaKind, Type};

use super::infer::plain;
use super::{SchemaLowerer, Shape, is_metadata_only, scalar_kind};
use crate::diagnostic::Pointer;
use crate::model::{Docs, FlatUnion, StructDef, TypeDef, TypeKind, TypeRef};
use crate::naming::{self, Namespace};

/// The parts of a schema that compose: its own object keywords and combinators.
pub struct Own<'s> {
    pub properties: Option<&'s indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>>,
    pub required: &'s [String],
    pub additional: Option<&'s AdditionalProperties>,
    pub all_of: &'s [ReferenceOr<Schema>],
    pub one_of: &'s [ReferenceOr<Schema>],
    pub any_of: &'s [ReferenceOr<Schema>],
    pub discriminator: Option<&'s Discriminator>,
}

impl Own<'_> {
    pub fn empty() -> Self {
        Own {
            properties: None,
            required: &[],
            additional: None,
            all_of: &[],
            one_of: &[],
            any_of: &[],
            discriminator: None,
        }
    }
}

/// A union the value also is, before its members are lowered (they need to know which
/// properties the struct keeps).
struct PendingUnion {
    members: Vec<ReferenceOr<Schema>>,
    discriminator: Option<Discriminator>,
    /// Where `oneOf` / `anyOf` is written.
    pointer: Pointer,
    exactly_one: bool,
}

enum Part {
    /// A named union type (a `$ref` member that is a union).
    Named(TypeRef, Option<String>, bool),
    Pending(PendingUnion),
}

/// What the parts of a composition add up to.
struct Merged {
    /// Where the merged schema is.
    at: Pointer,
    /// Property → its schema and where that is written.
    properties: indexmap::IndexMap<String, (ReferenceOr<Box<Schema>>, Pointer)>,
    required: Vec<String>,
    additional: Option<(AdditionalProperties, Pointer)>,
    unions: Vec<Part>,
    /// `$ref` members of unions with what they require, for the check against shared fields.
    ref_requires: Vec<(Pointer, String, Vec<String>)>,
}

impl SchemaLowerer<'_> {
    /// A schema with `allOf`, or with `oneOf` / `anyOf` beside properties or each other.
    pub(super) fn composite(&mut self, own: &Own<'_>, pointer: &Pointer, name: &str) -> Shape {
        let all_of = pointer.join("allOf");
        let own_object = own.properties.is_some_and(|p| !p.is_empty())
            || !own.required.is_empty()
            || own.additional.is_some();
        let own_unions = !own.one_of.is_empty() || !own.any_of.is_empty();
        if !own_object
            && !own_unions
            && let Some(shape) = self.simple_all_of(own.all_of, &all_of, name)
        {
            return shape;
        }
        let mut merged = Merged {
            at: pointer.clone(),
            properties: indexmap::IndexMap::new(),
            required: Vec::new(),
            additional: None,
            unions: Vec::new(),
            ref_requires: Vec::new(),
        };
        let mut ok = true;
        for (i, member) in own.all_of.iter().enumerate() {
            ok &= self.collect(member, &all_of.join(i), &mut merged, 0);
        }
        let props = pointer.join("properties");
        for (key, prop) in own.properties.into_iter().flatten() {
            ok &= self.add_property(&mut merged, key, prop, props.join(key));
        }
        add_required(&mut merged.required, own.required);
        if let Some(a) = own.additional {
            merged.additional = Some((a.clone(), pointer.clone()));
        }
        for (members, exactly_one, keyword) in
            [(own.one_of, true, "oneOf"), (own.any_of, false, "anyOf")]
        {
            // `required`-only members constrain, they add no type.
            if !members.is_empty() && members.iter().all(is_metadata_only) {
                self.leave_unchecked_at(pointer, &pointer.join(keyword));
            }
            if !members.iter().all(is_metadata_only) {
                self.note_ref_requires(&mut merged, members, &pointer.join(keyword));
                merged.unions.push(Part::Pending(PendingUnion {
                    members: members.to_vec(),
                    discriminator: own.discriminator.cloned(),
                    pointer: pointer.join(keyword),
                    exactly_one,
                }));
            }
        }
        if !ok {
            return Shape::Use(TypeRef::Json);
        }
        self.merged_struct(merged, name)
    }

    /// `allOf` alone: one meaningful member is that member's type; members all of one scalar
    /// type are that type. `None` when the members must be merged.
    fn simple_all_of(
        &mut self,
        members: &[ReferenceOr<Schema>],
        all_of: &Pointer,
        name: &str,
    ) -> Option<Shape> {
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_metadata_only(m))
            .collect();
        if meaningful.len() == 1 {
            let (i, member) = meaningful[0];
            return Some(Shape::Use(self.type_of(member, &all_of.join(i), name)));
        }
        // Members that are all of one non-object type (`string` with a `format` here and a
        // `maxLength` there) are that type; an integer also satisfies `number`.
        let kinds: Vec<Option<&'static str>> = meaningful
            .iter()
            .map(|(_, m)| self.resolve(m).and_then(scalar_kind))
            .collect();
        if kinds.is_empty() || !kinds.iter().all(Option::is_some) {
            return None;
        }
        let kinds: Vec<&str> = kinds.into_iter().flatten().collect();
        let pick = if kinds.iter().all(|k| matches!(*k, "integer" | "number")) {
            Some(kinds.iter().position(|k| *k == "integer").unwrap_or(0))
        } else {
            kinds.iter().all(|k| *k == kinds[0]).then_some(0)
        };
        if let Some(position) = pick {
            let (i, member) = meaningful[position];
            return Some(Shape::Use(self.type_of(member, &all_of.join(i), name)));
        }
        let mut listed = kinds;
        listed.sort_unstable();
        listed.dedup();
        self.diags.push(
            all_of,
            format!(
                "the `allOf` members are of the types {}, which no value can be at once",
                listed.join(", ")
            ),
        );
        Some(Shape::Use(TypeRef::Json))
    }

    /// Adds what one `allOf` member contributes; `false` after reporting why it cannot.
    fn collect(
        &mut self,
        member: &ReferenceOr<Schema>,
        pointer: &Pointer,
        merged: &mut Merged,
        depth: usize,
    ) -> bool {
        if depth > 32 {
            self.diags
                .push(pointer, "`allOf` nests too deeply (a reference cycle?)");
            return false;
        }
        if is_metadata_only(member) {
            return true;
        }
        let Some(schema) = self.resolve(member) else {
            if let ReferenceOr::Reference { reference } = member {
                self.reference(reference, pointer);
            }
            return false;
        };
        // Where the member is written: its properties' inline types are found there again.
        let place = match member {
            ReferenceOr::Reference { reference } => self
                .local
                .place(reference)
                .map(|p| Pointer::from_ref(&p))
                .unwrap_or_else(|| pointer.clone()),
            ReferenceOr::Item(_) => pointer.clone(),
        };
        // A member that is a union as a whole (a `$ref` to a `oneOf` schema, or an inline one).
        let only_required = match &schema.schema_kind {
            SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members } => {
                members.iter().all(is_metadata_only)
            }
            _ => false,
        };
        if only_required {
            // `oneOf: [{required: [a]}, {required: [b]}]` constrains, it adds no type.
            let at = merged.at.clone();
            self.unchecked
                .entry(at.as_str().to_owned())
                .or_default()
                .push(format!(
                    "Not checked: the `allOf` member at {pointer}, whose members only require properties (which properties must come together)."
                ));
            return true;
        }
        if let Some((exactly_one, discriminator)) = self.union_member(schema) {
            let ty = self.type_of(member, pointer, "Union");
            let discriminator = discriminator.map(|d| d.property_name.clone());
            merged
                .unions
                .push(Part::Named(ty, discriminator, exactly_one));
            return true;
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                let mut ok = true;
                for (k, v) in &o.properties {
                    ok &= self.add_property(merged, k, v, place.join("properties").join(k));
                }
                add_required(&mut merged.required, &o.required);
                if let Some(a) = &o.additional_properties {
                    merged.additional = Some((a.clone(), place.clone()));
                }
                ok
            }
            SchemaKind::AllOf { all_of } => all_of
                .iter()
                .enumerate()
                .all(|(i, m)| self.collect(m, &place.join("allOf").join(i), merged, depth + 1)),
            SchemaKind::Any(any) if any.typ.as_deref().is_none_or(|t| t == "object") => {
                let mut ok = true;
                for (i, m) in any.all_of.iter().enumerate() {
                    ok &= self.collect(m, &place.join("allOf").join(i), merged, depth + 1);
                }
                for (k, v) in &any.properties {
                    ok &= self.add_property(merged, k, v, place.join("properties").join(k));
                }
                add_required(&mut merged.required, &any.required);
                if let Some(a) = &any.additional_properties {
                    merged.additional = Some((a.clone(), place.clone()));
                }
                for (members, exactly_one, keyword) in
                    [(&any.one_of, true, "oneOf"), (&any.any_of, false, "anyOf")]
                {
                    // `required`-only members constrain, they add no type.
                    if members.iter().all(is_metadata_only) {
                        if !members.is_empty() {
                            let at = merged.at.clone();
                            self.leave_unchecked_at(&at, &place.join(keyword));
                        }
                        continue;
                    }
                    self.note_ref_requires(merged, members, &place.join(keyword));
                    merged.unions.push(Part::Pending(PendingUnion {
                        members: members.clone(),
                        discriminator: schema.schema_data.discriminator.clone(),
                        pointer: place.join(keyword),
                        exactly_one,
                    }));
                }
                ok
            }
            other => {
                let what = match other {
                    SchemaKind::Not { .. } => "a `not` schema".to_owned(),
                    _ => match scalar_kind(schema) {
                        Some(kind) => format!("of type {kind}"),
                        None => "not an object".to_owned(),
                    },
                };
                self.diags.push(
                    pointer,
                    format!(
                        "this `allOf` member is {what}, while other members are objects: no value is both, so the members cannot be merged"
                    ),
                );
                false
            }
        }
    }

    /// `Some((oneOf?, discriminator))` when a schema is a union as a whole: `oneOf` / `anyOf`
    /// with nothing beside but its discriminator property.
    fn union_member<'s>(&self, schema: &'s Schema) -> Option<(bool, Option<&'s Discriminator>)> {
        let discriminator = schema.schema_data.discriminator.as_ref();
        match &schema.schema_kind {
            SchemaKind::OneOf { .. } => Some((true, discriminator)),
            SchemaKind::AnyOf { .. } => Some((false, discriminator)),
            SchemaKind::Any(any)
                if any.all_of.is_empty()
                    && any.one_of.is_empty() != any.any_of.is_empty()
                    && any
                        .properties
                        .keys()
                        .all(|k| discriminator.is_some_and(|d| d.property_name == *k)) =>
            {
                Some((!any.one_of.is_empty(), discriminator))
            }
            _ => None,
        }
    }

    /// Records what `$ref` members of a union require, for the check against shared fields.
    fn note_ref_requires(
        &self,
        merged: &mut Merged,
        members: &[ReferenceOr<Schema>],
        pointer: &Pointer,
    ) {
        for (i, member) in members.iter().enumerate() {
            if let ReferenceOr::Reference { reference } = member
                && let Some(schema) = self.resolve(member)
            {
                let required = match &schema.schema_kind {
                    SchemaKind::Type(Type::Object(o)) => o.required.clone(),
                    SchemaKind::Any(a) => a.required.clone(),
                    _ => Vec::new(),
                };
                merged
                    .ref_requires
                    .push((pointer.join(i), reference.clone(), required));
            }
        }
    }

    /// Adds a property, or checks that an earlier definition agrees with it.
    fn add_property(
        &mut self,
        merged: &mut Merged,
        key: &str,
        prop: &ReferenceOr<Box<Schema>>,
        at: Pointer,
    ) -> bool {
        let Some((earlier, earlier_at)) = merged.properties.get(key) else {
            merged.properties.insert(key.to_owned(), (prop.clone(), at));
            return true;
        };
        match self.agree(earlier, prop) {
            Some(Keep::Earlier) => true,
            Some(Keep::Later) => {
                merged.properties.insert(key.to_owned(), (prop.clone(), at));
                true
            }
            // Two inline schemas whose keywords do not contradict: one schema with all of them.
            None if joined(earlier, prop).is_some() => {
                let both = joined(earlier, prop).unwrap_or_else(|| prop.clone());
                merged.properties.insert(key.to_owned(), (both, at));
                true
            }
            // Two objects (or arrays of them) that each say something of the property: it is
            // both, so its schema is their `allOf`, lowered where the merged struct is.
            None if self.mergeable(earlier, prop) => {
                let both = both_of(earlier, prop);
                let place = merged.at.join("properties").join(key);
                merged.properties.insert(key.to_owned(), (both, place));
                true
            }
            None => {
                self.diags.push(
                    &at,
                    format!(
                        "the property `{key}` is also defined at {earlier_at}, differently: the `allOf` members must agree on it (make both the same `$ref`, or drop one definition)"
                    ),
                );
                false
            }
        }
    }

    /// Whether two definitions of a property are both objects, or both arrays of objects, which
    /// an `allOf` of the two describes.
    fn mergeable(&self, a: &ReferenceOr<Box<Schema>>, b: &ReferenceOr<Box<Schema>>) -> bool {
        let object = |s: &Schema| match &s.schema_kind {
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => true,
            SchemaKind::Any(a) => {
                a.typ.as_deref().is_none_or(|t| t == "object")
                    && a.items.is_none()
                    && a.one_of.is_empty()
                    && a.any_of.is_empty()
            }
            _ => false,
        };
        let items = |s: &Schema| match &s.schema_kind {
            SchemaKind::Type(Type::Array(a)) => a.items.clone(),
            SchemaKind::Any(a) if a.typ.as_deref().is_none_or(|t| t == "array") => a.items.clone(),
            _ => None,
        };
        match (self.resolve_boxed(a), self.resolve_boxed(b)) {
            (Some(x), Some(y)) if object(x) && object(y) => true,
            (Some(x), Some(y)) => match (items(x), items(y)) {
                (Some(i), Some(j)) => self.mergeable(&i, &j),
                _ => false,
            },
            _ => false,
        }
    }

    /// Which of two definitions of one property the merged struct keeps, if they agree.
    fn agree(
        &self,
        earlier: &ReferenceOr<Box<Schema>>,
        later: &ReferenceOr<Box<Schema>>,
    ) -> Option<Keep> {
        let place = |p: &ReferenceOr<Box<Schema>>| match p {
            ReferenceOr::Reference { reference } => self.local.place(reference),
            ReferenceOr::Item(_) => None,
        };
        if let (Some(a), Some(b)) = (place(earlier), place(later)) {
            // The same schema, or one built on the other with `allOf` (the stricter is kept).
            return if a == b || self.extends(&a, &b, 0) {
                Some(Keep::Earlier)
            } else if self.extends(&b, &a, 0) {
                Some(Keep::Later)
            } else {
                None
            };
        }
        if plain(earlier) == plain(later) {
            return Some(Keep::Earlier);
        }
        let (a, b) = (self.resolve_boxed(earlier)?, self.resolve_boxed(later)?);
        let any_value = |s: &Schema, p: &ReferenceOr<Box<Schema>>| {
            matches!(p, ReferenceOr::Item(_))
                && match &s.schema_kind {
                    SchemaKind::Any(a) => {
                        a.properties.is_empty()
                            && a.enumeration.is_empty()
                            && a.one_of.is_empty()
                            && a.all_of.is_empty()
                            && a.any_of.is_empty()
                            && a.items.is_none()
                            && a.typ.as_deref().is_none_or(|t| t == "object")
                    }
                    SchemaKind::Type(Type::Object(o)) => o.properties.is_empty(),
                    _ => false,
                }
        };
        if any_value(b, later) {
            return Some(Keep::Earlier);
        }
        if any_value(a, earlier) {
            return Some(Keep::Later);
        }
        // A `$ref` and an inline schema that is that `$ref` with more keywords (`allOf: [$ref]`):
        // the inline one says more.
        let wraps = |p: &ReferenceOr<Box<Schema>>, target: &Option<String>| match p {
            ReferenceOr::Item(s) => match &s.schema_kind {
                SchemaKind::AllOf { all_of } | SchemaKind::OneOf { one_of: all_of } => {
                    all_of.iter().any(|m| match m {
                        ReferenceOr::Reference { reference } => {
                            target.is_some() && self.local.place(reference) == *target
                        }
                        ReferenceOr::Item(_) => false,
                    })
                }
                _ => false,
            },
            ReferenceOr::Reference { .. } => false,
        };
        if wraps(later, &place(earlier)) {
            return Some(Keep::Later);
        }
        if wraps(earlier, &place(later)) {
            return Some(Keep::Earlier);
        }
        match (scalar_kind(a), scalar_kind(b)) {
            (Some(x), Some(y)) if x == y && x != "array" => {
                let size = |p: &ReferenceOr<Box<Schema>>| {
                    plain(p).as_object().map(|m| m.len()).unwrap_or_default()
                };
                Some(if size(later) >= size(earlier) {
                    Keep::Later
                } else {
                    Keep::Earlier
                })
            }
            _ => None,
        }
    }

    /// Records, for the type at `at`, that the `required`-only union at `union` is not checked.
    fn leave_unchecked_at(&mut self, at: &Pointer, union: &Pointer) {
        self.unchecked
            .entry(at.as_str().to_owned())
            .or_default()
            .push(format!(
                "Not checked: {union}, whose members only require properties (which properties must come together)."
            ));
    }

    /// Whether the schema at `place` is built on the one at `base` through `allOf` members.
    fn extends(&self, place: &str, base: &str, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        let Some(schema) = self.resolve_ref(place) else {
            return false;
        };
        let members = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of,
            SchemaKind::Any(a) => &a.all_of,
            _ => return false,
        };
        members.iter().any(|m| match m {
            ReferenceOr::Reference { reference } => self
                .local
                .place(reference)
                .is_some_and(|p| p == base || self.extends(&p, base, depth + 1)),
            ReferenceOr::Item(_) => false,
        })
    }

    /// The struct of merged parts, with a flattened field per union.
    fn merged_struct(&mut self, merged: Merged, name: &str) -> Shape {
        let Merged {
            at: merged_at,
            properties,
            required,
            additional,
            unions,
            ref_requires,
        } = merged;
        // The union's discriminator property is the union's to read and write.
        let tags: BTreeSet<String> = unions
            .iter()
            .filter_map(|p| match p {
                Part::Named(_, d, _) => d.clone(),
                Part::Pending(p) => p.discriminator.as_ref().map(|d| d.property_name.clone()),
            })
            .collect();
        let shared: BTreeSet<String> = properties
            .keys()
            .filter(|k| !tags.contains(*k))
            .cloned()
            .collect();
        if !unions.is_empty() {
            for (at, reference, required) in &ref_requires {
                if let Some(key) = required.iter().find(|k| shared.contains(*k)) {
                    self.diags.push(
                        at,
                        format!(
                            "`{reference}` requires `{key}`, which is also declared beside the union: the struct reads that member, so the union's member would never see it; declare `{key}` in one place"
                        ),
                    );
                }
            }
        }
        if !unions.is_empty()
            && let Some((AdditionalProperties::Any(false), at)) = &additional
        {
            let note = format!(
                "Not checked: `additionalProperties: false` at {at}, beside a union whose members declare more properties."
            );
            self.unchecked
                .entry(merged_at.as_str().to_owned())
                .or_default()
                .push(note);
        }
        let extra = match (&additional, unions.is_empty()) {
            (Some((a, at)), true) => self.extra(Some(a), at, name),
            _ => None,
        };
        let located: Vec<(&String, &ReferenceOr<Box<Schema>>, Pointer)> = properties
            .iter()
            .filter(|(k, _)| !tags.contains(*k))
            .map(|(k, (v, at))| (k, v, at.clone()))
            .collect();
        if unions.is_empty() && located.is_empty() && extra.is_none() && required.is_empty() {
            // Nothing declared: any object.
            return Shape::Use(TypeRef::Map(Box::new(TypeRef::Json)));
        }
        let fields = self.fields(
            &located,
            &required,
            extra.is_some(),
            unions.is_empty(),
            name,
        );
        let mut names = Namespace::with_reserved(
            &fields
                .iter()
                .map(|f| f.rust_name.as_str())
                .chain(extra.is_some().then_some("additional_properties"))
                .collect::<Vec<_>>(),
        );
        let mut flat = Vec::new();
        let count = unions.len();
        for (n, part) in unions.into_iter().enumerate() {
            let (ty, exactly_one) = match part {
                Part::Named(ty, _, exactly_one) => (ty, exactly_one),
                Part::Pending(p) => {
                    let keyword = if p.exactly_one { "OneOf" } else { "AnyOf" };
                    let suffix = if count > 1 {
                        format!("{keyword}{n}")
                    } else {
                        keyword.to_owned()
                    };
                    let hint = format!("{name}{suffix}");
                    let ty = self.union_type(&p, name, &hint, &shared);
                    (ty, p.exactly_one)
                }
            };
            let (field, what) = if exactly_one {
                ("one_of", "exactly one")
            } else {
                ("any_of", "at least one")
            };
            flat.push(FlatUnion {
                rust_name: names.claim(field.to_owned()),
                ty,
                boxed: false,
                doc: Docs {
                    summary: None,
                    description: Some(format!(
                        "The members of the object that make it {what} of the union's members (`{}`).",
                        if exactly_one { "oneOf" } else { "anyOf" }
                    )),
                    deprecated: false,
                },
            });
        }
        if fields.is_empty() && extra.is_none() && flat.len() == 1 {
            // Only a union: the union is the type.
            return Shape::Use(flat.remove(0).ty);
        }
        Shape::Define(TypeKind::Struct(StructDef {
            fields,
            deny_unknown: flat.is_empty()
                && matches!(additional, Some((AdditionalProperties::Any(false), _))),
            extra,
            unions: flat,
        }))
    }

    /// The named union type of a `oneOf` / `anyOf` beside properties (one per place).
    fn union_type(
        &mut self,
        p: &PendingUnion,
        owner: &str,
        hint: &str,
        shared: &BTreeSet<String>,
    ) -> TypeRef {
        if let Some(ty) = self.inline_cache.get(p.pointer.as_str()) {
            return ty.clone();
        }
        let shape = self.union(
            &p.members,
            p.discriminator.as_ref(),
            &p.pointer,
            hint,
            p.exactly_one,
            shared,
        );
        let ty = match shape {
            Shape::Use(ty) => ty,
            Shape::Define(kind) => {
                let name = self.names.claim(naming::pascal(hint, "Union"));
                self.types.insert(
                    name.clone(),
                    TypeDef {
                        name: name.clone(),
                        pointer: p.pointer.as_str().to_owned(),
                        doc: Docs {
                            summary: None,
                            description: Some(format!(
                                "The members of `{}` beside its properties: {} of these.",
                                owner,
                                if p.exactly_one {
                                    "exactly one"
                                } else {
                                    "at least one"
                                }
                            )),
                            deprecated: false,
                        },
                        kind,
                        checks: Default::default(),
                    },
                );
                TypeRef::Named(name)
            }
        };
        self.inline_cache
            .insert(p.pointer.as_str().to_owned(), ty.clone());
        ty
    }
}

/// Two inline schemas as one with the keywords of both, when no keyword has two values (the
/// later's documentation wins).
fn joined(
    a: &ReferenceOr<Box<Schema>>,
    b: &ReferenceOr<Box<Schema>>,
) -> Option<ReferenceOr<Box<Schema>>> {
    let (ReferenceOr::Item(x), ReferenceOr::Item(y)) = (a, b) else {
        return None;
    };
    let joined = join_json(serde_json::to_value(x).ok()?, serde_json::to_value(y).ok()?)?;
    serde_json::from_value(joined).ok()
}

/// Two inline schemas as one that a value meets when it meets both (JSON Schema's `allOf`), when
/// that is one schema: documentation from either, `integer` where the other says `number`,
/// `null` only when both allow it, the tighter of two bounds, and array items joined the same
/// way. Any other keyword the two give different values is a contradiction (`None`).
fn join_json(x: serde_json::Value, y: serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    let (Value::Object(mut x), Value::Object(y)) = (x, y) else {
        return None;
    };
    let nullable =
        |m: &serde_json::Map<String, Value>| m.get("nullable") == Some(&Value::Bool(true));
    let both_null = nullable(&x) && nullable(&y);
    for (key, value) in y {
        let Some(earlier) = x.get(&key) else {
            x.insert(key, value);
            continue;
        };
        if same_value(earlier, &value) {
            continue;
        }
        let tighter = |pick_larger: bool| -> Option<Value> {
            let (p, q) = (earlier.as_f64()?, value.as_f64()?);
            let larger = if p >= q { earlier } else { &value };
            let smaller = if p >= q { &value } else { earlier };
            Some(if pick_larger {
                larger.clone()
            } else {
                smaller.clone()
            })
        };
        let merged = match key.as_str() {
            "description" | "title" | "example" | "deprecated" | "externalDocs" | "default" => {
                Some(value)
            }
            "nullable" => Some(Value::Bool(both_null)),
            "type" => match (earlier.as_str(), value.as_str()) {
                (Some("integer"), Some("number")) | (Some("number"), Some("integer")) => {
                    Some(Value::String("integer".into()))
                }
                _ => None,
            },
            "minimum" | "minLength" | "minItems" | "minProperties" => tighter(true),
            "maximum" | "maxLength" | "maxItems" | "maxProperties" => tighter(false),
            "items" => join_json(earlier.clone(), value),
            _ => None,
        };
        x.insert(key, merged?);
    }
    if !both_null {
        x.remove("nullable");
    }
    Some(Value::Object(x))
}

/// Equal JSON, where `0` and `0.0` are one number (a schema read as another kind writes its
/// bounds as floats).
fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The schema of a property two `allOf` members define: both at once (for arrays, arrays of
/// items that are both at once).
fn both_of(a: &ReferenceOr<Box<Schema>>, b: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Box<Schema>> {
    let unboxed = |s: &ReferenceOr<Box<Schema>>| match s {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
    };
    let items = |s: &ReferenceOr<Box<Schema>>| match s {
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Type(Type::Array(a)) => a.items.clone(),
            SchemaKind::Any(a) => a.items.clone(),
            _ => None,
        },
        ReferenceOr::Reference { .. } => None,
    };
    let kind = match (items(a), items(b)) {
        (Some(i), Some(j)) => SchemaKind::Type(Type::Array(openapiv3::ArrayType {
            items: Some(both_of(&i, &j)),
            min_items: None,
            max_items: None,
            unique_items: false,
        })),
        _ => SchemaKind::AllOf {
            all_of: vec![unboxed(a), unboxed(b)],
        },
    };
    let data = match b {
        ReferenceOr::Item(s) => openapiv3::SchemaData {
            description: s.schema_data.description.clone(),
            nullable: s.schema_data.nullable,
            read_only: s.schema_data.read_only,
            ..Default::default()
        },
        ReferenceOr::Reference { .. } => Default::default(),
    };
    ReferenceOr::Item(Box::new(Schema {
        schema_data: data,
        schema_kind: kind,
    }))
}

enum Keep {
    Earlier,
    Later,
}

fn add_required(into: &mut Vec<String>, required: &[String]) {
    for r in required {
        if !into.contains(r) {
            into.push(r.clone());
        }
    }
}
