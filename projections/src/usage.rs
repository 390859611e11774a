//! The `usage` projection: per-tenant counters per UTC day (`tenant_usage_daily`) and
//! per month (`tenant_usage_monthly`). A batch's counts are summed in memory and added
//! with one statement per table.

use std::collections::BTreeMap;

use chrono::{Datelike as _, NaiveDate};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::apply::save_checkpoint;
use crate::checkpointed::Fresh;
use crate::counters::Counts;
use crate::error::ProjectionError;
use crate::fold::occurred_at;
use crate::stream_message::StreamMessage;

/// Adds a batch's counts; `{table}` and `{period}` are fixed names from this file.
const ADD: &str = "INSERT INTO {table} AS t (tenant, {period}, submitted, attempts, retries,
        succeeded, failed, cancelled, dead_lettered, replayed, deferrals, robots_denials,
        result_bytes, webhooks_delivered, webhooks_failed, agent_turns, prompt_tokens,
        completion_tokens)
     SELECT * FROM UNNEST($1::text[], $2::date[], $3::int8[], $4::int8[], $5::int8[],
        $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::int8[],
        $12::int8[], $13::int8[], $14::int8[], $15::int8[], $16::int8[], $17::int8[],
        $18::int8[])
     ON CONFLICT (tenant, {period}) DO UPDATE SET
        submitted = t.submitted + EXCLUDED.submitted,
        attempts = t.attempts + EXCLUDED.attempts,
        retries = t.retries + EXCLUDED.retries,
        succeeded = t.succeeded + EXCLUDED.succeeded,
        failed = t.failed + EXCLUDED.failed,
        cancelled = t.cancelled + EXCLUDED.cancelled,
        dead_lettered = t.dead_lettered + EXCLUDED.dead_lettered,
        replayed = t.replayed + EXCLUDED.replayed,
        deferrals = t.deferrals + EXCLUDED.deferrals,
        robots_denials = t.robots_denials + EXCLUDED.robots_denials,
        result_bytes = t.result_bytes + EXCLUDED.result_bytes,
        webhooks_delivered = t.webhooks_delivered + EXCLUDED.webhooks_delivered,
        webhooks_failed = t.webhooks_failed + EXCLUDED.webhooks_failed,
        agent_turns = t.agent_turns + EXCLUDED.agent_turns,
        prompt_tokens = t.prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = t.completion_tokens + EXCLUDED.completion_tokens";

/// Applies the messages above the `projection` checkpoint and moves it.
pub async fn apply_usage(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    messages: &[StreamMessage],
) -> Result<u64, ProjectionError> {
    let conn: &mut PgConnection = tx;
    let fresh = Fresh::take(conn, projection, messages).await?;
    let Some(last) = fresh.last() else {
        return Ok(fresh.checkpoint);
    };
    let mut daily: BTreeMap<(String, NaiveDate), Counts> = BTreeMap::new();
    let mut monthly: BTreeMap<(String, NaiveDate), Counts> = BTreeMap::new();
    for (event, _) in fresh.events() {
        let counts = Counts::of(&event);
        if counts.is_zero() {
            continue;
        }
        let day = occurred_at(&event).date_naive();
        let month = day.with_day(1).unwrap_or(day);
        let tenant = event.event.tenant.clone();
        daily.entry((tenant.clone(), day)).or_default().add(&counts);
        monthly.entry((tenant, month)).or_default().add(&counts);
    }
    add(conn, "tenant_usage_daily", "day", &daily).await?;
    add(conn, "tenant_usage_monthly", "month", &monthly).await?;
    save_checkpoint(conn, projection, last).await?;
    Ok(last)
}

async fn add(
    conn: &mut PgConnection,
    table: &'static str,
    period: &'static str,
    counts: &BTreeMap<(String, NaiveDate), Counts>,
) -> Result<(), ProjectionError> {
    if counts.is_empty() {
        return Ok(());
    }
    let sql = ADD.replace("{table}", table).replace("{period}", period);
    let col = |f: fn(&Counts) -> i64| counts.values().map(f).collect::<Vec<_>>();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(counts.keys().map(|(t, _)| t.clone()).collect::<Vec<_>>())
        .bind(counts.keys().map(|(_, d)| *d).collect::<Vec<_>>())
        .bind(col(|c| c.submitted))
        .bind(col(|c| c.attempts))
        .bind(col(|c| c.retries))
        .bind(col(|c| c.succeeded))
        .bind(col(|c| c.failed))
        .bind(col(|c| c.cancelled))
        .bind(col(|c| c.dead_lettered))
        .bind(col(|c| c.replayed))
        .bind(col(|c| c.deferrals))
        .bind(col(|c| c.robots_denials))
        .bind(col(|c| c.result_bytes))
        .bind(col(|c| c.webhooks_delivered))
        .bind(col(|c| c.webhooks_failed))
        .bind(col(|c| c.agent_turns))
        .bind(col(|c| c.prompt_tokens))
        .bind(col(|c| c.completion_tokens))
        .execute(conn)
        .await
        .map_err(ProjectionError::db("adding tenant usage"))?;
    Ok(())
}
