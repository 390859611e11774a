//! `jetcrawl projections rebuild`: replays the JOBS stream into a staging copy of the
//! read models while the live ones keep serving, then swaps them in atomically
//! (`jetcrawl_projections::rebuild`). Safe to run next to a live projector: the swap
//! freezes its checkpoints, catches the copy up past them, and swaps in one transaction.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::jetstream::{self, Context};
use futures::StreamExt as _;
use jetcrawl_projections::rebuild::{
    PREVIOUS_SCHEMA, STAGING_SCHEMA, freeze_live, live_schema, prepare_staging,
    staging_checkpoints, swap,
};
use jetcrawl_projections::{Projection, StreamMessage, verify_schema};
use jetcrawl_streams::subjects::{JOBS_ALL, JOBS_STREAM};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tracing::info;

use crate::batch::to_stream_message;

/// Longest wait for the next replayed message before giving up.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq)]
pub struct RebuildReport {
    /// The schema the rebuilt tables now serve from.
    pub schema: String,
    /// Where the replaced tables were moved (dropped by the next rebuild).
    pub previous_schema: &'static str,
    /// Stream messages replayed.
    pub replayed: u64,
    /// Each read model's checkpoint after the swap.
    pub checkpoints: Vec<(String, u64)>,
    /// Wall time of the whole rebuild.
    pub seconds: f64,
}

/// Rebuilds every read model from the stream and swaps them in.
pub async fn rebuild(
    nats_url: &str,
    database_url: &str,
    batch_size: usize,
) -> anyhow::Result<RebuildReport> {
    let started = Instant::now();
    let (_client, js) = jetcrawl_streams::connect(nats_url, "jetcrawl-rebuild")
        .await
        .context("connecting to NATS (check JETCRAWL_NATS_URL)")?;
    let live_pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(database_url)
        .await
        .context("connecting to Postgres (check JETCRAWL_DATABASE_URL)")?;
    verify_schema(&live_pool)
        .await
        .context("verifying the live schema")?;
    let live = live_schema(&live_pool).await?;
    prepare_staging(&live_pool, &live).await?;
    let staging = staging_pool(database_url).await?;
    let batch = batch_size.max(1);
    let mut replayed = replay_until(&js, &staging, last_sequence(&js).await?, batch).await?;
    info!(replayed, "staging copy caught up; swapping");
    let mut tx = live_pool
        .begin()
        .await
        .context("opening the swap transaction")?;
    let frozen = freeze_live(&mut tx, &live).await?;
    let target = frozen
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(last_sequence(&js).await?);
    replayed += replay_until(&js, &staging, target, batch).await?;
    let rebuilt = staging_checkpoints(&staging).await?;
    for ((projection, live_at), rebuilt_at) in
        Projection::READ_MODELS.iter().zip(&frozen).zip(&rebuilt)
    {
        anyhow::ensure!(
            rebuilt_at >= live_at,
            "the rebuilt {} reached {rebuilt_at}, behind the live checkpoint {live_at}; nothing was swapped, run the rebuild again",
            projection.name()
        );
    }
    staging.close().await;
    swap(&mut tx, &live).await?;
    tx.commit().await.context("committing the swap")?;
    Ok(RebuildReport {
        schema: live,
        previous_schema: PREVIOUS_SCHEMA,
        replayed,
        checkpoints: Projection::READ_MODELS
            .iter()
            .map(|p| p.name().to_owned())
            .zip(rebuilt)
            .collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A pool whose connections see only the staging schema.
async fn staging_pool(database_url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(database_url)
        .context("JETCRAWL_DATABASE_URL is not a valid postgres:// URL")?
        .options([("search_path", STAGING_SCHEMA)]);
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .context("connecting to Postgres for the staging schema")
}

async fn last_sequence(js: &Context) -> anyhow::Result<u64> {
    let mut stream = js
        .get_stream(JOBS_STREAM)
        .await
        .with_context(|| format!("opening stream {JOBS_STREAM}"))?;
    Ok(stream
        .info()
        .await
        .with_context(|| format!("reading stream {JOBS_STREAM}"))?
        .state
        .last_sequence)
}

/// Applies stream messages to the staging copies until every read model's checkpoint
/// reaches `target`; returns how many messages were read.
async fn replay_until(
    js: &Context,
    staging: &PgPool,
    target: u64,
    batch: usize,
) -> anyhow::Result<u64> {
    let from = staging_checkpoints(staging)
        .await?
        .into_iter()
        .min()
        .unwrap_or(0);
    if from >= target {
        return Ok(0);
    }
    let stream = js
        .get_stream(JOBS_STREAM)
        .await
        .with_context(|| format!("opening stream {JOBS_STREAM}"))?;
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::OrderedConfig {
            filter_subject: JOBS_ALL.to_owned(),
            deliver_policy: jetstream::consumer::DeliverPolicy::ByStartSequence {
                start_sequence: from + 1,
            },
            ..Default::default()
        })
        .await
        .context("creating the replay consumer")?;
    let mut messages = consumer.messages().await.context("starting the replay")?;
    let mut buffer: Vec<StreamMessage> = Vec::with_capacity(batch);
    let mut read = 0u64;
    loop {
        let next = tokio::time::timeout(MESSAGE_TIMEOUT, messages.next())
            .await
            .with_context(|| format!("no message from {JOBS_STREAM} for {MESSAGE_TIMEOUT:?} while replaying towards {target}"))?;
        let message = match next {
            Some(Ok(message)) => message,
            Some(Err(err)) => anyhow::bail!("replaying {JOBS_STREAM}: {err}"),
            None => anyhow::bail!("the replay of {JOBS_STREAM} ended before {target}"),
        };
        let message = to_stream_message(&message)?;
        let done = message.sequence >= target;
        buffer.push(message);
        read += 1;
        if buffer.len() >= batch || done {
            apply_all(staging, &buffer).await?;
            buffer.clear();
        }
        if done {
            return Ok(read);
        }
    }
}

/// One transaction applying the batch to every read model.
async fn apply_all(staging: &PgPool, batch: &[StreamMessage]) -> anyhow::Result<()> {
    let mut tx = staging
        .begin()
        .await
        .context("opening a replay transaction")?;
    for projection in Projection::READ_MODELS {
        projection
            .apply(&mut tx, batch)
            .await
            .with_context(|| format!("replaying into the staging {}", projection.name()))?;
    }
    tx.commit().await.context("committing a replay batch")?;
    Ok(())
}
