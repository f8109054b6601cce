//! Schemas → named Rust types. Component schemas keep their names; inline schemas that need a
//! type of their own are named after where they appear (`Webhook` + `scope` → `WebhookScope`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use openapiv3::{
    AdditionalProperties, AnySchema, Discriminator, IntegerFormat, NumberFormat, ReferenceOr,
    Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::checks;

mod compose;
mod infer;
use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{
    Checks, Docs, EnumDef, EnumVariant, Field, StructDef, TupleItem, TypeDef, TypeKind, TypeRef,
    UnionDef, UnionVariant,
};
use crate::naming::{self, Namespace};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Lowers every schema the spec uses into `TypeDef`s.
pub struct SchemaLowerer<'a> {
    components: &'a indexmap::IndexMap<String, ReferenceOr<Schema>>,
    /// Schemas that `$ref`s name elsewhere in the document (`#/paths/...`), by pointer.
    local: &'a LocalSchemas,
    /// Pointer of such a schema → its Rust type name, once something refers to it.
    local_names: HashMap<String, String>,
    pub types: BTreeMap<String, TypeDef>,
    names: Namespace,
    /// Component schema name → Rust type name.
    component_names: HashMap<String, String>,
    /// Pointer of an inline schema already lowered → its type, so a schema reached twice (via
    /// `allOf`, say) yields one type.
    inline_cache: HashMap<String, TypeRef>,
    /// Pointer of a schema → what its type leaves unchecked (see `Checks::unchecked`), found
    /// while lowering it.
    unchecked: HashMap<String, Vec<String>>,
    pub diags: Diagnostics,
}

/// What a schema becomes: a use of an existing type, or a definition that needs a name.
enum Shape {
    Use(TypeRef),
    Define(TypeKind),
}

impl<'a> SchemaLowerer<'a> {
    pub fn new(
        components: &'a indexmap::IndexMap<String, ReferenceOr<Schema>>,
        local: &'a LocalSchemas,
        reserved: &[&str],
    ) -> Self {
        let mut names = Namespace::with_reserved(reserved);
        // Names already in PascalCase are claimed first, so when `pet_owner` and `PetOwner`
        // collide, `PetOwner` keeps its name whichever the spec lists first.
        let exact = |name: &String| naming::pascal(name, "Schema") == *name;
        let component_names = components
            .keys()
            .filter(|name| exact(name))
            .chain(components.keys().filter(|name| !exact(name)))
            .map(|name| (name.clone(), names.claim(naming::pascal(name, "Schema"))))
            .collect();
        SchemaLowerer {
            components,
            local,
            local_names: HashMap::new(),
            types: BTreeMap::new(),
            names,
            component_names,
            inline_cache: HashMap::new(),
            unchecked: HashMap::new(),
            diags: Diagnostics::default(),
        }
    }

    /// Defines a type for every component schema.
    pub fn lower_components(&mut self) {
        let base = Pointer::root().join("components").join("schemas");
        for (name, schema) in self.components {
            let rust_name = self.component_names[name].clone();
            self.define(rust_name, &base.join(name), schema);
        }
        self.close_discriminator_tags();
    }

    /// A member of a discriminated union whose discriminator property is a one-value string
    /// `enum` written inline (`scope: {enum: [Account]}`) would otherwise get an open enum for
    /// it, and `Unknown("iTwin")` would let the member be built, and sent, with the tag of
    /// another member. That enum is closed instead: the member's tag is the one that selects it.
    /// Only inline enums are closed: a named one may be used where other values must be kept.
    fn close_discriminator_tags(&mut self) {
        let mut close = Vec::new();
        for def in self.types.values() {
            let TypeKind::Union(union) = &def.kind else {
                continue;
            };
            let Some(property) = &union.discriminator else {
                continue;
            };
            for variant in &union.variants {
                let TypeRef::Named(member) = &variant.ty else {
                    continue;
                };
                let Some(member) = self.types.get(member) else {
                    continue;
                };
                let TypeKind::Struct(fields) = &member.kind else {
                    continue;
                };
                let Some(field) = fields.fields.iter().find(|f| f.json_name == *property) else {
                    continue;
                };
                let TypeRef::Named(tag) = &field.ty else {
                    continue;
                };
                let Some(tag_def) = self.types.get(tag) else {
                    continue;
                };
                let inline = tag_def
                    .pointer
                    .strip_prefix(member.pointer.as_str())
                    .is_some_and(|rest| rest.starts_with("/properties/"));
                if let TypeKind::Enum(e) = &tag_def.kind
                    && inline
                    && !e.integer
                    && let [only] = e.variants.as_slice()
                    && variant.tags.contains(&only.value)
                {
                    close.push(tag.clone());
                }
            }
        }
        for name in close {
            if let Some(TypeDef {
                kind: TypeKind::Enum(e),
                ..
            }) = self.types.get_mut(&name)
            {
                e.closed = true;
            }
        }
    }

    /// Defines the type `name` for a schema, or for the schema a `$ref` names.
    fn define(&mut self, name: String, pointer: &Pointer, schema: &ReferenceOr<Schema>) {
        let (kind, doc) = match schema {
            ReferenceOr::Reference { reference } => (
                TypeKind::Alias(self.reference(reference, pointer)),
                Docs::default(),
            ),
            ReferenceOr::Item(schema) => {
                let kind = match self.shape(schema, pointer, &name) {
                    Shape::Use(ty) => TypeKind::Alias(ty),
                    Shape::Define(kind) => kind,
                };
                (kind, docs_of(schema))
            }
        };
        // Enums and unions check themselves member by member; a struct keeps its property
        // counts here, and an alias (and the newtype it may become) a named scalar's or array's
        // keywords.
        let mut checks = match (&kind, schema) {
            (TypeKind::Alias(_) | TypeKind::Struct(_), ReferenceOr::Item(schema)) => {
                checks::of(schema, pointer, &mut self.diags)
            }
            _ => Checks::default(),
        };
        checks
            .unchecked
            .extend(self.unchecked.remove(pointer.as_str()).unwrap_or_default());
        let def = TypeDef {
            name: name.clone(),
            pointer: pointer.into(),
            doc,
            kind,
            checks,
        };
        self.types.insert(name, def);
    }

    /// 3.1's `prefixItems`: a tuple when the array is closed (`maxItems` is the number of
    /// positions: serde reads a tuple struct from an array of exactly that length); otherwise an
    /// array of the `items` type, with the positions listed as not checked.
    fn tuple(
        &mut self,
        max_items: Option<usize>,
        items: Option<&ReferenceOr<Box<Schema>>>,
        pointer: &Pointer,
        name: &str,
    ) -> Shape {
        let positions = self
            .local
            .tuples
            .get(pointer.as_str())
            .cloned()
            .unwrap_or_default();
        if max_items == Some(positions.len()) && !positions.is_empty() {
            let at = pointer.join("prefixItems");
            let items = positions
                .iter()
                .enumerate()
                .map(|(i, item)| TupleItem {
                    ty: self.type_of(item, &at.join(i), &format!("{name}{i}")),
                    checks: match item {
                        ReferenceOr::Item(s) => checks::of(s, &at.join(i), &mut self.diags),
                        ReferenceOr::Reference { .. } => Checks::default(),
                    },
                })
                .collect();
            return Shape::Define(TypeKind::Tuple(items));
        }
        self.unchecked
            .entry(pointer.as_str().to_owned())
            .or_default()
            .push(format!(
                "Not checked: `prefixItems` at {pointer}, on an array that may hold more items (a tuple needs `maxItems: {}`).",
                positions.len()
            ));
        let item = match items {
            Some(items) => {
                self.type_of_boxed(items, &pointer.join("items"), &format!("{name}Item"))
            }
            None => TypeRef::Json,
        };
        Shape::Use(TypeRef::Vec(Box::new(item)))
    }

