//! Stopping a projection whose stream is no longer the one its checkpoint counts in,
//! rather than skipping what the stream now holds: the alarm (an error log line, the
//! `stream_behind` gauges, `/healthz`), a re-check every few seconds, and resuming on
//! its own once an operator has recovered (docs/reliability-recovery.md).

use std::time::Duration;

use async_nats::jetstream::Context;
use jetcrawl_projections::Projection;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::health::ProjectorHealth;
use crate::identity::{self, Finding, Mismatch};
use crate::metrics;

/// How often a halted projection looks at its stream again.
pub(crate) const RECHECK: Duration = Duration::from_secs(3);

/// Checks one projection's stream against its checkpoint and reports what it finds.
pub(crate) struct Guard<'a> {
    pub projection: Projection,
    pub js: &'a Context,
    pub pool: &'a PgPool,
    pub health: &'a ProjectorHealth,
}

impl Guard<'_> {
    /// Compares the stream with the checkpoint; the gauges and `/healthz` follow.
    pub(crate) async fn inspect(&self) -> anyhow::Result<Finding> {
        let finding = identity::inspect(self.js, self.pool, self.projection).await?;
        metrics::stream_checked(
            self.projection,
            finding.checkpoint.last_seq,
            finding.stream.last_sequence,
            finding.mismatch.is_some(),
        );
        match finding.mismatch {
            None => self.health.clear(self.projection),
            Some(_) => self.health.halt(self.projection, describe(&finding)),
        }
        Ok(finding)
    }

    /// Stays halted, re-checking every [`RECHECK`], until the stream and the checkpoint
    /// agree again (true) or `stop` (false).
    pub(crate) async fn wait_for_recovery(
        &self,
        halted: Finding,
        stop: &CancellationToken,
    ) -> bool {
        let projection = self.projection.name();
        let mut last = halted.mismatch;
        loop {
            tokio::select! {
                () = stop.cancelled() => return false,
                () = tokio::time::sleep(RECHECK) => {}
            }
            match self.inspect().await {
                Ok(finding) if finding.mismatch.is_none() => {
                    info!(
                        projection,
                        stream = finding.stream.name,
                        checkpoint = finding.checkpoint.last_seq,
                        stream_last_sequence = finding.stream.last_sequence,
                        "the stream matches the checkpoint again; resuming"
                    );
                    return true;
                }
                Ok(finding) => {
                    if finding.mismatch != last {
                        alarm(&finding);
                        last = finding.mismatch;
                    }
                }
                Err(err) => warn!(projection, error = %format!("{err:#}"),
                    "cannot re-check the stream; the projection stays halted"),
            }
        }
    }
}

/// The error log line of a halted projection: what is wrong and how to recover.
pub(crate) fn alarm(finding: &Finding) {
    let (recorded_stored_at, found_stored_at) = match finding.mismatch {
        Some(Mismatch::Reused { recorded, found }) => (Some(recorded), Some(found)),
        _ => (None, None),
    };
    error!(
        projection = finding.projection.name(),
        stream = finding.stream.name,
        checkpoint = finding.checkpoint.last_seq,
        stream_last_sequence = finding.stream.last_sequence,
        stream_created = %finding.stream.created,
        checkpoint_stream_created = ?finding.checkpoint.stream_created,
        checkpoint_stored_at = ?recorded_stored_at,
        stream_stored_at = ?found_stored_at,
        recovery = recovery(finding),
        "{}",
        describe(finding)
    );
}

/// One line naming the projection, the stream, the checkpoint, the stream's last
/// sequence, the cause and the recovery.
pub(crate) fn describe(finding: &Finding) -> String {
    format!(
        "projection {} halted, nothing skipped: {}. Recovery: {}",
        finding.projection.name(),
        cause(finding),
        recovery(finding)
    )
}

/// What is wrong with the stream, with the sequences and times that show it.
pub(crate) fn cause(finding: &Finding) -> String {
    let Finding {
        checkpoint, stream, ..
    } = finding;
    let (name, seq, last) = (stream.name, checkpoint.last_seq, stream.last_sequence);
    match &finding.mismatch {
        None => format!("stream {name} (last sequence {last}) matches checkpoint {seq}"),
        Some(Mismatch::Behind) => format!(
            "stream {name} ends at sequence {last}, behind the checkpoint {seq}: it lost \
             messages that were applied, and new ones would reuse their sequences"
        ),
        Some(Mismatch::Recreated { recorded }) => format!(
            "stream {name} was recreated: it was created at {}, the checkpoint {seq} counts in \
             the stream created at {recorded}; it now ends at sequence {last}",
            stream.created
        ),
        Some(Mismatch::Reused { recorded, found }) => format!(
            "stream {name} holds another message at the checkpoint's sequence {seq} (stored at \
             {found}; the one applied was stored at {recorded}): sequences were reused after a \
             loss; it now ends at sequence {last}"
        ),
    }
}

/// What the operator does, by projection: read models are rebuilt, the audit log is not.
fn recovery(finding: &Finding) -> String {
    let stream = finding.stream.name;
    if Projection::READ_MODELS.contains(&finding.projection) {
        format!(
            "restore stream {stream} from a backup, or accept it as it is now and rebuild the \
             read models from it with `jetcrawl projections rebuild --accept-stream`; the \
             projector resumes by itself (docs/reliability-recovery.md)"
        )
    } else {
        format!(
            "restore stream {stream} from a backup; the audit log is append-only and is never \
             rebuilt (docs/reliability-recovery.md); the projector resumes by itself"
        )
    }
}
