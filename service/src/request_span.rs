//! Request ids and one span per request: an `x-request-id` the caller sent is kept, otherwise a
//! uuid is made; it is on every answer (error bodies' answers included) and on the request's
//! span, with the method, the route template, the operation id (which the generated router puts
//! on each of its answers), the caller (recorded by the authenticator once the token checks
//! out), the status and the latency.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, Request, Response};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::Value;
use webhooks_server::document::Operation;

use crate::metrics::Metrics;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `router` with request ids and spans around every route, each answer counted in `metrics`.
pub fn layer(router: Router, metrics: Arc<Metrics>) -> Router {
    let answered = move |response: &Response<axum::body::Body>, latency: Duration, span: &Span| {
        let operation = response.extensions().get::<Operation>().map(|o| o.id);
        metrics.request(operation, response.status().as_u16(), latency);
        answered(response, latency, span);
    };
    router
        // Layers run outside in, the last added first: the id is set before the span opens,
        // and copied onto the answer after it is made.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(answered),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

fn span<B>(request: &Request<B>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route,
        operation = tracing::field::Empty,
        caller = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

fn answered<B>(response: &Response<B>, latency: Duration, span: &Span) {
    let operation = response.extensions().get::<Operation>().map(|o| o.id);
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    // The three together, in one `record_all`: the subscriber finds the span and formats into
    // its fields once instead of three times (this runs on every request).
    if let Some(fields) = span.metadata().map(|m| m.fields())
        && let (Some(operation_field), Some(status_field), Some(latency_field)) = (
            fields.field("operation"),
            fields.field("status"),
            fields.field("latency_ms"),
        )
    {
        span.record_all(&fields.value_set(&[
            (
                &operation_field,
                operation.as_ref().map(|id| id as &dyn Value),
            ),
            (&status_field, Some(&status as &dyn Value)),
            (&latency_field, Some(&latency_ms as &dyn Value)),
        ]));
    }
    // The span carries the status and latency: text logs print its fields before the message,
    // JSON logs under `span`.
    tracing::info!("answered");
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex, PoisonError};

    use axum::routing::get;

    use super::*;

    /// Log lines, as the subscriber writes them.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            lines.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const GET_THING: Operation = Operation {
        id: "getThing",
        method: "GET",
        route: "/things/{id}",
    };

    async fn thing() -> axum::response::Response {
        tracing::Span::current().record("caller", "someone");
        let mut response = axum::response::Response::new(axum::body::Body::from("{}"));
        *response.status_mut() = axum::http::StatusCode::ACCEPTED;
        response.extensions_mut().insert(GET_THING);
        response
    }

    /// The answer's line carries every field of the request's span, the ones recorded when
    /// the answer is made included (a current-thread runtime, so the server's tasks log to
    /// this test's subscriber).
    #[tokio::test]
    async fn the_answer_line_carries_every_field_of_the_span() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(move || writer.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);

        let router = layer(
            Router::new().route("/things/{id}", get(thing)),
            Arc::new(Metrics::new(None)),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        crate::outbound::install_crypto_provider();
        let answer = reqwest::Client::new()
            .get(format!("http://{address}/things/7"))
            .header("x-request-id", "line-test-1")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202);
        assert_eq!(answer.headers()["x-request-id"], "line-test-1");

        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|l| l["fields"]["message"] == "answered")
            .unwrap_or_else(|| panic!("no answer line in {text}"));
        let span = &line["span"];
        assert_eq!(span["request_id"], "line-test-1", "{line}");
        assert_eq!(span["method"], "GET", "{line}");
        assert_eq!(span["route"], "/things/{id}", "{line}");
        assert_eq!(span["caller"], "someone", "{line}");
        assert_eq!(span["operation"], "getThing", "{line}");
        assert_eq!(span["status"], 202, "{line}");
        assert!(
            span["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{line}"
        );
    }
}
