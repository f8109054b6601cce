//! `mock`: serve any document the generator accepts, interpreted from the generator's model (no
//! crate is generated or compiled, so it starts in milliseconds). Each operation answers as the
//! generated mock does: its first success status with the spec's example, steered by `Prefer`
//! (`code=`, `example=`, `dynamic=true`, `seed=`), error statuses with the error model's body.
//! Unlike the generated mock it checks only the route and the presence of credentials; the
//! generated `mock` feature reads and refuses requests exactly as the real server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use codegen::mock::{self as answers, Pick};
use codegen::model::{Api, BodyMedia, Operation};
use specfirst_runtime::mock::Prefer;

/// `cargo xtask mock`'s flags; their doc comments are its `--help`.
#[derive(clap::Args)]
pub struct Args {
    /// The OpenAPI document (YAML or JSON); default spec/webhooks.yaml of this checkout.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub listen: SocketAddr,
}

/// Loads `text` into the model the mock answers from; the errors are the generator's.
pub fn model(text: &str) -> Result<Api, String> {
    let doc = codegen::load::load(text).map_err(|d| d.to_string())?;
    let (api, _) = codegen::lower::lower_with_server_problems(&doc).map_err(|d| d.to_string())?;
    answers::check_examples(&api)
        .into_result(())
        .map_err(|d| d.to_string())?;
    Ok(api)
}

/// The start-up listing: one line per operation with its method, path, id and statuses.
pub fn listing(api: &Api) -> String {
    let mut out = String::new();
    for op in &api.operations {
        let statuses: Vec<String> = op
            .responses
            .iter()
            .map(|r| match r.status {
                codegen::model::StatusMatch::Code(c) => c.to_string(),
                codegen::model::StatusMatch::Range(c) => format!("{c}XX"),
                codegen::model::StatusMatch::Default => "default".to_owned(),
            })
            .collect();
        out.push_str(&format!(
            "  {:7} {} ({}): {}\n",
            op.method.as_str(),
            op.path,
            op.id,
            statuses.join(", ")
        ));
    }
    out
}

pub fn run(args: &Args) -> Result<(), String> {
    let started = std::time::Instant::now();
    let spec = match &args.spec {
        Some(s) => s.clone(),
        None => crate::workspace::root()?.join("spec/webhooks.yaml"),
    };
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let api = Arc::new(model(&text)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "mock of {} {} on http://{addr}: {} operations, ready in {} ms\n{}",
            api.title,
            api.version,
            api.operations.len(),
            started.elapsed().as_millis(),
            listing(&api)
        );
        let router = axum::Router::new().fallback(move |request: Request| {
            let api = api.clone();
            async move { answer(&api, request) }
        });
        axum::serve(listener, router)
            .await
            .map_err(|e| e.to_string())
    })
}

/// Whether `path` (as sent) matches the template `template` (`/a/{id}/b`, `{name}.json`).
fn matches(template: &str, path: &str) -> bool {
    let template = template.split(['?', '#']).next().unwrap_or("");
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return t.last().is_some_and(|s| s.starts_with("{+")) && p.len() >= t.len();
    }
    t.iter().zip(&p).all(|(t, p)| match t.find('{') {
        None => *t == *p || codegen::model::encode_path_text(t) == *p,
        Some(i) => {
            let suffix = t.rfind('}').map_or("", |j| &t[j + 1..]);
            p.len() > i + suffix.len() && p.starts_with(&t[..i]) && p.ends_with(suffix)
        }
    })
}

fn find<'a>(api: &'a Api, method: &str, path: &str) -> Option<&'a Operation> {
    // Literal routes first, as routers prefer them.
    let mut found: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|op| op.method.as_str() == method && matches(&op.path, path))
        .collect();
    found.sort_by_key(|op| op.path.matches('{').count());
    found.into_iter().next()
}

