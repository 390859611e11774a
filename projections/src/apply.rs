//! `apply_batch`: writes a batch of stream messages into `job_events` and `jobs` and
//! moves the projection's checkpoint, all in the caller's transaction, so a batch is
//! applied entirely or not at all, and a redelivered batch changes nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::RecordedEvent;
use sqlx::{PgConnection, Postgres, Transaction};
use tracing::debug;

use crate::error::ProjectionError;
use crate::fold::{ack_latency_ms, apply_event, seq};
use crate::message::{Incoming, Message};
use crate::queries::{CheckpointIdentity, truncate_to_micros};
use crate::rows::JobRow;
use crate::stream_message::StreamMessage;
use crate::write;

/// Applies decoded events; see [`apply_messages`].
pub async fn apply_batch(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    events: &[RecordedEvent],
) -> Result<u64, ProjectionError> {
    let batch = events
        .iter()
        .map(|e| (Incoming::Event(e, None), None))
        .collect();
    apply_incoming(tx, projection, batch).await
}

/// Applies stream messages (decoded or not) in stream order and returns the new
/// checkpoint: the highest sequence applied so far by `projection`.
///
/// The checkpoint row is locked first (`FOR UPDATE`), so concurrent callers serialise;
/// messages at or below it are skipped, which makes redelivery a no-op.
pub async fn apply_messages(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    messages: &[crate::message::Message],
) -> Result<u64, ProjectionError> {
    apply_incoming(
        tx,
        projection,
        messages.iter().map(|m| (Incoming::from(m), None)).collect(),
    )
    .await
}

/// A batch of the `jobs` projection decoded, and its `job_events` payloads built, ahead
/// of its transaction: the CPU half of applying it, which a projector does while
/// Postgres still writes the batch before.
#[derive(Debug)]
pub struct Prepared {
    decoded: Vec<(Message, Option<DateTime<Utc>>)>,
    /// `job_events.payload` of each decoded message, in the same order.
    payloads: Vec<String>,
}

impl Prepared {
    /// Decodes `messages` and builds their `job_events` payloads.
    pub fn of(messages: &[StreamMessage]) -> Self {
        let decoded: Vec<(Message, Option<DateTime<Utc>>)> = messages
            .iter()
            .map(|m| (m.to_message(), m.stored_at))
            .collect();
        let payloads = decoded
            .iter()
            .map(|(m, _)| write::payload_of(&Incoming::stored(m, None)))
            .collect();
        Self { decoded, payloads }
    }

    /// Each message's event type, [`crate::UNDECODABLE`] for one that did not decode
    /// (then with why), in stream order.
    pub fn event_types(&self) -> Vec<(&str, Option<&str>)> {
        self.decoded
            .iter()
            .map(|(m, _)| match m {
                Message::Event(e) => (e.event.event_type.as_str(), None),
                Message::Undecodable(u) => (crate::UNDECODABLE, Some(u.reason.as_str())),
            })
            .collect()
    }
}

/// Applies raw stream messages (decoding each one) to the `jobs` projection; their stored
/// timestamps give the jobs' submit ACK latency.
pub async fn apply_stream_messages(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    messages: &[StreamMessage],
) -> Result<u64, ProjectionError> {
    apply_prepared(tx, projection, &Prepared::of(messages)).await
}

/// Applies a batch prepared by [`Prepared::of`] to the `jobs` projection.
pub async fn apply_prepared(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    prepared: &Prepared,
) -> Result<u64, ProjectionError> {
    let batch = prepared
        .decoded
        .iter()
        .zip(&prepared.payloads)
        .map(|((m, at), payload)| (Incoming::stored(m, *at), Some(payload.as_str())))
        .collect();
    apply_incoming(tx, projection, batch).await
}

/// Messages with their `job_events` payload when it was built ahead.
type Entries<'a> = Vec<(Incoming<'a>, Option<&'a str>)>;

async fn apply_incoming(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    mut batch: Entries<'_>,
) -> Result<u64, ProjectionError> {
    let conn: &mut PgConnection = tx;
    let checkpoint = lock_checkpoint(conn, projection).await?;
    batch.sort_by_key(|(m, _)| m.sequence());
    batch.dedup_by_key(|(m, _)| m.sequence());
    batch.retain(|(m, _)| m.sequence() > checkpoint);
    let Some(last) = batch.last().map(|(m, _)| m.sequence()) else {
        return Ok(checkpoint);
    };
    write::insert_events(conn, &batch).await?;
    let events: Vec<(&RecordedEvent, Option<DateTime<Utc>>)> = batch
        .iter()
        .filter_map(|(m, _)| match m {
            Incoming::Event(e, at) => Some((*e, *at)),
            Incoming::Undecodable(..) => None,
        })
        .collect();
    let rows = fold_jobs(conn, &events).await?;
    write::upsert_jobs(conn, &rows).await?;
    save_checkpoint(conn, projection, last).await?;
    debug!(
        projection,
        first = batch[0].0.sequence(),
        last,
        jobs = rows.len(),
        "batch applied"
    );
    Ok(last)
}

