//! Errors of the projections, grouped by how the caller should react.

use thiserror::Error;

/// What went wrong reading or writing a read model.
#[derive(Debug, Error)]
pub enum ProjectionError {
    /// Postgres did not answer or refused the statement; retrying later may work.
    #[error(
        "Postgres unavailable ({action}): {source}; check that the database is reachable and retry"
    )]
    Unavailable {
        /// What was being done, e.g. "inserting job_events".
        action: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The migrations could not be applied.
    #[error(
        "applying the projection migrations failed: {0}; fix the database or the migration and restart"
    )]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The schema is not the one this build expects (services verify, never migrate).
    #[error(
        "the Postgres schema differs from this build: {0}; run `jetcrawl admin apply` against \
         this database, then start the service again"
    )]
    Schema(String),
    /// A row or an event does not have the shape the projection expects.
    #[error("bad projection data: {0}")]
    BadData(String),
    /// The caller passed something invalid, e.g. a page token from another listing.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl ProjectionError {
    /// A closure wrapping a driver error with what was being done.
    pub(crate) fn db(action: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Unavailable { action, source }
    }
}
