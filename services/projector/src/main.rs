//! `jetcrawl-projector`: folds the JOBS stream into Postgres until SIGTERM or Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use futures::FutureExt as _;
use jetcrawl_projector::{ProjectorConfig, ProjectorHealth, run_with_health};
use jetcrawl_telemetry::{
    init_tracing, install_metrics, router_with_health, serve, shutdown_signal,
};

/// Folds the JOBS stream into the Postgres read models.
#[derive(Debug, Parser)]
#[command(name = "jetcrawl-projector", version)]
struct Cli {
    #[command(flatten)]
    projector: ProjectorConfig,
    /// Address serving /metrics and /healthz (503 while a projection is halted).
    #[arg(long, env = "JETCRAWL_METRICS_ADDR", default_value = "127.0.0.1:9103")]
    metrics_addr: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing("projector");
    let shutdown = shutdown_signal().shared();
    let listener = tokio::net::TcpListener::bind(cli.metrics_addr)
        .await
        .with_context(|| {
            format!(
                "binding the metrics address {} (JETCRAWL_METRICS_ADDR)",
                cli.metrics_addr
            )
        })?;
    let health = ProjectorHealth::default();
    let router = router_with_health(install_metrics(), {
        let health = health.clone();
        move || health.check()
    });
    let metrics = tokio::spawn(serve(listener, router, shutdown.clone()));
    let result = run_with_health(cli.projector, health, shutdown).await;
    metrics.abort();
    result
}
