//! One batch of one projection: apply it in one Postgres transaction with the
//! checkpoint and what identifies it in the stream (the stream's creation time and the
//! stored time of the message at the checkpoint), commit, and only then ack the last
//! message (ack policy All covers the ones before it).

use std::time::Instant;

use anyhow::Context as _;
use async_nats::jetstream;
use chrono::{DateTime, Utc};
use jetcrawl_projections::{
    CheckpointIdentity, Prepared, Projection, StreamMessage, UNDECODABLE, lock_checkpoint,
    record_checkpoint_identity,
};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::headers;
use jetcrawl_streams::security::{AUDIT_ACTIONS_STREAM, is_audit_denied_subject};
use sqlx::PgPool;
use tracing::{Instrument as _, info_span, warn};

use crate::failpoint::Failpoint;
use crate::identity::utc;
use crate::metrics;

/// What applying a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applied {
    /// The checkpoint after the batch.
    pub checkpoint: u64,
    /// Messages the consumer still has to deliver.
    pub pending: u64,
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Committed and acknowledged.
    Applied(Applied),
    /// Nothing applied: Postgres holds a checkpoint older than the one the session
    /// committed last (it lost commits, or was restored from a backup). Applying the
    /// batch would leave a hole; the session re-projects from `checkpoint` instead.
    Behind {
        /// The checkpoint Postgres holds.
        checkpoint: u64,
    },
}

/// A batch gathered by a session: its messages in stream order, contiguous after the
/// checkpoint, what the projection prepared from them before its transaction, and the
/// delivery of the last one, whose ack covers them all.
pub(crate) struct Batch {
    /// The messages, converted as they arrived.
    pub messages: Vec<StreamMessage>,
    /// Decoded and built ahead of the transaction (the `jobs` projection).
    pub prepared: Option<Prepared>,
    /// Each message's type for the batch metrics, worked out ahead too ([`event_types`]).
    pub types: Vec<String>,
    /// The last message's delivery.
    pub last: jetstream::Message,
}

/// Applies `batch` of the stream created at `stream_created`, and acks it. `committed`
/// is the checkpoint the session last read or wrote; Postgres holding an older one
/// means the read model lost rows.
pub(crate) async fn apply(
    pool: &PgPool,
    projection: Projection,
    failpoint: &Failpoint,
    batch: Batch,
    stream_created: DateTime<Utc>,
    committed: u64,
) -> anyhow::Result<Outcome> {
    let Batch {
        messages,
        prepared,
        types,
        last,
    } = batch;
    let (Some(first), Some(newest)) = (messages.first(), messages.last()) else {
        anyhow::bail!("empty batch");
    };
    let first_seq = first.sequence;
    let last_seq = newest.sequence;
    let span = info_span!(
        "projector.batch",
        projection = projection.name(),
        first_seq,
        last_seq,
        size = messages.len()
    );
    async move {
        let started = Instant::now();
        let mut tx = pool
            .begin()
            .await
            .context("opening the projection transaction")?;
        let held = lock_checkpoint(&mut tx, projection.name()).await?;
        if held < committed {
            tx.rollback()
                .await
                .context("rolling back a refused batch")?;
            metrics::rewound(projection);
            return Ok(Outcome::Behind { checkpoint: held });
        }
        let checkpoint = projection
            .apply_prepared(&mut tx, &messages, prepared.as_ref())
            .await
            .with_context(|| format!("applying a batch of projection {}", projection.name()))?;
        if let Some(at) = messages.iter().find(|m| m.sequence == checkpoint) {
            let identity = CheckpointIdentity {
                last_seq: checkpoint,
                stream_created: Some(stream_created),
                last_stored_at: at.stored_at,
            };
            record_checkpoint_identity(&mut tx, projection.name(), &identity).await?;
        }
        tx.commit().await.context("committing the batch")?;
        failpoint.after_commit(projection);
        last.double_ack()
            .await
            .map_err(|err| anyhow::anyhow!("acking stream sequence {last_seq}: {err}"))?;
        let pending = last.info().map(|i| i.pending).unwrap_or(0);
        let newest = newest_stored(&messages);
        metrics::batch_applied(
            projection,
            &types,
            started.elapsed(),
            checkpoint,
            pending,
            newest,
        );
        Ok(Outcome::Applied(Applied {
            checkpoint,
            pending,
        }))
    }
    .instrument(span)
    .await
}

/// The message as the projections take it.
pub(crate) fn to_stream_message(message: &jetstream::Message) -> anyhow::Result<StreamMessage> {
    let info = message.info().map_err(|err| {
        anyhow::anyhow!(
            "message on {} has no JetStream metadata: {err}",
            message.subject
        )
    })?;
    let header = |name: &str| {
        message
            .headers
            .as_ref()
            .and_then(|h| h.get(name))
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default()
    };
    Ok(StreamMessage {
        sequence: info.stream_sequence,
        subject: message.subject.to_string(),
        payload: message.payload.to_vec(),
        stored_at: utc(info.published),
        job_id_header: header(headers::JOB_ID),
        tenant_header: header(headers::TENANT),
        envelope_header: header(headers::ENVELOPE),
    })
}

/// Each message's type for the batch metrics, in stream order: from the batch
/// `prepared` when there is one, else decoded again. Off the critical path: a session
/// works them out while Postgres still writes the batch before.
pub(crate) fn event_types(
    projection: Projection,
    messages: &[StreamMessage],
    prepared: Option<&Prepared>,
) -> Vec<String> {
    let Some(prepared) = prepared else {
        let actions = projection.stream() == AUDIT_ACTIONS_STREAM;
        return messages.iter().map(|m| event_type(m, actions)).collect();
    };
    messages
        .iter()
        .zip(prepared.event_types())
        .map(|(message, (event_type, undecodable))| {
            if let Some(reason) = undecodable {
                warn_undecodable(message, reason);
            }
            event_type.to_owned()
        })
        .collect()
}

/// The type for metrics: the job event's, `AccessDenied`, the audit action's (a message
/// of `AUDIT_ACTIONS`: `audit_actions`), or `Undecodable`.
fn event_type(message: &StreamMessage, audit_actions: bool) -> String {
    let decoded = if !audit_actions {
        decode(message.sequence, &message.payload)
            .map(|recorded| recorded.event.event_type)
            .map_err(|err| err.to_string())
    } else if is_audit_denied_subject(&message.subject) {
        return jetcrawl_projections::audit::ACCESS_DENIED.to_owned();
    } else {
        message
            .to_action()
            .map(|recorded| recorded.action.action_type)
            .map_err(|err| err.to_string())
    };
    match decoded {
        Ok(event_type) => event_type,
        Err(err) => {
            warn_undecodable(message, &err);
            UNDECODABLE.to_owned()
        }
    }
}

fn warn_undecodable(message: &StreamMessage, reason: &str) {
    warn!(job_id = %message.job_id(), seq = message.sequence, subject = %message.subject,
        error = %reason, "undecodable message recorded as {UNDECODABLE}; the projection moves on");
}

fn newest_stored(messages: &[StreamMessage]) -> Option<DateTime<Utc>> {
    messages.iter().rev().find_map(|m| m.stored_at)
}
