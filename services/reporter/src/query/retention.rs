//! Retention runs of the month: `RetentionRun` rows of the audit log, with what each
//! removed (`details.removals[].category/removed`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{MonthFigures, schema};
use crate::error::ReportError;
use crate::figures::{RemovedCount, RetentionPeriod};

const RUNS: &str = "
SELECT count(*), max(occurred_at)
FROM audit_log
WHERE action = 'RetentionRun' AND occurred_at >= $1 AND occurred_at < $2";

const REMOVED: &str = "
SELECT r->>'category' AS kind, sum(coalesce((r->>'removed')::bigint, 0))::bigint
FROM audit_log a, jsonb_array_elements(coalesce(a.details->'removals', '[]'::jsonb)) r
WHERE a.action = 'RetentionRun' AND a.occurred_at >= $1 AND a.occurred_at < $2
GROUP BY kind ORDER BY kind";

/// The periods the last run up to the month's end applied (it records each category's
/// `retention_secs`).
const PERIODS: &str = "
SELECT r->>'category' AS kind, (r->>'retention_secs')::bigint
FROM audit_log a, jsonb_array_elements(coalesce(a.details->'removals', '[]'::jsonb)) r
WHERE a.seq = (SELECT max(seq) FROM audit_log WHERE action = 'RetentionRun' AND occurred_at < $1)
  AND r ? 'retention_secs'
ORDER BY kind";

/// Fills `retention`, or notes that the audit log is missing.
pub async fn fill(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    if !schema::has_table(pool, "audit_log").await? {
        figures
            .notes
            .push("retention runs: there is no audit_log table yet; none counted".to_owned());
        return Ok(());
    }
    let (runs, last): (i64, Option<DateTime<Utc>>) = sqlx::query_as(RUNS)
        .bind(start)
        .bind(end)
        .fetch_one(pool)
        .await
        .map_err(ReportError::db("counting retention runs"))?;
    let removed: Vec<(Option<String>, i64)> = sqlx::query_as(REMOVED)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("summing what retention removed"))?;
    let periods: Vec<(Option<String>, Option<i64>)> = sqlx::query_as(PERIODS)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("reading the retention periods in force"))?;
    figures.retention.periods = periods
        .into_iter()
        .filter_map(|(kind, secs)| {
            Some(RetentionPeriod {
                kind: kind?,
                days: secs? as f64 / 86_400.0,
            })
        })
        .collect();
    figures.retention.runs = runs;
    figures.retention.last_run_at = last.map(|t| t.to_rfc3339());
    figures.retention.removed = removed
        .into_iter()
        .map(|(kind, count)| RemovedCount {
            kind: kind.unwrap_or_else(|| "unknown".to_owned()),
            count,
        })
        .collect();
    Ok(())
}
