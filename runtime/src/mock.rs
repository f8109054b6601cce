//! What a generated mock needs besides its spec: the `Prefer` header that steers each answer
//! (`code=404`, `example=name`, `dynamic=true`, `seed=7`, as Prism reads them), an
//! authenticator that admits any bearer token, and a server on a free loopback port for tests.
//!
//! The generated `Mock` implements the generated `Api` trait; the router it runs in is the real
//! one, so requests are read and refused exactly as by the real server. [`steer`] wraps each
//! request so the mock's methods can read its [`Prefer`] ([`prefer`]) and, when the preference
//! cannot be met, swap the answer for the spec's refusal ([`replace_answer`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderMap;

use crate::server::{AuthError, AuthRequest, Authenticator};

/// The response header that says why a `Prefer` could not be met (the body is the spec's
/// refusal of an invalid header parameter).
pub const REFUSAL_HEADER: &str = "x-mock-refusal";

/// What a request's `Prefer` header asks of the mock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Prefer {
    /// `code=404`: answer with this status (it must be declared, or covered by a declared
    /// range or `default`).
    pub code: Option<u16>,
    /// `example=name`: the named example of the chosen status.
    pub example: Option<String>,
    /// `dynamic=true`: a value generated from the schema instead of the example.
    pub dynamic: bool,
    /// `seed=7`: which generated value (0 when absent), so dynamic answers repeat.
    pub seed: u64,
    /// A preference the mock understands but whose value it cannot read (`code=abc`).
    pub invalid: Option<String>,
}

/// Which body a request picks for the chosen status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// The first example (or the error model's body, or a generated value).
    First,
    Named(String),
    /// One of the values generated from the schema.
    Dynamic(u64),
}

impl Prefer {
    /// Reads every `Prefer` header: preferences separated by `,` or `;`, values optionally
    /// quoted; preferences the mock does not know are ignored, as RFC 7240 says.
    pub fn from_headers(headers: &HeaderMap) -> Prefer {
        let mut prefer = Prefer::default();
        for value in headers.get_all("prefer") {
            let Ok(text) = value.to_str() else {
                prefer.invalid = Some("the Prefer header is not visible ASCII".to_owned());
                continue;
            };
            for item in text.split([',', ';']) {
                let (key, value) = item.split_once('=').unwrap_or((item, "true"));
                let key = key.trim().to_ascii_lowercase();
                let value = value.trim().trim_matches('"');
                match key.as_str() {
                    "code" => match value.parse::<u16>() {
                        Ok(c) if (100..600).contains(&c) => prefer.code = Some(c),
                        _ => prefer.invalid = Some(format!("code={value} is not an HTTP status")),
                    },
                    "example" => prefer.example = Some(value.to_owned()),
                    "dynamic" => match value {
                        "true" => prefer.dynamic = true,
                        "false" => prefer.dynamic = false,
                        _ => prefer.invalid = Some(format!("dynamic={value} is not true or false")),
                    },
                    "seed" => match value.parse::<u64>() {
                        Ok(s) => prefer.seed = s,
                        _ => prefer.invalid = Some(format!("seed={value} is not a number")),
                    },
                    _ => {}
                }
            }
        }
        if prefer.dynamic && prefer.example.is_some() {
            prefer.invalid = Some("example= and dynamic=true ask for different bodies".to_owned());
        }
        prefer
    }

    /// The body this request picks.
    pub fn pick(&self) -> Pick {
        match (&self.example, self.dynamic) {
            (Some(name), _) => Pick::Named(name.clone()),
            (None, true) => Pick::Dynamic(self.seed),
            (None, false) => Pick::First,
        }
    }
}

impl Pick {
    /// The JSON text of the body: `first`, a `named` example, or one of the `generated`
    /// values (the seed chooses which). `Err` says why the pick cannot be met.
    pub fn body(
        &self,
        first: &'static str,
        named: &[(&str, &'static str)],
        generated: &[&'static str],
    ) -> Result<&'static str, String> {
        match self {
            Pick::First => Ok(first),
            Pick::Named(name) => named
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, body)| *body)
                .ok_or_else(|| {
                    let names: Vec<&str> = named.iter().map(|(n, _)| *n).collect();
                    format!(
                        "no example named `{name}` for this status (it has: {})",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )
                }),
            Pick::Dynamic(seed) => match generated.len() {
                0 => Ok(first),
                n => Ok(generated[(*seed % n as u64) as usize]),
            },
        }
    }

