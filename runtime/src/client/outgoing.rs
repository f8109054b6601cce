//! A request being built by a generated operation.

use std::borrow::Cow;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};

use super::answer::Answer;
use super::error::Error;
use super::retry::{RetryPolicy, send};
use super::token::{BoxError, TokenSource};
use crate::multipart::{Form, FormBody};

/// A request to send: what the operation's spec puts in its URL, headers and body. A part that
/// cannot be encoded is kept as the error [`Outgoing::send`] returns, so building never fails
/// halfway.
#[must_use = "a request does nothing until it is sent"]
pub struct Outgoing<'c> {
    http: &'c reqwest::Client,
    token: Option<&'c dyn TokenSource>,
    retry: &'c RetryPolicy,
    method: Method,
    url: Url,
    query: Vec<(std::borrow::Cow<'static, str>, String)>,
    accept: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
    cookies: Vec<(std::borrow::Cow<'static, str>, String)>,
    body: Option<(Cow<'static, str>, Vec<u8>)>,
    authorized: bool,
    failure: Option<BoxError>,
}

impl<'c> Outgoing<'c> {
    pub(crate) fn new(
        http: &'c reqwest::Client,
        token: Option<&'c dyn TokenSource>,
        retry: &'c RetryPolicy,
        method: Method,
        url: Url,
    ) -> Self {
        Outgoing {
            http,
            token,
            retry,
            method,
            url,
            query: Vec::new(),
            accept: None,
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            authorized: false,
            failure: None,
        }
    }

    /// The URL so far (without the query).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The media type asked for in `Accept`.
    pub fn accept(mut self, media: &'static str) -> Self {
        self.accept = Some(media);
        self
    }

    /// A query parameter: one pair per value (none for an absent optional one, one per item for
    /// an exploded array).
    pub fn query(mut self, name: &'static str, values: impl IntoIterator<Item = String>) -> Self {
        self.query.extend(
            values
                .into_iter()
                .map(|v| (std::borrow::Cow::Borrowed(name), v)),
        );
        self
    }

    /// A header parameter, when it has a value.
    pub fn header(mut self, name: &'static str, values: impl IntoIterator<Item = String>) -> Self {
        self.headers.extend(values.into_iter().map(|v| (name, v)));
        self
    }

    /// A cookie parameter, when it has a value. The value is percent-encoded where RFC 6265
    /// does not allow it in a cookie (space, `"`, `,`, `;`, `\\`, `%`, controls and non-ASCII).
    pub fn cookie(mut self, name: &'static str, values: impl IntoIterator<Item = String>) -> Self {
        self.cookies.extend(
            values
                .into_iter()
                .map(|v| (std::borrow::Cow::Borrowed(name), v)),
        );
        self
    }

    /// A parameter written as JSON text (`content: application/json`, or a value no OpenAPI
    /// style defines), when it has a value.
    pub fn json_param<T: serde::Serialize + ?Sized>(
        self,
        place: Place,
        name: &'static str,
        value: Option<&T>,
    ) -> Self {
        let Some(value) = value else {
            return self;
        };
        match serde_json::to_string(value) {
            Ok(text) => self.place(place, name, text),
            Err(e) => self.fail(e),
        }
    }

    /// An object parameter (a struct or map of text values), written as `style` and `explode`
    /// say, when it has a value.
    pub fn object_param<T: serde::Serialize + ?Sized>(
        mut self,
        place: Place,
        name: &'static str,
        style: Style,
        explode: bool,
        value: Option<&T>,
    ) -> Self {
        let Some(value) = value else {
            return self;
        };
        let pairs = match object_pairs(value) {
            Ok(pairs) => pairs,
            Err(e) => {
                self.failure.get_or_insert(e);
                return self;
            }
        };
        match (style, explode) {
            (Style::DeepObject, _) => {
                for (key, text) in pairs {
                    self.query.push((format!("{name}[{key}]").into(), text));
                }
            }
            (Style::Form, true) => {
                for (key, text) in pairs {
                    match place {
                        Place::Cookie => self.cookies.push((key.into(), text)),
                        _ => self.query.push((key.into(), text)),
                    }
                }
            }
            (_, explode) => {
                let joined: Vec<String> = pairs
                    .into_iter()
                    .map(|(key, text)| match explode {
                        true => format!("{key}={text}"),
                        false => format!("{key},{text}"),
                    })
                    .collect();
                self = self.place(place, name, joined.join(","));
            }
        }
        self
    }

    fn place(self, place: Place, name: &'static str, text: String) -> Self {
        match place {
            Place::Query => self.query(name, [text]),
            Place::Header => self.header(name, [text]),
            Place::Cookie => self.cookie(name, [text]),
        }
    }

    fn fail(mut self, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.failure.get_or_insert(Box::new(e));
        self
    }

    /// Adds an optional part (a body the operation may go without) when it is given.
    pub fn with<T>(self, value: Option<T>, add: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(value) => add(self, value),
            None => self,
        }
    }

    /// Applies `add` to the request being built: how a body of several possible media types
    /// attaches the one the caller chose.
    pub fn apply(self, add: impl FnOnce(Self) -> Self) -> Self {
        add(self)
    }

    /// Sends the token source's bearer token.
    pub fn authorized(mut self) -> Self {
        self.authorized = true;
        self
    }

    /// A JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(
        mut self,
        content_type: &'static str,
        body: &T,
    ) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some((Cow::Borrowed(content_type), bytes)),
            Err(e) => self.failure = Some(Box::new(e)),
        }
        self
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        // Encoded here, not by reqwest, so an encoding error is the request's error rather than
        // a request silently sent without its body.
        match serde_urlencoded::to_string(body) {
            Ok(text) => {
                self.body = Some((
                    Cow::Borrowed("application/x-www-form-urlencoded"),
                    text.into_bytes(),
                ))
            }
            Err(e) => self.failure = Some(Box::new(e)),
        }
        self
    }

    /// A body of bytes (or text) with its media type.
    pub fn bytes(mut self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some((Cow::Borrowed(content_type), body.into()));
        self
    }

    /// A `multipart/form-data` body: the form's parts, encoded here (not streamed), so a retry
    /// sends the same bytes again.
    pub fn multipart<T: FormBody>(mut self, body: &T) -> Self {
        let mut form = Form::new();
        match body.write(&mut form) {
            Ok(()) => {
                let (content_type, bytes) = form.encode();
                self.body = Some((Cow::Owned(content_type), bytes));
            }
            Err(e) => self.failure = Some(Box::new(e)),
        }
        self
    }

    /// Sends the request (again after a 429 or 503, as the retry policy allows: always for the
    /// idempotent methods of RFC 9110, for POST and PATCH only when the policy says so) and
    /// reads the whole answer.
    pub async fn send<E>(self) -> Result<Answer<E>, Error<E>> {
        if let Some(failure) = self.failure {
            return Err(Error::Request(failure));
        }
        let idempotent = !matches!(self.method, Method::POST | Method::PATCH);
        let mut url = self.url;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query);
        }
        let mut request = self.http.request(self.method, url);
        if let Some(media) = self.accept {
            // A constant of the spec: sent without copying when it is a valid header value.
            let valid = media
                .bytes()
                .all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
            request = match valid {
                true => request.header(ACCEPT, HeaderValue::from_static(media)),
                false => request.header(ACCEPT, media),
            };
        }
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        if !self.cookies.is_empty() {
            let cookies: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={}", cookie_value(value)))
                .collect();
            request = request.header(reqwest::header::COOKIE, cookies.join("; "));
        }
        if let Some((content_type, bytes)) = self.body {
            request = request
                .header(CONTENT_TYPE, content_type.as_ref())
                .body(bytes);
        }
        if self.authorized
            && let Some(source) = self.token
        {
            request = match source.fixed() {
                Some(token) => request.bearer_auth(token),
                None => request.bearer_auth(source.token().await.map_err(Error::Request)?),
            };
        }
        let mut response = send(self.retry, request, idempotent)
            .await
            .map_err(Error::Transport)?;
        let status = response.status();
        // Taken, not cloned: the body is read next and the headers are not needed again.
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(Error::Transport)?;
        Ok(Answer::new(status, headers, body))
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
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

/// A value that is not an object of text values (a nested array or object) cannot be written
/// in an object parameter's style.
#[derive(Debug)]
struct NotFlat(String);

impl std::fmt::Display for NotFlat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an object parameter's property `{}` is not a text, number or boolean",
            self.0
        )
    }
}

impl std::error::Error for NotFlat {}

/// The properties of an object value as texts, in order; absent (`null`) ones are left out.
fn object_pairs<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<Vec<(String, String)>, BoxError> {
    let serde_json::Value::Object(map) = serde_json::to_value(value)? else {
        return Err(Box::new(NotFlat(String::new())));
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (key, value) in map {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(Box::new(NotFlat(key))),
        };
        pairs.push((key, text));
    }
    Ok(pairs)
}

/// A cookie value with what RFC 6265 does not allow in one percent-encoded.
fn cookie_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        let plain = (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b',' | b';' | b'\\' | b'%');
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
