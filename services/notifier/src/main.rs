//! `jetcrawl-notifier`: delivers webhooks and purges expired results until SIGTERM or
//! Ctrl-C.

use clap::Parser;
use jetcrawl_notifier::NotifierConfig;
use jetcrawl_telemetry::ServiceMain;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = NotifierConfig::parse();
    ServiceMain::new("notifier")
        .metrics(&config.metrics)
        .run(|shutdown| jetcrawl_notifier::run(config, shutdown))
        .await?;
    Ok(())
}
