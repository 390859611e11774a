//! p50/p95/p99 of job duration (from `job_events` and `jobs`) and of submit-ACK latency
//! (`jobs.ack_latency_ms`), nearest-rank via `percentile_disc`.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{MonthFigures, percentiles, schema};
use crate::error::ReportError;

const DURATIONS: &str = "
SELECT e.tenant, count(*),
    percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
        ORDER BY (extract(epoch FROM e.occurred_at - j.submitted_at) * 1000)::float8)
FROM job_events e JOIN jobs j ON j.job_id = e.job_id
WHERE e.event_type IN ('JobSucceeded', 'JobFailed')
  AND e.occurred_at >= $1 AND e.occurred_at < $2
GROUP BY GROUPING SETS ((e.tenant), ())";

const ACK_LATENCY: &str = "
SELECT tenant, count(*),
    percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ack_latency_ms::float8)
FROM jobs
WHERE submitted_at >= $1 AND submitted_at < $2 AND ack_latency_ms IS NOT NULL
GROUP BY GROUPING SETS ((tenant), ())";

type Row = (Option<String>, i64, Option<Vec<f64>>);

/// Fills `duration_ms` of every section.
pub async fn fill_durations(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    let rows: Vec<Row> = sqlx::query_as(DURATIONS)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("computing job duration percentiles"))?;
    for (tenant, count, values) in rows {
        figures.section(tenant).duration_ms = percentiles(count, values);
    }
    Ok(())
}

/// Fills `ack_latency_ms` of every section, or notes that the column is missing.
pub async fn fill_ack_latency(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    if !schema::has_column(pool, "jobs", "ack_latency_ms").await? {
        figures.notes.push(
            "submit-ACK latency: the jobs read model has no ack_latency_ms column yet \
             (projection migrations not applied); no latency figures"
                .to_owned(),
        );
        return Ok(());
    }
    let rows: Vec<Row> = sqlx::query_as(ACK_LATENCY)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("computing submit-ACK latency percentiles"))?;
    for (tenant, count, values) in rows {
        figures.section(tenant).ack_latency_ms = percentiles(count, values);
    }
    Ok(())
}
