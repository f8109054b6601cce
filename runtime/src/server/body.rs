//! Request bodies: reading them within the limit, and decoding JSON with every problem located.

use axum::body::Body;

use super::objects::{self, Objects};
use super::validate::{BodyCheck, FieldError, Problems};

pub(crate) enum BodyError {
    TooLarge,
    Unreadable,
}

/// Reads the whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, BodyError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<http_body_util::LengthLimitError>())
                .is_some()
                || e.to_string().contains("length limit");
            Err(if too_large {
                BodyError::TooLarge
            } else {
                BodyError::Unreadable
            })
        }
    }
}

/// Decodes a JSON body that passes its checks; otherwise every problem found, each naming its
/// field.
///
/// A valid body takes one pass: serde decodes the bytes into `T` and the quick check reads the
/// typed value. Anything else (a body with `null`, one that serde or the quick check refuses, a
/// type without a quick check) is read the located way, whose answer is the same for every body
/// whichever path ran first. Both read structs from JSON objects only (see [`objects`]), as the
/// schema's `type: object` says.
pub(crate) fn decode_checked<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    check: &BodyCheck<T>,
) -> Result<T, Vec<FieldError>> {
    if let Some(quick) = check.quick
        && !mentions_null(bytes)
        && let Ok(value) = objects::from_slice::<T>(bytes)
        && quick(&value)
    {
        return Ok(value);
    }
    decode_located(bytes, check.located)
}

/// Whether `null` appears anywhere, inside strings too: only a body without one can be judged by
/// its typed value, where an `Option` is `None` both for `null` and for an absent property.
fn mentions_null(bytes: &[u8]) -> bool {
    bytes.windows(4).any(|w| w == b"null")
}

/// Parses the body into a `serde_json::Value`, runs `located` on it, then decodes the value.
fn decode_located<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    located: fn(&serde_json::Value, &mut Problems),
) -> Result<T, Vec<FieldError>> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| vec![FieldError { target: None }])?;
    let mut problems = Problems::default();
    located(&value, &mut problems);
    if !problems.is_clean() {
        return Err(problems.into_found());
    }
    // The checks cover the schema; serde still has the last word on the Rust type. Tracking
    // serde's path costs time, so it is only done again when serde refuses.
    T::deserialize(Objects(value)).map_err(|_| {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, T>(Objects(&mut de)) {
            Err(e) => vec![field_error(e)],
            Ok(_) => vec![FieldError { target: None }],
        }
    })
}

/// Where a serde error is, as a target (`eventTypes[0]`, `scope`).
fn field_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> FieldError {
    let mut target = String::new();
    let push_name = |target: &mut String, name: &str| {
        if !target.is_empty() {
            target.push('.');
        }
        target.push_str(name);
    };
    for segment in e.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => target.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => push_name(&mut target, key),
            serde_path_to_error::Segment::Enum { variant } => push_name(&mut target, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    // serde names a missing property only in its message (an unknown one is in the path).
    let message = e.into_inner().to_string();
    let missing = message
        .split_once("missing field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name.to_owned());
    if let Some(name) = missing {
        push_name(&mut target, &name);
    }
    FieldError {
        target: (!target.is_empty()).then_some(target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Thing {
        name: String,
        tags: Vec<u8>,
    }

    fn nothing(_: &serde_json::Value, _: &mut Problems) {}

    fn targets(body: &str) -> Vec<Option<String>> {
        let check = BodyCheck::<Thing> {
            located: nothing,
            quick: None,
        };
        match decode_checked::<Thing>(body.as_bytes(), &check) {
            Ok(_) => vec![],
            Err(errors) => errors.into_iter().map(|e| e.target).collect(),
        }
    }

    #[test]
    fn serde_refusals_are_located() {
        assert_eq!(
            targets(r#"{"name":"a","tags":[1]}"#),
            Vec::<Option<String>>::new()
        );
        assert_eq!(
            targets(r#"{"name":"a","tags":[1,"x"]}"#),
            vec![Some("tags[1]".to_owned())]
        );
        assert_eq!(targets(r#"{"tags":[]}"#), vec![Some("name".to_owned())]);
        assert_eq!(targets("not json"), vec![None]);
    }

    /// Refuses a `name` longer than three characters, as a generated located check would.
    fn short_name(value: &serde_json::Value, problems: &mut Problems) {
        if value["name"].as_str().is_some_and(|n| n.len() > 3) {
            problems.field("name", |problems| problems.here());
        }
    }

    fn quick_short_name(thing: &Thing) -> bool {
        thing.name.len() <= 3
    }

    #[test]
    fn the_quick_path_answers_as_the_located_one() {
        let check = BodyCheck::<Thing> {
            located: short_name,
            quick: Some(quick_short_name),
        };
        let decode = |body: &str| decode_checked::<Thing>(body.as_bytes(), &check).map(|t| t.name);
        assert_eq!(decode(r#"{"name":"abc","tags":[]}"#), Ok("abc".to_owned()));
        let refused = Err(vec![FieldError {
            target: Some("name".to_owned()),
        }]);
        // Refused by the quick check: read again for its located problems.
        assert_eq!(decode(r#"{"name":"abcd","tags":[]}"#), refused);
        // A `null` anywhere takes the located path; here serde then refuses the `null` tag.
        assert_eq!(
            decode(r#"{"name":"ab","tags":[null]}"#),
            Err(vec![FieldError {
                target: Some("tags[0]".to_owned())
            }])
        );
        assert_eq!(decode(r#"{"name":"nullish","tags":[]}"#), refused);
    }

    #[test]
    fn a_json_array_is_no_object_on_either_path() {
        // Fields by position are what serde's derive would read from `["ab", []]`.
        let quick = BodyCheck::<Thing> {
            located: nothing,
            quick: Some(quick_short_name),
        };
        let located = BodyCheck::<Thing> {
            located: nothing,
            quick: None,
        };
        for check in [&quick, &located] {
            let decoded = decode_checked::<Thing>(br#"["ab", []]"#, check);
            assert_eq!(
                decoded.map(|t| t.name),
                Err(vec![FieldError { target: None }])
            );
        }
    }

    #[test]
    fn null_is_found_anywhere() {
        assert!(mentions_null(br#"{"a":null}"#));
        assert!(mentions_null(br#"{"a":"null"}"#));
        assert!(!mentions_null(br#"{"a":"nul","b":"l"}"#));
    }
}
