//! `jetcrawl-reporter`: the monthly report, on schedule and on request, until SIGTERM.

use clap::Parser;
use jetcrawl_reporter::ReporterConfig;
use jetcrawl_telemetry::ServiceMain;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ReporterConfig::parse();
    ServiceMain::new("reporter")
        .metrics(&config.metrics)
        .run(|shutdown| jetcrawl_reporter::run(config, shutdown))
        .await?;
    Ok(())
}
