//! The busiest domains of each section, by jobs submitted in the month.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::MonthFigures;
use crate::error::ReportError;
use crate::figures::DomainFigures;

const TOP_DOMAINS: &str = "
WITH events AS (
    SELECT e.tenant, coalesce(j.domain, '') AS domain, e.event_type
    FROM job_events e JOIN jobs j ON j.job_id = e.job_id
    WHERE e.event_type IN ('JobSubmitted', 'JobSucceeded', 'JobFailed')
      AND e.occurred_at >= $1 AND e.occurred_at < $2
), per AS (
    SELECT tenant, domain,
        count(*) FILTER (WHERE event_type = 'JobSubmitted') AS submitted,
        count(*) FILTER (WHERE event_type = 'JobSucceeded') AS succeeded,
        count(*) FILTER (WHERE event_type = 'JobFailed') AS failed
    FROM events
    GROUP BY GROUPING SETS ((tenant, domain), (domain))
), ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY tenant ORDER BY submitted DESC, succeeded DESC, domain) AS rank
    FROM per
)
SELECT tenant, domain, submitted, succeeded, failed
FROM ranked WHERE rank <= $3
ORDER BY tenant NULLS FIRST, rank";

/// Fills `top_domains` of every section (at most `limit` each).
pub async fn fill(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    limit: i64,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    let rows: Vec<(Option<String>, String, i64, i64, i64)> = sqlx::query_as(TOP_DOMAINS)
        .bind(start)
        .bind(end)
        .bind(limit.max(1))
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("ranking the month's domains"))?;
    for (tenant, domain, submitted, succeeded, failed) in rows {
        let domain = if domain.is_empty() {
            "(unknown)".to_owned()
        } else {
            domain
        };
        figures.section(tenant).top_domains.push(DomainFigures {
            domain,
            submitted,
            succeeded,
            failed,
        });
    }
    Ok(())
}
