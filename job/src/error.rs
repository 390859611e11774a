//! Why `decide` refused a command.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::state::JobStatus;

/// Why a command was refused. A refusal is final for the state it was decided on: the
/// caller answers with it, it never retries it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecideError {
    /// The job has no history.
    #[error("job does not exist")]
    NotFound,
    /// Submit of a job that already exists.
    #[error("job already submitted (stream sequence {sequence})")]
    AlreadySubmitted {
        /// Sequence of the original JobSubmitted.
        sequence: u64,
    },
    /// The job already ended.
    #[error("job is already {}", status.as_str())]
    Terminal {
        /// Its final status.
        status: JobStatus,
    },
    /// The work message is not the job's current one (a replay or a deferral
    /// superseded it); only the current one may run or dead-letter the job.
    #[error(
        "stale work message (stream sequence {work_sequence}); the job's current one is {current}"
    )]
    StaleWork {
        /// The message's sequence.
        work_sequence: u64,
        /// The job's current work message.
        current: u64,
    },
    /// The job is deferred by a politeness wait that is not over.
    #[error("the job is deferred until {until}")]
    NotYet {
        /// When it may start.
        until: DateTime<Utc>,
    },
    /// A command that does not fit the current state.
    #[error("cannot {action} a job that is {}{detail}", status.as_str())]
    InvalidTransition {
        /// What was attempted.
        action: &'static str,
        /// The job's status.
        status: JobStatus,
        /// Extra context, starting with a separator.
        detail: String,
    },
}
