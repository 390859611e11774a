//! `jetcrawl-gateway`: the gRPC Jobs service and the HTTP API (which serves `/metrics`).

use clap::Parser;
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_telemetry::ServiceMain;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = GatewayConfig::parse();
    ServiceMain::new("gateway")
        .run(|shutdown| jetcrawl_gateway::run(config, shutdown))
        .await?;
    Ok(())
}
