//! One scenario: steady load, a fault in the middle, recovery, then the verdict on the
//! submissions of that window alone.

use std::time::{Duration, Instant};

use jetcrawl_proto::v1::{JobSpec, RenderMode};

use super::check::{Verdict, check};
use super::load::{Load, Outcome, Submission};
use super::platform::FaultPlatform;

/// How long a scenario runs its load before and after the fault, and how fast.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Submits per second.
    pub per_second: u32,
    /// Load before the fault.
    pub before: Duration,
    /// Load after recovery.
    pub after: Duration,
    /// Longest wait for every acknowledged job to be projected and to end.
    pub settle: Duration,
}

impl Pace {
    /// The CI form: a few seconds around each fault.
    pub fn quick() -> Self {
        Self {
            per_second: 30,
            before: Duration::from_secs(3),
            after: Duration::from_secs(4),
            settle: Duration::from_secs(90),
        }
    }
}

/// What one scenario showed.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// What was done.
    pub name: String,
    /// The counts.
    pub verdict: Verdict,
    /// From the fault to the first acknowledged submit sent after it.
    pub recovery: Option<Duration>,
    /// What the first client without an answer was told, if any.
    pub first_unknown: Option<String>,
}

/// Runs load on `platform`, applies `fault` (which returns once it has recovered, e.g.
/// restarted what it killed), keeps the load a little longer, then checks.
pub async fn run<F>(
    platform: &mut FaultPlatform,
    name: &str,
    pace: Pace,
    fault: F,
) -> anyhow::Result<ScenarioReport>
where
    F: AsyncFnOnce(&mut FaultPlatform) -> anyhow::Result<()>,
{
    let url = platform.site.url("/static");
    let prefix = format!("{}-{}", name.replace(' ', "-"), std::process::id());
    let load = Load::start(
        platform.grpc_url.clone(),
        platform.api_key.clone(),
        pace.per_second,
        &prefix,
        move |n| spec(&url, n),
    );
    let started = Instant::now();
    tokio::time::sleep(pace.before).await;
    let fault_at = started.elapsed();
    tracing::info!(scenario = name, "fault");
    fault(platform).await?;
    tracing::info!(scenario = name, "recovered");
    tokio::time::sleep(pace.after).await;
    let submissions = load.stop().await;
    let pool = platform.pool().await?;
    let verdict = check(&pool, &submissions, pace.settle).await?;
    let first_unknown = submissions.iter().find_map(|s| match &s.outcome {
        Outcome::Unknown(why) => Some(why.clone()),
        _ => None,
    });
    Ok(ScenarioReport {
        name: name.to_owned(),
        first_unknown,
        recovery: recovery(&submissions, fault_at),
        verdict,
    })
}

/// An HTTP job on the fixture site (distinct per submission, so none is a repeat).
fn spec(url: &str, n: u64) -> JobSpec {
    JobSpec {
        urls: vec![format!("{url}?n={n}")],
        render: RenderMode::Http as i32,
        timeout_ms: 10_000,
        ..Default::default()
    }
}

/// From the fault to the first submit sent after it that was acknowledged.
fn recovery(submissions: &[Submission], fault_at: Duration) -> Option<Duration> {
    submissions
        .iter()
        .filter(|s| s.sent_after >= fault_at && matches!(s.outcome, Outcome::Ok(_)))
        .map(|s| s.sent_after - fault_at)
        .min()
}

impl ScenarioReport {
    /// One Markdown table row: scenario, acknowledged, lost, duplicated, stuck, ended
    /// twice, false erasures, unknown (recorded), recovery.
    pub fn row(&self) -> String {
        let v = &self.verdict;
        format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |",
            self.name,
            v.acknowledged,
            v.lost,
            v.duplicated,
            v.stuck,
            v.ended_twice,
            v.false_erasures,
            v.unknown,
            v.unknown_recorded,
            self.recovery
                .map_or_else(|| "—".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
        )
    }
}
