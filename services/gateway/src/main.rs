//! `jetcrawl-gateway`: the gRPC Jobs service and the HTTP API (which serves `/metrics`).

use clap::Parser;
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_telemetry::ServiceMain;

/// glibc's malloc and free were a quarter of the gateway's CPU at saturation (perf,
/// 1,000 submits in flight): every request allocates its spec, sealed copy, event and
/// HTTP/2 frames on one thread and frees them on another. mimalloc's per-thread heaps
/// take that cost down; see ADR 36.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = GatewayConfig::parse();
    ServiceMain::new("gateway")
        .run(|shutdown| jetcrawl_gateway::run(config, shutdown))
        .await?;
    Ok(())
}