    /// For a status without a body: only the first pick makes sense.
    pub fn no_body(&self) -> Result<(), String> {
        match self {
            Pick::Named(name) => Err(format!("this status has no body, so no example `{name}`")),
            _ => Ok(()),
        }
    }
}

/// Decodes a body or header value the generator checked against its type.
///
/// # Panics
///
/// When `json` does not decode into `T`, which the generator rules out for the examples it
/// embeds (the router turns a panic into the spec's 500).
pub fn decode<T: serde::de::DeserializeOwned>(json: &str) -> T {
    match serde_json::from_str(json) {
        Ok(value) => value,
        Err(e) => panic!("the mock's value does not decode into its type ({e}): {json}"),
    }
}

/// The message for a status the operation does not declare.
pub fn undeclared(status: u16, declared: &str) -> String {
    format!("code={status} is not declared by this operation (it declares {declared})")
}

struct Steer {
    prefer: Prefer,
    replace: Mutex<Option<Response>>,
}

tokio::task_local! {
    static STEER: Arc<Steer>;
}

/// The `Prefer` of the request being answered (the default outside [`steer`]).
pub fn prefer() -> Prefer {
    STEER.try_with(|s| s.prefer.clone()).unwrap_or_default()
}

/// Answers the request being handled with `response` instead of what the method returns
/// (a preference the operation cannot meet), with `why` in [`REFUSAL_HEADER`].
pub fn replace_answer(mut response: Response, why: &str) {
    if let Ok(value) = http::HeaderValue::from_str(why) {
        response.headers_mut().insert(REFUSAL_HEADER, value);
    }
    let _ = STEER.try_with(|s| {
        if let Ok(mut slot) = s.replace.lock() {
            *slot = Some(response);
        }
    });
}

/// Middleware (`axum::middleware::from_fn(steer)`) that makes the request's `Prefer` visible to
/// the mock's methods and applies [`replace_answer`].
pub async fn steer(request: Request, next: Next) -> Response {
    let state = Arc::new(Steer {
        prefer: Prefer::from_headers(request.headers()),
        replace: Mutex::new(None),
    });
    let answer = STEER.scope(state.clone(), next.run(request)).await;
    let replaced = state.replace.lock().ok().and_then(|mut slot| slot.take());
    replaced.unwrap_or(answer)
}

/// Admits every request with a bearer token; the caller is the token. Requests without one
/// still get the spec's 401, as from the real server.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnyToken;

impl Authenticator for AnyToken {
    type Caller = String;

    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<String, AuthError> {
        request
            .token
            .map(str::to_owned)
            .ok_or(AuthError::InvalidCredentials)
    }
}

/// A mock serving on a loopback port; dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:PORT`, to give the client.
    pub base_url: String,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `router` on `addr` (`127.0.0.1:0` for a free port) in a task of the current runtime.
pub async fn serve(router: axum::Router, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(Running {
        base_url: format!("http://{addr}"),
        addr,
        stop: Some(stop),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Prefer {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("prefer", v.parse().expect("header"));
        }
        Prefer::from_headers(&headers)
    }

    #[test]
    fn reads_prism_preferences() {
        let p = parse(&["code=404, example=\"gone\""]);
        assert_eq!(p.code, Some(404));
        assert_eq!(p.pick(), Pick::Named("gone".into()));
        let p = parse(&["dynamic=true; seed=9", "respond-async"]);
        assert_eq!(p.pick(), Pick::Dynamic(9));
        assert!(p.invalid.is_none());
        assert_eq!(parse(&[]).pick(), Pick::First);
        assert!(parse(&["code=abc"]).invalid.is_some());
        assert!(parse(&["code=99"]).invalid.is_some());
        assert!(parse(&["example=a, dynamic=true"]).invalid.is_some());
    }

    #[test]
    fn picks_bodies() {
        let named = [("a", "1"), ("b", "2")];
        assert_eq!(Pick::First.body("0", &named, &["3"]), Ok("0"));
        assert_eq!(Pick::Named("b".into()).body("0", &named, &[]), Ok("2"));
        let e = Pick::Named("c".into())
            .body("0", &named, &[])
            .expect_err("no c");
        assert!(e.contains("it has: a, b"), "{e}");
        assert_eq!(Pick::Dynamic(5).body("0", &named, &["3", "4"]), Ok("4"));
        assert!(Pick::Named("x".into()).no_body().is_err());
    }
}
