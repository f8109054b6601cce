//! Crash safety of delivery: publish many events, kill -9 the `webhooks-service` process in the
//! middle of delivering them, start it again, and check that every event reached the receiver
//! at least once and that every delivery row ends delivered. On PostgreSQL the same runs with
//! two processes sharing the queue, one of them killed and restarted.
//!
//! `WEBHOOKS_CRASH_EVENTS` sets the number of events (default 10,000).

mod support;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use webhooks_client::Client;
use webhooks_client::types::{
    CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, PublishEvent,
};
use webhooks_service::auth::{AuthConfig, DevKey};
use webhooks_service::delivery::queue::DELIVERED;
use webhooks_service::store::Store;

use support::receiver::Receiver;

const EVENT_TYPE: &str = "iModels.iModelCreated.v1";
/// Deliveries in flight per process; also the most duplicates one kill can cause.
const CONCURRENCY: usize = 16;

fn events() -> usize {
    std::env::var("WEBHOOKS_CRASH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000)
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

struct Process {
    child: Child,
    addr: SocketAddr,
}

/// Starts `webhooks-service serve` on `url` and waits until it answers.
async fn serve(url: &str, key: &Path, log: PathBuf) -> Process {
    let addr = free_port();
    let log = std::fs::File::create(log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_webhooks-service"))
        .arg("serve")
        .args(["--listen", &addr.to_string()])
        .args(["--database-url", url])
        .arg("--dev-key")
        .arg(key)
        .arg("--allow-insecure-callbacks")
        .args(["--allow-callback-cidr", "127.0.0.1/32"])
        .args(["--rate-limit-per-minute", "0"])
        .args(["--delivery-concurrency", &CONCURRENCY.to_string()])
        .args(["--delivery-poll-interval", "100ms"])
        .args(["--delivery-timeout", "2s"])
        .args(["--delivery-lease", "4s"])
        .args(["--retry-schedule", "200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn webhooks-service");
    // Owned by `Process` at once, whose drop kills and reaps it on every path.
    let process = Process { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return process;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("webhooks-service did not start on {addr}");
}

impl Process {
    /// SIGKILL: no shutdown, no chance to record anything.
    fn kill(mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }

    fn client(&self, key: &Path) -> Client {
        let token = DevKey::load_or_create(key)
            .expect("dev key")
            .mint(
                "publisher",
                &["webhooks:read", "webhooks:modify", "webhooks:publish"],
                false,
                Duration::from_secs(3600),
                &AuthConfig::default(),
            )
            .expect("token");
        Client::new(&format!("http://{}", self.addr))
            .expect("client")
            .with_bearer_token(token)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes the events numbered `numbers` (`content.n`) from 8 tasks at once, and returns the
/// numbers the service acknowledged with a 202. A task stops at its first failure (the
/// process it talks to was killed).
async fn publish_all(api: Client, numbers: std::ops::Range<usize>) -> Vec<usize> {
    let api = Arc::new(api);
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..8 {
        let api = Arc::clone(&api);
        let numbers = numbers.clone();
        tasks.spawn(async move {
            let mut acknowledged = Vec::new();
            for n in numbers.skip(task).step_by(8) {
                let mut content = std::collections::BTreeMap::new();
                content.insert("n".to_owned(), serde_json::json!(n));
                let published = api
                    .publish_event(
                        &Default::default(),
                        &PublishEvent {
                            event_type: EVENT_TYPE.to_owned(),
                            i_twin_id: None,
                            content,
                        },
                    )
                    .await;
                match published {
                    Ok(published) => {
                        assert_eq!(published.deliveries, 1);
                        acknowledged.push(n);
                    }
                    Err(_) => break,
                }
            }
            acknowledged
        });
    }
    let mut acknowledged = Vec::new();
    while let Some(done) = tasks.join_next().await {
        acknowledged.extend(done.expect("publisher task"));
    }
    acknowledged
}

async fn run(url: &str, processes: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("dev.key");
    let count = events();
    let receiver = Receiver::start().await;
    let secret = "crash-test-secret-0123456789abcdefghijklmnop";
    receiver.expect("crash", secret, vec![]);

    let mut running = Vec::new();
    for i in 0..processes {
        running.push(serve(url, &key, dir.path().join(format!("serve-{i}.log"))).await);
    }
    // Publish through the last process; the first is the one killed.
    let api = running[processes - 1].client(&key);
    let hook = api
        .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
            scope: CreateAccountWebhookScope::Account,
            callback_url: receiver.url("crash"),
            event_types: vec![EVENT_TYPE.to_owned()],
            secret: Some(secret.to_owned()),
        }))
        .await
        .expect("create webhook");
    api.activate_webhook(&hook.id, None)
        .await
        .expect("activate");

    let started = Instant::now();
    let publishing = tokio::spawn(publish_all(api, 0..count));
    // Kill the first process once a tenth of the events are acknowledged: it is delivering.
    let tenth = count / 10;
    assert!(
        receiver
            .wait_until(Duration::from_secs(120), |r| r.acknowledged().0 >= tenth)
            .await,
        "deliveries started"
    );
    let victim = running.remove(0);
    let killed_at = receiver.acknowledged().0;
    victim.kill();
    eprintln!(
        "killed process 1 of {processes} after {killed_at} of {count} acknowledged ({:?})",
        started.elapsed()
    );
    // Publishing goes on through a survivor, or waits for the restart.
    let restarted = serve(url, &key, dir.path().join("serve-restarted.log")).await;
    let mut acknowledged = publishing.await.expect("publishing");
    if processes == 1 {
        // The publishers' process was killed: what it stored stays stored, and the rest is
        // published through the new one (numbered after all the first attempt's numbers).
        let stored = count_deliveries(url).await;
        eprintln!(
            "{} publishes acknowledged and {stored} events stored before the kill",
            acknowledged.len()
        );
        acknowledged.extend(publish_all(restarted.client(&key), count..2 * count - stored).await);
    }
    if processes > 1 {
        assert_eq!(
            acknowledged.len(),
            count,
            "the survivor acknowledged every publish"
        );
    }
    // A publish cut off by the kill may have been stored without its 202 reaching us.
    assert_eq!(count_deliveries(url).await, count, "events stored");
    running.push(restarted);

    let all = receiver
        .wait_until(Duration::from_secs(180), |r| r.acknowledged().0 >= count)
        .await;
    let (distinct, total) = receiver.acknowledged();
    eprintln!(
        "{distinct} distinct deliveries acknowledged, {total} in all ({} duplicates), in {:?}",
        total - distinct as u64,
        started.elapsed()
    );
    assert!(all, "every event delivered: {distinct} of {count}");
    // What was stored is what was delivered: one delivery per event, each acknowledged.
    assert_eq!(distinct, count_deliveries(url).await);
    let delivered: std::collections::HashSet<u64> = receiver
        .hits("crash")
        .iter()
        .filter_map(|h| h.event.as_ref()?.content.get("n")?.as_u64())
        .collect();
    let lost: Vec<&usize> = acknowledged
        .iter()
        .filter(|n| !delivered.contains(&(**n as u64)))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but never delivered: {lost:?}"
    );
    assert_eq!(receiver.bad_signatures(), 0);
    // Duplicates come only from the killed process: attempts whose 2xx arrived but whose
    // outcome it never wrote. Two live processes never deliver the same row at once.
    assert!(
        total - distinct as u64 <= CONCURRENCY as u64,
        "too many duplicates: {}",
        total - distinct as u64
    );

    // Every row ends delivered (the last outcomes are written just after the 2xx).
    let store = Store::connect(url).await.expect("store");
    let mut counts = Default::default();
    for _ in 0..100 {
        counts = store.delivery_counts().await.expect("counts");
        if counts.get(DELIVERED) == Some(&(count as i64)) && counts.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(counts.get(DELIVERED), Some(&(count as i64)), "{counts:?}");
    assert_eq!(counts.len(), 1, "{counts:?}");
    store.close().await;
    drop(running);
}

async fn count_deliveries(url: &str) -> usize {
    let store = Store::connect(url).await.expect("store");
    let counts = store.delivery_counts().await.expect("counts");
    store.close().await;
    counts
        .values()
        .map(|n| usize::try_from(*n).unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_kill_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    run(&url, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_processes_kill_and_restart() {
    let Some(schema) = support::postgres::Schema::create("crash").await else {
        return;
    };
    run(&schema.url, 2).await;
    schema.drop().await;
}
