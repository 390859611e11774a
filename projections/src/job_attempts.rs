//! The `job_attempts` projection: one row per attempt (a JobStarted), closed by the
//! attempt's outcome. Folded per batch: the latest attempt of each touched job is read
//! once, every event applied in memory, and the changed rows written in one statement.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::RecordedEvent;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::apply::save_checkpoint;
use crate::checkpointed::Fresh;
use crate::error::ProjectionError;
use crate::fold::{occurred_at, seq};
use crate::stream_message::StreamMessage;

/// One row of `job_attempts`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AttemptRow {
    /// Job id.
    pub job_id: String,
    /// Stream sequence of the attempt's JobStarted (the key).
    pub started_seq: i64,
    /// Owning tenant.
    pub tenant: String,
    /// Attempt number within its round (replays start a new round at 1).
    pub attempt: i32,
    /// Worker that ran it.
    pub worker_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// `running`, `succeeded`, `failed`, `cancelled` or `lost`.
    pub outcome: String,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// How long it ran (the worker's measure when it reported one).
    pub duration_ms: Option<i64>,
    /// Error class of a failed or lost attempt.
    pub error_class: Option<String>,
    /// Error message.
    pub error: Option<String>,
    /// Whether another attempt could follow the failure.
    pub retryable: Option<bool>,
    /// Stream sequence of the attempt's latest event.
    pub last_seq: i64,
}

const COLUMNS: &str = "job_id, started_seq, tenant, attempt, worker_id, started_at, outcome, \
    finished_at, duration_ms, error_class, error, retryable, last_seq";

const UPSERT: &str = "INSERT INTO job_attempts (job_id, started_seq, tenant, attempt, worker_id,
        started_at, outcome, finished_at, duration_ms, error_class, error, retryable, last_seq)
     SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[],
        $6::timestamptz[], $7::text[], $8::timestamptz[], $9::int8[], $10::text[],
        $11::text[], $12::bool[], $13::int8[])
     ON CONFLICT (job_id, started_seq) DO UPDATE SET
        outcome = EXCLUDED.outcome, finished_at = EXCLUDED.finished_at,
        duration_ms = EXCLUDED.duration_ms, error_class = EXCLUDED.error_class,
        error = EXCLUDED.error, retryable = EXCLUDED.retryable, last_seq = EXCLUDED.last_seq";

/// Applies the messages above the `projection` checkpoint and moves it.
pub async fn apply_job_attempts(
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
    let relevant: Vec<&RecordedEvent> = events
        .iter()
        .map(|(e, _)| e)
        .filter(|e| affects_attempts(e))
        .collect();
    if !relevant.is_empty() {
        let mut latest = load_latest(conn, &relevant).await?;
        let mut changed: Vec<AttemptRow> = Vec::new();
        for event in relevant {
            apply_attempt_event(&mut latest, &mut changed, event);
        }
        changed.extend(
            latest
                .into_values()
                .flatten()
                .filter(|l| l.changed)
                .map(|l| l.row),
        );
        write(conn, changed).await?;
    }
    save_checkpoint(conn, projection, last).await?;
    Ok(last)
}

fn affects_attempts(e: &RecordedEvent) -> bool {
    matches!(
        e.payload(),
        Some(
            Payload::JobStarted(_)
                | Payload::JobAttemptFailed(_)
                | Payload::JobSucceeded(_)
                | Payload::JobCancelled(_)
                | Payload::JobFailed(_)
        )
    )
}

/// A job's latest attempt in memory, and whether the batch changed it.
pub(crate) struct Latest {
    row: AttemptRow,
    changed: bool,
}

impl Latest {
    fn is_running(&self) -> bool {
        self.row.outcome == "running"
    }

    fn close(&mut self, outcome: &str, at: DateTime<Utc>, last_seq: i64) {
        self.row.outcome = outcome.to_owned();
        self.row.finished_at = Some(at);
        self.row.duration_ms = Some((at - self.row.started_at).num_milliseconds());
        self.row.last_seq = last_seq;
        self.changed = true;
    }
}

