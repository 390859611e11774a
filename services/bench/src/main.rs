//! `jetcrawl-bench`: runs the benchmark scenarios and writes the report.

use clap::Parser as _;
use jetcrawl_bench::BenchArgs;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = BenchArgs::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let report = match &args.render {
        Some(json) => jetcrawl_bench::report::Report::reread(json)?,
        None => jetcrawl_bench::run(&args.sizes()).await?,
    };
    let (json, md) = report.write(&args.out)?;
    println!("report written to {} and {}", md.display(), json.display());
    Ok(())
}
