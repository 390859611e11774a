//! Reads of the read models used by the gateway and by operators.

use chrono::{DateTime, SubsecRound as _, Utc};
use jetcrawl_streams::JobStatus;
use sqlx::PgPool;

use crate::error::ProjectionError;
use crate::job_columns;
use crate::page_token::PageKey;
use crate::rows::{JobEventRow, JobRow, parse_status};

/// Largest page [`list_jobs`] returns; bigger requests are clamped.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Page size used when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// One page of a tenant's jobs, newest first (submitted_at DESC, job_id DESC), and the
/// token of the next page when there is one.
///
/// `status_filter` is a status name (`queued`, `running`, …); an unknown name is the
/// caller's mistake and is refused rather than answered with an empty page.
pub async fn list_jobs(
    pool: &PgPool,
    tenant: &str,
    status_filter: Option<&str>,
    crawl_id: Option<&str>,
    page_size: u32,
    page_token: Option<&str>,
) -> Result<(Vec<JobRow>, Option<String>), ProjectionError> {
    if let Some(status) = status_filter
        && matches!(parse_status(status), None | Some(JobStatus::New))
    {
        return Err(ProjectionError::InvalidArgument(format!(
            "unknown status filter {status:?}; use queued, running, succeeded, failed or cancelled"
        )));
    }
    let after = page_token
        .filter(|t| !t.is_empty())
        .map(PageKey::decode)
        .transpose()?;
    let size = match page_size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    let mut rows: Vec<JobRow> = sqlx::query_as(concat!(
        "SELECT ",
        job_columns!(),
        " FROM jobs
          WHERE tenant = $1
            AND ($2::text IS NULL OR status = $2)
            AND ($3::timestamptz IS NULL OR (submitted_at, job_id) < ($3, $4))
            AND ($6::text IS NULL OR starts_with(job_id, $6 || '_p'))
          ORDER BY submitted_at DESC, job_id DESC
          LIMIT $5"
    ))
    .bind(tenant)
    .bind(status_filter)
    .bind(after.as_ref().map(|k| k.submitted_at))
    .bind(after.as_ref().map(|k| k.job_id.as_str()))
    .bind(i64::from(size) + 1)
    .bind(crawl_id)
    .fetch_all(pool)
    .await
    .map_err(ProjectionError::db("listing jobs"))?;
    let next = if rows.len() > size as usize {
        rows.truncate(size as usize);
        rows.last().map(|r| {
            PageKey {
                submitted_at: r.submitted_at,
                job_id: r.job_id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// The job's row, when it exists and belongs to `tenant`.
pub async fn get_job_row(
    pool: &PgPool,
    tenant: &str,
    job_id: &str,
) -> Result<Option<JobRow>, ProjectionError> {
    sqlx::query_as(concat!(
        "SELECT ",
        job_columns!(),
        " FROM jobs WHERE job_id = $1 AND tenant = $2"
    ))
    .bind(job_id)
    .bind(tenant)
    .fetch_optional(pool)
    .await
    .map_err(ProjectionError::db("reading a job row"))
}

/// Every recorded event of the job, in stream order.
pub async fn job_events_for(
    pool: &PgPool,
    job_id: &str,
) -> Result<Vec<JobEventRow>, ProjectionError> {
    sqlx::query_as(
        "SELECT stream_seq, job_id, tenant, event_type, schema_version, occurred_at, actor,
                traceparent, payload, recorded_at
         FROM job_events WHERE job_id = $1 ORDER BY stream_seq",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await
    .map_err(ProjectionError::db("reading job_events"))
}

/// The last stream sequence `projection` applied; 0 before its first batch.
pub async fn checkpoint(pool: &PgPool, projection: &str) -> Result<u64, ProjectionError> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT last_seq FROM projection_checkpoints WHERE name = $1")
            .bind(projection)
            .fetch_optional(pool)
            .await
            .map_err(ProjectionError::db("reading the projection checkpoint"))?;
    Ok(last.and_then(|l| u64::try_from(l).ok()).unwrap_or(0))
}

/// A checkpoint and what identifies the stream position it stands for (see migration
/// `0016_checkpoint_identity.sql`): `None` where nothing was recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckpointIdentity {
    /// The last stream sequence applied; 0 before the first batch.
    pub last_seq: u64,
    /// The creation time of the stream the checkpoint counts in.
    pub stream_created: Option<DateTime<Utc>>,
    /// When JetStream stored the message at `last_seq`.
    pub last_stored_at: Option<DateTime<Utc>>,
}

/// `projection`'s checkpoint with its recorded stream identity; all empty before its
/// first batch.
pub async fn checkpoint_identity(
    pool: &PgPool,
    projection: &str,
) -> Result<CheckpointIdentity, ProjectionError> {
    type Row = (i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT last_seq, stream_created, last_stored_at FROM projection_checkpoints
         WHERE name = $1",
    )
    .bind(projection)
    .fetch_optional(pool)
    .await
    .map_err(ProjectionError::db("reading the projection checkpoint"))?;
    let Some((last, stream_created, last_stored_at)) = row else {
        return Ok(CheckpointIdentity::default());
    };
    let last_seq = u64::try_from(last).map_err(|_| {
        ProjectionError::BadData(format!("checkpoint of {projection} is negative: {last}"))
    })?;
    Ok(CheckpointIdentity {
        last_seq,
        stream_created,
        last_stored_at,
    })
}

/// `at` at Postgres `timestamptz` precision: identities are compared at microseconds.
pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}
