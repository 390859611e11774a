//! The reporter's life: connect, verify the topology and the schema, then answer
//! generation requests and run the schedule until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::FutureExt as _;
use jetcrawl_streams::reports::bind_reports;
use sqlx::postgres::PgPoolOptions;

use crate::clock::SystemClock;
use crate::config::ReporterConfig;
use crate::generate::Reporter;
use crate::query::QueryOptions;
use crate::requests::serve_requests;
use crate::schedule::run_schedule;

/// Runs the reporter until `shutdown` completes.
pub async fn run(
    config: ReporterConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = shutdown.boxed().shared();
    let topology = config.topology.topology();
    let (client, js) = config
        .nats
        .connect_verified("jetcrawl-reporter", &topology)
        .await?;
    let bucket = bind_reports(&js)
        .await
        .context("opening the REPORTS bucket")?;
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(config.database.connect_options()?)
        .await
        .context("connecting to Postgres (check JETCRAWL_DATABASE_URL)")?;
    jetcrawl_projections::verify_schema(&pool)
        .await
        .context("verifying the Postgres schema")?;
    let reporter = Reporter::new(
        pool,
        js,
        bucket,
        Arc::new(SystemClock),
        QueryOptions {
            top_domains: i64::from(config.top_domains.max(1)),
        },
        config.catchup_timeout(),
    );
    let requests = serve_requests(client, reporter.clone(), shutdown.clone())
        .await
        .context("subscribing to report requests")?;
    tracing::info!(schedule = config.schedule, "reporter running");
    if config.schedule {
        let schedule = run_schedule(
            reporter,
            config.check_interval(),
            config.delay(),
            shutdown.clone(),
        );
        tokio::join!(requests, schedule);
    } else {
        requests.await;
    }
    tracing::info!("reporter stopped");
    Ok(())
}
