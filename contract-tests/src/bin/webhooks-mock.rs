//! The generated mock of the Webhooks API as a process, for tools that speak HTTP
//! (`bash bench/mock-conformance.sh` runs schemathesis against it):
//! `webhooks-mock [--listen 127.0.0.1:4010]`. Any bearer token is accepted; `Prefer` steers.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = "127.0.0.1:4010".parse()?;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?.parse()?,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: webhooks-mock [--listen ADDR]"
                )
                .into());
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!(
        "webhooks mock on http://{} (started in {} ms)",
        listener.local_addr()?,
        started.elapsed().as_millis()
    );
    axum::serve(listener, webhooks_server::mock::Mock::default().router()).await?;
    Ok(())
}
