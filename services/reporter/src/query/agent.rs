//! Agent jobs, their loops and what their language models spent, from the `AgentTurn`
//! and `AgentFinished` events of `job_events`.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::MonthFigures;
use crate::error::ReportError;
use crate::figures::AgentUsage;

// Token counts are u64 in the events: summed as numeric and capped at i64::MAX, so an
// absurd count a model server reported cannot stop the month's report.
const AGENT: &str = "
SELECT tenant,
    count(DISTINCT job_id) FILTER (WHERE event_type = 'AgentFinished'),
    count(*) FILTER (WHERE event_type = 'AgentFinished' AND payload->>'outcome' = 'answered'),
    count(*) FILTER (WHERE event_type = 'AgentFinished' AND payload->>'outcome' = 'failed'),
    count(*) FILTER (WHERE event_type = 'AgentTurn'),
    least(coalesce(sum((payload->>'prompt_tokens')::numeric)
        FILTER (WHERE event_type = 'AgentTurn'), 0), 9223372036854775807)::bigint,
    least(coalesce(sum((payload->>'completion_tokens')::numeric)
        FILTER (WHERE event_type = 'AgentTurn'), 0), 9223372036854775807)::bigint
FROM job_events
WHERE occurred_at >= $1 AND occurred_at < $2
    AND event_type IN ('AgentTurn', 'AgentFinished')
GROUP BY GROUPING SETS ((tenant), ())";

type Row = (Option<String>, i64, i64, i64, i64, i64, i64);

/// Fills the agent usage of every section with agent activity.
pub async fn fill(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    let rows: Vec<Row> = sqlx::query_as(AGENT)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("counting the month's agent events"))?;
    for (tenant, jobs, answered, failed, turns, prompt_tokens, completion_tokens) in rows {
        figures.section(tenant).agent = AgentUsage {
            jobs,
            answered,
            failed,
            turns,
            prompt_tokens,
            completion_tokens,
        };
    }
    Ok(())
}
