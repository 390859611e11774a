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
    #[error("JetStream unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// True when trying the same request again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// Wraps any transport error as `Unavailable`.
    pub fn unavailable(err: impl std::fmt::Display) -> Self {
        Self::Unavailable(err.to_string())
    }
}
