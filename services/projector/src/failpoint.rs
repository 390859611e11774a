//! Fault injection for the crash tests: abort the process between a batch's commit and
//! its ack, the window the checkpoint-in-the-same-transaction design must survive.

use std::sync::atomic::{AtomicU64, Ordering};

use jetcrawl_projections::Projection;
use tracing::error;

/// Counts commits and aborts after the configured one (never when unset).
#[derive(Debug, Default)]
pub(crate) struct Failpoint {
    abort_after: Option<u64>,
    commits: AtomicU64,
}

impl Failpoint {
    /// Aborts after the `abort_after`-th commit.
    pub(crate) fn new(abort_after: Option<u64>) -> Self {
        Self {
            abort_after,
            commits: AtomicU64::new(0),
        }
    }

    /// Called right after a batch committed, before it is acked.
    pub(crate) fn after_commit(&self, projection: Projection) {
        let Some(limit) = self.abort_after else {
            return;
        };
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= limit {
            error!(
                projection = projection.name(),
                commits = n,
                "JETCRAWL_PROJECTOR_ABORT_AFTER_COMMIT reached: aborting before the ack"
            );
            std::process::abort();
        }
    }
}
