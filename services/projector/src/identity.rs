//! Is the stream still the one a checkpoint counts in? (DESIGN.md, JetStream pitfall 9.)
//!
//! A stream does not only grow. After a power cut with lazy fsync it can come back
//! shorter than what was acknowledged, and new messages then reuse the lost sequences;
//! deleted and recreated, it starts again at 1. Either way a checkpoint then points into
//! another stream, and "at or below the checkpoint" no longer means "already applied".
//! Each checkpoint row records the stream's creation time and the stored time of the
//! message at the checkpoint (migration `0016_checkpoint_identity.sql`); this module
//! compares them with the stream as NATS holds it now.

use anyhow::Context as _;
use async_nats::jetstream::{self, stream::LastRawMessageErrorKind};
use chrono::{DateTime, Utc};
use jetcrawl_projections::{
    CheckpointIdentity, Projection, checkpoint_identity, truncate_to_micros,
};
use sqlx::PgPool;

/// The stream as NATS holds it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamState {
    /// The stream's name.
    pub name: &'static str,
    /// Its creation time, at microseconds.
    pub created: DateTime<Utc>,
    /// The last sequence it assigned.
    pub last_sequence: u64,
}

/// Why a checkpoint no longer counts in its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mismatch {
    /// The stream ends before the checkpoint: messages that were applied are gone, and
    /// the next ones will reuse their sequences.
    Behind,
    /// The stream was created at another time than the one the checkpoint counts in.
    Recreated {
        /// The creation time recorded with the checkpoint.
        recorded: DateTime<Utc>,
    },
    /// Another message sits at the checkpoint's sequence: the sequence was reused.
    Reused {
        /// The stored time recorded with the checkpoint.
        recorded: DateTime<Utc>,
        /// The stored time of the message the stream now holds there.
        found: DateTime<Utc>,
    },
}

/// A projection's checkpoint compared with its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The projection.
    pub projection: Projection,
    /// Its checkpoint and what was recorded with it.
    pub checkpoint: CheckpointIdentity,
    /// Its stream now.
    pub stream: StreamState,
    /// `None` when the checkpoint still counts in this stream.
    pub mismatch: Option<Mismatch>,
}

/// Compares `projection`'s checkpoint with its stream: the checkpoint row, the stream's
/// info, and the message at the checkpoint's sequence when there is a stored time to
/// compare it with.
pub(crate) async fn inspect(
    js: &jetstream::Context,
    pool: &PgPool,
    projection: Projection,
) -> anyhow::Result<Finding> {
    // The checkpoint first: the stream can only have grown since.
    let checkpoint = checkpoint_identity(pool, projection.name())
        .await
        .with_context(|| format!("reading the checkpoint of {}", projection.name()))?;
    let stream = stream_state(js, projection.stream()).await?;
    let found = if needs_message(&checkpoint, &stream) {
        stored_at(js, stream.name, checkpoint.last_seq).await?
    } else {
        None
    };
    Ok(Finding {
        projection,
        mismatch: judge(&checkpoint, &stream, found),
        checkpoint,
        stream,
    })
}

/// The stream's creation time and last sequence.
pub(crate) async fn stream_state(
    js: &jetstream::Context,
    name: &'static str,
) -> anyhow::Result<StreamState> {
    let mut stream = js
        .get_stream(name)
        .await
        .with_context(|| format!("opening stream {name}"))?;
    let info = stream
        .info()
        .await
        .with_context(|| format!("reading the info of stream {name}"))?;
    let created = utc(info.created)
        .map(truncate_to_micros)
        .with_context(|| format!("stream {name} reports an impossible creation time"))?;
    Ok(StreamState {
        name,
        created,
        last_sequence: info.state.last_sequence,
    })
}

/// When the stream stored its message at `sequence` (at microseconds); `None` when it
/// holds none there (removed by its limits). Read from the stream leader: after a
/// power cut a replica may still be catching up.
pub(crate) async fn stored_at(
    js: &jetstream::Context,
    name: &str,
    sequence: u64,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let stream = js
        .get_stream(name)
        .await
        .with_context(|| format!("opening stream {name}"))?;
    match stream.get_raw_message(sequence).await {
        Ok(message) => Ok(utc(message.time).map(truncate_to_micros)),
        Err(err) if matches!(err.kind(), LastRawMessageErrorKind::NoMessageFound) => Ok(None),
        Err(err) => Err(err).with_context(|| format!("reading message {sequence} of {name}")),
    }
}

/// A NATS timestamp as a chrono one (`None` beyond the year 2262).
pub(crate) fn utc(at: async_nats::datetime::DateTime) -> Option<DateTime<Utc>> {
    let nanos = i64::try_from(at.unix_timestamp_nanos()).ok()?;
    Some(DateTime::from_timestamp_nanos(nanos))
}

/// True when the message at the checkpoint must be read to judge: there is a stored
/// time to compare, in the same stream, which still reaches the checkpoint.
fn needs_message(checkpoint: &CheckpointIdentity, stream: &StreamState) -> bool {
    checkpoint.last_seq > 0
        && checkpoint.last_stored_at.is_some()
        && checkpoint
            .stream_created
            .is_none_or(|c| truncate_to_micros(c) == stream.created)
        && stream.last_sequence >= checkpoint.last_seq
}

/// The verdict, from what was read: `found` is the stored time of the message the
/// stream holds at the checkpoint's sequence, when it was read and exists.
///
/// A checkpoint of 0 counts in any stream, and what was not recorded (rows written
/// before the identity columns) cannot differ: both are accepted, and the projector
/// records the identity with its next batch.
pub(crate) fn judge(
    checkpoint: &CheckpointIdentity,
    stream: &StreamState,
    found: Option<DateTime<Utc>>,
) -> Option<Mismatch> {
    if checkpoint.last_seq == 0 {
        return None;
    }
    if let Some(recorded) = checkpoint.stream_created.map(truncate_to_micros)
        && recorded != stream.created
    {
        return Some(Mismatch::Recreated { recorded });
    }
    if stream.last_sequence < checkpoint.last_seq {
        return Some(Mismatch::Behind);
    }
    match (checkpoint.last_stored_at.map(truncate_to_micros), found) {
        (Some(recorded), Some(found)) if recorded != found => {
            Some(Mismatch::Reused { recorded, found })
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
