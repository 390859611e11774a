//! What every projection does around its own fold: lock its checkpoint, keep only the
//! messages above it (in stream order, once each), decode them, and move the checkpoint
//! in the same transaction.

use chrono::{DateTime, Utc};
use jetcrawl_streams::RecordedEvent;
use jetcrawl_streams::envelope::decode;
use sqlx::PgConnection;

use crate::apply::lock_checkpoint;
use crate::error::ProjectionError;
use crate::stream_message::StreamMessage;

/// The messages of a batch a projection has not applied yet.
pub(crate) struct Fresh<'m> {
    /// Above the checkpoint, in stream order, each once.
    pub messages: Vec<&'m StreamMessage>,
    /// The checkpoint before the batch.
    pub checkpoint: u64,
}

impl<'m> Fresh<'m> {
    /// Locks `projection`'s checkpoint and keeps the messages above it.
    pub(crate) async fn take(
        conn: &mut PgConnection,
        projection: &str,
        messages: &'m [StreamMessage],
    ) -> Result<Self, ProjectionError> {
        let checkpoint = lock_checkpoint(conn, projection).await?;
        let mut fresh: Vec<&StreamMessage> = messages
            .iter()
            .filter(|m| m.sequence > checkpoint)
            .collect();
        fresh.sort_by_key(|m| m.sequence);
        fresh.dedup_by_key(|m| m.sequence);
        Ok(Self {
            messages: fresh,
            checkpoint,
        })
    }

    /// The last sequence of the batch; `None` when nothing is fresh.
    pub(crate) fn last(&self) -> Option<u64> {
        self.messages.last().map(|m| m.sequence)
    }

    /// The fresh messages that decode as events (an undecodable one has nothing to
    /// count; `job_events` and the audit log record it), with their stored time.
    pub(crate) fn events(&self) -> Vec<(RecordedEvent, Option<DateTime<Utc>>)> {
        self.messages
            .iter()
            .filter_map(|m| {
                decode(m.sequence, &m.payload)
                    .ok()
                    .map(|e| (e, m.stored_at))
            })
            .collect()
    }
}
