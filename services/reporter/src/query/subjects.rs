//! Erasure and access requests handled in the month: `SubjectErased` and
//! `SubjectDataExported` rows of the audit log.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{MonthFigures, schema};
use crate::error::ReportError;
use crate::figures::SubjectRequests;

const SUBJECT_REQUESTS: &str = "
SELECT tenant,
    count(*) FILTER (WHERE action = 'SubjectErased'),
    count(*) FILTER (WHERE action = 'SubjectDataExported')
FROM audit_log
WHERE action IN ('SubjectErased', 'SubjectDataExported')
  AND occurred_at >= $1 AND occurred_at < $2
GROUP BY GROUPING SETS ((tenant), ())";

/// Fills `subject_requests` of every section, or notes that the audit log is missing.
pub async fn fill(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    if !schema::has_table(pool, "audit_log").await? {
        figures.notes.push(
            "erasure and access requests: there is no audit_log table yet; none counted".to_owned(),
        );
        return Ok(());
    }
    let rows: Vec<(Option<String>, i64, i64)> = sqlx::query_as(SUBJECT_REQUESTS)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("counting erasure and access requests"))?;
    for (tenant, erasures, access_exports) in rows {
        // A tenant with requests but no job events still gets its section.
        figures.section(tenant).subject_requests = SubjectRequests {
            erasures,
            access_exports,
        };
    }
    Ok(())
}
