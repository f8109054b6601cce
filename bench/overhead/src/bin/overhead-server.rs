//! Serves the in-memory Webhooks API on loopback, through the generated router or the
//! hand-written one:
//!
//! ```sh
//! overhead-server --impl generated --port 18090 --seed 1000
//! ```

use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use overhead_bench::store::Store;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Impl {
    Generated,
    Handwritten,
}

#[derive(Parser, Debug)]
#[command(about = "The in-memory Webhooks API behind the generated or the hand-written router")]
struct Args {
    /// Which router serves the requests.
    #[arg(long = "impl", value_enum)]
    implementation: Impl,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 18090)]
    port: u16,
    /// Webhooks created at start, with ids 1..=N (`00000000-0000-0000-0000-000000000001`, ..).
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    /// Request bodies over this many bytes are refused with a 413.
    #[arg(long, default_value_t = 1024 * 1024)]
    body_limit: usize,
    /// The server stops by itself after this many seconds.
    #[arg(long, default_value_t = 900)]
    max_seconds: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let store = Arc::new(Store::seeded(args.seed));
    let app = match args.implementation {
        Impl::Generated => overhead_bench::generated::router(store, args.body_limit),
        Impl::Handwritten => overhead_bench::handwritten::router(store, args.body_limit),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    eprintln!(
        "{:?} router on http://{}, {} webhooks",
        args.implementation,
        listener.local_addr()?,
        args.seed
    );
    let limit = Duration::from_secs(args.max_seconds);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = tokio::time::sleep(limit) => eprintln!("stopping after {limit:?}"),
            }
        })
        .await
}
