//! How the report writes types, statuses and messages.

use crate::model::{StatusMatch, TypeRef};

/// A type as the report writes it.
pub fn show(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "Value".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Vec(t) => format!("Vec<{}>", show(t)),
        TypeRef::Map(t) => format!("Map<{}>", show(t)),
    }
}

/// A response status as the spec writes it: `404`, `5XX`, `default`.
pub(super) fn status(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(c) => format!("{c}XX"),
        StatusMatch::Default => "default".into(),
    }
}

/// An optional message, quoted, or `none`.
pub(super) fn quoted(m: &Option<String>) -> String {
    match m {
        Some(m) => format!("\"{m}\""),
        None => "none".to_owned(),
    }
}
