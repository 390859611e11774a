//! The `dead_letters` projection: JobDeadLettered puts a job in the queue (with every
//! attempt's error), JobReplayed takes it out. Its own consumer and checkpoint; the
//! job's domain comes from `job_domains`, which it fills itself.

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::RecordedEvent;
use serde_json::Value;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::apply::save_checkpoint;
use crate::checkpointed::Fresh;
use crate::error::ProjectionError;
use crate::fold::{occurred_at, seq};
use crate::job_domains::record_submitted;
use crate::payload_json::attempt_error_json;
use crate::stream_message::StreamMessage;

/// A job entering the queue; `replays` counts the replays before it.
const DEAD_LETTERED: &str =
    "INSERT INTO dead_letters (job_id, tenant, domain, reason, error_class, message,
                             attempts, attempt_errors, dead_lettered_at, dead_lettered_seq)
     SELECT $1, $2, (SELECT domain FROM job_domains WHERE job_id = $1), $3, $4, $5, $6, $7::jsonb, $8, $9
     ON CONFLICT (job_id) DO UPDATE SET
         reason = EXCLUDED.reason, error_class = EXCLUDED.error_class,
         message = EXCLUDED.message, attempts = EXCLUDED.attempts,
         attempt_errors = EXCLUDED.attempt_errors,
         dead_lettered_at = EXCLUDED.dead_lettered_at,
         dead_lettered_seq = EXCLUDED.dead_lettered_seq,
         replayed_at = NULL, replayed_by = NULL";

/// A job leaving the queue.
const REPLAYED: &str =
    "UPDATE dead_letters SET replayed_at = $2, replayed_by = $3, replays = replays + 1
     WHERE job_id = $1 AND replayed_at IS NULL";

/// Applies the messages above the `projection` checkpoint and moves it.
pub async fn apply_dead_letters(
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
    let events: Vec<&RecordedEvent> = events.iter().map(|(e, _)| e).collect();
    record_submitted(conn, &events).await?;
    apply_events(conn, &events).await?;
    save_checkpoint(conn, projection, last).await?;
    Ok(last)
}

/// Applies the dead-letter events in stream order. They are rare, so one statement each
/// is fine.
async fn apply_events(
    conn: &mut PgConnection,
    events: &[&RecordedEvent],
) -> Result<(), ProjectionError> {
    for recorded in events {
        match recorded.payload() {
            Some(Payload::JobDeadLettered(dead)) => {
                let errors: Vec<Value> = dead.attempts.iter().map(attempt_error_json).collect();
                sqlx::query(DEAD_LETTERED)
                    .bind(&recorded.event.job_id)
                    .bind(&recorded.event.tenant)
                    .bind(&dead.reason)
                    .bind(&dead.error_class)
                    .bind(&dead.message)
                    .bind(i32::try_from(dead.attempts.len()).unwrap_or(i32::MAX))
                    .bind(Value::Array(errors).to_string())
                    .bind(occurred_at(recorded))
                    .bind(seq(recorded.sequence))
                    .execute(&mut *conn)
                    .await
                    .map_err(ProjectionError::db("inserting a dead letter"))?;
            }
            Some(Payload::JobReplayed(replayed)) => {
                let at: DateTime<Utc> = occurred_at(recorded);
                sqlx::query(REPLAYED)
                    .bind(&recorded.event.job_id)
                    .bind(at)
                    .bind(&replayed.by)
                    .execute(&mut *conn)
                    .await
                    .map_err(ProjectionError::db("marking a dead letter replayed"))?;
            }
            _ => {}
        }
    }
    Ok(())
}
