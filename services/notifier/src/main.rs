//! `jetcrawl-notifier`: delivers webhooks and purges expired results until SIGTERM or
//! Ctrl-C.

use anyhow::Context as _;
use clap::Parser;
use jetcrawl_notifier::NotifierConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = NotifierConfig::parse();
    let metrics_addr = config.metrics_addr;
    jetcrawl_telemetry::run_service("notifier", metrics_addr, |shutdown| {
        jetcrawl_notifier::run(config, shutdown)
    })
    .await
    .map_err(|err| anyhow::anyhow!("{err:#}"))
    .context("notifier failed")
}
