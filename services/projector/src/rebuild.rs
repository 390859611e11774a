//! `jetcrawl projections rebuild`: replays the JOBS stream into a staging copy of the
//! read models while the live ones keep serving, then swaps them in atomically
//! (`jetcrawl_projections::rebuild`). Safe to run next to a live projector: the swap
//! freezes its checkpoints, catches the copy up past them, and swaps in one transaction.
//!
//! It refuses a stream that is no longer the one the read models were built from (it
//! came back shorter, reuses sequences, or was recreated) unless told to accept it as it
//! is now ([`RebuildOptions::accept_stream`]): the read models are then rebuilt from it,
//! even behind the live checkpoints, and the checkpoints record the new stream, so a
//! halted projector resumes by itself.

use std::time::Instant;

use anyhow::Context as _;
use async_nats::jetstream::Context;
use jetcrawl_projections::rebuild::{
    PREVIOUS_SCHEMA, freeze_live, live_schema, prepare_staging, staging_checkpoints, swap,
};
use jetcrawl_projections::{
    CheckpointIdentity, DatabaseArgs, Projection, record_checkpoint_identity, verify_schema,
};
use jetcrawl_streams::NatsArgs;
use jetcrawl_streams::subjects::JOBS_STREAM;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};
use tracing::{info, warn};

use crate::alarm::cause;
use crate::identity::{self, StreamState};
use crate::replay::{Replayed, replay_until, staging_pool};

/// How to rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildOptions {
    /// Messages applied per transaction while replaying.
    pub batch_size: usize,
    /// Accept the stream as it is now although it is not the one the read models were
    /// built from (behind their checkpoints, reusing sequences, or recreated): rebuild
    /// them from it, swap them in even behind the live checkpoints, and record the new
    /// stream with the checkpoints. The recovery of docs/reliability-recovery.md when the
    /// stream is not restored from a backup.
    pub accept_stream: bool,
}

impl Default for RebuildOptions {
    fn default() -> Self {
        Self {
            batch_size: 2000,
            accept_stream: false,
        }
    }
}

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
    /// Each read model's live checkpoint before the swap (above the new one only when
    /// the stream was accepted as it is now).
    pub previous_checkpoints: Vec<(String, u64)>,
    /// What made the stream differ from the one the read models were built from, when
    /// it was accepted as it is now; empty otherwise.
    pub accepted: Vec<String>,
    /// Wall time of the whole rebuild.
    pub seconds: f64,
}