async fn load_latest(
    conn: &mut PgConnection,
    events: &[&RecordedEvent],
) -> Result<HashMap<String, Option<Latest>>, ProjectionError> {
    let mut ids: Vec<String> = events.iter().map(|e| e.event.job_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let rows: Vec<AttemptRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (job_id) {COLUMNS} FROM job_attempts WHERE job_id = ANY($1)
         ORDER BY job_id, started_seq DESC"
    )))
    .bind(&ids)
    .fetch_all(conn)
    .await
    .map_err(ProjectionError::db("reading job_attempts"))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.job_id.clone(),
                Some(Latest {
                    row,
                    changed: false,
                }),
            )
        })
        .collect())
}

/// Folds one event into the job's latest attempt; an attempt replaced by a newer one
/// moves to `done` if the batch changed it.
pub(crate) fn apply_attempt_event(
    latest: &mut HashMap<String, Option<Latest>>,
    done: &mut Vec<AttemptRow>,
    recorded: &RecordedEvent,
) {
    let at = occurred_at(recorded);
    let last_seq = seq(recorded.sequence);
    let slot = latest.entry(recorded.event.job_id.clone()).or_default();
    let open = slot.as_mut().filter(|l| l.is_running());
    match (recorded.payload(), open) {
        (Some(Payload::JobStarted(started)), open) => {
            if let Some(previous) = open {
                previous.close("lost", at, last_seq);
                previous.row.error_class = Some("worker_lost".to_owned());
            }
            if let Some(previous) = slot.take().filter(|l| l.changed) {
                done.push(previous.row);
            }
            *slot = Some(Latest {
                row: started_row(recorded, started.attempt, &started.worker_id),
                changed: true,
            });
        }
        (Some(Payload::JobAttemptFailed(failed)), Some(open)) => {
            open.close("failed", at, last_seq);
            if failed.duration_ms > 0 {
                open.row.duration_ms = i64::try_from(failed.duration_ms).ok();
            }
            open.row.error_class = Some(failed.error_class.clone());
            open.row.error = Some(failed.message.clone());
            open.row.retryable = Some(failed.retryable);
        }
        (Some(Payload::JobSucceeded(succeeded)), Some(open)) => {
            open.close("succeeded", at, last_seq);
            if succeeded.duration_ms > 0 {
                open.row.duration_ms = i64::try_from(succeeded.duration_ms).ok();
            }
        }
        (Some(Payload::JobCancelled(_)), Some(open)) => open.close("cancelled", at, last_seq),
        (Some(Payload::JobFailed(failed)), Some(open)) => {
            // Failed while an attempt was open: its worker vanished (worker_lost or
            // max_deliveries) and the dead-letter component ended the job.
            open.close("lost", at, last_seq);
            open.row.error_class = Some(failed.error_class.clone());
            open.row.error = Some(failed.message.clone());
        }
        _ => {}
    }
}

fn started_row(recorded: &RecordedEvent, attempt: u32, worker_id: &str) -> AttemptRow {
    AttemptRow {
        job_id: recorded.event.job_id.clone(),
        started_seq: seq(recorded.sequence),
        tenant: recorded.event.tenant.clone(),
        attempt: i32::try_from(attempt).unwrap_or(i32::MAX),
        worker_id: worker_id.to_owned(),
        started_at: occurred_at(recorded),
        outcome: "running".to_owned(),
        finished_at: None,
        duration_ms: None,
        error_class: None,
        error: None,
        retryable: None,
        last_seq: seq(recorded.sequence),
    }
}

async fn write(conn: &mut PgConnection, rows: Vec<AttemptRow>) -> Result<(), ProjectionError> {
    if rows.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&AttemptRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(UPSERT)
        .bind(col(|r| Some(r.job_id.clone())))
        .bind(rows.iter().map(|r| r.started_seq).collect::<Vec<_>>())
        .bind(col(|r| Some(r.tenant.clone())))
        .bind(rows.iter().map(|r| r.attempt).collect::<Vec<_>>())
        .bind(col(|r| Some(r.worker_id.clone())))
        .bind(rows.iter().map(|r| r.started_at).collect::<Vec<_>>())
        .bind(col(|r| Some(r.outcome.clone())))
        .bind(rows.iter().map(|r| r.finished_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.duration_ms).collect::<Vec<_>>())
        .bind(col(|r| r.error_class.clone()))
        .bind(col(|r| r.error.clone()))
        .bind(rows.iter().map(|r| r.retryable).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.last_seq).collect::<Vec<_>>())
        .execute(conn)
        .await
        .map_err(ProjectionError::db("upserting job_attempts"))?;
    Ok(())
}
