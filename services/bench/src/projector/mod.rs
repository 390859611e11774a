//! Scenario 2: the projector replaying a stream into fresh tables, against the same
//! rows inserted with batched UNNEST statements and no NATS.

mod events;
mod raw;
mod replay;

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context as _;
use jetcrawl_projections::Projection;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::args::Sizes;
use crate::deployment::{BenchNats, Deployment};
use crate::report::{Measured, THROUGHPUT};
use crate::stack::BenchStack;

/// Makes each repeat's databases distinct.
static NEXT_DB: AtomicU32 = AtomicU32::new(1);

/// Runs the raw insert, the replay and the live-lag phase once.
pub async fn run(stack: &BenchStack, sizes: &Sizes) -> anyhow::Result<Vec<Measured>> {
    let nats = BenchNats::start(Deployment::Single).await?;
    let (_client, js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench").await?;
    let url = stack.site.url("/static");
    let total = sizes.projector_events;
    let recorded = events::publish(&js, events::generate(total, &url))
        .await
        .context("publishing the events to replay")?;
    let last = recorded.last().map_or(0, |r| r.sequence);

    let (raw_pool, _) = fresh_database(stack).await?;
    let raw_rate = raw::insert(&raw_pool, &recorded)
        .await
        .context("raw insert")?;
    raw_pool.close().await;
    drop(recorded);

    // Like for like with the raw insert: the projection that writes the same two tables.
    let (pool, url_db) = fresh_database(stack).await?;
    let mut running = replay::start(stack, &nats, &url_db, "jobs", sizes.projector_batch).await?;
    let seconds = replay::caught_up(&pool, &mut running, &[Projection::Jobs], last).await?;
    running.stop().await.context("the projector failed")?;
    pool.close().await;
    // What a deployment runs: every read model and the audit chain at once.
    let (pool, url_db) = fresh_database(stack).await?;
    let mut running = replay::start(stack, &nats, &url_db, "all", sizes.projector_batch).await?;
    let seconds_all = replay::caught_up(&pool, &mut running, &Projection::ALL, last).await?;
    let mut lag = replay::live_lag(&js, &pool, &url, sizes.lag_rate, sizes.lag_phase).await?;
    running.stop().await.context("the projector failed")?;
    pool.close().await;

    let raw = Measured::new(
        "projector",
        "projector.raw_insert",
        "UNNEST insert, no NATS",
    )
    .with(THROUGHPUT, raw_rate)
    .with("count", total as f64);
    let batch = sizes
        .projector_batch
        .map_or_else(|| "default batch".to_owned(), |n| format!("batch {n}"));
    let replayed = Measured::new(
        "projector",
        "projector.replay",
        format!("projector replay, jobs projection, {batch}"),
    )
    .against("projector.raw_insert", THROUGHPUT)
    .with(THROUGHPUT, total as f64 / seconds.max(1e-6))
    .with("count", total as f64)
    .with("seconds", seconds);
    let replayed_all = Measured::new(
        "projector",
        "projector.replay_all",
        format!(
            "projector replay, all {} projections, {batch}",
            Projection::ALL.len()
        ),
    )
    .against("projector.raw_insert", THROUGHPUT)
    .with(THROUGHPUT, total as f64 / seconds_all.max(1e-6))
    .with("count", total as f64)
    .with("seconds", seconds_all);
    let live = Measured::new(
        "projector",
        "projector.live",
        format!("projector live at {:.0} events/s", sizes.lag_rate),
    )
    .with("offered_per_s", sizes.lag_rate)
    .with("count", lag.len() as f64)
    .with("lag_p50_ms", lag.quantile_ms(0.5))
    .with("lag_p99_ms", lag.quantile_ms(0.99));
    Ok(vec![raw, replayed, replayed_all, live])
}

/// A new database with the projection tables; returns a pool on it and its URL.
pub(crate) async fn fresh_database(stack: &BenchStack) -> anyhow::Result<(PgPool, String)> {
    let name = format!(
        "bench_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&stack.postgres.url())
        .await
        .context("connecting to Postgres")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .with_context(|| format!("creating database {name}"))?;
    admin.close().await;
    let base = stack.postgres.url();
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => anyhow::bail!("unexpected Postgres URL {base}"),
    };
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    jetcrawl_projections::migrate(&pool).await?;
    Ok((pool, url))
}
