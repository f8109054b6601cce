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
    if let Some(operation) = response.extensions().get::<Operation>() {
        span.record("operation", operation.id);
    }
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    // The span carries the status and latency: text logs print its fields before the message,
    // JSON logs under `span`.
    tracing::info!("answered");
}
