//! Reading a request: each reader gives the typed value or the [`Failure`] that refuses it, and
//! none panics on anything a client can send.

use std::str::FromStr;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use http::HeaderMap;
use http::request::Parts;

use super::auth::{AuthRequest, Authenticator, bearer_token};
use super::body::{BodyError, decode_checked, read_body};
use super::config::Config;
use super::negotiate::{acceptable, content_type, has_content_type, is_json, media_matches};
use super::path::{Piece, percent_decode};
use super::refusal::Failure;
use super::validate::{BodyCheck, FieldError};
use crate::multipart::{Form, FormBody, Part};

/// A request as a generated handler reads it.
pub struct Incoming {
    parts: Parts,
    body: Option<Body>,
    /// The body, once [`Incoming::body_media`] has read it to choose a reader.
    buffered: Option<bytes::Bytes>,
    body_limit: usize,
    /// The route's parameters, percent-decoded; `None` when they are not valid UTF-8.
    path: Option<RawPathParams>,
    /// The query's pairs, percent-decoded, once a parameter asks; `Err` when the query string is
    /// not form encoding.
    query: Option<Result<Vec<(String, String)>, ()>>,
    /// The cookies' names and percent-decoded values, once a parameter asks.
    cookies: Option<Vec<(String, String)>>,
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Query,
    Header,
    Cookie,
}

/// How an object parameter is written (OpenAPI's `style`; `explode` is beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Queries and cookies: each property its own key (`explode`) or `name=k1,v1,k2,v2`.
    Form,
    /// Headers: `k1,v1,k2,v2`, or `k1=v1,k2=v2` with `explode`.
    Simple,
    /// Queries: `name[k1]=v1&name[k2]=v2`.
    DeepObject,
}

impl Incoming {
    pub async fn new(request: Request, config: &Config) -> Self {
        let (mut parts, body) = request.into_parts();
        let path = RawPathParams::from_request_parts(&mut parts, &())
            .await
            .ok();
        Incoming {
            parts,
            body: Some(body),
            buffered: None,
            body_limit: config.body_limit,
            path,
            query: None,
            cookies: None,
        }
    }

    /// The request's method, URI, headers and extensions.
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// Refuses a client whose `Accept` admits none of `produces` (lower case media types).
    pub fn negotiate(&self, produces: &[&str]) -> Result<(), Failure> {
        if acceptable(&self.parts.headers, produces) {
            Ok(())
        } else {
            Err(Failure::NotAcceptable)
        }
    }

    // The credential readers borrow only the headers across their awaits: a request's body is
    // not `Sync`, so a future holding `&Incoming` could not be sent between threads.

