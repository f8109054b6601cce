//! Schemas → named Rust types. Component schemas keep their names; inline schemas that need a
//! type of their own are named after where they appear (`Webhook` + `scope` → `WebhookScope`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::diagnostic::{Diagnostics, Pointer};
use crate::model::{
    Docs, EnumDef, EnumVariant, Field, StructDef, TypeDef, TypeKind, TypeRef, UnionDef,
    UnionVariant,
};
use crate::naming::{self, Namespace};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Lowers every schema the spec uses into `TypeDef`s.
pub struct SchemaLowerer<'a> {
    components: &'a indexmap::IndexMap<String, ReferenceOr<Schema>>,
    pub types: BTreeMap<String, TypeDef>,
    names: Namespace,
    /// Component schema name → Rust type name.
    component_names: HashMap<String, String>,
    /// Pointer of an inline schema already lowered → its type, so a schema reached twice (via
    /// `allOf`, say) yields one type.
    inline_cache: HashMap<String, TypeRef>,
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
        reserved: &[&str],
    ) -> Self {
        let mut names = Namespace::with_reserved(reserved);
        let component_names = components
            .keys()
            .map(|name| (name.clone(), names.claim(naming::pascal(name, "Schema"))))
            .collect();
        SchemaLowerer {
            components,
            types: BTreeMap::new(),
            names,
            component_names,
            inline_cache: HashMap::new(),
            diags: Diagnostics::default(),
        }
    }

    /// Defines a type for every component schema.
    pub fn lower_components(&mut self) {
        let base = Pointer::root().join("components").join("schemas");
        for (name, schema) in self.components {
            let rust_name = self.component_names[name].clone();
            let pointer = base.join(name);
            let (kind, doc) = match schema {
                ReferenceOr::Reference { reference } => (
                    TypeKind::Alias(self.reference(reference, &pointer)),
                    Docs::default(),
                ),
                ReferenceOr::Item(schema) => {
                    let kind = match self.shape(schema, &pointer, &rust_name) {
                        Shape::Use(ty) => TypeKind::Alias(ty),
                        Shape::Define(kind) => kind,
                    };
                    (kind, docs_of(schema))
                }
            };
            self.types.insert(
                rust_name.clone(),
                TypeDef {
                    name: rust_name,
                    pointer: pointer.into(),
                    doc,
                    kind,
                },
            );
        }
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
        match reference.strip_prefix(SCHEMA_PREFIX).map(unescape) {
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
            let name = unescape(reference.strip_prefix(SCHEMA_PREFIX)?);
            match self.components.get(&name)? {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference: next } => reference = next.clone(),
            }
        }
        None
    }

    /// Whether a property schema (possibly a `$ref`) is nullable.
    fn nullable(&self, schema: &ReferenceOr<Box<Schema>>) -> bool {
        self.resolve_boxed(schema).is_some_and(|s| {
            s.schema_data.nullable
                || matches!(&s.schema_kind, SchemaKind::Type(Type::String(t)) if t.enumeration.contains(&None))
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
            SchemaKind::AllOf { all_of } => self.all_of(all_of, pointer, name),
            SchemaKind::OneOf { one_of } => {
                self.union(one_of, schema, &pointer.join("oneOf"), name)
            }
            SchemaKind::AnyOf { any_of } => {
                self.union(any_of, schema, &pointer.join("anyOf"), name)
            }
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
        let combinators = [
            !any.one_of.is_empty(),
            !any.any_of.is_empty(),
            !any.all_of.is_empty(),
        ];
        let has_object = !any.properties.is_empty() || any.additional_properties.is_some();
        if combinators.iter().filter(|c| **c).count() > 1
            || (combinators.iter().any(|c| *c) && has_object)
        {
            self.diags.push(
                pointer,
                "a schema that combines `properties` with `oneOf`/`anyOf`/`allOf`, or several of those, is not supported",
            );
            return Shape::Use(TypeRef::Json);
        }
        if !any.one_of.is_empty() {
            return self.union(&any.one_of, schema, &pointer.join("oneOf"), name);
        }
        if !any.any_of.is_empty() {
            return self.union(&any.any_of, schema, &pointer.join("anyOf"), name);
        }
        if !any.all_of.is_empty() {
            return self.all_of(&any.all_of, pointer, name);
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
        let extra = match additional {
            Some(AdditionalProperties::Schema(s)) => Some(self.type_of(
                s,
                &pointer.join("additionalProperties"),
                &format!("{name}Value"),
            )),
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) | None => None,
        };
        if properties.is_empty() {
            // A pure map: `{type: object}` alone accepts any members.
            return Shape::Use(TypeRef::Map(Box::new(extra.unwrap_or(TypeRef::Json))));
        }
        let mut fields = Vec::new();
        let mut field_names = Namespace::default();
        let props = pointer.join("properties");
        for (json_name, prop) in properties {
            let ptr = props.join(json_name);
            let hint = format!("{name}{}", naming::pascal(json_name, "Field"));
            let ty = self.type_of_boxed(prop, &ptr, &hint);
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
            });
        }
        for name in required {
            if !properties.contains_key(name) && extra.is_none() {
                self.diags.push(
                    pointer.join("required"),
                    format!("`{name}` is required but is not among the object's properties"),
                );
            }
        }
        if extra.is_some() {
            // The flattened map's field name must not collide with a property's.
            let _ = field_names.claim("additional_properties".into());
        }
        Shape::Define(TypeKind::Struct(StructDef {
            fields,
            deny_unknown: matches!(additional, Some(AdditionalProperties::Any(false))),
            extra,
        }))
    }

    /// `allOf`: the members' properties merged into one struct. A single member (often a `$ref`
    /// with a sibling description) is just that member's type.
    fn all_of(&mut self, members: &[ReferenceOr<Schema>], pointer: &Pointer, name: &str) -> Shape {
        let all_of = pointer.join("allOf");
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_metadata_only(m))
            .collect();
        if meaningful.len() == 1 {
            let (i, member) = meaningful[0];
            return Shape::Use(self.type_of(member, &all_of.join(i), name));
        }
        let mut properties = indexmap::IndexMap::new();
        let mut required = Vec::new();
        let mut additional = None;
        let mut ok = true;
        for (i, member) in members.iter().enumerate() {
            let ptr = all_of.join(i);
            if !self.collect_object(
                member,
                &ptr,
                &mut properties,
                &mut required,
                &mut additional,
                0,
            ) {
                ok = false;
            }
        }
        if !ok {
            return Shape::Use(TypeRef::Json);
        }
        // Merged properties are lowered where the merged type is, so their own inline types are
        // named after it.
        self.object(&properties, &required, additional.as_ref(), pointer, name)
    }

    /// Gathers the properties of an object-like schema (following `$ref` and nested `allOf`).
    fn collect_object(
        &mut self,
        member: &ReferenceOr<Schema>,
        pointer: &Pointer,
        properties: &mut indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &mut Vec<String>,
        additional: &mut Option<AdditionalProperties>,
        depth: usize,
    ) -> bool {
        if depth > 32 {
            self.diags
                .push(pointer, "`allOf` nests too deeply (a reference cycle?)");
            return false;
        }
        let Some(schema) = self.resolve(member) else {
            if let ReferenceOr::Reference { reference } = member {
                self.reference(reference, pointer);
            }
            return false;
        };
        let (props, req, add, nested): (_, _, _, &[ReferenceOr<Schema>]) = match &schema.schema_kind
        {
            SchemaKind::Type(Type::Object(o)) => {
                (&o.properties, &o.required, &o.additional_properties, &[])
            }
            SchemaKind::AllOf { all_of } => {
                for (i, m) in all_of.iter().enumerate() {
                    if !self.collect_object(
                        m,
                        &pointer.join("allOf").join(i),
                        properties,
                        required,
                        additional,
                        depth + 1,
                    ) {
                        return false;
                    }
                }
                return true;
            }
            SchemaKind::Any(any) if any.one_of.is_empty() && any.any_of.is_empty() => (
                &any.properties,
                &any.required,
                &any.additional_properties,
                any.all_of.as_slice(),
            ),
            _ => {
                self.diags.push(
                    pointer,
                    "an `allOf` member must be an object schema to be merged (found a non-object type or a union)",
                );
                return false;
            }
        };
        for (i, m) in nested.iter().enumerate() {
            if !self.collect_object(
                m,
                &pointer.join("allOf").join(i),
                properties,
                required,
                additional,
                depth + 1,
            ) {
                return false;
            }
        }
        for (k, v) in props {
            properties.insert(k.clone(), v.clone());
        }
        for r in req {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
        if add.is_some() {
            *additional = add.clone();
        }
        true
    }

    fn union(
        &mut self,
        members: &[ReferenceOr<Schema>],
        schema: &Schema,
        pointer: &Pointer,
        name: &str,
    ) -> Shape {
        let mut variants = Vec::new();
        let mut variant_names = Namespace::default();
        for (i, member) in members.iter().enumerate() {
            let ty = self.type_of(member, &pointer.join(i), &format!("{name}Variant{i}"));
            let wanted = match &ty {
                TypeRef::Named(n) => n.clone(),
                other => primitive_variant_name(other),
            };
            variants.push(UnionVariant {
                rust_name: variant_names.claim(wanted),
                ty,
                tags: Vec::new(),
                boxed: false,
            });
        }
        let discriminator = schema
            .schema_data
            .discriminator
            .as_ref()
            .map(|d| d.property_name.clone());
        if let Some(d) = &schema.schema_data.discriminator {
            let mapped: Vec<(String, TypeRef)> = d
                .mapping
                .iter()
                .map(|(value, target)| {
                    let ty = if target.starts_with('#') {
                        self.reference(
                            target,
                            &pointer.join("discriminator").join("mapping").join(value),
                        )
                    } else {
                        match self.component_type(target) {
                            Some(t) => TypeRef::Named(t.to_owned()),
                            None => self.reference(&format!("{SCHEMA_PREFIX}{target}"), pointer),
                        }
                    };
                    (value.clone(), ty)
                })
                .collect();
            for (i, (variant, member)) in variants.iter_mut().zip(members).enumerate() {
                variant.tags = mapped
                    .iter()
                    .filter(|(_, t)| *t == variant.ty)
                    .map(|(v, _)| v.clone())
                    .collect();
                if variant.tags.is_empty() {
                    match member {
                        ReferenceOr::Reference { reference } => {
                            let schema_name = unescape(reference.trim_start_matches(SCHEMA_PREFIX));
                            variant.tags.push(schema_name);
                        }
                        ReferenceOr::Item(_) => self.diags.push(
                            pointer.join(i),
                            "a discriminated union member must be a `$ref` or be named in `discriminator.mapping`",
                        ),
                    }
                }
            }
        }
        Shape::Define(TypeKind::Union(UnionDef {
            discriminator,
            variants,
        }))
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
        let mut names = Namespace::with_reserved(&["Unknown"]);
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
        EnumDef { variants }
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
                    TypeKind::Struct(s) => {
                        s.fields.iter().filter_map(|f| direct_name(&f.ty)).collect()
                    }
                    TypeKind::Union(u) => u
                        .variants
                        .iter()
                        .filter_map(|v| direct_name(&v.ty))
                        .collect(),
                    TypeKind::Alias(t) => direct_name(t).into_iter().collect(),
                    TypeKind::Enum(_) => BTreeSet::new(),
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