    /// Records that a `oneOf` / `anyOf` of members that only require properties is not checked.
    fn leave_unchecked(&mut self, pointer: &Pointer, keyword: &str) {
        self.unchecked
            .entry(pointer.as_str().to_owned())
            .or_default()
            .push(format!(
                "Not checked: `{keyword}` at {}, whose members only require properties (which properties must come together).",
                pointer.join(keyword)
            ));
    }

    /// The Rust name of a component schema, if it exists.
    pub fn component_type(&self, name: &str) -> Option<&str> {
        self.component_names.get(name).map(String::as_str)
    }

    /// The type of a schema used somewhere (a property, a parameter, a body); `hint` names any
    /// type that must be defined for it.
    pub fn type_of(
        &mut self,
        schema: &ReferenceOr<Schema>,
        pointer: &Pointer,
        hint: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer),
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn type_of_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        pointer: &Pointer,
        hint: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer),
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn inline(&mut self, schema: &Schema, pointer: &Pointer, hint: &str) -> TypeRef {
        if let Some(ty) = self.inline_cache.get(pointer.as_str()) {
            return ty.clone();
        }
        // A schema that a `$ref` also names is one type, wherever it is reached from.
        if self.local.schemas.contains_key(pointer.as_str()) {
            return self.local_type(pointer.as_str());
        }
        let ty = match self.shape(schema, pointer, hint) {
            Shape::Use(ty) => ty,
            Shape::Define(kind) => {
                let name = self.names.claim(naming::pascal(hint, "Inline"));
                self.types.insert(
                    name.clone(),
                    TypeDef {
                        name: name.clone(),
                        pointer: pointer.into(),
                        doc: docs_of(schema),
                        kind,
                        checks: Checks {
                            unchecked: self.unchecked.remove(pointer.as_str()).unwrap_or_default(),
                            ..Checks::default()
                        },
                    },
                );
                TypeRef::Named(name)
            }
        };
        self.inline_cache
            .insert(pointer.as_str().to_owned(), ty.clone());
        ty
    }

    /// A `$ref` to a component schema.
    pub fn reference(&mut self, reference: &str, pointer: &Pointer) -> TypeRef {
        let place = self.local.place(reference);
        if let Some(key) = place
            .as_ref()
            .filter(|k| self.local.schemas.contains_key(*k))
        {
            return self.local_type(&key.clone());
        }
        if let Some(why) = place.as_ref().and_then(|p| self.local.not_schemas.get(p)) {
            self.diags.push(
                pointer,
                format!("`$ref: {reference}` leads to a value that is not a schema ({why})"),
            );
            return TypeRef::Json;
        }
        let component = place.as_deref().and_then(is_component_schema);
        match component.or_else(|| reference.strip_prefix(SCHEMA_PREFIX).map(unescape)) {
            Some(name) if self.component_names.contains_key(&name) => {
                TypeRef::Named(self.component_names[&name].clone())
            }
            Some(_) => {
                self.diags.push(
                    pointer,
                    format!("`$ref: {reference}` points to no schema in #/components/schemas"),
                );
                TypeRef::Json
            }
            None => {
                self.diags.push(
                    pointer,
                    format!("`$ref: {reference}` is not supported: only references to #/components/schemas/... are"),
                );
                TypeRef::Json
            }
        }
    }

    /// Follows `$ref`s to the schema they name.
    pub fn resolve<'s>(&self, schema: &'s ReferenceOr<Schema>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        match schema {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { reference } => self.resolve_ref(reference),
        }
    }

    fn resolve_boxed<'s>(&self, schema: &'s ReferenceOr<Box<Schema>>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        match schema {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { reference } => self.resolve_ref(reference),
        }
    }

    fn resolve_ref(&self, reference: &str) -> Option<&'a Schema> {
        let mut reference = reference.to_owned();
        // Bounded: a chain of aliases longer than this is a cycle.
        for _ in 0..32 {
            let place = self.local.place(&reference)?;
            let target = match self.local.schemas.get(&place) {
                Some(target) => target,
                None => self.components.get(&is_component_schema(&place)?)?,
            };
            match target {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference: next } => reference = next.clone(),
            }
        }
        None
    }

    /// The named type of a schema that a `$ref` names outside `#/components/schemas`, defined the
    /// first time it is asked for and named after the pointer's last segment.
    fn local_type(&mut self, key: &str) -> TypeRef {
        if let Some(name) = self.local_names.get(key) {
            return TypeRef::Named(name.clone());
        }
        let Some(schema) = self.local.schemas.get(key) else {
            return TypeRef::Json;
        };
        let last = key.rsplit('/').next().map(unescape).unwrap_or_default();
        let name = self.names.claim(naming::pascal(&last, "Schema"));
        // Named before it is lowered, so a schema that contains itself refers to the name.
        self.local_names.insert(key.to_owned(), name.clone());
        self.define(name.clone(), &Pointer::from_ref(key), schema);
        TypeRef::Named(name)
    }

    /// Whether a property schema (possibly a `$ref`) is nullable.
    fn nullable(&self, schema: &ReferenceOr<Box<Schema>>) -> bool {
        self.resolve_boxed(schema).is_some_and(|s| {
            s.schema_data.nullable
                || match &s.schema_kind {
                    SchemaKind::Type(Type::String(t)) => t.enumeration.contains(&None),
                    SchemaKind::Type(Type::Integer(t)) => t.enumeration.contains(&None),
                    SchemaKind::Type(Type::Number(t)) => t.enumeration.contains(&None),
                    SchemaKind::Type(Type::Boolean(t)) => t.enumeration.contains(&None),
                    SchemaKind::Any(a) => {
                        a.enumeration.contains(&serde_json::Value::Null)
                            || a.one_of.iter().chain(&a.any_of).any(is_null_only)
                    }
                    SchemaKind::OneOf { one_of: members }
                    | SchemaKind::AnyOf { any_of: members } => members.iter().any(is_null_only),
                    _ => false,
                }
        })
    }

    fn shape(&mut self, schema: &Schema, pointer: &Pointer, name: &str) -> Shape {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                if !s.enumeration.is_empty() {
                    let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
                    return Shape::Define(TypeKind::Enum(
                        self.enumeration(&values, schema, pointer),
                    ));
                }
                Shape::Use(match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
                    VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => TypeRef::Uuid,
                    _ => TypeRef::String,
                })
            }
            SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
                let values: Vec<i64> = i.enumeration.iter().flatten().copied().collect();
                Shape::Define(TypeKind::Enum(
                    self.integer_enumeration(&values, schema, pointer),
                ))
            }
            SchemaKind::Type(Type::Integer(i)) => Shape::Use(match &i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uint32" => TypeRef::U32,
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uint64" => TypeRef::U64,
                _ => TypeRef::I64,
            }),
            SchemaKind::Type(Type::Number(n)) => Shape::Use(match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => Shape::Use(TypeRef::Bool),
            SchemaKind::Type(Type::Array(a))
                if self.local.tuples.contains_key(pointer.as_str()) =>
            {
                self.tuple(a.max_items, a.items.as_ref(), pointer, name)
            }
            SchemaKind::Type(Type::Array(a)) => {
                let item = match &a.items {
                    Some(items) => {
                        self.type_of_boxed(items, &pointer.join("items"), &format!("{name}Item"))
                    }
                    None => TypeRef::Json,
                };
                Shape::Use(TypeRef::Vec(Box::new(item)))
            }
            SchemaKind::Type(Type::Object(o)) => self.object(
                &o.properties,
                &o.required,
                o.additional_properties.as_ref(),
                pointer,
                name,
            ),
            SchemaKind::AllOf { all_of } => {
                let own = compose::Own {
                    all_of,
                    ..compose::Own::empty()
                };
                self.composite(&own, pointer, name)
            }
            SchemaKind::OneOf { one_of } => self.union(
                one_of,
                schema.schema_data.discriminator.as_ref(),
                &pointer.join("oneOf"),
                name,
                true,
                &BTreeSet::new(),
            ),
            SchemaKind::AnyOf { any_of } => self.union(
                any_of,
                schema.schema_data.discriminator.as_ref(),
                &pointer.join("anyOf"),
                name,
                false,
                &BTreeSet::new(),
            ),
            SchemaKind::Not { .. } => {
                self.diags
                    .push(pointer.join("not"), "`not` schemas are not supported");
                Shape::Use(TypeRef::Json)
            }
            SchemaKind::Any(any) => self.any(any, schema, pointer, name),
        }
    }

    /// A schema without `type` (or with keywords of several types): read what it does say.
    fn any(&mut self, any: &AnySchema, schema: &Schema, pointer: &Pointer, name: &str) -> Shape {
        // `oneOf`/`anyOf` members that only add constraints (`required: [a]` or `[b]`) beside
        // `properties` cannot be expressed in a type; the object without them accepts a superset.
        let has_object = !any.properties.is_empty() || any.additional_properties.is_some();
        let constraints_only =
            |members: &[ReferenceOr<Schema>]| members.iter().all(is_metadata_only);
        let one_of: &[ReferenceOr<Schema>] = if has_object && constraints_only(&any.one_of) {
            &[]
        } else {
            &any.one_of
        };
        let any_of: &[ReferenceOr<Schema>] = if has_object && constraints_only(&any.any_of) {
            &[]
        } else {
            &any.any_of
        };
        for (members, keyword) in [(&any.one_of, "oneOf"), (&any.any_of, "anyOf")] {
            if has_object && !members.is_empty() && constraints_only(members) {
                self.leave_unchecked(pointer, keyword);
            }
        }
        // A discriminated union that also declares its discriminator property beside `oneOf`:
        // the members declare what the value holds.
        let discriminator_only = schema
            .schema_data
            .discriminator
            .as_ref()
            .is_some_and(|d| any.properties.keys().all(|k| *k == d.property_name))
            && any.all_of.is_empty()
            && one_of.is_empty() != any_of.is_empty();
        let unions = !one_of.is_empty() || !any_of.is_empty();
        // `type: object` or `additionalProperties` beside a lone union without properties say
        // what the members are: the union is the type.
        let lone_union = unions
            && any.all_of.is_empty()
            && any.properties.is_empty()
            && one_of.is_empty() != any_of.is_empty();
        if discriminator_only || lone_union {
            let discriminator = schema.schema_data.discriminator.as_ref();
            let none = BTreeSet::new();
            return if one_of.is_empty() {
                self.union(
                    any_of,
                    discriminator,
                    &pointer.join("anyOf"),
                    name,
                    false,
                    &none,
                )
            } else {
                self.union(
                    one_of,
                    discriminator,
                    &pointer.join("oneOf"),
                    name,
                    true,
                    &none,
                )
            };
        }
        if unions || !any.all_of.is_empty() {
            let own = compose::Own {
                properties: Some(&any.properties),
                required: &any.required,
                additional: any.additional_properties.as_ref(),
                all_of: &any.all_of,
                one_of,
                any_of,
                discriminator: schema.schema_data.discriminator.as_ref(),
            };
            return self.composite(&own, pointer, name);
        }
        if has_object || any.typ.as_deref() == Some("object") {
            return self.object(
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
                pointer,
                name,
            );
        }
        if self.local.tuples.contains_key(pointer.as_str()) {
            return self.tuple(any.max_items, any.items.as_ref(), pointer, name);
        }
        if let Some(items) = &any.items {
            let item = self.type_of_boxed(items, &pointer.join("items"), &format!("{name}Item"));
            return Shape::Use(TypeRef::Vec(Box::new(item)));
        }
        if !any.enumeration.is_empty()
            && any.enumeration.iter().all(|v| v.is_string() || v.is_null())
        {
            let values: Vec<String> = any
                .enumeration
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            return Shape::Define(TypeKind::Enum(self.enumeration(&values, schema, pointer)));
        }
        // Values that are not all strings: integers are an integer enum; anything else is the
        // values' common type (any JSON value when they differ), whose allowed values the
        // server checks (`Checks::values`). The values decide, whatever `type` says.
        let values: Vec<&serde_json::Value> =
            any.enumeration.iter().filter(|v| !v.is_null()).collect();
        if !values.is_empty() {
            if values.iter().all(|v| v.is_i64()) {
                let numbers: Vec<i64> = values.iter().filter_map(|v| v.as_i64()).collect();
                return Shape::Define(TypeKind::Enum(
                    self.integer_enumeration(&numbers, schema, pointer),
                ));
            }
            return Shape::Use(if values.iter().all(|v| v.is_boolean()) {
                TypeRef::Bool
            } else if values.iter().all(|v| v.is_number()) {
                TypeRef::F64
            } else if values.iter().all(|v| v.is_string()) {
                TypeRef::String
            } else {
                TypeRef::Json
            });
        }
        Shape::Use(match (any.typ.as_deref(), any.format.as_deref()) {
            (Some("string"), Some("date-time")) => TypeRef::DateTime,
            (Some("string"), Some("date")) => TypeRef::Date,
            (Some("string"), Some("uuid")) => TypeRef::Uuid,
            (Some("string"), _) => TypeRef::String,
            (Some("integer"), Some("int32")) => TypeRef::I32,
            (Some("integer"), _) => TypeRef::I64,
            (Some("number"), Some("float")) => TypeRef::F32,
            (Some("number"), _) => TypeRef::F64,
            (Some("boolean"), _) => TypeRef::Bool,
            _ => TypeRef::Json,
        })
    }

    fn object(
        &mut self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        pointer: &Pointer,
        name: &str,
    ) -> Shape {
        let extra = self.extra(additional, pointer, name);
        if properties.is_empty() {
            // A pure map: `{type: object}` alone accepts any members.
            return Shape::Use(TypeRef::Map(Box::new(extra.unwrap_or(TypeRef::Json))));
        }
        let props = pointer.join("properties");
        let located: Vec<(&String, &ReferenceOr<Box<Schema>>, Pointer)> = properties
            .iter()
            .map(|(k, v)| (k, v, props.join(k)))
            .collect();
        let fields = self.fields(&located, required, extra.is_some(), true, name);
        Shape::Define(TypeKind::Struct(StructDef {
            fields,
            deny_unknown: matches!(additional, Some(AdditionalProperties::Any(false))),
            extra,
            unions: Vec::new(),
        }))
    }

    /// The type of `additionalProperties` members, when they are allowed and not any value.
    fn extra(
        &mut self,
        additional: Option<&AdditionalProperties>,
        pointer: &Pointer,
        name: &str,
    ) -> Option<TypeRef> {
        match additional {
            Some(AdditionalProperties::Schema(s)) => Some(self.type_of(
                s,
                &pointer.join("additionalProperties"),
                &format!("{name}Value"),
            )),
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) | None => None,
        }
    }

    /// The fields of an object's properties, each given with where it is written.
    /// `undeclared_required`: whether a required name no property describes becomes a field of
    /// any value (not when a map or a union beside holds such members).
    fn fields(
        &mut self,
        properties: &[(&String, &ReferenceOr<Box<Schema>>, Pointer)],
        required: &[String],
        has_extra: bool,
        undeclared_required: bool,
        name: &str,
    ) -> Vec<Field> {
        let mut fields = Vec::with_capacity(properties.len());
        // The flattened map's field is `additional_properties`; a property must not take it.
        let mut field_names = match has_extra {
            true => Namespace::with_reserved(&["additional_properties"]),
            false => Namespace::default(),
        };
        for (json_name, prop, ptr) in properties {
            let json_name = *json_name;
            let hint = format!("{name}{}", naming::pascal(json_name, "Field"));
            let ty = self.type_of_boxed(prop, ptr, &hint);
            let data = match prop {
                ReferenceOr::Item(s) => Some(&s.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            let error_code = data
                .and_then(|d| d.extensions.get("x-error-code"))
                .and_then(|v| match v.as_str() {
                    Some(code) => Some(code.to_owned()),
                    None => {
                        self.diags
                            .push(ptr.join("x-error-code"), "`x-error-code` must be a string");
                        None
                    }
                });
            fields.push(Field {
                rust_name: field_names.claim(naming::snake(json_name, "field")),
                json_name: json_name.clone(),
                ty,
                required: required.contains(json_name),
                nullable: self.nullable(prop),
                read_only: data.is_some_and(|d| d.read_only),
                write_only: data.is_some_and(|d| d.write_only),
                boxed: false,
                doc: data.map(docs_of_data).unwrap_or_default(),
                error_code,
                checks: checks::of_boxed(prop, ptr, &mut self.diags),
                default: data.and_then(|d| d.default.clone()),
            });
        }
        // A required member the schema does not describe must be present with any value.
        for name in required {
            let declared = properties.iter().any(|(k, _, _)| *k == name);
            if !declared && !has_extra && undeclared_required {
                fields.push(Field {
                    rust_name: field_names.claim(naming::snake(name, "field")),
                    json_name: name.clone(),
                    ty: TypeRef::Json,
                    required: true,
                    nullable: false,
                    read_only: false,
                    write_only: false,
                    boxed: false,
                    doc: Docs {
                        summary: None,
                        description: Some(
                            "Required by the schema, which does not describe it.".to_owned(),
                        ),
                        deprecated: false,
                    },
                    error_code: None,
                    checks: Checks::default(),
                    default: None,
                });
            }
        }
        fields
    }

    /// `oneOf` / `anyOf`. `shared`: properties an enclosing object declares beside the union;
    /// members written inline leave them to it (see `compose`).
    fn union(
        &mut self,
        members: &[ReferenceOr<Schema>],
        discriminator: Option<&Discriminator>,
        pointer: &Pointer,
        name: &str,
        exactly_one: bool,
        shared: &BTreeSet<String>,
    ) -> Shape {
        // `anyOf: [X, {type: 'null'}]` (3.1's way to write `nullable`): X, which the property
        // holding it makes an `Option` (see `nullable`).
        let values: Vec<(usize, &ReferenceOr<Schema>)> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_null_only(m))
            .collect();
        if let [(i, member)] = values.as_slice()
            && members.len() > 1
        {
            return Shape::Use(self.type_of(member, &pointer.join(i), name));
        }
        // Members that are each one value (3.1's `const`, one-value enums), with titles: an enum.
        if discriminator.is_none()
            && let Some(def) = self.const_enumeration(members)
        {
            return Shape::Define(TypeKind::Enum(def));
        }
        // Mapping values by the place they lead to, so an inline member named in the mapping is
        // found however the mapping spells its place.
        let mapping: Vec<(String, Option<String>)> = discriminator
            .map(|d| {
                d.mapping
                    .iter()
                    .map(|(value, target)| {
                        let reference = if target.starts_with('#') {
                            target.clone()
                        } else {
                            format!("{SCHEMA_PREFIX}{target}")
                        };
                        (value.clone(), self.local.place(&reference))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut variants = Vec::new();
        let mut variant_names = Namespace::default();
        let mut matched = vec![false; mapping.len()];
        for (i, member) in members.iter().enumerate() {
            let at = pointer.join(i);
            let place = match member {
                ReferenceOr::Reference { reference } => self.local.place(reference),
                ReferenceOr::Item(_) => Some(at.as_str().to_owned()),
            };
            let mut tags = Vec::new();
            for (j, (value, target)) in mapping.iter().enumerate() {
                if target.is_some() && *target == place {
                    tags.push(value.clone());
                    matched[j] = true;
                }
            }
            if let Some(d) = discriminator
                && tags.is_empty()
                && let Some(value) = self
                    .resolve(member)
                    .and_then(|s| self.single_value(s, &d.property_name))
            {
                tags.push(value);
            }
            let title = match member {
                ReferenceOr::Item(s) => s.schema_data.title.as_deref(),
                ReferenceOr::Reference { .. } => None,
            };
            let hint = match (tags.first(), title) {
                (Some(tag), _) if discriminator.is_some() => {
                    format!("{name}{}", naming::pascal(tag, "Tag"))
                }
                (_, Some(title)) => naming::pascal(title, "Variant"),
                _ => format!("{name}Variant{i}"),
            };
            let ty = match member {
                ReferenceOr::Item(s) if !shared.is_empty() => {
                    let own = without_properties(s, shared);
                    self.inline(&own, &at, &hint)
                }
                _ => self.type_of(member, &at, &hint),
            };
            let wanted = match &ty {
                TypeRef::Named(n) => n.clone(),
                other => primitive_variant_name(other),
            };
            let checks = match member {
                ReferenceOr::Item(member) => checks::of(member, &at, &mut self.diags),
                ReferenceOr::Reference { .. } => Checks::default(),
            };
            variants.push(UnionVariant {
                rust_name: variant_names.claim(wanted),
                ty,
                tags,
                boxed: false,
                checks,
                unique_fields: Vec::new(),
            });
        }
        if let Some(d) = discriminator {
            // Mapping values that name a member's type some other way (a `$ref` to an alias).
            let rest: Vec<(String, TypeRef)> = d
                .mapping
                .iter()
                .zip(&matched)
                .filter(|(_, m)| !**m)
                .map(|((value, target), _)| {
                    let at = pointer.join("discriminator").join("mapping").join(value);
                    let ty = if target.starts_with('#') {
                        self.reference(target, &at)
                    } else {
                        match self.component_type(target) {
                            Some(t) => TypeRef::Named(t.to_owned()),
                            None => self.reference(&format!("{SCHEMA_PREFIX}{target}"), &at),
                        }
                    };
                    (value.clone(), ty)
                })
                .collect();
            for (i, (variant, member)) in variants.iter_mut().zip(members).enumerate() {
                for (value, ty) in &rest {
                    if *ty == variant.ty && !variant.tags.contains(value) {
                        variant.tags.push(value.clone());
                    }
                }
                if variant.tags.is_empty() {
                    match member {
                        ReferenceOr::Reference { reference } => {
                            let schema_name = unescape(reference.trim_start_matches(SCHEMA_PREFIX));
                            variant.tags.push(schema_name);
                        }
                        ReferenceOr::Item(_) => self.diags.push(
                            pointer.join(i),
                            format!(
                                "a discriminated union member written inline needs its `{}` value: name it in `discriminator.mapping`, or give its `{}` property a single-value `enum` (or `const`)",
                                d.property_name, d.property_name
                            ),
                        ),
                    }
                }
            }
        }
        if let Some(d) = discriminator {
            // A value that selects several members says nothing about which one a value is.
            let mut owners: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
            for v in &variants {
                for tag in &v.tags {
                    owners.entry(tag).or_default().push(&v.rust_name);
                }
            }
            for (tag, names) in owners.iter().filter(|(_, names)| names.len() > 1) {
                self.diags.push(
                    pointer,
                    format!(
                        "the discriminator `{}` value `{tag}` selects several members ({}), so a value carrying it could be any of them: give each member its own value (or `discriminator.mapping` entry), or drop the discriminator so the members are told apart by their fields",
                        d.property_name,
                        names.join(", ")
                    ),
                );
            }
        }
        let notes = match discriminator {
            Some(_) => Vec::new(),
            None => self.infer(&mut variants, members, pointer, exactly_one),
        };
        Shape::Define(TypeKind::Union(UnionDef {
            discriminator: discriminator.map(|d| d.property_name.clone()),
            exactly_one,
            variants,
            notes,
        }))
    }

    /// An enum of `oneOf` / `anyOf` members that are each a single string or integer (`const`,
    /// `enum: [v]`), variants named after their titles when they have them.
    fn const_enumeration(&self, members: &[ReferenceOr<Schema>]) -> Option<EnumDef> {
        let mut values = Vec::new();
        for member in members {
            let schema = self.resolve(member)?;
            let value = match &schema.schema_kind {
                SchemaKind::Type(Type::String(t)) => match t.enumeration.as_slice() {
                    [Some(v)] => serde_json::Value::String(v.clone()),
                    _ => return None,
                },
                SchemaKind::Type(Type::Integer(t)) => match t.enumeration.as_slice() {
                    [Some(v)] => serde_json::Value::from(*v),
                    _ => return None,
                },
                SchemaKind::Any(a)
                    if a.properties.is_empty()
                        && a.one_of.is_empty()
                        && a.any_of.is_empty()
                        && a.all_of.is_empty() =>
                {
                    match a.enumeration.as_slice() {
                        [v] if v.is_string() || v.is_i64() => v.clone(),
                        _ => return None,
                    }
                }
                _ => return None,
            };
            values.push((value, schema));
        }
        let integer = values.iter().all(|(v, _)| v.is_i64());
        if !integer && !values.iter().all(|(v, _)| v.is_string()) {
            return None;
        }
        let mut names = Namespace::with_reserved(&["Unknown", "Self"]);
        let mut seen = BTreeSet::new();
        let variants = values
            .into_iter()
            .filter(|(v, _)| seen.insert(v.to_string()))
            .map(|(v, schema)| {
                let value = match &v {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let wanted = match (&schema.schema_data.title, integer) {
                    (Some(title), _) => naming::pascal(title, "Value"),
                    (None, true) => format!("Value{}", value.replace('-', "Minus")),
                    (None, false) => naming::pascal(&value, "Empty"),
                };
                EnumVariant {
                    rust_name: names.claim(wanted),
                    value,
                    message: None,
                    doc: schema.schema_data.description.clone(),
                }
            })
            .collect();
        Some(EnumDef {
            variants,
            integer,
            closed: false,
        })
    }

    /// The one value a schema's property `property` may have (`enum: [v]`, 3.1's `const`), when
    /// it is a string.
    fn single_value(&self, schema: &Schema, property: &str) -> Option<String> {
        let prop = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => o.properties.get(property)?,
            SchemaKind::Any(a) => a.properties.get(property)?,
            SchemaKind::AllOf { all_of } => {
                return all_of
                    .iter()
                    .filter_map(|m| self.resolve(m))
                    .find_map(|m| self.single_value(m, property));
            }
            _ => return None,
        };
        let prop = self.resolve_boxed(prop)?;
        match &prop.schema_kind {
            SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
                [Some(v)] => Some(v.clone()),
                _ => None,
            },
            SchemaKind::Any(a) => match a.enumeration.as_slice() {
                [serde_json::Value::String(v)] => Some(v.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    fn enumeration(&mut self, values: &[String], schema: &Schema, pointer: &Pointer) -> EnumDef {
        let ext = &schema.schema_data.extensions;
        let messages =
            self.string_map(ext.get("x-enum-messages"), &pointer.join("x-enum-messages"));
        let descriptions = self.string_map(
            ext.get("x-enum-descriptions"),
            &pointer.join("x-enum-descriptions"),
        );
        let var_names: Vec<String> = ext
            .get("x-enum-varnames")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for key in messages.keys() {
            if !values.contains(key) {
                self.diags.push(
                    pointer.join("x-enum-messages").join(key),
                    format!("`{key}` has a message but is not one of the enum's values"),
                );
            }
        }
        // `Unknown` is the catch-all variant; `Self` is a keyword.
        let mut names = Namespace::with_reserved(&["Unknown", "Self"]);
        let mut seen = BTreeSet::new();
        let variants = values
            .iter()
            .enumerate()
            .filter(|(_, v)| seen.insert(v.as_str()))
            .map(|(i, value)| {
                let wanted = var_names
                    .get(i)
                    .map(|n| naming::pascal(n, "Empty"))
                    .unwrap_or_else(|| {
                        naming::pascal(value, if value.is_empty() { "Empty" } else { "Symbol" })
                    });
                EnumVariant {
                    rust_name: names.claim(wanted),
                    value: value.clone(),
                    message: messages.get(value).cloned(),
                    doc: descriptions.get(value).cloned(),
                }
            })
            .collect();
        EnumDef {
            variants,
            integer: false,
            closed: false,
        }
    }

    /// `enum` of integers: a typed enum whose variants are named `Value1`, `ValueMinus1`... (or by
    /// `x-enum-varnames`), with a catch-all for values a newer server sends.
    fn integer_enumeration(
        &mut self,
        values: &[i64],
        schema: &Schema,
        pointer: &Pointer,
    ) -> EnumDef {
        let texts: Vec<String> = values.iter().map(i64::to_string).collect();
        let mut def = self.enumeration(&texts, schema, pointer);
        let named = schema
            .schema_data
            .extensions
            .contains_key("x-enum-varnames");
        if !named {
            let mut names = Namespace::with_reserved(&["Unknown", "Self"]);
            for v in &mut def.variants {
                let wanted = match v.value.strip_prefix('-') {
                    Some(digits) => format!("ValueMinus{digits}"),
                    None => format!("Value{}", v.value),
                };
                v.rust_name = names.claim(wanted);
            }
        }
        def.integer = true;
        def
    }

    fn string_map(
        &mut self,
        value: Option<&serde_json::Value>,
        pointer: &Pointer,
    ) -> BTreeMap<String, String> {
        let Some(value) = value else {
            return BTreeMap::new();
        };
        let Some(map) = value.as_object() else {
            self.diags
                .push(pointer, "must be a map from enum value to text");
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for (k, v) in map {
            match v.as_str() {
                Some(s) => {
                    out.insert(k.clone(), s.to_owned());
                }
                None => self.diags.push(pointer.join(k), "must be a string"),
            }
        }
        out
    }

    /// Marks fields and variants that contain their own type, directly or through other types,
    /// as boxed; a `Vec` or map already breaks the cycle.
    pub fn box_recursive_fields(&mut self) {
        let edges: BTreeMap<String, BTreeSet<String>> = self
            .types
            .iter()
            .map(|(name, def)| {
                let direct = match &def.kind {
                    TypeKind::Struct(s) => s
                        .fields
                        .iter()
                        .map(|f| &f.ty)
                        .chain(s.unions.iter().map(|u| &u.ty))
                        .filter_map(direct_name)
                        .collect(),
                    TypeKind::Union(u) => u
                        .variants
                        .iter()
                        .filter_map(|v| direct_name(&v.ty))
                        .collect(),
                    TypeKind::Alias(t) | TypeKind::Newtype(t) => {
                        direct_name(t).into_iter().collect()
                    }
                    // A tuple that holds itself has no finite size; not boxed (see `tuple`).
                    TypeKind::Tuple(_) | TypeKind::Enum(_) => BTreeSet::new(),
                };
                (name.clone(), direct)
            })
            .collect();
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from.to_owned()];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone()) {
                    stack.extend(edges.get(&n).into_iter().flatten().cloned());
                }
            }
            false
        };
        let mut alias_cycles = Vec::new();
        let names: Vec<String> = self.types.keys().cloned().collect();
        for name in names {
            let def = self.types.get(&name).map(|d| d.kind.clone());
            match def {
                Some(TypeKind::Struct(mut s)) => {
                    for f in &mut s.fields {
                        f.boxed = direct_name(&f.ty).is_some_and(|t| reaches(&t, &name));
                    }
                    for u in &mut s.unions {
                        u.boxed = direct_name(&u.ty).is_some_and(|t| reaches(&t, &name));
                    }
                    if let Some(def) = self.types.get_mut(&name) {
                        def.kind = TypeKind::Struct(s);
                    }
                }
                Some(TypeKind::Union(mut u)) => {
                    for v in &mut u.variants {
                        v.boxed = direct_name(&v.ty).is_some_and(|t| reaches(&t, &name));
                    }
                    if let Some(def) = self.types.get_mut(&name) {
                        def.kind = TypeKind::Union(u);
                    }
                }
                Some(TypeKind::Alias(t)) if direct_name(&t).is_some_and(|t| reaches(&t, &name)) => {
                    alias_cycles.push(name.clone());
                }
                _ => {}
            }
        }
        for name in alias_cycles {
            if let Some(def) = self.types.get_mut(&name) {
                // A schema that is only itself under another name has no finite Rust type.
                let pointer = def.pointer.clone();
                def.kind = TypeKind::Alias(TypeRef::Json);
                self.diags.push(
                    pointer,
                    "this schema refers to itself without an object, array or union in between",
                );
            }
        }
        self.recursive_aliases_to_newtypes();
    }

    /// An alias that reaches itself through other aliases, inside arrays or maps, would be a
    /// recursive type alias, which Rust refuses: such aliases become newtypes.
    fn recursive_aliases_to_newtypes(&mut self) {
        let alias_edges: BTreeMap<String, BTreeSet<String>> = self
            .types
            .iter()
            .filter_map(|(name, def)| match &def.kind {
                TypeKind::Alias(t) => {
                    let mut names = BTreeSet::new();
                    all_names(t, &mut names);
                    Some((name.clone(), names))
                }
                _ => None,
            })
            .collect();
        let recursive: Vec<String> = alias_edges
            .iter()
            .filter(|(name, first)| {
                let mut stack: Vec<&String> = first.iter().collect();
                let mut seen = BTreeSet::new();
                while let Some(n) = stack.pop() {
                    if n == *name {
                        return true;
                    }
                    if seen.insert(n) {
                        stack.extend(alias_edges.get(n).into_iter().flatten());
                    }
                }
                false
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in recursive {
            if let Some(def) = self.types.get_mut(&name)
                && let TypeKind::Alias(t) = &def.kind
            {
                def.kind = TypeKind::Newtype(t.clone());
            }
        }
    }
}

/// Every named type a type mentions, at any depth.
fn all_names(ty: &TypeRef, out: &mut BTreeSet<String>) {
    match ty {
        TypeRef::Named(n) => {
            out.insert(n.clone());
        }
        TypeRef::Vec(inner) | TypeRef::Map(inner) => all_names(inner, out),
        _ => {}
    }
}

/// The named type a field holds without an indirection (Vec and maps are indirections).
fn direct_name(ty: &TypeRef) -> Option<String> {
    match ty {
        TypeRef::Named(n) => Some(n.clone()),
        _ => None,
    }
}

fn primitive_variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "Bool".into(),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => "Integer".into(),
        TypeRef::F32 | TypeRef::F64 => "Number".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "Value".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Vec(_) => "Array".into(),
        TypeRef::Map(_) => "Map".into(),
        TypeRef::Named(n) => n.clone(),
    }
}

/// The JSON type a schema is when it is neither an object nor a union, such as `string`.
fn scalar_kind(schema: &Schema) -> Option<&'static str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => Some("string"),
        SchemaKind::Type(Type::Integer(_)) => Some("integer"),
        SchemaKind::Type(Type::Number(_)) => Some("number"),
        SchemaKind::Type(Type::Boolean(_)) => Some("boolean"),
        SchemaKind::Type(Type::Array(_)) => Some("array"),
        SchemaKind::Any(a)
            if a.properties.is_empty()
                && a.additional_properties.is_none()
                && a.one_of.is_empty()
                && a.any_of.is_empty()
                && a.all_of.is_empty() =>
        {
            match a.typ.as_deref() {
                Some("string") => Some("string"),
                Some("integer") => Some("integer"),
                Some("number") => Some("number"),
                Some("boolean") => Some("boolean"),
                Some("array") => Some("array"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A member that only allows `null` (3.1's `{type: 'null'}`, rewritten to `nullable: true`).
fn is_null_only(member: &ReferenceOr<Schema>) -> bool {
    match member {
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Any(a) => {
                let empty = a.typ.is_none()
                    && a.properties.is_empty()
                    && a.items.is_none()
                    && a.one_of.is_empty()
                    && a.any_of.is_empty()
                    && a.all_of.is_empty()
                    && a.additional_properties.is_none();
                empty
                    && (a.enumeration == [serde_json::Value::Null]
                        || (s.schema_data.nullable && a.enumeration.is_empty()))
            }
            _ => false,
        },
        ReferenceOr::Reference { .. } => false,
    }
}

/// A copy of `schema` without the properties `shared` names (nor their `required` entries).
fn without_properties(schema: &Schema, shared: &BTreeSet<String>) -> Schema {
    let mut own = schema.clone();
    match &mut own.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            o.properties.retain(|k, _| !shared.contains(k));
            o.required.retain(|k| !shared.contains(k));
        }
        SchemaKind::Any(a) => {
            a.properties.retain(|k, _| !shared.contains(k));
            a.required.retain(|k| !shared.contains(k));
        }
        _ => {}
    }
    own
}

/// An `allOf` member that only adds documentation (`description`, `nullable`...) to its siblings.
fn is_metadata_only(member: &ReferenceOr<Schema>) -> bool {
    match member {
        ReferenceOr::Reference { .. } => false,
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Any(a) => {
                a.typ.is_none()
                    && a.properties.is_empty()
                    && a.additional_properties.is_none()
                    && a.items.is_none()
                    && a.enumeration.is_empty()
                    && a.one_of.is_empty()
                    && a.all_of.is_empty()
                    && a.any_of.is_empty()
                    && a.not.is_none()
                    && a.format.is_none()
            }
            _ => false,
        },
    }
}

/// Schemas that `$ref`s name at other places of the document than `#/components/schemas/<name>`
/// (inside a path's body, or a component's property), by the pointer of where they are.
///
/// A reference may also pass through other references (`#/paths/.../schema/allOf/0/properties/x`
/// where `allOf/0` is a `$ref`): it is followed to where the schema is written, so every spelling
/// of one place names one schema.
#[derive(Default)]
pub struct LocalSchemas {
    schemas: indexmap::IndexMap<String, ReferenceOr<Schema>>,
    /// 3.1's `prefixItems` (which the 3.0 model does not read), by the pointer of their array.
    tuples: HashMap<String, Vec<ReferenceOr<Schema>>>,
    /// Normalized reference → the pointer of where it leads, when the two differ.
    places: HashMap<String, String>,
    /// Places a `$ref` leads to that hold something other than a schema, with why.
    not_schemas: HashMap<String, String>,
}

impl LocalSchemas {
    /// Finds every local `$ref` (and `discriminator.mapping` value) of the document that points
    /// to something that reads as a schema. Only those a schema position refers to are lowered
    /// (see `SchemaLowerer::local_type`).
    pub fn collect(raw: &serde_json::Value) -> Self {
        let mut refs = BTreeSet::new();
        let mut targets = BTreeSet::new();
        gather_refs(raw, &mut refs, &mut targets);
        let mut out = LocalSchemas::default();
        gather_tuples(raw, &Pointer::root(), &mut out.tuples);
        for (key, is_mapping) in refs
            .into_iter()
            .map(|k| (k, false))
            .chain(targets.into_iter().map(|k| (k, true)))
        {
            let Some(place) = place_of(raw, &key, 0) else {
                continue;
            };
            if place != key {
                out.places.insert(key.clone(), place.clone());
            }
            // A mapping value names a schema the lowering reaches anyway (a union member).
            if is_mapping || is_component_schema(&place).is_some() {
                continue;
            }
            let is_component = place
                .strip_prefix("#/components/")
                .is_some_and(|rest| rest.split('/').count() == 2);
            if is_component || out.schemas.contains_key(&place) {
                continue;
            }
            let Some(target) = raw.pointer(&place[1..]) else {
                continue;
            };
            match serde_json::from_value::<ReferenceOr<Schema>>(target.clone()) {
                Ok(schema) => {
                    out.schemas.insert(place, schema);
                }
                Err(e) => {
                    out.not_schemas.insert(place, e.to_string());
                }
            }
        }
        out
    }

    /// Where a local reference leads (normalized), or `None` for another document's.
    pub fn place(&self, reference: &str) -> Option<String> {
        let key = normalize(reference)?;
        Some(self.places.get(&key).cloned().unwrap_or(key))
    }
}

/// Every `prefixItems` list of schemas, by the pointer of the schema that holds it.
fn gather_tuples(
    value: &serde_json::Value,
    at: &Pointer,
    out: &mut HashMap<String, Vec<ReferenceOr<Schema>>>,
) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(items)) = map.get("prefixItems") {
                let parsed: Option<Vec<ReferenceOr<Schema>>> = items
                    .iter()
                    .map(|i| serde_json::from_value(i.clone()).ok())
                    .collect();
                if let Some(parsed) = parsed {
                    out.insert(at.as_str().to_owned(), parsed);
                }
            }
            for (key, child) in map {
                // Examples and extensions are data, not schemas.
                if key != "example" && key != "examples" && !key.starts_with("x-") {
                    gather_tuples(child, &at.join(key), out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                gather_tuples(child, &at.join(i), out);
            }
        }
        _ => {}
    }
}

/// `Name` when `place` is `#/components/schemas/Name`.
fn is_component_schema(place: &str) -> Option<String> {
    let rest = place.strip_prefix(SCHEMA_PREFIX)?;
    (!rest.contains('/')).then(|| unescape(rest))
}

/// The pointer of where `key` (a normalized local pointer) leads, following `$ref`s met on the
/// way; `None` when nothing is there.
fn place_of(raw: &serde_json::Value, key: &str, depth: usize) -> Option<String> {
    if depth > 32 {
        return None;
    }
    let rest = key.strip_prefix('#')?;
    let mut node = raw;
    let mut place = Pointer::root();
    for segment in rest.split('/').skip(1).map(unescape) {
        loop {
            let child = match node {
                serde_json::Value::Object(map) => map.get(&segment),
                serde_json::Value::Array(items) => {
                    segment.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                _ => None,
            };
            if let Some(child) = child {
                node = child;
                place = place.join(&segment);
                break;
            }
            let next = node
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(normalize)?;
            let next = place_of(raw, &next, depth + 1)?;
            node = raw.pointer(&next[1..])?;
            place = Pointer::from_ref(&next);
        }
    }
    Some(place.as_str().to_owned())
}

fn gather_refs(
    value: &serde_json::Value,
    out: &mut BTreeSet<String>,
    targets: &mut BTreeSet<String>,
) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(key) = map.get("$ref").and_then(|r| r.as_str()).and_then(normalize) {
                out.insert(key);
            }
            let mapping = map
                .get("discriminator")
                .and_then(|d| d.get("mapping"))
                .and_then(|m| m.as_object());
            for target in mapping.into_iter().flat_map(|m| m.values()) {
                if let Some(key) = target.as_str().and_then(normalize) {
                    targets.insert(key);
                }
            }
            map.values().for_each(|v| gather_refs(v, out, targets));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| gather_refs(v, out, targets)),
        _ => {}
    }
}

