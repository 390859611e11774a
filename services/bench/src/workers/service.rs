//! The worker binary running pre-queued jobs, observed from outside.

use std::collections::HashMap;
use std::future::IntoFuture as _;
use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use jetcrawl_proto::v1::RenderMode;
use jetcrawl_streams::EventKind;
use jetcrawl_streams::envelope::encode;
use jetcrawl_streams::subjects::event_subject;

use super::observe::{Observed, Observer};
use crate::deployment::BenchNats;
use crate::jobs::{self, Page};
use crate::procfs::{ProcSampler, ProcUsage};
use crate::stack::{self, BenchStack, WorkerJobs};

/// Longest a worker run may take: a page a second on one tab, plus slack.
pub(super) fn limit(pages: usize) -> Duration {
    Duration::from_secs(120 + pages as u64)
}

/// What one worker run showed.
pub struct WorkerRun {
    /// The jobs, seen from outside.
    pub observed: Observed,
    /// The worker's CPU and peak RSS (its Chromium included).
    pub usage: ProcUsage,
    /// The worker's own mean time per job in each phase, ms (`jetcrawl_worker_phase_seconds`).
    pub phases: Vec<(String, f64)>,
}

/// Queues one job per page, then runs a worker with `tabs` until every job ended.
pub async fn run(
    stack: &BenchStack,
    nats: &BenchNats,
    client: &async_nats::Client,
    js: &Context,
    pages: &[Page],
    mode: RenderMode,
    tabs: usize,
) -> anyhow::Result<WorkerRun> {
    let mut observer = Observer::start(client).await?;
    queue(js, pages, mode).await?;
    let worker = stack
        .spawn_worker(nats, tabs, WorkerJobs::OnePerTab)
        .await?;
    let sampler = ProcSampler::start(worker.process.pid(), true);
    let observed = observer.wait(pages.len(), limit(pages.len())).await;
    let usage = sampler.finish().await;
    let phases = phase_means(&worker.metrics_url).await;
    stack::stop(worker.process).await;
    Ok(WorkerRun {
        observed: observed?,
        usage,
        phases,
    })
}

/// Mean milliseconds per job of each phase the worker reports; empty when its metrics
/// cannot be read (the row then lacks the breakdown, nothing else).
async fn phase_means(url: &str) -> Vec<(String, f64)> {
    let text = match reqwest::get(url).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the worker's metrics");
            return Vec::new();
        }
    };
    let read = |suffix: &str| -> HashMap<String, f64> {
        let prefix = format!("jetcrawl_worker_phase_seconds_{suffix}{{phase=\"");
        text.lines()
            .filter_map(|line| {
                let rest = line.strip_prefix(&prefix)?;
                let (phase, value) = rest.split_once("\"} ")?;
                Some((phase.to_owned(), value.trim().parse().ok()?))
            })
            .collect()
    };
    let (sums, counts) = (read("sum"), read("count"));
    let mut means: Vec<(String, f64)> = sums
        .into_iter()
        .filter_map(|(phase, sum)| {
            let count = *counts.get(&phase)?;
            (count > 0.0).then(|| (phase, sum / count * 1000.0))
        })
        .collect();
    means.sort_by(|a, b| a.0.cmp(&b.0));
    means
}

/// Appends JobSubmitted for every page, as the gateway would.
pub async fn queue(js: &Context, pages: &[Page], mode: RenderMode) -> anyhow::Result<()> {
    let mut acks = FuturesUnordered::new();
    for page in pages {
        let job_id = jobs::job_id();
        let event = jobs::submitted(&job_id, jobs::spec(&page.url, mode));
        let message = PublishMessage::build()
            .headers(jobs::submit_headers(&event))
            .payload(encode(&event));
        acks.push(
            js.send_publish(event_subject(&job_id, EventKind::Submitted), message)
                .await?
                .into_future(),
        );
    }
    while let Some(ack) = acks.next().await {
        ack?;
    }
    Ok(())
}
