//! `jetcrawl-worker`: runs Jetcrawl jobs until SIGTERM or Ctrl-C.

use clap::Parser;
use jetcrawl_telemetry::ServiceMain;
use jetcrawl_worker::WorkerConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::parse();
    ServiceMain::new("worker")
        .metrics(&config.metrics)
        .run(|shutdown| jetcrawl_worker::run(config, shutdown))
        .await?;
    Ok(())
}
