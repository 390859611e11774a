//! The `domain_stats` projection: per tenant, domain (host of the job's first URL) and
//! UTC day, the attempts started (`requests`), successes, failed attempts (`errors`),
//! robots.txt denials and politeness deferrals. Summed per batch, one statement.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use jetcrawl_streams::RecordedEvent;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::apply::save_checkpoint;
use crate::checkpointed::Fresh;
use crate::counters::Counts;
use crate::error::ProjectionError;
use crate::fold::occurred_at;
use crate::job_domains::domains_of;
use crate::stream_message::StreamMessage;

/// Domain recorded for a job whose first URL has no parsable host.
pub const UNKNOWN_DOMAIN: &str = "(unknown)";

const ADD: &str = "INSERT INTO domain_stats AS t (tenant, domain, day, requests, succeeded,
        errors, robots_denials, deferrals)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::date[], $4::int8[], $5::int8[],
        $6::int8[], $7::int8[], $8::int8[])
     ON CONFLICT (tenant, domain, day) DO UPDATE SET
        requests = t.requests + EXCLUDED.requests,
        succeeded = t.succeeded + EXCLUDED.succeeded,
        errors = t.errors + EXCLUDED.errors,
        robots_denials = t.robots_denials + EXCLUDED.robots_denials,
        deferrals = t.deferrals + EXCLUDED.deferrals";

type Key = (String, String, NaiveDate);

/// Applies the messages above the `projection` checkpoint and moves it.
pub async fn apply_domain_stats(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    messages: &[StreamMessage],
) -> Result<u64, ProjectionError> {
    let conn: &mut PgConnection = tx;
    let fresh = Fresh::take(conn, projection, messages).await?;
    let Some(last) = fresh.last() else {
        return Ok(fresh.checkpoint);
    };
    let events = fresh.events();
    // Only JobSubmitted (the domain) and counted events need a domain lookup.
    let events: Vec<&RecordedEvent> = events
        .iter()
        .map(|(e, _)| e)
        .filter(|e| e.event.event_type == "JobSubmitted" || per_domain(&Counts::of(e)) > 0)
        .collect();
    let domains = domains_of(conn, &events).await?;
    let mut sums: BTreeMap<Key, Counts> = BTreeMap::new();
    for event in events {
        let counts = Counts::of(event);
        if per_domain(&counts) == 0 {
            continue;
        }
        let domain = domains
            .get(&event.event.job_id)
            .cloned()
            .flatten()
            .unwrap_or_else(|| UNKNOWN_DOMAIN.to_owned());
        let key = (
            event.event.tenant.clone(),
            domain,
            occurred_at(event).date_naive(),
        );
        sums.entry(key).or_default().add(&counts);
    }
    add(conn, &sums).await?;
    save_checkpoint(conn, projection, last).await?;
    Ok(last)
}

fn per_domain(c: &Counts) -> i64 {
    c.attempts + c.succeeded + c.attempt_errors + c.robots_denials + c.deferrals
}

async fn add(conn: &mut PgConnection, sums: &BTreeMap<Key, Counts>) -> Result<(), ProjectionError> {
    if sums.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&Counts) -> i64| sums.values().map(f).collect::<Vec<_>>();
    sqlx::query(ADD)
        .bind(sums.keys().map(|k| k.0.clone()).collect::<Vec<_>>())
        .bind(sums.keys().map(|k| k.1.clone()).collect::<Vec<_>>())
        .bind(sums.keys().map(|k| k.2).collect::<Vec<_>>())
        .bind(col(|c| c.attempts))
        .bind(col(|c| c.succeeded))
        .bind(col(|c| c.attempt_errors))
        .bind(col(|c| c.robots_denials))
        .bind(col(|c| c.deferrals))
        .execute(conn)
        .await
        .map_err(ProjectionError::db("adding domain stats"))?;
    Ok(())
}
