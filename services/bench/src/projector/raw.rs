//! The projector's ceiling: the rows it would write, prepared in memory, then inserted
//! with batched `INSERT … SELECT FROM UNNEST` statements and no NATS.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, SubsecRound as _, Utc};
use jetcrawl_projections::{JobRow, apply_event, payload_json};
use jetcrawl_streams::RecordedEvent;
use sqlx::PgPool;

/// Rows per statement.
const CHUNK: usize = 10_000;

const INSERT_EVENTS: &str = "INSERT INTO job_events (stream_seq, job_id, tenant, event_type,
        schema_version, occurred_at, actor, traceparent, payload)
    SELECT s, j, t, e, v, o, a, tp, p::jsonb
    FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::int4[],
                $6::timestamptz[], $7::text[], $8::text[], $9::text[])
        AS u(s, j, t, e, v, o, a, tp, p)";

const INSERT_JOBS: &str = "INSERT INTO jobs (job_id, tenant, status, domain, render_mode,
        mode_used, attempts, submitted_at, started_at, finished_at, updated_at, result_key,
        result_size, result_sha256, submitted_seq, last_seq, last_error_class, last_error,
        labels, idempotency_key)
    SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s::jsonb, t
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
        $6::text[], $7::int4[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
        $11::timestamptz[], $12::text[], $13::int8[], $14::text[], $15::int8[], $16::int8[],
        $17::text[], $18::text[], $19::text[], $20::text[])
        AS u(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t)";

/// `job_events` columns of a chunk.
struct EventColumns {
    seqs: Vec<i64>,
    job_ids: Vec<String>,
    tenants: Vec<String>,
    types: Vec<String>,
    versions: Vec<i32>,
    occurred: Vec<DateTime<Utc>>,
    actors: Vec<String>,
    traces: Vec<String>,
    payloads: Vec<String>,
}

fn event_columns(events: &[RecordedEvent]) -> EventColumns {
    let e = |f: fn(&RecordedEvent) -> String| events.iter().map(f).collect::<Vec<_>>();
    EventColumns {
        seqs: events.iter().map(|r| r.sequence as i64).collect(),
        job_ids: e(|r| r.event.job_id.clone()),
        tenants: e(|r| r.event.tenant.clone()),
        types: e(|r| r.event.event_type.clone()),
        versions: events
            .iter()
            .map(|r| r.event.schema_version as i32)
            .collect(),
        occurred: events
            .iter()
            .map(|r| r.occurred_at().trunc_subsecs(6))
            .collect(),
        actors: e(|r| r.event.actor.clone()),
        traces: e(|r| r.event.traceparent.clone()),
        payloads: e(|r| payload_json(r.payload()).to_string()),
    }
}

/// The final `jobs` rows, folded in stream order.
fn job_rows(events: &[RecordedEvent]) -> Vec<JobRow> {
    let mut rows: HashMap<&str, Option<JobRow>> = HashMap::new();
    let mut order = Vec::new();
    for event in events {
        let slot = rows.entry(event.event.job_id.as_str()).or_insert_with(|| {
            order.push(event.event.job_id.as_str());
            None
        });
        *slot = apply_event(slot.take(), event);
    }
    order
        .into_iter()
        .filter_map(|id| rows.remove(id).flatten())
        .collect()
}

/// Inserts the rows of `events` into `pool`'s fresh tables; returns events/s.
pub async fn insert(pool: &PgPool, events: &[RecordedEvent]) -> anyhow::Result<f64> {
    let chunks: Vec<EventColumns> = events.chunks(CHUNK).map(event_columns).collect();
    let jobs = job_rows(events);
    let started = Instant::now();
    for c in chunks {
        sqlx::query(INSERT_EVENTS)
            .bind(c.seqs)
            .bind(c.job_ids)
            .bind(c.tenants)
            .bind(c.types)
            .bind(c.versions)
            .bind(c.occurred)
            .bind(c.actors)
            .bind(c.traces)
            .bind(c.payloads)
            .execute(pool)
            .await?;
    }
    for rows in jobs.chunks(CHUNK) {
        insert_jobs(pool, rows).await?;
    }
    Ok(events.len() as f64 / started.elapsed().as_secs_f64().max(1e-6))
}

async fn insert_jobs(pool: &PgPool, rows: &[JobRow]) -> anyhow::Result<()> {
    let s = |f: fn(&JobRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let t = |f: fn(&JobRow) -> Option<DateTime<Utc>>| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(INSERT_JOBS)
        .bind(s(|r| Some(r.job_id.clone())))
        .bind(s(|r| Some(r.tenant.clone())))
        .bind(s(|r| Some(r.status.clone())))
        .bind(s(|r| r.domain.clone()))
        .bind(s(|r| r.render_mode.clone()))
        .bind(s(|r| r.mode_used.clone()))
        .bind(rows.iter().map(|r| r.attempts).collect::<Vec<_>>())
        .bind(t(|r| Some(r.submitted_at)))
        .bind(t(|r| r.started_at))
        .bind(t(|r| r.finished_at))
        .bind(t(|r| Some(r.updated_at)))
        .bind(s(|r| r.result_key.clone()))
        .bind(rows.iter().map(|r| r.result_size).collect::<Vec<_>>())
        .bind(s(|r| r.result_sha256.clone()))
        .bind(rows.iter().map(|r| r.submitted_seq).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.last_seq).collect::<Vec<_>>())
        .bind(s(|r| r.last_error_class.clone()))
        .bind(s(|r| r.last_error.clone()))
        .bind(s(|r| r.labels.as_ref().map(ToString::to_string)))
        .bind(s(|r| r.idempotency_key.clone()))
        .execute(pool)
        .await?;
    Ok(())
}
