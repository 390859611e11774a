//! `jetcrawl-gateway`: the gRPC Jobs service and the HTTP API.

use clap::Parser;
use jetcrawl_gateway::GatewayConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = GatewayConfig::parse();
    jetcrawl_telemetry::init_tracing("gateway");
    jetcrawl_telemetry::install_metrics();
    jetcrawl_gateway::run(config, jetcrawl_telemetry::shutdown_signal()).await
}