    /// The caller, from a bearer token the authenticator accepts; refused without one.
    pub fn bearer<'a, Au: Authenticator>(
        &'a self,
        auth: &'a Au,
        operation_id: &'static str,
        scopes: &'static [&'static str],
    ) -> impl Future<Output = Result<Au::Caller, Failure>> + Send + 'a {
        let optional = self.optional_bearer(auth, operation_id, scopes);
        async move { optional.await?.ok_or(Failure::MissingCredentials) }
    }

    /// The caller when a bearer token is given (and accepted); `None` without one.
    pub fn optional_bearer<'a, Au: Authenticator>(
        &'a self,
        auth: &'a Au,
        operation_id: &'static str,
        scopes: &'static [&'static str],
    ) -> impl Future<Output = Result<Option<Au::Caller>, Failure>> + Send + 'a {
        let headers = &self.parts.headers;
        async move {
            match bearer_token(headers) {
                Ok(Some(token)) => authenticate(auth, headers, operation_id, scopes, Some(token))
                    .await
                    .map(Some),
                Ok(None) => Ok(None),
                Err(()) => Err(Failure::InvalidCredentials),
            }
        }
    }

    /// The caller, from credentials other than a bearer token (the authenticator reads the
    /// headers it needs).
    pub fn credentials<'a, Au: Authenticator>(
        &'a self,
        auth: &'a Au,
        operation_id: &'static str,
        scopes: &'static [&'static str],
    ) -> impl Future<Output = Result<Au::Caller, Failure>> + Send + 'a {
        authenticate(auth, &self.parts.headers, operation_id, scopes, None)
    }

    /// The caller when the authenticator accepts the request's credentials; `None` otherwise,
    /// for operations that also serve anonymous callers.
    pub fn optional_credentials<'a, Au: Authenticator>(
        &'a self,
        auth: &'a Au,
        operation_id: &'static str,
        scopes: &'static [&'static str],
    ) -> impl Future<Output = Option<Au::Caller>> + Send + 'a {
        let caller = authenticate(auth, &self.parts.headers, operation_id, scopes, None);
        async move { caller.await.ok() }
    }

    /// The path parameter the route names `key`.
    pub fn path<T: FromStr>(&self, key: &str) -> Result<T, Failure> {
        self.path
            .as_ref()
            .and_then(|raw| raw.iter().find(|(k, _)| *k == key))
            .and_then(|(_, value)| value.parse().ok())
            .ok_or(Failure::InvalidPath)
    }

    /// The array path parameter the route names `key`: its items joined with commas (`simple`
    /// style).
    pub fn path_list<T: FromStr>(&self, key: &str) -> Result<Vec<T>, Failure> {
        self.path
            .as_ref()
            .and_then(|raw| raw.iter().find(|(k, _)| *k == key))
            .and_then(|(_, value)| value.split(',').map(|item| item.parse().ok()).collect())
            .ok_or(Failure::InvalidPath)
    }

    /// The `nth` parameter of the path segment at `index`, split by its `template` (a segment
    /// with text beside its parameters, see [`super::path`]).
    pub fn path_in<T: FromStr>(
        &self,
        index: usize,
        template: &[Piece],
        nth: usize,
    ) -> Result<T, Failure> {
        super::path::segment(self.parts.uri.path(), index)
            .and_then(|segment| super::path::split(segment, template))
            .and_then(|values| values.get(nth).copied())
            .and_then(percent_decode)
            .and_then(|value| value.parse().ok())
            .ok_or(Failure::InvalidPath)
    }

    /// The path from the segment at `index` to its end, percent-decoded (a reserved expansion,
    /// `{+name}`, whose value may hold `/`).
    pub fn path_rest<T: FromStr>(&self, index: usize) -> Result<T, Failure> {
        super::path::rest(self.parts.uri.path(), index)
            .filter(|rest| !rest.is_empty())
            .and_then(percent_decode)
            .and_then(|value| value.parse().ok())
            .ok_or(Failure::InvalidPath)
    }

    /// Every value given for a parameter, in order.
    fn values(&mut self, place: In, name: &'static str) -> Result<Vec<&str>, Failure> {
        match place {
            In::Query => {
                let uri = &self.parts.uri;
                let pairs = self.query.get_or_insert_with(|| {
                    serde_urlencoded::from_str(uri.query().unwrap_or("")).map_err(|_| ())
                });
                let pairs = pairs.as_ref().map_err(|_| Failure::InvalidParam(None))?;
                Ok(pairs
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect())
            }
            // A value that is not visible ASCII is kept as a string no parse accepts but a
            // `String` parameter's.
            In::Header => Ok(self
                .parts
                .headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap_or("\u{0}"))
                .collect()),
            In::Cookie => {
                let cookies = self
                    .cookies
                    .get_or_insert_with(|| cookies(&self.parts.headers));
                Ok(cookies
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect())
            }
        }
    }

    /// An optional array parameter whose items are joined with `separator` (` ` for
    /// `spaceDelimited`, `|` for `pipeDelimited`), or repeated with `explode` in a query.
    pub fn delimited_list<T: FromStr>(
        &mut self,
        place: In,
        name: &'static str,
        explode: bool,
        separator: char,
    ) -> Result<Option<Vec<T>>, Failure> {
        let values = self.values(place, name)?;
        if values.is_empty() {
            return Ok(None);
        }
        let items: Option<Vec<T>> = if explode && place == In::Query {
            values.iter().map(|v| v.parse().ok()).collect()
        } else {
            values[0]
                .split(separator)
                .map(|item| item.trim().parse().ok())
                .collect()
        };
        items.map(Some).ok_or(Failure::InvalidParam(Some(name)))
    }

    /// An optional parameter written as JSON text.
    pub fn json_param<T: serde::de::DeserializeOwned>(
        &mut self,
        place: In,
        name: &'static str,
    ) -> Result<Option<T>, Failure> {
        let values = self.values(place, name)?;
        match values.first() {
            None => Ok(None),
            Some(text) => serde_json::from_str(text)
                .map(Some)
                .map_err(|_| Failure::InvalidParam(Some(name))),
        }
    }

    /// An optional object parameter (a struct or map of text values) written as `style` and
    /// `explode` say; `properties` are the keys of a `form` object with `explode`, each a
    /// parameter of its own.
    pub fn object_param<T: serde::de::DeserializeOwned>(
        &mut self,
        place: In,
        name: &'static str,
        style: Style,
        explode: bool,
        properties: &[&'static str],
    ) -> Result<Option<T>, Failure> {
        let invalid = Failure::InvalidParam(Some(name));
        let mut pairs: Vec<(String, String)> = Vec::new();
        match (style, explode) {
            (Style::DeepObject, _) => {
                self.values(place, name)?;
                let all = match &self.query {
                    Some(Ok(all)) => all.as_slice(),
                    _ => &[],
                };
                for (key, value) in all {
                    let inner = key
                        .strip_prefix(name)
                        .and_then(|k| k.strip_prefix('['))
                        .and_then(|k| k.strip_suffix(']'));
                    if let Some(inner) = inner {
                        pairs.push((inner.to_owned(), value.clone()));
                    }
                }
            }
            (Style::Form, true) => {
                for property in properties {
                    if let Some(value) = self.values(place, property)?.first() {
                        pairs.push(((*property).to_owned(), (*value).to_owned()));
                    }
                }
            }
            (_, explode) => {
                let Some(text) = self.values(place, name)?.first().map(|v| (*v).to_owned()) else {
                    return Ok(None);
                };
                let items: Vec<&str> = text.split(',').collect();
                if explode {
                    for item in items {
                        let (key, value) = item.split_once('=').ok_or(invalid.clone())?;
                        pairs.push((key.trim().to_owned(), value.trim().to_owned()));
                    }
                } else {
                    if !items.len().is_multiple_of(2) {
                        return Err(invalid);
                    }
                    for pair in items.chunks(2) {
                        pairs.push((pair[0].trim().to_owned(), pair[1].trim().to_owned()));
                    }
                }
            }
        }
        if pairs.is_empty() {
            return Ok(None);
        }
        // Decoded as a form, which reads numbers and booleans from text.
        let form = serde_urlencoded::to_string(&pairs).map_err(|_| invalid.clone())?;
        serde_urlencoded::from_str(&form)
            .map(Some)
            .map_err(|_| invalid)
    }

    /// An optional parameter: `None` when absent, refused when given but not a `T`.
    pub fn param<T: FromStr>(
        &mut self,
        place: In,
        name: &'static str,
    ) -> Result<Option<T>, Failure> {
        let values = self.values(place, name)?;
        match values.first() {
            None => Ok(None),
            Some(value) => value
                .parse()
                .map(Some)
                .map_err(|_| Failure::InvalidParam(Some(name))),
        }
    }

    /// A parameter the spec requires.
    pub fn required_param<T: FromStr>(
        &mut self,
        place: In,
        name: &'static str,
    ) -> Result<T, Failure> {
        self.param(place, name)?
            .ok_or(Failure::InvalidParam(Some(name)))
    }

    /// An optional array parameter: repeated (`explode`, only in a query) or comma-separated.
    pub fn param_list<T: FromStr>(
        &mut self,
        place: In,
        name: &'static str,
        explode: bool,
    ) -> Result<Option<Vec<T>>, Failure> {
        self.delimited_list(place, name, explode, ',')
    }

    /// An array parameter the spec requires.
    pub fn required_param_list<T: FromStr>(
        &mut self,
        place: In,
        name: &'static str,
        explode: bool,
    ) -> Result<Vec<T>, Failure> {
        self.param_list(place, name, explode)?
            .ok_or(Failure::InvalidParam(Some(name)))
    }

    /// The whole body, within the limit; `None` when it is empty.
    async fn bytes(&mut self) -> Result<Option<bytes::Bytes>, Failure> {
        if let Some(bytes) = self.buffered.take() {
            return Ok(Some(bytes));
        }
        let Some(body) = self.body.take() else {
            return Ok(None);
        };
        match read_body(body, self.body_limit).await {
            Ok(bytes) if bytes.is_empty() => Ok(None),
            Ok(bytes) => Ok(Some(bytes)),
            Err(BodyError::TooLarge) => Err(Failure::TooLarge),
            Err(BodyError::Unreadable) => Err(whole_body()),
        }
    }

    /// A JSON body that passes `check` (generated from its schema) and decodes as a `T`.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &mut self,
        check: &BodyCheck<T>,
    ) -> Result<Option<T>, Failure> {
        let Some(bytes) = self.bytes().await? else {
            return Ok(None);
        };
        if !is_json(&self.parts.headers) {
            return Err(Failure::UnsupportedMediaType);
        }
        decode_checked(&bytes, check)
            .map(Some)
            .map_err(Failure::InvalidBody)
    }

    /// An `application/x-www-form-urlencoded` body.
    pub async fn form<T: serde::de::DeserializeOwned>(&mut self) -> Result<Option<T>, Failure> {
        let Some(bytes) = self.bytes().await? else {
            return Ok(None);
        };
        if !has_content_type(&self.parts.headers, "application/x-www-form-urlencoded") {
            return Err(Failure::UnsupportedMediaType);
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Some)
            .map_err(|_| whole_body())
    }

    /// A text body of the media type `media`.
    pub async fn text(&mut self, media: &str) -> Result<Option<String>, Failure> {
        let Some(bytes) = self.bytes().await? else {
            return Ok(None);
        };
        if !content_type(&self.parts.headers).is_some_and(|c| media_matches(media, &c)) {
            return Err(Failure::UnsupportedMediaType);
        }
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| whole_body())
    }

    /// A body of any bytes.
    pub async fn binary(&mut self) -> Result<Option<Vec<u8>>, Failure> {
        Ok(self.bytes().await?.map(|bytes| bytes.to_vec()))
    }

    /// A body of bytes whose `Content-Type` is `media` (a pattern such as `image/*` admits the
    /// types it covers).
    pub async fn binary_of(&mut self, media: &str) -> Result<Option<Vec<u8>>, Failure> {
        let Some(bytes) = self.bytes().await? else {
            return Ok(None);
        };
        if !content_type(&self.parts.headers).is_some_and(|c| media_matches(media, &c)) {
            return Err(Failure::UnsupportedMediaType);
        }
        Ok(Some(bytes.to_vec()))
    }

    /// For an operation that takes several media types: which of `accepted` (lower case, in
    /// the spec's order) the request's `Content-Type` is, so the handler picks its reader;
    /// `None` for an empty body, refused when it is none of them. A JSON entry stands for every
    /// JSON type.
    pub async fn body_media(&mut self, accepted: &[&str]) -> Result<Option<usize>, Failure> {
        let Some(bytes) = self.bytes().await? else {
            return Ok(None);
        };
        self.buffered = Some(bytes);
        let json = is_json(&self.parts.headers);
        let essence = content_type(&self.parts.headers);
        accepted
            .iter()
            .position(|media| {
                (json && is_json_media_type(media))
                    || essence.as_deref().is_some_and(|e| media_matches(media, e))
            })
            .map(Some)
            .ok_or(Failure::UnsupportedMediaType)
    }

    /// A `multipart/form-data` body read into the form type `T`; a part `T` declares that is
    /// missing or not of its type is refused with the part's name as the target.
    pub async fn multipart<T: FormBody>(&mut self) -> Result<Option<T>, Failure> {
        let Some(bytes) = self.bytes().await? else {
            return Ok(None);
        };
        if !has_content_type(&self.parts.headers, "multipart/form-data") {
            return Err(Failure::UnsupportedMediaType);
        }
        let header = self
            .parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut form = read_form(header, bytes).await.ok_or_else(whole_body)?;
        T::read(&mut form).map(Some).map_err(|e| {
            Failure::InvalidBody(vec![FieldError {
                target: Some(e.part),
            }])
        })
    }
}

