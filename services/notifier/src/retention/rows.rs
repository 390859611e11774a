//! The Postgres side of a retention run, in one transaction: trim the audit chain (moving
//! its anchor), delete old log rows, count what is still overdue, record the run.
//!
//! `audit_log` refuses deletes unless the transaction sets
//! `jetcrawl.audit_retention = 'on'`, and only a prefix of the chain is removed: every
//! row up to the newest one older than the cutoff. The anchor keeps that row's seq and
//! hash, so the rest of the chain still verifies.

use chrono::{DateTime, Utc};
use jetcrawl_projections::audit::CHAIN_LOCK;
use sqlx::PgConnection;

use super::run::Removal;

/// Categories of rows this job removes.
pub const AUDIT_LOG: &str = "audit_log";
/// `job_events`: the per-event log of the JOBS stream.
pub const JOB_EVENTS: &str = "job_events";
/// `retention_runs` older than the audit retention.
pub const RETENTION_RUNS: &str = "retention_runs";

/// Removes rows older than `cutoff` in the caller's transaction `tx` (the caller records
/// the run in it before committing) and returns what was removed per category.
pub async fn remove_old_rows(
    tx: &mut PgConnection,
    cutoff: DateTime<Utc>,
    retention_secs: u64,
) -> Result<Vec<Removal>, sqlx::Error> {
    // The audit projector appends under this lock; the head must not move meanwhile.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(CHAIN_LOCK)
        .execute(&mut *tx)
        .await?;
    let audit = trim_audit_chain(tx, cutoff).await?;
    let events = delete_older(tx, "job_events", "occurred_at", cutoff).await?;
    let runs = delete_older(tx, "retention_runs", "started_at", cutoff).await?;
    let mut removals = Vec::new();
    for (category, table, column, removed) in [
        (AUDIT_LOG, "audit_log", "occurred_at", audit),
        (JOB_EVENTS, "job_events", "occurred_at", events),
        (RETENTION_RUNS, "retention_runs", "started_at", runs),
    ] {
        removals.push(Removal {
            category: category.to_owned(),
            removed,
            cutoff,
            retention_secs,
            overdue_after: overdue(tx, table, column, cutoff).await?,
        });
    }
    Ok(removals)
}

/// Deletes the chain prefix up to the newest row older than `cutoff`; moves the anchor.
async fn trim_audit_chain(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let last_old: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, hash FROM audit_log
          WHERE seq = (SELECT max(seq) FROM audit_log WHERE occurred_at < $1)",
    )
    .bind(cutoff)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((seq, hash)) = last_old else {
        return Ok(0);
    };
    sqlx::query("SET LOCAL jetcrawl.audit_retention = 'on'")
        .execute(&mut *conn)
        .await?;
    let deleted = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
        .bind(seq)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("SET LOCAL jetcrawl.audit_retention = 'off'")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO audit_anchor (id, seq, hash, updated_at) VALUES (true, $1, $2, now())
         ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash,
                                        updated_at = EXCLUDED.updated_at",
    )
    .bind(seq)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(deleted)
}

async fn delete_older(
    conn: &mut PgConnection,
    table: &'static str,
    column: &'static str,
    cutoff: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let sql = format!("DELETE FROM {table} WHERE {column} < $1");
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Rows of `table` still older than `cutoff`.
pub async fn overdue(
    conn: &mut PgConnection,
    table: &'static str,
    column: &'static str,
    cutoff: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let sql = format!("SELECT count(*) FROM {table} WHERE {column} < $1");
    let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(cutoff)
        .fetch_one(&mut *conn)
        .await?;
    Ok(u64::try_from(count).unwrap_or_default())
}
