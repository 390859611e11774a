//! The verdict on a run: what the clients were told against what the read models hold.
//! Every acknowledged job must be projected exactly once and end; an unknown may appear
//! at most once; no job ends twice or is failed as erased without an erasure; the audit
//! chain verifies.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::load::{Outcome, Submission};

/// Counts of one run, per the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Submissions sent.
    pub sent: usize,
    /// Answered ok (acknowledged).
    pub acknowledged: usize,
    /// Answered with a definite refusal.
    pub refused: usize,
    /// Answered with no confirmation either way.
    pub unknown: usize,
    /// Unknowns that were in fact recorded (each at most once).
    pub unknown_recorded: usize,
    /// Acknowledged jobs absent from the read models.
    pub lost: usize,
    /// Jobs submitted more than once in the log (two JobSubmitted).
    pub duplicated: usize,
    /// Acknowledged jobs not in a terminal state by the deadline.
    pub stuck: usize,
    /// Jobs with more than one terminal event (ran twice).
    pub ended_twice: usize,
    /// Jobs failed as erased without an erasure.
    pub false_erasures: usize,
    /// The audit chain verified.
    pub audit_chain_ok: bool,
}

impl Verdict {
    /// True when nothing was lost, duplicated, stuck, ended twice or falsely erased, and
    /// the audit chain verifies.
    pub fn holds(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.stuck == 0
            && self.ended_twice == 0
            && self.false_erasures == 0
            && self.audit_chain_ok
    }
}

/// Waits up to `settle` for every acknowledged job to be projected and terminal, then
/// counts. Read-model rows are only looked up for the run's own keys and ids.
pub async fn check(
    pool: &PgPool,
    submissions: &[Submission],
    settle: Duration,
) -> anyhow::Result<Verdict> {
    let mut verdict = Verdict {
        sent: submissions.len(),
        ..Verdict::default()
    };
    let mut acked: HashSet<String> = HashSet::new();
    let mut unknown_keys = Vec::new();
    for submission in submissions {
        match &submission.outcome {
            Outcome::Ok(job_id) => {
                acked.insert(job_id.clone());
            }
            Outcome::Error(_) => verdict.refused += 1,
            Outcome::Unknown(_) => unknown_keys.push(submission.key.clone()),
        }
    }
    verdict.acknowledged = acked.len();
    verdict.unknown = unknown_keys.len();
    let ids: Vec<String> = acked.iter().cloned().collect();
    let deadline = Instant::now() + settle;
    let statuses = loop {
        let statuses = statuses(pool, &ids).await?;
        let done = ids
            .iter()
            .all(|id| statuses.get(id).is_some_and(|s| is_terminal(s)));
        if done || Instant::now() >= deadline {
            break statuses;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    verdict.lost = ids.iter().filter(|id| !statuses.contains_key(*id)).count();
    verdict.stuck = ids
        .iter()
        .filter(|id| statuses.get(*id).is_some_and(|s| !is_terminal(s)))
        .count();
    let counts = event_counts(pool, &ids).await?;
    verdict.duplicated = counts.values().filter(|c| c.submitted > 1).count();
    verdict.ended_twice = counts.values().filter(|c| c.terminal > 1).count();
    verdict.unknown_recorded = sqlx::query_scalar::<_, i64>(
        "SELECT count(DISTINCT job_id) FROM job_events \
         WHERE event_type = 'JobSubmitted' AND payload->>'idempotency_key' = ANY($1)",
    )
    .bind(&unknown_keys)
    .fetch_one(pool)
    .await? as usize;
    verdict.false_erasures = sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM jobs WHERE job_id = ANY($1) \
           AND (last_error ILIKE '%erased%' OR last_error ILIKE '%erasure%')",
    )
    .bind(&ids)
    .fetch_one(pool)
    .await? as usize;
    verdict.audit_chain_ok = jetcrawl_projections::audit::verify_chain(pool).await?.ok;
    Ok(verdict)
}

fn is_terminal(status: &str) -> bool {
    matches!(status, "succeeded" | "failed" | "cancelled")
}

async fn statuses(pool: &PgPool, ids: &[String]) -> anyhow::Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT job_id, status FROM jobs WHERE job_id = ANY($1)")
            .bind(ids)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().collect())
}

#[derive(Default)]
struct Counts {
    submitted: u32,
    terminal: u32,
}

async fn event_counts(pool: &PgPool, ids: &[String]) -> anyhow::Result<HashMap<String, Counts>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT job_id, event_type, count(*) FROM job_events \
         WHERE job_id = ANY($1) \
           AND event_type IN ('JobSubmitted', 'JobSucceeded', 'JobFailed', 'JobCancelled') \
         GROUP BY job_id, event_type",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut counts: HashMap<String, Counts> = HashMap::new();
    for (job_id, event_type, n) in rows {
        let entry = counts.entry(job_id).or_default();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        match event_type.as_str() {
            "JobSubmitted" => entry.submitted += n,
            _ => entry.terminal += n,
        }
    }
    Ok(counts)
}
