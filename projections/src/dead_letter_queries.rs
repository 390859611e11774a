//! ListDeadLetters: the jobs in the dead-letter queue, newest first, filtered and paged.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;

use crate::error::ProjectionError;
use crate::page_token::PageKey;
use crate::queries::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Which dead letters; every `Some` must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterFilter {
    /// Owning tenant.
    pub tenant: Option<String>,
    /// Host of the job's first URL.
    pub domain: Option<String>,
    /// Final error class, e.g. `http_5xx`.
    pub error_class: Option<String>,
}

/// One row of `dead_letters` still in the queue.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeadLetterRow {
    /// Job id.
    pub job_id: String,
    /// Owning tenant.
    pub tenant: String,
    /// Host of the first URL.
    pub domain: Option<String>,
    /// `attempts_exhausted`, `non_retryable`, `worker_lost` or `max_deliveries`.
    pub reason: String,
    /// Final error class.
    pub error_class: String,
    /// Final error message.
    pub message: String,
    /// Attempts of the round that ended here.
    pub attempts: i32,
    /// `[{"attempt", "error_class", "message"}]`, one per attempt.
    pub attempt_errors: Value,
    /// When JobDeadLettered happened.
    pub dead_lettered_at: DateTime<Utc>,
    /// Replays before this dead letter.
    pub replays: i32,
}

/// One page of the queue, newest first (dead_lettered_at DESC, job_id DESC), and the
/// next page's token when there is one.
pub async fn list_dead_letters(
    pool: &PgPool,
    filter: &DeadLetterFilter,
    page_size: u32,
    page_token: Option<&str>,
) -> Result<(Vec<DeadLetterRow>, Option<String>), ProjectionError> {
    let after = page_token
        .filter(|t| !t.is_empty())
        .map(PageKey::decode)
        .transpose()?;
    let size = match page_size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    let mut rows: Vec<DeadLetterRow> = sqlx::query_as(
        "SELECT job_id, tenant, domain, reason, error_class, message, attempts, attempt_errors,
                dead_lettered_at, replays
         FROM dead_letters
         WHERE replayed_at IS NULL
           AND ($1::text IS NULL OR tenant = $1)
           AND ($2::text IS NULL OR domain = $2)
           AND ($3::text IS NULL OR error_class = $3)
           AND ($4::timestamptz IS NULL OR (dead_lettered_at, job_id) < ($4, $5))
         ORDER BY dead_lettered_at DESC, job_id DESC
         LIMIT $6",
    )
    .bind(filter.tenant.as_deref())
    .bind(filter.domain.as_deref().map(str::to_ascii_lowercase))
    .bind(filter.error_class.as_deref())
    .bind(after.as_ref().map(|k| k.submitted_at))
    .bind(after.as_ref().map(|k| k.job_id.as_str()))
    .bind(i64::from(size) + 1)
    .fetch_all(pool)
    .await
    .map_err(ProjectionError::db("listing dead letters"))?;
    let next = if rows.len() > size as usize {
        rows.truncate(size as usize);
        // The page key's timestamp is the row's dead_lettered_at here.
        rows.last().map(|r| {
            PageKey {
                submitted_at: r.dead_lettered_at,
                job_id: r.job_id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok((rows, next))
}
