//! Postgres read models of the `JOBS` stream: the SQL migrations, the fold of events into
//! `job_events` (one row per stream message) and `jobs` (one row per job, status as
//! `jetcrawl_streams::job::evolve` computes it) and `dead_letters` (the dead-letter
//! queue), and the queries behind GetJob/ListJobs/ListDeadLetters.
//!
//! Every row here is derived from the stream. [`apply_batch`] writes a batch and the
//! projection's checkpoint in the caller's transaction, so a crash between commit and
//! ack, or any redelivery, changes nothing.

mod apply;
mod columns;
mod dead_letter_queries;
mod dead_letters;
mod error;
mod fold;
mod message;
mod page_token;
mod payload_json;
mod queries;
mod rows;
mod write;

pub use apply::{apply_batch, apply_messages};
pub use dead_letter_queries::{DeadLetterFilter, DeadLetterRow, list_dead_letters};
pub use error::ProjectionError;
pub use fold::{apply_event, domain_of, fold_rows};
pub use message::{Message, UNDECODABLE, Undecodable};
pub use page_token::PageKey;
pub use payload_json::{attempt_error_json, payload_json, render_mode_name};
pub use queries::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, checkpoint, get_job_row, job_events_for, list_jobs,
};
pub use rows::{JobEventRow, JobRow, parse_status};

/// Name of the `jobs`/`job_events` projection in `projection_checkpoints`.
pub const JOBS_PROJECTION: &str = "jobs";

/// Applies the embedded migrations (idempotent; safe to run from every instance).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), ProjectionError> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}
