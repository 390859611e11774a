//! Job, retry, politeness and webhook counts from `job_events`.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::MonthFigures;
use crate::error::ReportError;
use crate::figures::{JobCounts, Politeness, Webhooks, rate};

const COUNTS: &str = "
SELECT tenant,
    count(*) FILTER (WHERE event_type = 'JobSubmitted'),
    count(*) FILTER (WHERE event_type = 'JobSucceeded'),
    count(*) FILTER (WHERE event_type = 'JobFailed'),
    count(*) FILTER (WHERE event_type = 'JobCancelled'),
    count(*) FILTER (WHERE event_type = 'JobDeadLettered'),
    count(*) FILTER (WHERE event_type = 'JobReplayed'),
    count(*) FILTER (WHERE event_type = 'JobStarted'
                     AND coalesce((payload->>'attempt')::bigint, 1) > 1),
    count(*) FILTER (WHERE event_type = 'RobotsDisallowed'),
    count(*) FILTER (WHERE event_type = 'JobDeferred'),
    count(*) FILTER (WHERE event_type IN ('WebhookDelivered', 'WebhookFailed')),
    count(DISTINCT payload->>'webhook_id') FILTER (WHERE event_type = 'WebhookDelivered'),
    count(DISTINCT payload->>'webhook_id') FILTER (WHERE event_type = 'WebhookFailed'
                     AND NOT coalesce((payload->>'retrying')::boolean, false))
FROM job_events
WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY GROUPING SETS ((tenant), ())";

type Row = (
    Option<String>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// Fills jobs, success rate, retries, politeness and webhooks of every section.
pub async fn fill(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    let rows: Vec<Row> = sqlx::query_as(COUNTS)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("counting the month's job events"))?;
    for row in rows {
        let section = figures.section(row.0);
        section.jobs = JobCounts {
            submitted: row.1,
            succeeded: row.2,
            failed: row.3,
            cancelled: row.4,
            dead_lettered: row.5,
            replayed: row.6,
            retries: row.7,
        };
        section.success_rate = rate(row.2, row.2 + row.3);
        section.robots = Politeness {
            robots_denials: row.8,
            deferrals: row.9,
        };
        section.webhooks = Webhooks {
            attempts: row.10,
            delivered: row.11,
            failed: row.12,
            delivery_rate: rate(row.11, row.11 + row.12),
        };
    }
    Ok(())
}
