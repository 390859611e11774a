//! Scenario 4: submit over gRPC at a steady rate until the result is stored
//! (JobSucceeded), through the gateway and worker processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jetcrawl_proto::v1::{RenderMode, SubmitJobRequest};
use jetcrawl_tests::JobsApiClient;
use tokio::time::Instant;

use crate::args::Sizes;
use crate::deployment::{BenchNats, Deployment};
use crate::jobs;
use crate::report::{Measured, THROUGHPUT};
use crate::stack::{self, BenchStack, WorkerJobs};
use crate::stats::Latencies;
use crate::workers::Observer;

/// Runs http, then browser mode.
pub async fn run(stack: &BenchStack, sizes: &Sizes) -> anyhow::Result<Vec<Measured>> {
    let nats = BenchNats::start(Deployment::SingleAlways).await?;
    let gateway = stack.spawn_gateway(&nats).await?;
    let tabs = sizes.tabs.iter().copied().max().unwrap_or(4);
    let worker = stack
        .spawn_worker(&nats, tabs, WorkerJobs::OnePerTab)
        .await?
        .process;
    let (client, _js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench").await?;
    let grpc = jetcrawl_tests::auth::jobs_client(&gateway.grpc_url, &gateway.api_key).await?;
    let pages = jobs::fixture_pages(&stack.site, sizes.e2e_jobs);
    let mut rows = Vec::new();
    for (mode, name, rate, baseline) in [
        (
            RenderMode::Http,
            "http",
            sizes.e2e_rates.0,
            "workers.bare_http".to_owned(),
        ),
        (
            RenderMode::Browser,
            "browser",
            sizes.e2e_rates.1,
            format!("workers.bare_browser.t{tabs}"),
        ),
    ] {
        let mut observer = Observer::start(&client).await?;
        let n = pages.len();
        let limit = Duration::from_secs(120) + Duration::from_secs_f64(n as f64 / rate);
        let waiting = tokio::spawn(async move { observer.wait(n, limit).await });
        let sent = submit_at(&grpc, &pages, mode, rate).await;
        let seen = waiting.await??;
        let mut latencies = Latencies::new();
        for (job_id, intended) in sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.iter() {
            if let Some(done) = seen.succeeded_at.get(job_id) {
                latencies.record(done.saturating_duration_since(*intended));
            }
        }
        rows.push(
            Measured::new(
                "e2e",
                format!("e2e.{name}"),
                format!("submit → result, {name}, {rate:.0} jobs/s, {tabs} tabs"),
            )
            .against(baseline, "p50_ms")
            .with("offered_per_s", rate)
            .with(THROUGHPUT, seen.throughput())
            .with("count", latencies.len() as f64)
            .with("p50_ms", latencies.quantile_ms(0.5))
            .with("p99_ms", latencies.quantile_ms(0.99))
            .with("errors", seen.failed as f64),
        );
    }
    stack::stop(worker).await;
    stack::stop(gateway.process).await;
    Ok(rows)
}

/// Submits one job per page on a fixed schedule; returns job id → intended send time.
async fn submit_at(
    grpc: &JobsApiClient,
    pages: &[jobs::Page],
    mode: RenderMode,
    rate: f64,
) -> Arc<Mutex<HashMap<String, Instant>>> {
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (k, page) in pages.iter().enumerate() {
        let intended = t0 + interval * k as u32;
        tokio::time::sleep_until(intended).await;
        let (mut grpc, sent) = (grpc.clone(), sent.clone());
        let request = SubmitJobRequest {
            spec: Some(jobs::spec(&page.url, mode)),
            idempotency_key: String::new(),
        };
        tasks.push(tokio::spawn(async move {
            match grpc.submit_job(request).await {
                Ok(response) => {
                    if let Ok(mut sent) = sent.lock() {
                        sent.insert(response.into_inner().job_id, intended);
                    }
                }
                Err(status) => tracing::warn!(code = ?status.code(), "e2e submit failed"),
            }
        }));
    }
    futures::future::join_all(tasks).await;
    sent
}
