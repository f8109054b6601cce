//! Several instances as one service: two `serve`s on one PostgreSQL and one Redis share each
//! caller's rate limit; with Redis unreachable, each instance limits on its own.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use webhooks_client::{Client, ListWebhooksError};
use webhooks_service::auth::{AuthConfig, DevKey, KeySource};
use webhooks_service::{Config, Running};

/// The Redis the tests use (`WEBHOOKS_TEST_REDIS_URL`, else the local default), or `None`
/// (printed) when nothing answers there and none was configured.
async fn test_redis(test: &str) -> Option<String> {
    let configured = std::env::var("WEBHOOKS_TEST_REDIS_URL").ok();
    let url = configured
        .clone()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let client = redis::Client::open(url.as_str()).expect("redis URL");
    let answer = tokio::time::timeout(Duration::from_secs(2), async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    })
    .await;
    match answer {
        Ok(Ok(_)) => Some(url),
        _ if configured.is_some() => panic!("Redis at {url} does not answer"),
        _ => {
            eprintln!("SKIPPED: {test} (no Redis answers at {url})");
            None
        }
    }
}

async fn start(
    database_url: &str,
    key: &Path,
    per_minute: u32,
    burst: u32,
    redis_url: &str,
) -> Running {
    webhooks_service::start(Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: database_url.to_owned(),
        db_max_connections: 4,
        allow_insecure_callbacks: false,
        rate_limit_per_minute: per_minute,
        rate_limit_burst: Some(burst),
        redis_url: Some(redis_url.to_owned()),
        key_source: KeySource::Dev(DevKey::load_or_create(key).expect("dev key")),
        secret_key: webhooks_service::secrets::SecretKey::from_bytes([7; 32]),
        read_cache_ttl: None,
        auth: AuthConfig::default(),
        body_limit: None,
        delivery: webhooks_service::delivery::DeliveryConfig {
            enabled: false,
            ..Default::default()
        },
    })
    .await
    .expect("service starts")
}

fn client(running: &Running, key: &Path, client_id: &str) -> Client {
    let token = DevKey::load_or_create(key)
        .expect("dev key")
        .mint(
            client_id,
            &["webhooks:read"],
            false,
            Duration::from_secs(600),
            &AuthConfig::default(),
        )
        .expect("token");
    Client::new(&format!("http://{}", running.addr()))
        .expect("client")
        .with_bearer_token(token)
}

/// Whether the caller was let through (`false`: a 429); anything else fails the test.
async fn accepted(client: &Client) -> bool {
    match client.list_webhooks(&Default::default()).await {
        Ok(_) => true,
        Err(webhooks_client::Error::Api(ListWebhooksError::TooManyRequests {
            retry_after,
            ..
        })) => {
            assert!(retry_after.is_some_and(|s| s >= 1), "retry-after");
            false
        }
        Err(other) => panic!("list: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_limit_through_redis() {
    let Some(redis_url) = test_redis("the two-instance rate limit test").await else {
        return;
    };
    let Some(schema) = support::postgres::Schema::create("fleet").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("dev.key");
    // 50 requests a second, bursts of 50: over 3 s at most 50 + 150 = 200 in all, where two
    // limiters on their own would let through about twice that.
    let per_minute = 3000;
    let burst = 50;
    let a = start(&schema.url, &key, per_minute, burst, &redis_url).await;
    let b = start(&schema.url, &key, per_minute, burst, &redis_url).await;
    // A caller of this run only, so its key in Redis is new.
    let caller = format!("fleet-{}", uuid::Uuid::new_v4().simple());
    let clients = Arc::new([client(&a, &key, &caller), client(&b, &key, &caller)]);

    let run_for = Duration::from_secs(3);
    let allowed = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..4usize {
        let (clients, allowed, refused) = (
            Arc::clone(&clients),
            Arc::clone(&allowed),
            Arc::clone(&refused),
        );
        tasks.push(tokio::spawn(async move {
            // Alternating between the instances, each task starting on its own one.
            let mut i = task;
            while started.elapsed() < run_for {
                let counter = if accepted(&clients[i % 2]).await {
                    &allowed
                } else {
                    &refused
                };
                counter.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    for task in tasks {
        task.await.expect("requests");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let allowed = allowed.load(Ordering::Relaxed) as f64;
    let refused = refused.load(Ordering::Relaxed);
    let limit = f64::from(burst) + elapsed * f64::from(per_minute) / 60.0;
    eprintln!(
        "two instances, {elapsed:.2} s: {allowed} accepted, {refused} refused; limit plus burst {limit:.1}"
    );
    assert!(refused > 0, "the caller went faster than the limit");
    assert!(
        allowed <= limit * 1.05,
        "{allowed} accepted, over {limit:.1} by more than 5 %"
    );
    assert!(
        allowed >= limit * 0.95,
        "{allowed} accepted, under {limit:.1} by more than 5 %"
    );

    a.stop().await.expect("stop a");
    b.stop().await.expect("stop b");
    schema.drop().await;
}

#[tokio::test]
async fn with_redis_unreachable_each_instance_limits_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("dev.key");
    let database = format!("sqlite://{}", dir.path().join("fleet.db").display());
    // Nothing listens on port 1. The service starts all the same, and limits by itself: one a
    // second, bursts of 3.
    let running = start(&database, &key, 60, 3, "redis://127.0.0.1:1").await;
    let caller = client(&running, &key, "solo");
    let started = Instant::now();
    for i in 0..3 {
        assert!(accepted(&caller).await, "request {i}");
    }
    assert!(!accepted(&caller).await, "the 4th is over the burst");
    // Each check gave up on Redis at once (refused connection), not after a stall.
    assert!(started.elapsed() < Duration::from_secs(2));
    running.stop().await.expect("stop");
}
