//! Jetcrawl as a user runs it, for the comparison with peer crawlers: a fresh NATS
//! deployment and database, the gateway, projector, notifier and worker binaries, every
//! job submitted over gRPC. Memory is the PSS of every process of the platform (NATS,
//! Postgres, each service, Chromium) summed.

use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use jetcrawl_proto::v1::{RenderMode, SubmitJobRequest};
use jetcrawl_tests::JobsApiClient;

use crate::deployment::{BenchNats, Deployment};
use crate::jobs::{self, Page};
use crate::pss::PssSampler;
use crate::stack::{self, BenchStack, WorkerJobs};
use crate::workers::{Observed, Observer};

/// Submissions in flight at once: enough to queue every page in a moment.
const SUBMITS_IN_FLIGHT: usize = 64;

/// What one platform run showed.
pub struct PlatformRun {
    /// The jobs, seen from outside.
    pub observed: Observed,
    /// Peak PSS of the whole platform, MiB.
    pub peak_pss_mib: f64,
}

/// Submits one job per page in `mode` to a platform whose worker has `tabs` tabs, and
/// waits until every job ended. A browser worker runs with its default concurrency, as
/// `jetcrawl up` does (the tabs bound the pages at once); an http worker runs `tabs` jobs
/// at once, the crawler's own concurrency.
pub async fn run(
    stack: &BenchStack,
    pages: &[Page],
    mode: RenderMode,
    tabs: usize,
) -> anyhow::Result<PlatformRun> {
    // `jetcrawl up`'s node: every acknowledged write fsynced (ADR 29), the durability
    // the figures must count with (issue 19).
    let nats = BenchNats::start(Deployment::SingleAlways).await?;
    let (pool, database) = crate::projector::fresh_database(stack).await?;
    pool.close().await;
    let gateway = stack.spawn_gateway_on(&nats, &database).await?;
    let projector = stack.spawn_projector(&nats, &database, Vec::new()).await?;
    let notifier = stack.spawn_notifier(&nats).await?;
    let worker = stack.spawn_worker(&nats, tabs, jobs_for(mode)).await?;
    let mut roots = nats.pids();
    roots.extend(stack.postgres.pid());
    roots.extend([
        gateway.process.pid(),
        projector.pid(),
        notifier.pid(),
        worker.process.pid(),
    ]);
    let sampler = PssSampler::start(roots);

    let (client, _js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench").await?;
    let mut observer = Observer::start(&client).await?;
    let grpc = jetcrawl_tests::auth::jobs_client(&gateway.grpc_url, &gateway.api_key).await?;
    submit_all(&grpc, pages, mode).await?;
    let limit = Duration::from_secs(120 + pages.len() as u64);
    let observed = observer.wait(pages.len(), limit).await;
    let peak_pss_mib = sampler.finish().await;

    for process in [worker.process, notifier, projector, gateway.process] {
        stack::stop(process).await;
    }
    Ok(PlatformRun {
        observed: observed?,
        peak_pss_mib,
    })
}

/// What one platform crawl showed.
pub struct CrawlRun {
    /// Pages the crawl ended with a result.
    pub done: u64,
    /// Pages that failed.
    pub failed: u64,
    /// Pages done per second, submit to the crawl's end (its JSONL written).
    pub pages_per_s: f64,
    /// Peak PSS of the whole platform, MiB.
    pub peak_pss_mib: f64,
}

/// Submits one crawl from `start` (pages matching `exclude` left out, in `mode`) to a
/// fresh platform whose worker runs `concurrency` pages at once, and waits for its end.
pub async fn crawl(
    stack: &BenchStack,
    start: &str,
    exclude: &str,
    mode: RenderMode,
    concurrency: usize,
) -> anyhow::Result<CrawlRun> {
    let nats = BenchNats::start(Deployment::SingleAlways).await?;
    let (pool, database) = crate::projector::fresh_database(stack).await?;
    pool.close().await;
    let gateway = stack.spawn_gateway_on(&nats, &database).await?;
    let projector = stack.spawn_projector(&nats, &database, Vec::new()).await?;
    let notifier = stack.spawn_notifier(&nats).await?;
    let worker = stack
        .spawn_worker(&nats, concurrency, WorkerJobs::OnePerTab)
        .await?;
    let mut roots = nats.pids();
    roots.extend(stack.postgres.pid());
    roots.extend([
        gateway.process.pid(),
        projector.pid(),
        notifier.pid(),
        worker.process.pid(),
    ]);
    let sampler = PssSampler::start(roots);
    let mut grpc = jetcrawl_tests::auth::jobs_client(&gateway.grpc_url, &gateway.api_key).await?;
    let spec = jetcrawl_proto::v1::JobSpec {
        urls: vec![start.to_owned()],
        render: mode as i32,
        crawl: Some(jetcrawl_proto::v1::CrawlSpec {
            max_pages: 10_000,
            max_depth: Some(50),
            exclude_paths: vec![exclude.to_owned()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let request = SubmitJobRequest {
        spec: Some(spec),
        idempotency_key: String::new(),
    };
    let started = std::time::Instant::now();
    let crawl_id = grpc
        .submit_job(request)
        .await
        .context("submitting the crawl")?
        .into_inner()
        .job_id;
    let job =
        jetcrawl_tests::jobs::wait_terminal(&grpc, &crawl_id, Duration::from_secs(900)).await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_pss_mib = sampler.finish().await;
    for process in [worker.process, notifier, projector, gateway.process] {
        stack::stop(process).await;
    }
    let progress = job.crawl.unwrap_or_default();
    Ok(CrawlRun {
        done: u64::from(progress.done),
        failed: u64::from(progress.failed),
        pages_per_s: f64::from(progress.done) / seconds.max(0.001),
        peak_pss_mib,
    })
}

fn jobs_for(mode: RenderMode) -> WorkerJobs {
    match mode {
        RenderMode::Http => WorkerJobs::OnePerTab,
        _ => WorkerJobs::Default,
    }
}

/// One `SubmitJob` per page, a few dozen in flight; any refusal fails the run.
async fn submit_all(grpc: &JobsApiClient, pages: &[Page], mode: RenderMode) -> anyhow::Result<()> {
    let calls = pages.iter().map(|page| {
        let mut grpc = grpc.clone();
        let request = SubmitJobRequest {
            spec: Some(jobs::spec(&page.url, mode)),
            idempotency_key: String::new(),
        };
        async move { grpc.submit_job(request).await }
    });
    let mut calls = futures::stream::iter(calls).buffer_unordered(SUBMITS_IN_FLIGHT);
    while let Some(answer) = calls.next().await {
        answer.context("submitting a job to the gateway")?;
    }
    Ok(())
}
