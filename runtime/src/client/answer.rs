//! An answer, read whole, as a generated operation decodes it.

use std::marker::PhantomData;
use std::str::FromStr;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::error::{Error, UnexpectedResponse};

/// An answer of the operation whose typed error is `E`: its status, headers and body.
#[derive(Debug)]
pub struct Answer<E> {
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
    operation: PhantomData<fn() -> E>,
}

impl<E> Answer<E> {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: bytes::Bytes) -> Self {
        Answer {
            status,
            headers,
            body,
            operation: PhantomData,
        }
    }

    /// The status, as a number to match on.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The status, for variants that carry it (`4XX`, `default`).
    pub fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The body as the JSON the spec declares; otherwise the whole answer is unexpected.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error<E>> {
        serde_json::from_slice(&self.body).map_err(|e| self.unexpected_because(e.to_string()))
    }

    /// The declared error whose only content is the JSON body (`variant` wraps the body).
    pub fn error<B: serde::de::DeserializeOwned, T>(
        &self,
        variant: impl FnOnce(B) -> E,
    ) -> Result<T, Error<E>> {
        Err(Error::Api(variant(self.json()?)))
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        self.body.to_vec()
    }

    /// Which of `media` (the media types the spec lists for this status, lower case) the
    /// answer's `Content-Type` is: a JSON entry stands for every JSON type, `image/*` for the
    /// types it covers. An answer without `Content-Type` is taken as the first.
    pub fn media_of(&self, media: &[&str]) -> Option<usize> {
        let Some(value) = self.headers.get(reqwest::header::CONTENT_TYPE) else {
            return (!media.is_empty()).then_some(0);
        };
        let essence = value
            .to_str()
            .ok()?
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let json = |m: &str| m == "application/json" || m.ends_with("+json");
        media.iter().position(|m| {
            (json(m) && json(&essence))
                || *m == essence
                || *m == "*/*"
                || m.strip_suffix("/*")
                    .is_some_and(|kind| essence.split('/').next() == Some(kind))
        })
    }

    /// The answer as unexpected because its `Content-Type` is none the spec lists for it.
    pub fn unexpected_media(&self) -> Error<E> {
        self.unexpected_because(
            "the answer's Content-Type is none of the media types the spec lists for its status"
                .to_owned(),
        )
    }

    /// A response header parsed as its declared type; `None` when absent or not of that type.
    pub fn header<T: FromStr>(&self, name: &str) -> Option<T> {
        self.headers.get(name)?.to_str().ok()?.trim().parse().ok()
    }

    /// An array header (`simple` style: items separated by commas), each item parsed as its
    /// declared type; `None` when absent or when an item is not of that type.
    pub fn header_list<T: FromStr>(&self, name: &str) -> Option<Vec<T>> {
        let text = self.headers.get(name)?.to_str().ok()?.trim();
        if text.is_empty() {
            return Some(Vec::new());
        }
        text.split(',')
            .map(|item| item.trim().parse().ok())
            .collect()
    }

    /// An array header the spec requires; its absence makes the whole answer unexpected.
    pub fn required_header_list<T: FromStr>(&self, name: &str) -> Result<Vec<T>, Error<E>> {
        self.header_list(name).ok_or_else(|| {
            self.unexpected_because(format!(
                "the required header `{name}` is missing or not a valid value"
            ))
        })
    }

    /// A header the spec requires; its absence makes the whole answer unexpected.
    pub fn required_header<T: FromStr>(&self, name: &str) -> Result<T, Error<E>> {
        self.header(name).ok_or_else(|| {
            self.unexpected_because(format!(
                "the required header `{name}` is missing or not a valid value"
            ))
        })
    }

    /// The answer as one the spec does not describe.
    pub fn unexpected(self) -> Error<E> {
        Error::Unexpected(UnexpectedResponse::new(
            self.status,
            self.headers,
            self.body,
            None,
        ))
    }

    fn unexpected_because(&self, reason: String) -> Error<E> {
        Error::Unexpected(UnexpectedResponse::new(
            self.status,
            self.headers.clone(),
            self.body.clone(),
            Some(reason),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Never;

    fn answer(body: &str) -> Answer<Never> {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", " 7".parse().unwrap());
        Answer::new(
            StatusCode::TOO_MANY_REQUESTS,
            headers,
            bytes::Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn bodies_and_headers() {
        let a = answer(r#"{"n":1}"#);
        assert_eq!(a.status(), 429);
        assert_eq!(a.json::<serde_json::Value>().unwrap()["n"], 1);
        assert_eq!(a.header::<u64>("retry-after"), Some(7));
        assert_eq!(a.header::<u64>("x-missing"), None);
        match a.required_header::<u64>("x-missing") {
            Err(Error::Unexpected(u)) => assert!(u.decode_error.unwrap().contains("x-missing")),
            other => panic!("{other:?}"),
        }
    }

    fn typed(content_type: Option<&str>) -> Answer<Never> {
        let mut headers = HeaderMap::new();
        if let Some(c) = content_type {
            headers.insert("content-type", c.parse().unwrap());
        }
        headers.insert("x-tags", "a, b,c".parse().unwrap());
        headers.insert("x-pages", "1,two".parse().unwrap());
        Answer::new(StatusCode::OK, headers, bytes::Bytes::new())
    }

    #[test]
    fn media_types_and_array_headers() {
        let media = ["application/json", "text/csv", "image/*"];
        assert_eq!(
            typed(Some("application/vnd.x+json")).media_of(&media),
            Some(0)
        );
        assert_eq!(
            typed(Some("text/csv; charset=utf-8")).media_of(&media),
            Some(1)
        );
        assert_eq!(typed(Some("image/png")).media_of(&media), Some(2));
        assert_eq!(typed(Some("text/html")).media_of(&media), None);
        assert_eq!(typed(None).media_of(&media), Some(0));
        let answer = typed(None);
        assert_eq!(
            answer.header_list::<String>("x-tags"),
            Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()])
        );
        assert_eq!(answer.header_list::<u8>("x-pages"), None);
        assert!(answer.required_header_list::<u8>("x-missing").is_err());
    }

    #[test]
    fn a_body_that_does_not_decode_keeps_the_answer() {
        match answer("<html>").json::<serde_json::Value>() {
            Err(Error::Unexpected(u)) => {
                assert_eq!(u.status, 429);
                assert_eq!(&u.body[..], b"<html>");
                assert!(u.decode_error.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
