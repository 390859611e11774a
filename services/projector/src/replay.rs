//! Replaying the JOBS stream into the staging copies of the read models (an ordered
//! consumer, the projections' own apply code, one transaction per batch).

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, Context};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use jetcrawl_projections::rebuild::{STAGING_SCHEMA, staging_checkpoints};
use jetcrawl_projections::{Projection, StreamMessage};
use jetcrawl_streams::subjects::{JOBS_ALL, JOBS_STREAM};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::batch::to_stream_message;

/// Longest wait for the next replayed message before giving up.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a replay applied.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Replayed {
    /// Messages read.
    pub read: u64,
    /// The sequence and stored time of the last message applied.
    pub last: Option<(u64, Option<DateTime<Utc>>)>,
}

impl Replayed {
    /// Both replays, the second after the first.
    pub(crate) fn then(self, next: Replayed) -> Replayed {
        Replayed {
            read: self.read + next.read,
            last: next.last.or(self.last),
        }
    }
}

/// A pool whose connections see only the staging schema, with every read model's
/// checkpoint row created (at 0), so a swap moves each one, even from an empty stream.
pub(crate) async fn staging_pool(live: PgConnectOptions) -> anyhow::Result<PgPool> {
    let options = live.options([("search_path", STAGING_SCHEMA)]);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .context("connecting to Postgres for the staging schema")?;
    apply_all(&pool, &[]).await?;
    Ok(pool)
}

/// Applies stream messages to the staging copies until every read model's checkpoint
/// reaches `target`.
pub(crate) async fn replay_until(
    js: &Context,
    staging: &PgPool,
    target: u64,
    batch: usize,
) -> anyhow::Result<Replayed> {
    let from = staging_checkpoints(staging)
        .await?
        .into_iter()
        .min()
        .unwrap_or(0);
    if from >= target {
        return Ok(Replayed::default());
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
        let last = Some((message.sequence, message.stored_at));
        buffer.push(message);
        read += 1;
        if buffer.len() >= batch || done {
            apply_all(staging, &buffer).await?;
            buffer.clear();
        }
        if done {
            return Ok(Replayed { read, last });
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
