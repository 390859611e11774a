//! Watching jobs run: a core NATS subscription on the lifecycle subjects, which sees
//! every event the moment JetStream stores it.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::decode;
use tokio::time::Instant;

use crate::stats::Latencies;

/// What the jobs did.
#[derive(Debug, Default)]
pub struct Observed {
    /// When the first JobStarted arrived.
    pub first_started: Option<Instant>,
    /// When the last terminal event arrived.
    pub last_finished: Option<Instant>,
    /// The worker's own `duration_ms` of each succeeded job.
    pub page_times: Latencies,
    /// When each job succeeded, by job id.
    pub succeeded_at: HashMap<String, Instant>,
    /// Jobs that failed.
    pub failed: u64,
}

impl Observed {
    /// Finished jobs per second, first start to last finish.
    pub fn throughput(&self) -> f64 {
        let done = self.succeeded_at.len() as f64;
        match (self.first_started, self.last_finished) {
            (Some(a), Some(b)) if b > a => done / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    }
}

/// A subscription to every job's started, succeeded and failed events.
pub struct Observer {
    subscriber: async_nats::Subscriber,
}

impl Observer {
    /// Subscribes (and flushes, so nothing published afterwards is missed).
    pub async fn start(client: &async_nats::Client) -> anyhow::Result<Self> {
        let subscriber = client
            .subscribe("jobs.*.*")
            .await
            .context("subscribing to job events")?;
        client.flush().await.context("flushing the subscription")?;
        Ok(Self { subscriber })
    }

    /// Collects events until `jobs` jobs have ended, or `limit` passes.
    pub async fn wait(&mut self, jobs: usize, limit: Duration) -> anyhow::Result<Observed> {
        let mut seen = Observed::default();
        let deadline = Instant::now() + limit;
        while seen.succeeded_at.len() + (seen.failed as usize) < jobs {
            let message = tokio::time::timeout_at(deadline, self.subscriber.next())
                .await
                .map_err(|_| {
                    anyhow::anyhow!(
                        "only {} of {jobs} jobs ended within {limit:?} ({} failed)",
                        seen.succeeded_at.len() + seen.failed as usize,
                        seen.failed
                    )
                })?
                .context("the job event subscription ended")?;
            let now = Instant::now();
            let Ok(recorded) = decode(0, &message.payload) else {
                continue;
            };
            match recorded.payload() {
                Some(Payload::JobStarted(_)) => {
                    seen.first_started.get_or_insert(now);
                }
                Some(Payload::JobSucceeded(s)) => {
                    seen.page_times.record(Duration::from_millis(s.duration_ms));
                    seen.succeeded_at.insert(recorded.event.job_id.clone(), now);
                    seen.last_finished = Some(now);
                }
                Some(Payload::JobFailed(_)) => {
                    seen.failed += 1;
                    seen.last_finished = Some(now);
                }
                _ => {}
            }
        }
        Ok(seen)
    }
}
