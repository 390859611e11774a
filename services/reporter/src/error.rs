//! What can go wrong generating or storing a report, grouped by how the caller reacts.

use thiserror::Error;

/// A report could not be generated or found.
#[derive(Debug, Error)]
pub enum ReportError {
    /// The request is wrong: fix it (INVALID_ARGUMENT).
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The request is fine but cannot be served in the current state
    /// (FAILED_PRECONDITION), e.g. a month that is not over.
    #[error("{0}")]
    Precondition(String),
    /// No such report (NOT_FOUND).
    #[error("{0}")]
    NotFound(String),
    /// Postgres or NATS did not answer; retry later (UNAVAILABLE).
    #[error("{0}")]
    Unavailable(String),
}

impl ReportError {
    /// A closure wrapping a Postgres error with what was being done.
    pub(crate) fn db(action: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |err| {
            Self::Unavailable(format!(
                "Postgres failed {action}: {err}; retry when it is reachable"
            ))
        }
    }

    /// A NATS failure while doing `action`.
    pub(crate) fn nats(action: &str, err: impl std::fmt::Display) -> Self {
        Self::Unavailable(format!(
            "NATS failed {action}: {err}; retry when it is reachable"
        ))
    }
}

impl From<jetcrawl_projections::ProjectionError> for ReportError {
    fn from(err: jetcrawl_projections::ProjectionError) -> Self {
        Self::Unavailable(err.to_string())
    }
}
