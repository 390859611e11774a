//! Recording a run: its `retention_runs` row (in the transaction of the deletions) and
//! its `RetentionRun` audit action on `audit.retention._all`.

use async_nats::jetstream::Context;
use jetcrawl_proto::v1::{RetentionRemoval, RetentionRun};
use jetcrawl_streams::StoreError;
use jetcrawl_streams::audit::{ALL_TENANTS, Action, append_action, new_action};
use jetcrawl_streams::envelope::new_traceparent;
use sqlx::{PgConnection, PgPool};
use tracing::warn;

use super::run::RunReport;

/// Actor of retention events.
pub const RETENTION_ACTOR: &str = "system:retention";

/// Inserts the run's row.
pub async fn record_run(conn: &mut PgConnection, report: &RunReport) -> Result<(), sqlx::Error> {
    let total: u64 = report.removals.iter().map(|r| r.removed).sum();
    sqlx::query(
        "INSERT INTO retention_runs (run_id, trigger, started_at, finished_at, removals,
                                     total_removed, error)
         VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''))",
    )
    .bind(&report.run_id)
    .bind(report.trigger.as_str())
    .bind(report.started_at)
    .bind(report.finished_at)
    .bind(serde_json::to_value(&report.removals).unwrap_or_default())
    .bind(i64::try_from(total).unwrap_or(i64::MAX))
    .bind(&report.error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes the event's sequence on the run's row (best effort: the event is the record).
pub async fn mark_published(pool: &PgPool, report: &RunReport) {
    let done = sqlx::query("UPDATE retention_runs SET event_seq = $2 WHERE run_id = $1")
        .bind(&report.run_id)
        .bind(i64::try_from(report.event_seq).unwrap_or(i64::MAX))
        .execute(pool)
        .await;
    if let Err(err) = done {
        warn!(error = %err, run_id = %report.run_id, "could not note the RetentionRun sequence");
    }
}

/// Publishes the run as `RetentionRun`.
pub async fn publish_run(js: &Context, report: &RunReport) -> Result<u64, StoreError> {
    let run = RetentionRun {
        run_id: report.run_id.clone(),
        trigger: report.trigger.as_str().to_owned(),
        started_at: Some(timestamp(report.started_at)),
        finished_at: Some(timestamp(report.finished_at)),
        removals: report
            .removals
            .iter()
            .map(|r| RetentionRemoval {
                category: r.category.clone(),
                removed: r.removed,
                cutoff: Some(timestamp(r.cutoff)),
                retention_secs: r.retention_secs,
                overdue_after: r.overdue_after,
            })
            .collect(),
        error: report.error.clone(),
    };
    let action = new_action(
        ALL_TENANTS,
        RETENTION_ACTOR,
        &new_traceparent(),
        Action::RetentionRun(run),
    );
    append_action(js, &action, None).await
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}
