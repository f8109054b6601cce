//! Delivery benchmark, driven by `bench/delivery.sh`: runs a `webhooks-service` binary against
//! a receiver in this process (loopback, signatures verified) and prints two figures.
//!
//! - Throughput: `--events` events are published with no delivery worker running (a backlog),
//!   then a `serve` with its worker starts; deliveries/s is the backlog over the time from the
//!   first delivery received to the last.
//! - Latency: with the worker running, `--latency-events` events are published at `--rate` per
//!   second (open loop: a publish starts on its tick even if earlier ones are still waiting for
//!   their answer); for each, the time from its `enqueuedDateTime` (set when the publish is stored)
//!   to its arrival at the receiver. p50 and p99.
//!
//! `--instances 2` publishes the latency stream on a second `serve` that runs no delivery
//! worker (`--delivery-concurrency 0`), so the first one delivers events another instance
//! published (PostgreSQL: woken by LISTEN/NOTIFY, or by its poll with `--listen false`).
//! `--events 0` skips the throughput part.
//!
//! ```sh
//! cargo run --release -p webhooks-service --example delivery_bench -- \
//!   --bin target/release/webhooks-service --database-url sqlite:///tmp/bench.db
//! ```

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use webhooks_client::Client;
use webhooks_client::types::{
    CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, DeliveredEvent, PublishEvent,
};
use webhooks_service::auth::{AuthConfig, DevKey};
use webhooks_verify::{Secret, Verifier};

const SECRET: &str = "benchmark-secret-0123456789abcdefghijklmnop";
const EVENT_TYPE: &str = "iModels.changesReady.v1";

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    bin: PathBuf,
    database_url: String,
    events: usize,
    latency_events: usize,
    rate: f64,
    concurrency: usize,
    /// 1: publish on the delivering instance; 2: on another one.
    instances: usize,
    /// `--delivery-listen` for the instances, when given (binaries from before the option
    /// exist take none).
    listen: Option<bool>,
}

