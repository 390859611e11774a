//! `jetcrawl-reporter`: the monthly report, on schedule and on request, until SIGTERM.

use clap::Parser;
use jetcrawl_reporter::{ReporterConfig, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ReporterConfig::parse();
    let metrics_addr = config.metrics_addr;
    jetcrawl_telemetry::run_service("reporter", metrics_addr, |shutdown| run(config, shutdown))
        .await
        .map_err(|err| anyhow::anyhow!("reporter failed: {err:#}"))
}
