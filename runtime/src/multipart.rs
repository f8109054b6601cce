//! `multipart/form-data` bodies: the parts of a form, written by a generated client and read by
//! a generated server, each side through the form's generated [`FormBody`] implementation.
//!
//! Available without features: the generated form structs live in the client crate's `bodies`
//! module, which the server crate uses without reqwest. The wire format is written here (so a
//! body is plain bytes a retry can send again) and read by the `server` feature with axum's
//! multipart support.

use std::fmt;
use std::str::FromStr;

/// A file sent as one part of a form: its bytes, and the file name and media type given with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct File {
    /// The `filename` of the part's `Content-Disposition`; a client without one sends `file`.
    pub file_name: Option<String>,
    /// The part's `Content-Type`; a client without one sends the media type the spec names for
    /// the part, else `application/octet-stream`.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl File {
    /// A file of these bytes, without a name or media type.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        File {
            file_name: None,
            content_type: None,
            bytes: bytes.into(),
        }
    }

    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    pub fn with_content_type(mut self, media: impl Into<String>) -> Self {
        self.content_type = Some(media.into());
        self
    }
}

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// The parts of a form in order: built by a client, taken apart by a server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    parts: Vec<Part>,
}

/// A part that is missing or does not hold its declared type: the form is refused, naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartError {
    pub part: String,
}

impl fmt::Display for PartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the form part `{}` is missing or invalid", self.part)
    }
}

impl std::error::Error for PartError {}

/// A part the form requires: present, or the error naming it.
pub fn required<T>(name: &str, value: Option<T>) -> Result<T, PartError> {
    value.ok_or_else(|| PartError {
        part: name.to_owned(),
    })
}

/// A form body with declared parts; generated for each `multipart/form-data` schema.
pub trait FormBody: Sized {
    /// Writes every part; fails only when a JSON part cannot be encoded.
    fn write(&self, form: &mut Form) -> Result<(), serde_json::Error>;
    /// Reads the declared parts (parts the schema does not name are ignored).
    fn read(form: &mut Form) -> Result<Self, PartError>;
}

/// A form whose schema names no parts: every part, as sent.
impl FormBody for Form {
    fn write(&self, form: &mut Form) -> Result<(), serde_json::Error> {
        form.parts.extend(self.parts.iter().cloned());
        Ok(())
    }

    fn read(form: &mut Form) -> Result<Self, PartError> {
        Ok(std::mem::take(form))
    }
}

impl Form {
    pub fn new() -> Self {
        Form::default()
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Adds a part as it is.
    pub fn push(&mut self, part: Part) {
        self.parts.push(part);
    }

    /// One text part per value (none for an absent optional value, one per item of a list).
    pub fn texts(
        &mut self,
        name: &str,
        content_type: Option<&str>,
        values: impl IntoIterator<Item = String>,
    ) {
        for value in values {
            self.parts.push(Part {
                name: name.to_owned(),
                file_name: None,
                content_type: content_type.map(str::to_owned),
                bytes: value.into_bytes(),
            });
        }
    }

    /// One JSON part per value.
    pub fn jsons<'v, T: serde::Serialize + 'v>(
        &mut self,
        name: &str,
        content_type: Option<&str>,
        values: impl IntoIterator<Item = &'v T>,
    ) -> Result<(), serde_json::Error> {
        for value in values {
            self.parts.push(Part {
                name: name.to_owned(),
                file_name: None,
                content_type: Some(content_type.unwrap_or("application/json").to_owned()),
                bytes: serde_json::to_vec(value)?,
            });
        }
        Ok(())
    }

    /// One file part per file; `content_type` is the spec's media type for the part, used when
    /// the file names none.
    pub fn files<'v>(
        &mut self,
        name: &str,
        content_type: Option<&str>,
        files: impl IntoIterator<Item = &'v File>,
    ) {
        for file in files {
            let media = file
                .content_type
                .as_deref()
                .or(content_type)
                .unwrap_or("application/octet-stream");
            self.parts.push(Part {
                name: name.to_owned(),
                file_name: Some(file.file_name.clone().unwrap_or_else(|| "file".to_owned())),
                content_type: Some(media.to_owned()),
                bytes: file.bytes.clone(),
            });
        }
    }

    fn take_all(&mut self, name: &str) -> Vec<Part> {
        let (taken, kept) = std::mem::take(&mut self.parts)
            .into_iter()
            .partition(|p| p.name == name);
        self.parts = kept;
        taken
    }