/// A local reference as the pointer the lowering builds for the same place (`#/a/b~1c`), or
/// `None` for a reference into another document.
fn normalize(reference: &str) -> Option<String> {
    // A `$ref` is a URI: its fragment may percent-encode characters (`~1%7Bid%7D` is `/{id}`).
    let reference = percent_decode(reference);
    let rest = reference.strip_prefix('#')?;
    if rest.is_empty() {
        return Some("#".to_owned());
    }
    let rest = rest.strip_prefix('/')?;
    let pointer = rest
        .split('/')
        .fold(Pointer::root(), |p, segment| p.join(unescape(segment)));
    Some(pointer.as_str().to_owned())
}

/// `%XX` escapes decoded; the text as it is when they do not make UTF-8.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// RFC 6901 unescaping of one reference segment.
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

pub fn docs_of(schema: &Schema) -> Docs {
    docs_of_data(&schema.schema_data)
}

fn docs_of_data(data: &openapiv3::SchemaData) -> Docs {
    Docs {
        summary: data.title.clone(),
        description: data.description.clone(),
        deprecated: data.deprecated,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Api, TypeKind, TypeRef};

    fn lowered(schemas: &str) -> Result<Api, crate::Diagnostics> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n{schemas}"
        );
        let doc = crate::load::load(&text).map_err(crate::Diagnostics::from)?;
        crate::lower::lower(&doc)
    }

    fn kind<'a>(api: &'a Api, name: &str) -> &'a TypeKind {
        &api.types[name].kind
    }

    /// The create body of the workspace's spec, in small: each member's inline one-value `scope`
    /// enum is its tag and is closed; a named enum, or one outside a union, stays open.
    #[test]
    fn a_members_inline_tag_enum_is_closed() {
        let api = lowered(
            "    Hook:\n      oneOf: [{$ref: '#/components/schemas/Acct'}, {$ref: '#/components/schemas/Twin'}, {$ref: '#/components/schemas/Shared'}]\n      discriminator:\n        propertyName: scope\n        mapping: {Account: '#/components/schemas/Acct', iTwin: '#/components/schemas/Twin', other: '#/components/schemas/Shared'}\n    Acct: {type: object, additionalProperties: false, required: [scope], properties: {scope: {type: string, enum: [Account]}}}\n    Twin: {type: object, required: [scope, scopeId], properties: {scope: {type: string, enum: [iTwin]}, scopeId: {type: string, format: uuid}}}\n    Other: {type: string, enum: [other]}\n    Shared: {type: object, required: [scope], properties: {scope: {$ref: '#/components/schemas/Other'}}}\n    Alone: {type: object, properties: {scope: {type: string, enum: [Account]}}}\n",
        )
        .expect("lowers");
        let closed = |name: &str| match kind(&api, name) {
            TypeKind::Enum(e) => e.closed,
            other => panic!("{name}: {other:?}"),
        };
        assert!(closed("AcctScope"));
        assert!(closed("TwinScope"));
        assert!(!closed("Other"), "a named enum may be used elsewhere");
        assert!(!closed("AloneScope"), "not a union member");

        let generated = crate::generate(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Hook:\n      oneOf: [{$ref: '#/components/schemas/Acct'}]\n      discriminator: {propertyName: scope}\n    Acct: {type: object, required: [scope], properties: {scope: {type: string, enum: [Account]}}}\n",
            &crate::Options {
                client_crate: "c".into(),
                regenerate_with: "a test".into(),
            },
        )
        .unwrap_or_else(|d| panic!("{d}"));
        let types = &generated.client["src/types.rs"];
        let scope = &types[types.find("pub enum AcctScope").expect("AcctScope")..];
        let scope = &scope[..scope.find('}').expect("end of enum")];
        assert!(!scope.contains("Unknown"), "{scope}");
    }

    #[test]
    fn a_required_member_without_a_property_is_any_value() {
        let api =
            lowered("    A: {type: object, required: [x, y], properties: {x: {type: string}}}\n")
                .expect("lowers");
        let TypeKind::Struct(s) = kind(&api, "A") else {
            panic!("{:?}", kind(&api, "A"));
        };
        let y = s.fields.iter().find(|f| f.json_name == "y").expect("y");
        assert!(y.required && y.ty == TypeRef::Json);
    }

    #[test]
    fn an_all_of_of_one_scalar_type_is_that_type() {
        let api = lowered(
            "    A: {allOf: [{type: string, format: date}, {type: string, maxLength: 10}]}\n    N: {allOf: [{type: number}, {type: integer, format: int32}]}\n",
        )
        .expect("lowers");
        assert!(matches!(kind(&api, "A"), TypeKind::Alias(TypeRef::Date)));
        assert!(matches!(kind(&api, "N"), TypeKind::Alias(TypeRef::I32)));
        // Only documentation: no type to pick, and no panic.
        lowered("    D: {allOf: [{description: d}]}\n    E: {allOf: []}\n").expect("lowers");
        let err =
            lowered("    B: {allOf: [{type: string}, {type: integer}]}\n").expect_err("no value");
        assert_eq!(err.0[0].pointer, "#/components/schemas/B/allOf");
    }

    #[test]
    fn one_of_members_that_only_require_are_dropped_beside_properties() {
        let api = lowered(
            "    A:\n      type: object\n      properties: {a: {type: string}, b: {type: string}}\n      oneOf: [{required: [a]}, {required: [b]}]\n",
        )
        .expect("lowers");
        assert!(matches!(kind(&api, "A"), TypeKind::Struct(_)));
    }

    #[test]
    fn a_discriminator_property_beside_one_of_is_the_union() {
        let api = lowered(
            "    A: {type: object, properties: {k: {type: string}}}\n    B: {type: object, properties: {k: {type: string}}}\n    U:\n      type: object\n      properties: {k: {type: string}}\n      discriminator: {propertyName: k}\n      oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]\n",
        )
        .expect("lowers");
        let TypeKind::Union(u) = kind(&api, "U") else {
            panic!("{:?}", kind(&api, "U"));
        };
        assert_eq!(u.discriminator.as_deref(), Some("k"));
        assert_eq!(u.variants.len(), 2);
    }

    #[test]
    fn a_ref_to_a_schema_inside_another_is_one_named_type() {
        let api = lowered(
            "    A: {type: object, properties: {x: {type: object, properties: {y: {type: string}}}}}\n    B: {$ref: '#/components/schemas/A/properties/x'}\n",
        )
        .expect("lowers");
        let TypeKind::Struct(a) = kind(&api, "A") else {
            panic!("{:?}", kind(&api, "A"));
        };
        assert_eq!(a.fields[0].ty, TypeRef::Named("X".into()));
        assert!(matches!(kind(&api, "B"), TypeKind::Alias(TypeRef::Named(n)) if n == "X"));
        assert!(matches!(kind(&api, "X"), TypeKind::Struct(_)));
    }

    #[test]
    fn a_ref_with_percent_escapes_leads_where_it_says() {
        let api = lowered(
            "    A: {type: object, properties: {'{x}': {type: object, properties: {y: {type: string}}}}}\n    B: {$ref: '#/components/schemas/A/properties/%7Bx%7D'}\n",
        )
        .expect("lowers");
        assert!(matches!(kind(&api, "B"), TypeKind::Alias(TypeRef::Named(n)) if n == "X"));
    }

    #[test]
    fn an_array_of_itself_is_a_newtype() {
        let api = lowered(
            "    Tree: {type: array, items: {$ref: '#/components/schemas/Tree'}}\n    Forest: {type: object, additionalProperties: {$ref: '#/components/schemas/Woods'}}\n    Woods: {type: array, items: {$ref: '#/components/schemas/Forest'}}\n",
        )
        .expect("lowers");
        assert!(matches!(
            kind(&api, "Tree"),
            TypeKind::Newtype(TypeRef::Vec(_))
        ));
        assert!(matches!(
            kind(&api, "Forest"),
            TypeKind::Newtype(TypeRef::Map(_))
        ));
        assert!(matches!(
            kind(&api, "Woods"),
            TypeKind::Newtype(TypeRef::Vec(_))
        ));
    }
}
