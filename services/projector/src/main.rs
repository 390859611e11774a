//! `jetcrawl-projector`: folds the JOBS stream into Postgres until SIGTERM or Ctrl-C.

use clap::Parser;
use jetcrawl_projector::{ProjectorConfig, ProjectorHealth, run_with_health};
use jetcrawl_telemetry::ServiceMain;

/// Every projection decodes each message, builds column arrays and drops them per batch;
/// replaying with all projections, glibc's malloc and free were a third of the projector's
/// CPU (perf). mimalloc, as in the gateway (ADR 36); see ADR 43.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Folds the JOBS stream into the Postgres read models.
#[derive(Debug, Parser)]
#[command(name = "jetcrawl-projector", version)]
struct Cli {
    #[command(flatten)]
    projector: ProjectorConfig,
    /// Address serving /metrics and /healthz (503 while a projection is halted).
    #[command(flatten)]
    metrics: jetcrawl_telemetry::MetricsArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let health = ProjectorHealth::default();
    ServiceMain::new("projector")
        .metrics(&cli.metrics)
        .health({
            let health = health.clone();
            move || health.check()
        })
        .run(|shutdown| run_with_health(cli.projector, health, shutdown))
        .await?;
    Ok(())
}