    fn take_first(&mut self, name: &str) -> Option<Part> {
        let at = self.parts.iter().position(|p| p.name == name)?;
        Some(self.parts.remove(at))
    }

    /// The text part `name` parsed as a `T`; `None` when absent.
    pub fn text<T: FromStr>(&mut self, name: &str) -> Result<Option<T>, PartError> {
        self.take_first(name)
            .map(|part| parse_text(name, &part))
            .transpose()
    }

    /// Every text part `name`, each parsed as a `T`.
    pub fn text_list<T: FromStr>(&mut self, name: &str) -> Result<Vec<T>, PartError> {
        self.take_all(name)
            .iter()
            .map(|part| parse_text(name, part))
            .collect()
    }

    /// The JSON part `name` decoded as a `T`; `None` when absent.
    pub fn json<T: serde::de::DeserializeOwned>(
        &mut self,
        name: &str,
    ) -> Result<Option<T>, PartError> {
        self.take_first(name)
            .map(|part| {
                serde_json::from_slice(&part.bytes).map_err(|_| PartError {
                    part: name.to_owned(),
                })
            })
            .transpose()
    }

    /// The file part `name`; `None` when absent.
    pub fn file(&mut self, name: &str) -> Option<File> {
        self.take_first(name).map(into_file)
    }

    /// Every file part `name`.
    pub fn file_list(&mut self, name: &str) -> Vec<File> {
        self.take_all(name).into_iter().map(into_file).collect()
    }

    /// The whole form as a `multipart/form-data` body, with the boundary its `Content-Type`
    /// names. The boundary is chosen so that it occurs in no part.
    pub fn encode(&self) -> (String, Vec<u8>) {
        let boundary = self.boundary();
        let mut out = Vec::new();
        for part in &self.parts {
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            out.extend_from_slice(quoted(&part.name).as_bytes());
            out.push(b'"');
            if let Some(file_name) = &part.file_name {
                out.extend_from_slice(b"; filename=\"");
                out.extend_from_slice(quoted(file_name).as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"\r\n");
            if let Some(media) = &part.content_type {
                out.extend_from_slice(b"Content-Type: ");
                out.extend_from_slice(quoted(media).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&part.bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"--\r\n");
        (format!("multipart/form-data; boundary={boundary}"), out)
    }

    fn boundary(&self) -> String {
        let contains =
            |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
        let mut n: u64 = 0;
        loop {
            let boundary = format!("specfirst-boundary-{n:016x}");
            let used = self.parts.iter().any(|p| {
                contains(&p.bytes, boundary.as_bytes())
                    || contains(p.name.as_bytes(), boundary.as_bytes())
            });
            if !used {
                return boundary;
            }
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
    }
}

/// A name or header value as it can stand in a quoted string of a part's header: quotes and
/// line breaks are percent-encoded, as browsers do.
fn quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn parse_text<T: FromStr>(name: &str, part: &Part) -> Result<T, PartError> {
    std::str::from_utf8(&part.bytes)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| PartError {
            part: name.to_owned(),
        })
}

fn into_file(part: Part) -> File {
    File {
        file_name: part.file_name,
        content_type: part.content_type,
        bytes: part.bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_parts_with_a_boundary_found_in_none() {
        let mut form = Form::new();
        form.texts(
            "title",
            None,
            ["specfirst-boundary-0000000000000000".to_owned()],
        );
        form.files(
            "upload",
            Some("image/png"),
            [&File::new(b"\x89PNG".to_vec()).with_file_name("a\"b.png")],
        );
        let (content_type, body) = form.encode();
        let boundary = content_type.split_once("boundary=").unwrap().1;
        assert_ne!(boundary, "specfirst-boundary-0000000000000000");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(
            "name=\"upload\"; filename=\"a%22b.png\"\r\nContent-Type: image/png\r\n\r\n"
        ));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }

    #[test]
    fn reads_declared_parts() {
        let mut form = Form::new();
        form.texts("n", None, ["7".to_owned(), "8".to_owned()]);
        form.texts("bad", None, ["x".to_owned()]);
        form.jsons("meta", None, [&serde_json::json!({"a": 1})])
            .unwrap();
        assert_eq!(form.text_list::<u8>("n"), Ok(vec![7, 8]));
        assert_eq!(
            form.text::<u8>("bad"),
            Err(PartError { part: "bad".into() })
        );
        assert_eq!(
            form.json::<serde_json::Value>("meta").unwrap().unwrap()["a"],
            1
        );
        assert_eq!(form.file("missing"), None);
        assert!(required::<u8>("missing", None).is_err());
    }
}
