//! `jetcrawl-worker`: runs Jetcrawl jobs until SIGTERM or Ctrl-C.

use anyhow::Context as _;
use clap::Parser;
use jetcrawl_worker::WorkerConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::parse();
    let metrics_addr = config.metrics_addr;
    jetcrawl_telemetry::run_service("worker", metrics_addr, |shutdown| {
        jetcrawl_worker::run(config, shutdown)
    })
    .await
    .context("worker failed")
}