fn is_json_media_type(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// The parts of a `multipart/form-data` body; `None` when it is not one.
async fn read_form(content_type: &str, bytes: bytes::Bytes) -> Option<Form> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut form = Form::new();
    while let Some(field) = multipart.next_field().await.ok()? {
        let name = field.name()?.to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let bytes = field.bytes().await.ok()?;
        form.push(Part {
            name,
            file_name,
            content_type,
            bytes: bytes.to_vec(),
        });
    }
    Some(form)
}

/// Every cookie of the `Cookie` headers, its value percent-decoded (a value that does not
/// decode is kept as sent).
fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let v = v.trim().trim_matches('"');
            (
                k.trim().to_owned(),
                percent_decode(v).unwrap_or_else(|| v.to_owned()),
            )
        })
        .collect()
}

impl Failure {
    /// A body the operation requires is missing.
    pub fn missing_body() -> Failure {
        whole_body()
    }
}

fn whole_body() -> Failure {
    Failure::InvalidBody(vec![FieldError { target: None }])
}

async fn authenticate<Au: Authenticator>(
    auth: &Au,
    headers: &HeaderMap,
    operation_id: &'static str,
    scopes: &'static [&'static str],
    token: Option<&str>,
) -> Result<Au::Caller, Failure> {
    let request = AuthRequest {
        operation_id,
        token,
        scopes,
        headers,
    };
    auth.authenticate(request)
        .await
        .map_err(|_| Failure::InvalidCredentials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multipart::File;

    fn request(content_type: &str, body: Vec<u8>) -> Request {
        http::Request::post("/")
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    }

    async fn incoming(content_type: &str, body: Vec<u8>, limit: usize) -> Incoming {
        Incoming::new(
            request(content_type, body),
            &Config::default().with_body_limit(limit),
        )
        .await
    }

    #[tokio::test]
    async fn a_form_is_read_part_by_part() {
        let mut form = Form::new();
        form.texts("n", None, ["1".to_owned()]);
        form.files("f", Some("image/png"), [&File::new(b"\x00\x01".to_vec())]);
        let (content_type, bytes) = form.encode();
        let mut read = incoming(&content_type, bytes.clone(), 1 << 20).await;
        let parts: Form = read.multipart().await.unwrap().unwrap();
        assert_eq!(parts, form);

        let mut small = incoming(&content_type, bytes, 8).await;
        assert_eq!(
            small.multipart::<Form>().await.unwrap_err(),
            Failure::TooLarge
        );
        let mut garbled =
            incoming("multipart/form-data; boundary=x", b"nonsense".to_vec(), 99).await;
        assert_eq!(garbled.multipart::<Form>().await.unwrap_err(), whole_body());
        let mut other = incoming("text/plain", b"hi".to_vec(), 99).await;
        assert_eq!(
            other.multipart::<Form>().await.unwrap_err(),
            Failure::UnsupportedMediaType
        );
    }

    #[tokio::test]
    async fn the_content_type_picks_the_reader() {
        let accepted = ["application/json", "image/*", "text/plain"];
        let pick = |content_type: &'static str, body: &'static [u8]| async move {
            incoming(content_type, body.to_vec(), 99)
                .await
                .body_media(&accepted)
                .await
        };
        assert_eq!(pick("application/problem+json", b"{}").await, Ok(Some(0)));
        assert_eq!(pick("image/png", b"x").await, Ok(Some(1)));
        assert_eq!(pick("Text/Plain; charset=utf-8", b"x").await, Ok(Some(2)));
        assert_eq!(pick("text/plain", b"").await, Ok(None));
        assert_eq!(
            pick("application/xml", b"<a/>").await,
            Err(Failure::UnsupportedMediaType)
        );
        // The body read to choose is the one the reader gets.
        let mut chosen = incoming("image/png", b"png".to_vec(), 99).await;
        assert_eq!(chosen.body_media(&accepted).await, Ok(Some(1)));
        assert_eq!(chosen.binary_of("image/*").await, Ok(Some(b"png".to_vec())));
    }
}
