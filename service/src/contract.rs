//! The contract at a URL: `GET /openapi.json` and `GET /openapi.yaml` answer with the document
//! the generated server crate was generated from (embedded in it by the generator, so what is
//! served cannot drift from what is enforced), and `GET /docs` with the API reference rendered
//! from it. The reference loads nothing from elsewhere, which its content security policy states
//! to the browser as well. No token is needed and no rate limit applies, as for the probes.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::routing::get;
use webhooks_server::document::{OPENAPI_JSON, OPENAPI_YAML, REFERENCE_HTML};

/// What a browser may load for `/docs`: nothing but the page's own inline styles.
const DOCS_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The three routes, to merge into the service's router.
pub fn router() -> Router {
    Router::new()
        .route(
            "/openapi.json",
            get(|| answer("application/json", OPENAPI_JSON)),
        )
        // RFC 9512's media type for YAML.
        .route(
            "/openapi.yaml",
            get(|| answer("application/yaml", OPENAPI_YAML)),
        )
        .route("/docs", get(docs))
}

type Answer = ([(HeaderName, HeaderValue); 2], &'static str);

async fn answer(media_type: &'static str, text: &'static str) -> Answer {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(media_type)),
            // The text changes only with the binary; caches may keep it, asking again each time.
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        text,
    )
}

async fn docs() -> ([(HeaderName, HeaderValue); 3], &'static str) {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(DOCS_POLICY),
            ),
        ],
        REFERENCE_HTML,
    )
}
