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
    query: Vec<(&'static str, String)>,
    accept: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
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
        self.query.extend(values.into_iter().map(|v| (name, v)));
        self
    }

    /// A header parameter, when it has a value.
    pub fn header(mut self, name: &'static str, values: impl IntoIterator<Item = String>) -> Self {
        self.headers.extend(values.into_iter().map(|v| (name, v)));
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
