//! `jetcrawl-notifier`: delivers webhooks and purges expired results until SIGTERM or
//! Ctrl-C.

use anyhow::Context as _;
use clap::Parser;
use jetcrawl_notifier::NotifierConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = NotifierConfig::parse();
    jetcrawl_telemetry::init_tracing("notifier");
    let metrics = jetcrawl_telemetry::install_metrics();
    let listener = tokio::net::TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} for /metrics; set JETCRAWL_METRICS_ADDR",
                config.metrics_addr
            )
        })?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut metrics_stop = stop_rx.clone();
    let server = tokio::spawn(jetcrawl_telemetry::serve(
        listener,
        jetcrawl_telemetry::router(metrics),
        async move {
            let _ = metrics_stop.wait_for(|stop| *stop).await;
        },
    ));
    let result = jetcrawl_notifier::run(config, jetcrawl_telemetry::shutdown_signal()).await;
    let _ = stop_tx.send(true);
    let _ = server.await;
    result.context("notifier failed")
}
