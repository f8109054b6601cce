//! The rules every HTTP request the service itself makes follows: fetching a JWKS
//! ([`crate::auth`]) and delivering events ([`crate::delivery`]). Both clients start from
//! [`client_builder`], so the TLS set-up, the timeouts and the redirect rules cannot drift apart.

use std::time::Duration;

use reqwest::redirect::Policy;

/// Most URLs one request visits when it follows redirects (the first and four hops): identity
/// providers move keys behind one or two hops, a longer chain is a loop or a misconfiguration.
const MAX_URLS: usize = 5;

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// None: a 3xx is the answer. A hop would reach an address the caller's checks never saw.
    None,
    /// A few, and never from https down to plain http, except to a loopback address.
    SecureOnly,
}

impl Redirects {
    fn policy(self) -> Policy {
        match self {
            Redirects::None => Policy::none(),
            Redirects::SecureOnly => Policy::custom(|attempt| {
                // `previous` holds the URLs already visited, the one that answered 3xx included.
                if attempt.previous().len() >= MAX_URLS {
                    attempt.error("too many redirects")
                } else if attempt.url().scheme() == "https" || is_loopback(attempt.url()) {
                    attempt.follow()
                } else {
                    attempt.error("redirect to plain http off loopback")
                }
            }),
        }
    }
}

/// Makes rustls usable by reqwest in this process. The service's reqwest is built without a
/// default crypto provider, so this must run before any client is built; it is idempotent.
pub fn install_crypto_provider() {
    webhooks_client::install_crypto_provider();
}

/// A client builder with the crypto provider installed, `timeout` on the whole request and on
/// connecting, and the `redirects` rule.
pub fn client_builder(timeout: Duration, redirects: Redirects) -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirects.policy())
}

/// Whether `url` names this machine (`localhost` or a loopback address), where plain http cannot
/// be intercepted on the way.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// An error with its causes, for logs and stored messages. reqwest and hyper often repeat a
/// cause's text in their own, so a cause already said is not said again.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer {
        text: &'static str,
        cause: Option<Box<Layer>>,
    }

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.text)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.cause.as_deref().map(|c| c as _)
        }
    }

    fn chain(texts: &[&'static str]) -> Layer {
        texts
            .iter()
            .rev()
            .fold(None, |cause, text| {
                Some(Layer {
                    text,
                    cause: cause.map(Box::new),
                })
            })
            .unwrap()
    }

    #[test]
    fn error_chain_names_every_cause_once() {
        assert_eq!(error_chain(&chain(&["alone"])), "alone");
        assert_eq!(
            error_chain(&chain(&["request failed", "connect", "refused"])),
            "request failed: connect: refused"
        );
        // A layer that already quotes its cause does not get it twice.
        assert_eq!(
            error_chain(&chain(&[
                "tls: bad certificate",
                "bad certificate",
                "expired"
            ])),
            "tls: bad certificate: expired"
        );
    }

    #[test]
    fn loopback_is_localhost_or_a_loopback_address() {
        for url in [
            "http://localhost/jwks",
            "http://LOCALHOST:8080/",
            "http://127.0.0.1/",
            "http://127.8.9.10:1/",
            "http://[::1]:1/jwks",
        ] {
            assert!(is_loopback(&url.parse().unwrap()), "{url}");
        }
        for url in [
            "http://example.com/",
            "http://localhost.example.com/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://0.0.0.0/",
            "file:///etc/passwd",
        ] {
            assert!(!is_loopback(&url.parse().unwrap()), "{url}");
        }
    }

    /// Serves `/hop/N` (a redirect to `/hop/N-1`, or to `/done` at 0), `/to/{target}` (a
    /// redirect to the percent-decoded target) and `/done`.
    async fn redirecting_server() -> String {
        use axum::extract::Path;
        use axum::response::Redirect;
        let app = axum::Router::new()
            .route(
                "/hop/{n}",
                axum::routing::get(|Path(n): Path<u32>| async move {
                    match n {
                        0 => Redirect::temporary("/done"),
                        n => Redirect::temporary(&format!("/hop/{}", n - 1)),
                    }
                }),
            )
            .route(
                "/to/{*target}",
                axum::routing::get(|Path(target): Path<String>| async move {
                    Redirect::temporary(&target)
                }),
            )
            .route("/done", axum::routing::get(|| async { "done" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    fn client(redirects: Redirects) -> reqwest::Client {
        client_builder(Duration::from_secs(5), redirects)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn no_redirects_returns_the_3xx() {
        let base = redirecting_server().await;
        let response = client(Redirects::None)
            .get(format!("{base}/hop/0"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 307);
    }

    #[tokio::test]
    async fn secure_only_follows_four_hops_on_loopback() {
        let base = redirecting_server().await;
        let secure = client(Redirects::SecureOnly);
        // Four hops: to `/hop/2`, `/hop/1`, `/hop/0`, then `/done`.
        let response = secure.get(format!("{base}/hop/3")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.url().path(), "/done");

        let error = secure
            .get(format!("{base}/hop/4"))
            .send()
            .await
            .unwrap_err();
        assert!(error.is_redirect(), "{error:?}");
        assert!(
            error_chain(&error).contains("too many redirects"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn secure_only_never_goes_to_plain_http_off_loopback() {
        let base = redirecting_server().await;
        // Refused before any connection: nothing needs to listen there.
        let error = client(Redirects::SecureOnly)
            .get(format!("{base}/to/http://192.0.2.1/jwks"))
            .send()
            .await
            .unwrap_err();
        assert!(error.is_redirect(), "{error:?}");
        assert!(
            error_chain(&error).contains("plain http off loopback"),
            "{error}"
        );
    }
}