/// Rebuilds every read model from the stream and swaps them in.
pub async fn rebuild(
    nats: &NatsArgs,
    database: &DatabaseArgs,
    options: RebuildOptions,
) -> anyhow::Result<RebuildReport> {
    let started = Instant::now();
    let (_client, js) = nats
        .connect("jetcrawl-rebuild")
        .await
        .context("connecting to NATS (check JETCRAWL_NATS_URL)")?;
    let connect = database.connect_options()?;
    let live_pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(connect.clone())
        .await
        .context("connecting to Postgres (check JETCRAWL_DATABASE_URL)")?;
    verify_schema(&live_pool)
        .await
        .context("verifying the live schema")?;
    let live = live_schema(&live_pool).await?;
    let before = identity::stream_state(&js, JOBS_STREAM).await?;
    let accepted = another_stream(&js, &live_pool, options.accept_stream).await?;
    prepare_staging(&live_pool, &live).await?;
    let staging = staging_pool(connect).await?;
    let batch = options.batch_size.max(1);
    let replayed = replay_until(&js, &staging, before.last_sequence, batch).await?;
    info!(replayed = replayed.read, "staging copy caught up; swapping");
    let swapped = swap_in(&js, &live_pool, &staging, &live, &before, options, replayed).await?;
    let names = || Projection::READ_MODELS.iter().map(|p| p.name().to_owned());
    Ok(RebuildReport {
        schema: live,
        previous_schema: PREVIOUS_SCHEMA,
        replayed: swapped.replayed,
        checkpoints: names().zip(swapped.rebuilt).collect(),
        previous_checkpoints: names().zip(swapped.frozen).collect(),
        accepted,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What the swap did.
struct Swapped {
    /// Messages replayed in all.
    replayed: u64,
    /// The live checkpoints before the swap, in [`Projection::READ_MODELS`] order.
    frozen: Vec<u64>,
    /// The rebuilt ones, now live.
    rebuilt: Vec<u64>,
}

/// In one transaction: freezes the live checkpoints, catches the staging copy up past
/// them (or, accepting the stream, to its end), swaps it in and records the stream.
async fn swap_in(
    js: &Context,
    live_pool: &PgPool,
    staging: &PgPool,
    live: &str,
    before: &StreamState,
    options: RebuildOptions,
    replayed: Replayed,
) -> anyhow::Result<Swapped> {
    let mut tx = live_pool
        .begin()
        .await
        .context("opening the swap transaction")?;
    let frozen = freeze_live(&mut tx, live).await?;
    let now = identity::stream_state(js, JOBS_STREAM).await?;
    anyhow::ensure!(
        now.created == before.created,
        "stream {JOBS_STREAM} was recreated during the rebuild; nothing was swapped, run the rebuild again"
    );
    let target = if options.accept_stream {
        now.last_sequence
    } else {
        frozen.iter().copied().fold(now.last_sequence, u64::max)
    };
    let batch = options.batch_size.max(1);
    let replayed = replayed.then(replay_until(js, staging, target, batch).await?);
    let rebuilt = staging_checkpoints(staging).await?;
    for ((projection, live_at), rebuilt_at) in
        Projection::READ_MODELS.iter().zip(&frozen).zip(&rebuilt)
    {
        anyhow::ensure!(
            rebuilt_at >= live_at || options.accept_stream,
            "the rebuilt {} reached {rebuilt_at}, behind the live checkpoint {live_at}; nothing was swapped, run the rebuild again",
            projection.name()
        );
    }
    staging.close().await;
    swap(&mut tx, live).await?;
    record_stream(js, &mut tx, &now, &rebuilt, replayed).await?;
    tx.commit().await.context("committing the swap")?;
    Ok(Swapped {
        replayed: replayed.read,
        frozen,
        rebuilt,
    })
}

/// What makes the stream another one than the read models were built from, per read
/// model; an error unless `accept`.
async fn another_stream(js: &Context, pool: &PgPool, accept: bool) -> anyhow::Result<Vec<String>> {
    let mut causes = Vec::new();
    for projection in Projection::READ_MODELS {
        let finding = identity::inspect(js, pool, projection).await?;
        if finding.mismatch.is_some() {
            causes.push(format!("{}: {}", projection.name(), cause(&finding)));
        }
    }
    if causes.is_empty() {
        return Ok(causes);
    }
    anyhow::ensure!(
        accept,
        "the read models were built from another {JOBS_STREAM} stream than NATS holds now ({}); \
         nothing was rebuilt. Restore {JOBS_STREAM} from a backup, or accept it as it is now \
         with `jetcrawl projections rebuild --accept-stream` (docs/reliability-recovery.md)",
        causes.join("; ")
    );
    warn!(causes = %causes.join("; "),
        "accepting {JOBS_STREAM} as it is now (--accept-stream): the read models are rebuilt from it");
    Ok(causes)
}

/// In the swap transaction: records with each rebuilt checkpoint the stream it counts
/// in: the stream's creation time and the stored time of the message there, as it was
/// replayed (read again only for a checkpoint the replay did not end on).
async fn record_stream(
    js: &Context,
    tx: &mut Transaction<'_, Postgres>,
    stream: &StreamState,
    rebuilt: &[u64],
    replayed: Replayed,
) -> anyhow::Result<()> {
    for (projection, &last_seq) in Projection::READ_MODELS.iter().zip(rebuilt) {
        let last_stored_at = match replayed.last {
            _ if last_seq == 0 => None,
            Some((seq, stored_at)) if seq == last_seq => stored_at,
            _ => identity::stored_at(js, stream.name, last_seq).await?,
        };
        let identity = CheckpointIdentity {
            last_seq,
            stream_created: Some(stream.created),
            last_stored_at,
        };
        let recorded = record_checkpoint_identity(tx, projection.name(), &identity).await?;
        anyhow::ensure!(
            recorded,
            "the rebuilt checkpoint of {} is not {last_seq} after the swap; nothing was swapped",
            projection.name()
        );
    }
    Ok(())
}
