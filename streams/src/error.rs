//! Errors of the event store, grouped by how a caller should react.

use thiserror::Error;

/// What went wrong talking to the event log.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Another writer appended to the job first; re-read the history and decide again.
    #[error(
        "job {job_id} changed concurrently (expected last sequence {expected}); re-read and retry"
    )]
    Conflict {
        /// The job.
        job_id: String,
        /// The sequence the append expected.
        expected: u64,
    },
    /// A stored message could not be decoded.
    #[error("event at stream sequence {sequence} is not a valid jetcrawl.v1.Event: {reason}")]
    Corrupt {
        /// Stream sequence of the bad message.
        sequence: u64,
        /// Decoder message.
        reason: String,
    },
    /// The caller asked for something impossible (zero events, an event without a
    /// payload): a bug to fix, never worth retrying.
    #[error("invalid append: {0}")]
    Invalid(&'static str),
    /// JetStream did not answer or refused the request; retrying later may work.
    /// `context` says what was being done (and the fix when one is known); `source` is
    /// the client's own error, kept for callers that look into it.
    #[error("{context}: {source}")]
    Unavailable {
        /// What was being done, and how to fix it when known.
        context: String,
        /// The underlying failure.
        #[source]
        source: Cause,
    },
    /// The JetStream topology is missing, differs from the definition, or could not be
    /// read: the message names the fix.
    #[error(transparent)]
    Topology(#[from] crate::topology::TopologyError),
}

/// The underlying failure an error keeps.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

impl StoreError {
    /// True when trying the same request again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. }
                | Self::Topology(crate::topology::TopologyError::Unavailable { .. })
        )
    }

    /// Wraps a transport error as `Unavailable`.
    pub fn unavailable(err: impl Into<Cause>) -> Self {
        Self::unavailable_while("JetStream unavailable", err)
    }

    /// Wraps a failure as `Unavailable`, saying what was being done.
    pub fn unavailable_while(context: impl Into<String>, err: impl Into<Cause>) -> Self {
        Self::Unavailable {
            context: context.into(),
            source: err.into(),
        }
    }
}
