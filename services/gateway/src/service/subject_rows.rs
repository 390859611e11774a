//! The read-model side of the data-subject rights: which jobs a subject's key sealed,
//! and showing their sealed fields as `[erased]` once it is gone.

use jetcrawl_privacy::{ERASED, SubjectRef};
use sqlx::PgPool;

use crate::error::GatewayError;

/// Jobs of `tenant` whose JobSubmitted names subject `reference`, oldest first.
pub(crate) async fn jobs_of_subject(
    pool: &PgPool,
    tenant: &str,
    reference: &SubjectRef,
) -> Result<Vec<String>, GatewayError> {
    sqlx::query_scalar(
        "SELECT job_id FROM job_events
          WHERE tenant = $1 AND event_type = 'JobSubmitted'
            AND payload->>'subject_ref' = $2
          ORDER BY stream_seq",
    )
    .bind(tenant)
    .bind(reference.as_str())
    .fetch_all(pool)
    .await
    .map_err(read_error)
}

/// Replaces the subject's sealed values in `job_events` (the read model, not the log)
/// by `[erased]`; returns how many rows changed. The ciphertext left in the stream and
/// the audit log opens to nothing once the key is purged.
pub(crate) async fn mark_erased(
    pool: &PgPool,
    tenant: &str,
    reference: &SubjectRef,
    jobs: &[String],
) -> Result<u64, GatewayError> {
    let pattern = format!("sealed:v1:{reference}:[A-Za-z0-9_-]+");
    let done = sqlx::query(
        "UPDATE job_events
            SET payload = regexp_replace(payload::text, $3, $4, 'g')::jsonb
          WHERE tenant = $1 AND job_id = ANY($2) AND payload::text ~ $3",
    )
    .bind(tenant)
    .bind(jobs)
    .bind(pattern)
    .bind(ERASED)
    .execute(pool)
    .await
    .map_err(read_error)?;
    Ok(done.rows_affected())
}

fn read_error(err: sqlx::Error) -> GatewayError {
    GatewayError::unavailable_because(
        format!("the read models (Postgres) did not answer: {err}; retry shortly"),
        err,
    )
}
