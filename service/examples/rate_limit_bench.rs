//! Fleet rate-limit benchmark, driven by `bench/rate-limit.sh`: starts `--instances` `serve`
//! processes on one database, then one caller sends `GET /webhooks` from `--concurrency` loops
//! for `--seconds`, each request to the next instance in turn. Run once with `--redis-url` (the
//! limit shared by the fleet) and once without (each instance limits on its own), it prints for
//! each: requests accepted and refused, what the documented limit allows over the run (the burst
//! plus the rate times the run's length), accepted over allowed, and the latency of the answers.
//!
//! ```sh
//! cargo run --release -p webhooks-service --example rate_limit_bench -- \
//!   --bin target/release/webhooks-service --database-url sqlite:///tmp/rl.db \
//!   --redis-url redis://127.0.0.1:6379
//! ```

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use webhooks_service::auth::{AuthConfig, DevKey};

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    bin: PathBuf,
    database_url: String,
    redis_url: Option<String>,
    instances: usize,
    per_minute: u32,
    burst: u32,
    seconds: f64,
    concurrency: usize,
}

fn args() -> Result<Args, Failure> {
    let mut args = Args {
        bin: PathBuf::from("target/release/webhooks-service"),
        database_url: String::new(),
        redis_url: None,
        instances: 2,
        per_minute: 3000,
        burst: 50,
        seconds: 5.0,
        concurrency: 8,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bin" => args.bin = PathBuf::from(value),
            "--database-url" => args.database_url = value,
            "--redis-url" => args.redis_url = Some(value),
            "--instances" => args.instances = value.parse()?,
            "--per-minute" => args.per_minute = value.parse()?,
            "--burst" => args.burst = value.parse()?,
            "--seconds" => args.seconds = value.parse()?,
            "--concurrency" => args.concurrency = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    if args.database_url.is_empty() {
        return Err("--database-url is required".into());
    }
    if args.instances == 0 || args.concurrency == 0 || args.seconds.is_nan() || args.seconds <= 0.0
    {
        return Err("--instances, --concurrency and --seconds must be above 0".into());
    }
    Ok(args)
}

/// A `serve` process, killed when dropped.
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

async fn serve(args: &Args, key: &Path, redis: Option<&str>) -> Result<Server, Failure> {
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut command = Command::new(&args.bin);
    command
        .arg("serve")
        .args(["--listen", &addr.to_string()])
        .args(["--database-url", &args.database_url])
        .arg("--dev-key")
        .arg(key)
        .args(["--rate-limit-per-minute", &args.per_minute.to_string()])
        .args(["--rate-limit-burst", &args.burst.to_string()])
        .args(["--delivery-concurrency", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    if let Some(redis) = redis {
        command.args(["--redis-url", redis]);
    }
    let server = Server {
        child: command.spawn()?,
        addr,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("{} did not start", args.bin.display()).into())
}

/// What one run measured.
struct Run {
    accepted: usize,
    refused: usize,
    other: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn run(args: &Args, key: &Path, redis: Option<&str>, caller: &str) -> Result<Run, Failure> {
    let mut servers = Vec::new();
    for _ in 0..args.instances {
        servers.push(serve(args, key, redis).await?);
    }
    let token = DevKey::load_or_create(key)?.mint(
        caller,
        &["webhooks:read"],
        false,
        Duration::from_secs(3600),
        &AuthConfig::default(),
    )?;
    let urls: Arc<Vec<String>> = Arc::new(
        servers
            .iter()
            .map(|s| format!("http://{}/webhooks", s.addr))
            .collect(),
    );
    webhooks_service::outbound::install_crypto_provider();
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let stop = started + Duration::from_secs_f64(args.seconds);
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        let (http, urls, next, token) = (http.clone(), urls.clone(), next.clone(), token.clone());
        loops.spawn(async move {
            let mut seen: Vec<(u16, Duration)> = Vec::new();
            while Instant::now() < stop {
                let url = &urls[next.fetch_add(1, Ordering::Relaxed) % urls.len()];
                let sent = Instant::now();
                let status = match http.get(url).bearer_auth(&token).send().await {
                    Ok(answer) => {
                        let status = answer.status().as_u16();
                        // Read the body, so the connection is reused.
                        let _ = answer.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                seen.push((status, sent.elapsed()));
            }
            seen
        });
    }
    let mut result = Run {
        accepted: 0,
        refused: 0,
        other: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    while let Some(seen) = loops.join_next().await {
        for (status, latency) in seen? {
            match status {
                200 => result.accepted += 1,
                429 => result.refused += 1,
                _ => result.other += 1,
            }
            result.latencies.push(latency);
        }
    }
    result.elapsed = started.elapsed();
    drop(servers);
    Ok(result)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(args: &Args, mode: &str, mut run: Run) {
    run.latencies.sort();
    let allowed =
        f64::from(args.burst) + f64::from(args.per_minute) / 60.0 * run.elapsed.as_secs_f64();
    let ratio = run.accepted as f64 / allowed;
    println!(
        "RESULT mode={mode} instances={} seconds={:.2} accepted={} refused={} other={} \
         allowed={allowed:.1} ratio={ratio:.3} p50_ms={:.2} p99_ms={:.2}",
        args.instances,
        run.elapsed.as_secs_f64(),
        run.accepted,
        run.refused,
        run.other,
        percentile(&run.latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&run.latencies, 0.99).as_secs_f64() * 1000.0,
    );
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    let key = dir.path().join("dev.key");
    // Each run has its own caller, so the shared bucket of one run does not carry into the next.
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    if let Some(redis) = args.redis_url.as_deref() {
        let shared = run(&args, &key, Some(redis), &format!("rl-shared-{nonce}")).await?;
        report(&args, "redis", shared);
    }
    let alone = run(&args, &key, None, &format!("rl-alone-{nonce}")).await?;
    report(&args, "in-process", alone);
    Ok(())
}
