//! Jobs submitted per day of the month, per section.

use sqlx::PgPool;

use super::MonthFigures;
use crate::error::ReportError;
use crate::month::Month;

const DAILY: &str = "
WITH days AS (
    SELECT tenant, extract(day FROM occurred_at AT TIME ZONE 'UTC')::int AS day
    FROM job_events
    WHERE event_type = 'JobSubmitted' AND occurred_at >= $1 AND occurred_at < $2
)
SELECT tenant, day, count(*) FROM days GROUP BY GROUPING SETS ((tenant, day), (day))";

/// Fills `daily_submitted` of every section: one count per day, zeros included.
pub async fn fill(
    pool: &PgPool,
    month: Month,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    let rows: Vec<(Option<String>, i32, i64)> = sqlx::query_as(DAILY)
        .bind(month.start())
        .bind(month.end())
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("counting submissions per day"))?;
    let days = month.days() as usize;
    figures.overall.daily_submitted = vec![0; days];
    for section in figures.tenants.values_mut() {
        section.daily_submitted = vec![0; days];
    }
    for (tenant, day, count) in rows {
        let section = figures.section(tenant);
        if section.daily_submitted.len() != days {
            section.daily_submitted = vec![0; days];
        }
        if let Some(slot) = usize::try_from(day - 1)
            .ok()
            .and_then(|i| section.daily_submitted.get_mut(i))
        {
            *slot = count;
        }
    }
    Ok(())
}
