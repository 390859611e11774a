//! Postgres read models of the `JOBS` stream and the audit log: the SQL migrations, the
//! folds of events into `job_events` and `jobs` (status as `jetcrawl_streams::job::evolve`
//! computes it), `job_attempts`, `dead_letters`, per-tenant usage and per-domain stats,
//! the hash-chained `audit_log` ([`audit`]), the queries behind the gateway, and the
//! rebuild of the read models into a fresh schema ([`rebuild`]).
//!
//! Each [`Projection`] has its own consumer and checkpoint; its apply function writes a
//! batch and the checkpoint in the caller's transaction, so a crash between commit and
//! ack, or any redelivery, changes nothing.

mod apply;
pub mod audit;
mod checkpointed;
mod columns;
mod counters;
mod database;
mod dead_letter_queries;
mod dead_letters;
mod domain_stats;
mod error;
mod fold;
mod job_attempts;
mod job_domains;
mod message;
mod page_token;
mod payload_json;
mod payload_json_action;
mod payload_json_agent;
mod payload_json_crawl;
mod payload_json_keys;
mod payload_json_report;
mod payload_json_rgpd;
mod payload_time;
mod projection;
mod queries;
pub mod rebuild;
pub mod reports;
mod rows;
mod stream_message;
mod usage;
mod write;

pub use apply::{
    Prepared, apply_batch, apply_messages, apply_prepared, apply_stream_messages, lock_checkpoint,
    record_checkpoint_identity,
};
pub use counters::{Counts, ROBOTS_DISALLOWED};
pub use database::{DatabaseArgs, DatabaseArgsError};
pub use dead_letter_queries::{DeadLetterFilter, DeadLetterRow, list_dead_letters};
pub use dead_letters::apply_dead_letters;
pub use domain_stats::{UNKNOWN_DOMAIN, apply_domain_stats};
pub use error::ProjectionError;
pub use fold::{ack_latency_ms, apply_event, domain_of, fold_rows};
pub use job_attempts::{AttemptRow, apply_job_attempts};
pub use message::{Message, UNDECODABLE, Undecodable};
pub use page_token::PageKey;
pub use payload_json::{attempt_error_json, payload_json, render_mode_name};
pub use payload_json_action::action_json;
pub use projection::Projection;
pub use queries::{
    CheckpointIdentity, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, checkpoint, checkpoint_identity,
    get_job_row, job_events_for, list_jobs, truncate_to_micros,
};
pub use rows::{JobEventRow, JobRow, parse_status};
pub use stream_message::StreamMessage;
pub use usage::apply_usage;

/// Name of the `jobs`/`job_events` projection in `projection_checkpoints`.
pub const JOBS_PROJECTION: &str = "jobs";

/// Applies the embedded migrations (idempotent). Only `jetcrawl admin apply` (and test
/// set-ups) call it: services [`verify_schema`] and never change the schema.
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), ProjectionError> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}

/// Ok when every embedded migration is applied, with the same checksum; otherwise
/// [`ProjectionError::Schema`] naming the missing or changed versions and the fix.
pub async fn verify_schema(pool: &sqlx::PgPool) -> Result<(), ProjectionError> {
    let applied: Vec<(i64, Vec<u8>, bool)> =
        sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations")
            .fetch_all(pool)
            .await
            .or_else(|err| match &err {
                sqlx::Error::Database(db) if db.code().as_deref() == Some("42P01") => {
                    Ok(Vec::new())
                }
                _ => Err(err),
            })
            .map_err(ProjectionError::db("reading the applied migrations"))?;
    let problems: Vec<String> = sqlx::migrate!("./migrations")
        .iter()
        .filter_map(|wanted| {
            match applied
                .iter()
                .find(|(version, ..)| *version == wanted.version)
            {
                None => Some(format!(
                    "{} ({}) not applied",
                    wanted.version, wanted.description
                )),
                Some((_, _, false)) => Some(format!("{} failed half-way", wanted.version)),
                Some((_, checksum, _)) if checksum.as_slice() != &*wanted.checksum => {
                    Some(format!("{} applied with another checksum", wanted.version))
                }
                Some(_) => None,
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ProjectionError::Schema(problems.join("; ")))
    }
}