/// Loads the touched jobs' rows, folds the events into them in stream order and
/// returns the rows that changed.
async fn fold_jobs(
    conn: &mut PgConnection,
    events: &[(&RecordedEvent, Option<DateTime<Utc>>)],
) -> Result<Vec<JobRow>, ProjectionError> {
    // A job submitted in this batch has no row yet (its JobSubmitted is above the
    // checkpoint), so only the others are read: during a replay, most of a batch.
    let fresh: HashSet<&str> = events
        .iter()
        .filter(|(e, _)| matches!(e.payload(), Some(Payload::JobSubmitted(_))))
        .map(|(e, _)| e.event.job_id.as_str())
        .collect();
    let mut ids: Vec<String> = events
        .iter()
        .map(|(e, _)| e.event.job_id.as_str())
        .filter(|id| !fresh.contains(id))
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids.dedup();
    let mut rows: HashMap<String, Option<JobRow>> = write::lock_jobs(conn, &ids)
        .await?
        .into_iter()
        .map(|row| (row.job_id.clone(), Some(row)))
        .collect();
    let mut touched = Vec::new();
    let mut seen = HashSet::new();
    for (event, stored_at) in events {
        let id = &event.event.job_id;
        let slot = rows.entry(id.clone()).or_default();
        *slot = apply_event(slot.take(), event);
        if let (Some(row), Some(at)) = (slot.as_mut(), stored_at)
            && let Some(latency) = ack_latency_ms(event, *at)
        {
            row.ack_latency_ms = Some(latency);
        }
        if slot.is_some() && seen.insert(id.clone()) {
            touched.push(id.clone());
        }
    }
    Ok(touched
        .into_iter()
        .filter_map(|id| rows.remove(&id).flatten())
        .collect())
}

/// Creates the checkpoint at 0 when missing and returns it, locked until commit.
pub async fn lock_checkpoint(
    conn: &mut PgConnection,
    projection: &str,
) -> Result<u64, ProjectionError> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, last_seq, updated_at) VALUES ($1, 0, now())
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(projection)
    .execute(&mut *conn)
    .await
    .map_err(ProjectionError::db("creating the projection checkpoint"))?;
    let last: i64 = sqlx::query_scalar(
        "SELECT last_seq FROM projection_checkpoints WHERE name = $1 FOR UPDATE",
    )
    .bind(projection)
    .fetch_one(&mut *conn)
    .await
    .map_err(ProjectionError::db("locking the projection checkpoint"))?;
    u64::try_from(last).map_err(|_| {
        ProjectionError::BadData(format!("checkpoint of {projection} is negative: {last}"))
    })
}

/// Moves the checkpoint. A move forgets the stored time recorded for the old position
/// (it belonged to another message); [`record_checkpoint_identity`] sets the new one.
pub(crate) async fn save_checkpoint(
    conn: &mut PgConnection,
    projection: &str,
    last: u64,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE projection_checkpoints
         SET last_seq = $2, updated_at = now(),
             last_stored_at = CASE WHEN last_seq = $2 THEN last_stored_at END
         WHERE name = $1",
    )
    .bind(projection)
    .bind(seq(last))
    .execute(conn)
    .await
    .map_err(ProjectionError::db("writing the projection checkpoint"))?;
    Ok(())
}

/// Records, in the caller's transaction, which stream and which message `projection`'s
/// checkpoint stands for: the stream's creation time and the stored time of the message
/// at `identity.last_seq` (both kept at microseconds). Changes nothing unless the
/// checkpoint is at `identity.last_seq`; true when it recorded.
pub async fn record_checkpoint_identity(
    conn: &mut PgConnection,
    projection: &str,
    identity: &CheckpointIdentity,
) -> Result<bool, ProjectionError> {
    let done = sqlx::query(
        "UPDATE projection_checkpoints SET stream_created = $3, last_stored_at = $4
         WHERE name = $1 AND last_seq = $2",
    )
    .bind(projection)
    .bind(seq(identity.last_seq))
    .bind(identity.stream_created.map(truncate_to_micros))
    .bind(identity.last_stored_at.map(truncate_to_micros))
    .execute(conn)
    .await
    .map_err(ProjectionError::db(
        "recording the checkpoint's stream identity",
    ))?;
    Ok(done.rows_affected() == 1)
}
