//! Drives a running `overhead-server` for a fixed time from C concurrent tasks, with the
//! generated client or with hand-written reqwest calls doing the same request and decoding,
//! and prints one line: requests/s, p50 and p99.
//!
//! ```sh
//! overhead-client --url http://127.0.0.1:18090 --client generated --op get --seconds 10
//! ```

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use overhead_bench::store::seeded_id;
use webhooks_client::types::{
    CreateAccountWebhook, CreateAccountWebhookScope, CreateWebhook, CreatedWebhook, Webhook,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    Generated,
    Handwritten,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Op {
    /// `GET /webhooks/{id}` of a random seeded webhook, decoded into `Webhook`.
    Get,
    /// `POST /webhooks` with a `CreateWebhook`, the answer decoded into `CreatedWebhook`.
    Create,
}

#[derive(Parser, Debug)]
#[command(about = "Load an overhead-server with the generated or a hand-written client")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:18090")]
    url: String,
    #[arg(long, value_enum)]
    client: Which,
    #[arg(long, value_enum, default_value = "get")]
    op: Op,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of unmeasured load first (connections opened, caches warm).
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How many seeded webhooks the server has (`get` picks among ids 1..=N).
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    /// Worker threads of this process's runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

/// The hand-written counterpart of the generated client: what an application would write with
/// reqwest directly for the same two calls.
struct Handwritten {
    http: reqwest::Client,
    base: String,
    token: String,
}

const ACCEPT: &str = "application/vnd.bentley.itwin-platform.v1+json";

#[derive(Debug)]
enum HandError {
    Status(reqwest::StatusCode),
    Http(reqwest::Error),
}

impl std::fmt::Display for HandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandError::Status(status) => write!(f, "answered {status}"),
            HandError::Http(e) => write!(f, "failed: {e}"),
        }
    }
}

impl From<reqwest::Error> for HandError {
    fn from(e: reqwest::Error) -> Self {
        HandError::Http(e)
    }
}

impl Handwritten {
    async fn get_webhook(&self, id: &uuid::Uuid) -> Result<Webhook, HandError> {
        let response = self
            .http
            .get(format!("{}/webhooks/{id}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, ACCEPT)
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(HandError::Status(response.status()));
        }
        Ok(response.json().await?)
    }

    async fn create_webhook(&self, body: &CreateWebhook) -> Result<CreatedWebhook, HandError> {
        let response = self
            .http
            .post(format!("{}/webhooks", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, ACCEPT)
            .json(body)
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::CREATED {
            return Err(HandError::Status(response.status()));
        }
        Ok(response.json().await?)
    }
}

enum Caller {
    Generated(webhooks_client::Client),
    Handwritten(Handwritten),
}

fn new_webhook() -> CreateWebhook {
    CreateWebhook::CreateAccountWebhook(CreateAccountWebhook {
        scope: CreateAccountWebhookScope::Account,
        callback_url: "https://receiver.example.com/hook".into(),
        event_types: vec!["iModels.iModelCreated.v1".into()],
        secret: None,
    })
}

impl Caller {
    /// One request, decoded; an error when it did not get the answer it expects.
    async fn call(&self, op: Op, id: &uuid::Uuid, body: &CreateWebhook) -> Result<(), String> {
        fn text(e: impl std::fmt::Display) -> String {
            e.to_string()
        }
        match (self, op) {
            (Caller::Generated(c), Op::Get) => c.get_webhook(id).await.map(drop).map_err(text),
            (Caller::Generated(c), Op::Create) => {
                c.create_webhook(body).await.map(drop).map_err(text)
            }
            (Caller::Handwritten(h), Op::Get) => h.get_webhook(id).await.map(drop).map_err(text),
            (Caller::Handwritten(h), Op::Create) => {
                h.create_webhook(body).await.map(drop).map_err(text)
            }
        }
    }
}

/// A small xorshift generator, one per task, so picking ids costs the same for both clients.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

struct TaskResult {
    latencies_ns: Vec<u64>,
    failures: u64,
}

async fn drive(
    caller: std::sync::Arc<Caller>,
    op: Op,
    seed: u64,
    task: usize,
    warmup_until: Instant,
    stop_at: Instant,
) -> TaskResult {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (task as u64 + 1).wrapping_mul(0x2545_F491));
    let body = new_webhook();
    let mut result = TaskResult {
        latencies_ns: Vec::with_capacity(1 << 16),
        failures: 0,
    };
    loop {
        let id = seeded_id(rng.next() % seed.max(1) + 1);
        let start = Instant::now();
        if start >= stop_at {
            return result;
        }
        let ok = caller.call(op, &id, &body).await.is_ok();
        if start >= warmup_until {
            let took = start.elapsed();
            result
                .latencies_ns
                .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
            if !ok {
                result.failures += 1;
            }
        }
    }
}

/// CPU time this process has used (user and system), from `/proc/self/stat`, with the kernel's
/// usual 100 ticks per second; `None` where there is no such file.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn percentile(sorted: &[u64], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Duration::from_nanos(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let caller = match args.client {
        Which::Generated => Caller::Generated(
            webhooks_client::Client::new(&args.url)?.with_bearer_token(overhead_bench::TOKEN),
        ),
        Which::Handwritten => {
            webhooks_client::install_crypto_provider();
            Caller::Handwritten(Handwritten {
                http: reqwest::Client::builder().build()?,
                base: args.url.trim_end_matches('/').to_owned(),
                token: overhead_bench::TOKEN.to_owned(),
            })
        }
    };
    let caller = std::sync::Arc::new(caller);
    // One request first, so a wrong URL or token fails loudly instead of measuring errors.
    if let Err(e) = caller.call(args.op, &seeded_id(1), &new_webhook()).await {
        return Err(format!("the first {:?} request to {}: {e}", args.op, args.url).into());
    }
    let warmup_until = Instant::now() + Duration::from_secs(args.warmup);
    let stop_at = warmup_until + Duration::from_secs(args.seconds);
    // CPU time from the end of the warm-up to the end of the run.
    let cpu_at_start = tokio::spawn(async move {
        tokio::time::sleep_until(warmup_until.into()).await;
        cpu_time()
    });
    let tasks: Vec<_> = (0..args.concurrency.max(1))
        .map(|task| {
            tokio::spawn(drive(
                caller.clone(),
                args.op,
                args.seed,
                task,
                warmup_until,
                stop_at,
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let result = task.await?;
        latencies.extend(result.latencies_ns);
        failures += result.failures;
    }
    let cpu = match (cpu_at_start.await?, cpu_time()) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => Duration::ZERO,
    };
    latencies.sort_unstable();
    let rps = latencies.len() as f64 / args.seconds as f64;
    let p50 = percentile(&latencies, 50.0);
    let p99 = percentile(&latencies, 99.0);
    let cpu_us = cpu.as_secs_f64() * 1e6 / latencies.len().max(1) as f64;
    println!(
        "client={:?} op={:?} requests={} failures={} rps={:.0} p50_ms={:.3} p99_ms={:.3} cpu_us_per_request={:.1}",
        args.client,
        args.op,
        latencies.len(),
        failures,
        rps,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        cpu_us,
    );
    Ok(())
}
