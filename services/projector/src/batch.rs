//! One batch: decode, apply in one Postgres transaction with the checkpoint, commit,
//! and only then ack the last message (ack policy All covers the ones before it).

use std::time::Instant;

use anyhow::Context as _;
use async_nats::jetstream;
use jetcrawl_projections::{Message, UNDECODABLE, Undecodable, apply_messages};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::headers;
use jetcrawl_streams::subjects::job_id_of;
use sqlx::PgPool;
use tracing::{Instrument as _, debug, info_span, warn};

use crate::metrics;

/// What applying a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applied {
    /// The checkpoint after the batch.
    pub checkpoint: u64,
    /// Messages the consumer still has to deliver.
    pub pending: u64,
}

/// Applies `batch` (in stream order, contiguous after the checkpoint) and acks it.
pub(crate) async fn apply(
    pool: &PgPool,
    projection: &str,
    consumer: &str,
    batch: &[jetstream::Message],
) -> anyhow::Result<Applied> {
    let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
        anyhow::bail!("empty batch");
    };
    let first_seq = sequence_of(first)?;
    let last_seq = sequence_of(last)?;
    let span = info_span!(
        "projector.batch",
        projection,
        first_seq,
        last_seq,
        size = batch.len()
    );
    async move {
        let started = Instant::now();
        let messages = batch
            .iter()
            .map(to_message)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut tx = pool
            .begin()
            .await
            .context("opening the projection transaction")?;
        let checkpoint = apply_messages(&mut tx, projection, &messages)
            .await
            .context("applying the batch")?;
        tx.commit().await.context("committing the batch")?;
        last.double_ack()
            .await
            .map_err(|err| anyhow::anyhow!("acking stream sequence {last_seq}: {err}"))?;
        let pending = last.info().map(|i| i.pending).unwrap_or(0);
        let types: Vec<&str> = messages.iter().map(event_type).collect();
        let newest = messages.iter().rev().find_map(|m| match m {
            Message::Event(e) => Some(e.occurred_at()),
            Message::Undecodable(_) => None,
        });
        metrics::batch_applied(
            consumer,
            &types,
            started.elapsed(),
            checkpoint,
            pending,
            newest,
        );
        Ok(Applied {
            checkpoint,
            pending,
        })
    }
    .instrument(span)
    .await
}

/// The stream sequence of a JetStream message.
pub(crate) fn sequence_of(message: &jetstream::Message) -> anyhow::Result<u64> {
    message
        .info()
        .map(|info| info.stream_sequence)
        .map_err(|err| {
            anyhow::anyhow!(
                "message on {} has no JetStream metadata: {err}",
                message.subject
            )
        })
}

/// Decodes one message; a message that does not decode is kept as [`Undecodable`].
fn to_message(message: &jetstream::Message) -> anyhow::Result<Message> {
    let sequence = sequence_of(message)?;
    match decode(sequence, &message.payload) {
        Ok(recorded) => {
            let e = &recorded.event;
            debug!(job_id = %e.job_id, seq = sequence, event_type = %e.event_type, "projecting event");
            Ok(Message::Event(recorded))
        }
        Err(err) => {
            let header = |name: &str| {
                message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default()
            };
            let subject = message.subject.to_string();
            let job_id = job_id_of(&subject)
                .map(str::to_owned)
                .unwrap_or_else(|| header(headers::JOB_ID));
            warn!(job_id = %job_id, seq = sequence, subject = %subject, error = %err,
                "undecodable event recorded as {UNDECODABLE}; the projection moves on");
            Ok(Message::Undecodable(Undecodable {
                sequence,
                subject,
                job_id,
                tenant: header(headers::TENANT),
                reason: err.to_string(),
                raw: message.payload.to_vec(),
            }))
        }
    }
}

fn event_type(message: &Message) -> &str {
    match message {
        Message::Event(e) => &e.event.event_type,
        Message::Undecodable(_) => UNDECODABLE,
    }
}