fn json_answer(status: u16, value: &serde_json::Value) -> Response {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

fn refuse(status: u16, why: &str) -> Response {
    let mut r = json_answer(
        status,
        &serde_json::json!({"error": {"code": "MockRefusal", "message": why}}),
    );
    if let Ok(v) = http::HeaderValue::from_str(why) {
        r.headers_mut()
            .insert(specfirst_runtime::mock::REFUSAL_HEADER, v);
    }
    r
}

/// The answer to one request.
pub fn answer(api: &Api, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let Some(op) = find(api, &method, &path) else {
        let known = api.operations.iter().any(|op| matches(&op.path, &path));
        return if known {
            refuse(405, &format!("no operation for {method} {path}"))
        } else {
            refuse(404, &format!("no operation has the path {path}"))
        };
    };
    let prefer = Prefer::from_headers(request.headers());
    if let Some(why) = &prefer.invalid {
        return refuse(400, why);
    }
    let default = answers::default_status(op).unwrap_or(200);
    // No credentials where the operation requires them: its 401, as the real server answers.
    let status = if op.security.required
        && op.security.bearer
        && !request.headers().contains_key(http::header::AUTHORIZATION)
        && prefer.code.is_none()
    {
        op.rejections.missing_credentials.status
    } else {
        prefer.code.unwrap_or(default)
    };
    let Some(r) = answers::response_for(op, status) else {
        return refuse(400, &format!("code={status} is not declared by {} ", op.id));
    };
    let pick = match prefer.pick() {
        specfirst_runtime::mock::Pick::First => Pick::Example,
        specfirst_runtime::mock::Pick::Named(n) => Pick::Named(n),
        specfirst_runtime::mock::Pick::Dynamic(seed) => Pick::Dynamic(seed),
    };
    let body = match answers::body(api, op, r, &pick) {
        Ok(b) => b,
        Err(why) => return refuse(400, &why),
    };
    let mut response = match (&r.body, body) {
        (Some((media, _)), Some(value)) => match media {
            BodyMedia::Json(m) => {
                let mut resp = json_answer(status, &value);
                if let Ok(v) = http::HeaderValue::from_str(m) {
                    resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
                }
                resp
            }
            other => {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                let mut resp = Response::new(Body::from(text));
                if let Ok(v) = http::HeaderValue::from_str(other.content_type()) {
                    resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
                }
                resp
            }
        },
        _ => Response::new(Body::empty()),
    };
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    for h in &r.headers {
        let value = answers::header(api, h, 0);
        let text = match &value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(h.name.as_bytes()),
            http::HeaderValue::from_str(&text),
        ) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_paths() {
        assert!(matches("/webhooks/{id}", "/webhooks/abc"));
        assert!(!matches("/webhooks/{id}", "/webhooks"));
        assert!(matches("/files/{name}.json", "/files/a.json"));
        assert!(!matches("/files/{name}.json", "/files/a.xml"));
        assert!(matches("/a b", "/a%20b"));
    }

    #[tokio::test]
    async fn answers_examples_and_preferences() {
        let root = crate::workspace::root().expect("root");
        let text = std::fs::read_to_string(root.join("spec/webhooks.yaml")).expect("spec");
        let api = model(&text).expect("model");
        let get = |path: &str, prefer: &str| {
            let mut b = Request::builder()
                .uri(path)
                .header("authorization", "Bearer t");
            if !prefer.is_empty() {
                b = b.header("prefer", prefer);
            }
            answer(&api, b.body(Body::empty()).expect("request"))
        };
        let body = |r: Response| async move {
            let bytes = axum::body::to_bytes(r.into_body(), 1 << 20)
                .await
                .expect("body");
            serde_json::from_slice::<serde_json::Value>(&bytes).expect("json")
        };
        let r = get("/webhooks/x", "");
        assert_eq!(r.status(), 200);
        assert_eq!(
            body(r).await["callbackUrl"],
            "https://hooks.example.com/account-events"
        );
        let r = get("/webhooks", "example=empty");
        assert_eq!(body(r).await["webhooks"], serde_json::json!([]));
        let r = get("/webhooks/x", "code=404");
        assert_eq!(r.status(), 404);
        assert_eq!(body(r).await["error"]["code"], "WebhookNotFound");
        let r = get("/webhooks", "code=429");
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "60");
        assert_eq!(get("/webhooks", "code=418").status(), 400);
        assert_eq!(get("/nowhere", "").status(), 404);
        let a = body(get("/webhooks/x", "dynamic=true, seed=2")).await;
        assert_eq!(a, body(get("/webhooks/x", "dynamic=true, seed=2")).await);
        let no_token = answer(
            &api,
            Request::builder()
                .uri("/webhooks")
                .body(Body::empty())
                .expect("request"),
        );
        assert_eq!(no_token.status(), 401);
    }
}
