//! One retention run: expired results (the existing purge), then old audit and log rows,
//! then the record of what was removed.

use std::time::Duration;

use async_nats::jetstream::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use tracing::{info, warn};

use super::record::{publish_run, record_run};
use super::rows::remove_old_rows;
use crate::purge::Purge;

/// Category of the results removed by the purge.
pub const RESULTS: &str = "results";

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// The in-process schedule.
    Schedule,
    /// `jetcrawl retention run`.
    Manual,
}

impl Trigger {
    /// As stored and published.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
        }
    }
}

/// What a run did to one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// `results`, `audit_log`, `job_events`, `retention_runs`.
    pub category: String,
    /// Records removed (result objects, rows).
    pub removed: u64,
    /// Records older than this were due.
    pub cutoff: DateTime<Utc>,
    /// The retention in force.
    pub retention_secs: u64,
    /// Records still older than the cutoff afterwards.
    pub overdue_after: u64,
}

/// One run, as recorded and as `jetcrawl retention run` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Its id (UUIDv7).
    pub run_id: String,
    /// What started it.
    pub trigger: Trigger,
    /// When it started and ended.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// Per category.
    pub removals: Vec<Removal>,
    /// What failed; empty for a complete run.
    pub error: String,
    /// Stream sequence of its RetentionRun event (0 when it could not be published).
    pub event_seq: u64,
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct Retention {
    /// The results purge (and the results retention it applies).
    pub purge: Purge,
    /// The read models and the audit log; `None`: results only.
    pub pool: Option<PgPool>,
    /// Where RetentionRun is published.
    pub js: Context,
    /// How long audit and log rows are kept.
    pub audit_retention: Duration,
}

impl Retention {
    /// Runs once at `now`.
    #[tracing::instrument(name = "retention_run", skip_all, fields(trigger = trigger.as_str()))]
    pub async fn run_once(&self, trigger: Trigger, now: DateTime<Utc>) -> RunReport {
        let mut report = RunReport {
            run_id: uuid::Uuid::now_v7().to_string(),
            trigger,
            started_at: now,
            finished_at: now,
            removals: Vec::new(),
            error: String::new(),
            event_seq: 0,
        };
        let mut errors = Vec::new();
        match self.results(now).await {
            Ok(removal) => report.removals.push(removal),
            Err(err) => errors.push(format!("results: {err}")),
        }
        let before_rows = report.removals.len();
        let rows_failed = match &self.pool {
            Some(pool) => self.rows(pool, now, &mut report, &errors).await.err(),
            None => None,
        };
        if let Some(err) = rows_failed {
            // The transaction rolled back: nothing of it was removed.
            report.removals.truncate(before_rows);
            errors.push(format!("audit and log rows: {err}"));
        }
        report.error = errors.join("; ");
        report.finished_at = Utc::now();
        match publish_run(&self.js, &report).await {
            Ok(seq) => report.event_seq = seq,
            Err(err) => {
                warn!(error = %err, "retention run not published; its row in retention_runs stays")
            }
        }
        if let (Some(pool), true) = (&self.pool, report.event_seq > 0) {
            super::record::mark_published(pool, &report).await;
        }
        if report.error.is_empty() {
            metrics::gauge!("jetcrawl_retention_last_success_timestamp_seconds")
                .set(report.finished_at.timestamp() as f64);
        }
        let removed: u64 = report.removals.iter().map(|r| r.removed).sum();
        info!(run_id = %report.run_id, removed, error = %report.error, "retention run done");
        report
    }

    async fn results(&self, now: DateTime<Utc>) -> Result<Removal, String> {
        let purged = self.purge.run_once(now).await.map_err(|e| e.to_string())?;
        let retention = self.purge.retention;
        let left = self.purge.results.list().await.map_err(|e| e.to_string())?;
        let overdue = left
            .iter()
            .filter(|o| retention.expires_at(o.stored_at) <= now)
            .count();
        Ok(Removal {
            category: RESULTS.to_owned(),
            removed: purged.objects as u64,
            cutoff: now - chrono::Duration::from_std(retention.period()).unwrap_or_default(),
            retention_secs: retention.period().as_secs(),
            overdue_after: overdue as u64,
        })
    }

    async fn rows(
        &self,
        pool: &PgPool,
        now: DateTime<Utc>,
        report: &mut RunReport,
        errors: &[String],
    ) -> Result<(), sqlx::Error> {
        let cutoff = now - chrono::Duration::from_std(self.audit_retention).unwrap_or_default();
        let mut tx = pool.begin().await?;
        let removals = remove_old_rows(&mut tx, cutoff, self.audit_retention.as_secs()).await?;
        report.removals.extend(removals);
        report.finished_at = Utc::now();
        report.error = errors.join("; ");
        record_run(&mut tx, report).await?;
        tx.commit().await
    }
}