fn args() -> Result<Args, Failure> {
    let mut args = Args {
        bin: PathBuf::from("target/release/webhooks-service"),
        database_url: String::new(),
        events: 10_000,
        latency_events: 2_000,
        rate: 200.0,
        concurrency: 32,
        instances: 1,
        listen: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bin" => args.bin = PathBuf::from(value),
            "--database-url" => args.database_url = value,
            "--events" => args.events = value.parse()?,
            "--latency-events" => args.latency_events = value.parse()?,
            "--rate" => args.rate = value.parse()?,
            "--concurrency" => args.concurrency = value.parse()?,
            "--instances" => args.instances = value.parse()?,
            "--listen" => args.listen = Some(value.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    if args.database_url.is_empty() {
        return Err("--database-url is required".into());
    }
    if !(1..=2).contains(&args.instances) {
        return Err("--instances is 1 or 2".into());
    }
    Ok(args)
}

#[derive(Default)]
struct Received {
    /// Arrival time of each delivery, and its publish-to-arrival latency.
    arrivals: Vec<(Instant, Duration)>,
    bad: usize,
}

async fn receive(
    State(received): State<Arc<Mutex<Received>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    let now = chrono::Utc::now();
    // Both signatures, as a receiver in the middle of a migration would check them.
    static VERIFIER: std::sync::LazyLock<Verifier> =
        std::sync::LazyLock::new(|| Verifier::new([Secret::new(SECRET)]));
    let legacy_ok = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| VERIFIER.verify_legacy(h, &body).is_ok());
    let standard_ok = VERIFIER
        .clone()
        .standard_only()
        .verify(&headers, &body, std::time::SystemTime::now())
        .is_ok();
    let ok = legacy_ok && standard_ok;
    let event = serde_json::from_slice::<DeliveredEvent>(&body).ok();
    let Ok(mut received) = received.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    match (ok, event) {
        (true, Some(event)) => {
            let latency = (now - event.enqueued_date_time)
                .to_std()
                .unwrap_or(Duration::ZERO);
            received.arrivals.push((at, latency));
            StatusCode::NO_CONTENT
        }
        _ => {
            received.bad += 1;
            StatusCode::UNAUTHORIZED
        }
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(args: &Args, key: &std::path::Path, worker: bool) -> Result<Server, Failure> {
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let concurrency = if worker { args.concurrency } else { 0 };
    let mut command = Command::new(&args.bin);
    command.arg("serve");
    if let Some(listen) = args.listen {
        command.args(["--delivery-listen", &listen.to_string()]);
    }
    let child = command
        .args(["--listen", &addr.to_string()])
        .args(["--database-url", &args.database_url])
        .arg("--dev-key")
        .arg(key)
        .arg("--allow-insecure-callbacks")
        .args(["--allow-callback-cidr", "127.0.0.1/32"])
        .args(["--rate-limit-per-minute", "0"])
        .args(["--delivery-concurrency", &concurrency.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Server { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("{} did not start", args.bin.display()).into())
}

fn client(server: &Server, key: &std::path::Path) -> Result<Client, Failure> {
    let token = DevKey::load_or_create(key)?.mint(
        "bench",
        &["webhooks:read", "webhooks:modify", "webhooks:publish"],
        false,
        Duration::from_secs(7200),
        &AuthConfig::default(),
    )?;
    Ok(Client::new(&format!("http://{}", server.addr))?.with_bearer_token(token))
}

fn event(n: usize) -> PublishEvent {
    let mut content = std::collections::BTreeMap::new();
    content.insert("n".to_owned(), serde_json::json!(n));
    content.insert(
        "imodelId".to_owned(),
        serde_json::json!("0b2e6a4c-7d1f-4e3a-9c5b-8f0d2a6e4b17"),
    );
    PublishEvent {
        event_type: EVENT_TYPE.to_owned(),
        i_twin_id: None,
        content,
    }
}

async fn wait_for(received: &Mutex<Received>, count: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if received.lock().map(|r| r.arrivals.len()).unwrap_or(0) >= count {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = args()?;
    let dir = std::env::temp_dir().join(format!("delivery-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let key = dir.join("dev.key");

    let received = Arc::new(Mutex::new(Received::default()));
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // Throughput: a backlog published with no worker, then drained.
    let publisher = serve(&args, &key, false).await?;
    let api = Arc::new(client(&publisher, &key)?);
    let hook = api
        .create_webhook(&CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
            scope: CreateAccountWebhookScope::Account,
            callback_url: callback,
            event_types: vec![EVENT_TYPE.to_owned()],
            secret: Some(SECRET.to_owned()),
        }))
        .await?;
    api.activate_webhook(&hook.id, None).await?;
    let backlog = if args.events > 0 {
        Some(publish_backlog(&args, &api).await?)
    } else {
        None
    };
    // With two instances, this one (no worker) stays to publish the stream.
    let publisher = if args.instances == 2 {
        Some(publisher)
    } else {
        drop(publisher);
        None
    };
    let worker = serve(&args, &key, true).await?;
    let throughput = match backlog {
        Some(publish_time) => Some(drain(&args, &received, publish_time).await?),
        None => None,
    };

    // Latency: a steady stream with the worker running, published on it or on the other one.
    if let Ok(mut r) = received.lock() {
        r.arrivals.clear();
    }
    let api = Arc::new(client(publisher.as_ref().unwrap_or(&worker), &key)?);
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(0.001));
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let streamed = Instant::now();
    // Open loop: each publish starts on its tick, whether or not the one before has answered,
    // so the rate holds when a publish takes longer than the interval.
    let mut publishes = tokio::task::JoinSet::new();
    for n in 0..args.latency_events {
        tick.tick().await;
        let api = Arc::clone(&api);
        publishes.spawn(async move { api.publish_event(&Default::default(), &event(n)).await });
    }
    while let Some(done) = publishes.join_next().await {
        done??;
    }
    let achieved = args.latency_events as f64 / streamed.elapsed().as_secs_f64().max(1e-9);
    if !wait_for(&received, args.latency_events, Duration::from_secs(120)).await {
        return Err("the stream was not delivered in 2 minutes".into());
    }
    let (mut latencies, bad) = {
        let r = received.lock().map_err(|_| "lock")?;
        (r.arrivals.iter().map(|a| a.1).collect::<Vec<_>>(), r.bad)
    };
    latencies.sort();
    let instances = args.instances;
    let (p50, p99) = (
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
    let max = latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3;
    println!(
        "publish-to-delivery at {:.0} events/s (achieved {achieved:.0}/s) over {} events, \
         {instances} instance(s): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; \
         bad signatures: {bad}",
        args.rate, args.latency_events,
    );
    let throughput = throughput.map_or_else(|| "-".to_owned(), |t| format!("{t:.0}"));
    println!(
        "RESULT throughput={throughput} p50_ms={p50:.1} p99_ms={p99:.1} achieved_rate={achieved:.0}"
    );
    drop(worker);
    drop(publisher);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Publishes `--events` events from 16 tasks at once; returns how long that took.
async fn publish_backlog(args: &Args, api: &Arc<Client>) -> Result<Duration, Failure> {
    let published = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..16 {
        let api = Arc::clone(api);
        let events = args.events;
        tasks.spawn(async move {
            for n in (task..events).step_by(16) {
                api.publish_event(&Default::default(), &event(n)).await?;
            }
            Ok::<(), webhooks_client::Error<webhooks_client::PublishEventError>>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(published.elapsed())
}

/// Waits for the backlog to be delivered; returns deliveries/s from the first arrival to the
/// last.
async fn drain(
    args: &Args,
    received: &Mutex<Received>,
    publish_time: Duration,
) -> Result<f64, Failure> {
    if !wait_for(received, args.events, Duration::from_secs(600)).await {
        return Err("the backlog was not delivered in 10 minutes".into());
    }
    let (first, last) = {
        let r = received.lock().map_err(|_| "lock")?;
        let first = r.arrivals.first().map(|a| a.0);
        let last = r.arrivals.last().map(|a| a.0);
        (first, last)
    };
    let drain = match (first, last) {
        (Some(first), Some(last)) => last - first,
        _ => Duration::ZERO,
    };
    let throughput = args.events as f64 / drain.as_secs_f64().max(1e-9);
    println!(
        "published {} events in {:.2} s ({:.0}/s); delivered the backlog in {:.2} s: {:.0} deliveries/s",
        args.events,
        publish_time.as_secs_f64(),
        args.events as f64 / publish_time.as_secs_f64(),
        drain.as_secs_f64(),
        throughput
    );
    Ok(throughput)
}
