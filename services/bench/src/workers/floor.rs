//! The event-sourced floor (issue 19): every JetStream write and read the worker makes
//! for one http job, pipelined at the worker's concurrency, with no page fetch. It is
//! the ceiling of http mode on this event log, as the bare reqwest loop is the ceiling
//! of a crawler with no log at all.
//!
//! Each job takes the worker's own steps, through the worker's own library, in the
//! order of `Handler::handle` and `Handler::run_attempt`: pull the work message, begin
//! the attempt (the crawl controller's admission in KV, then `JobStarted` at the job's
//! last sequence), watch the job for a cancel, confirm the domain's request gap, store a
//! result of an http page's size in the `RESULTS` object store, release the politeness
//! grant, append `JobSucceeded`, and ack. Only the executor (the fetch and the
//! extraction) is left out, so the gap between this row and the worker's http row is
//! what fetching and extracting a page costs inside the worker.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{AckKind, Context, Message};
use jetcrawl_proto::v1::{JobSucceeded, RenderMode};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::pull::{PullOptions, consume};
use jetcrawl_streams::subjects::{JOBS_STREAM, job_id_of};
use jetcrawl_streams::topology::{self, WORKERS_CONSUMER};
use jetcrawl_streams::{Command, EventStore, Job};
use jetcrawl_worker::WorkerConfig;
use jetcrawl_worker::egress::Egress;
use jetcrawl_worker::gate::{AttemptOutcome, SlotGate};
use jetcrawl_worker::lifecycle::{Concluded, Recorder, Started};
use jetcrawl_worker::politeness::CrawlGate;
use jetcrawl_worker::results::ResultStore;
use jetcrawl_worker::watch::watch_attempt;
use tokio::time::Instant;

use super::observe::{Observed, Observer};
use super::service::{limit, queue};
use crate::jobs::Page;

/// The worker's steps for one job, minus the executor.
struct FloorJob {
    recorder: Recorder,
    gate: CrawlGate,
    results: ResultStore,
}

/// Queues one http job per page, then runs them through the floor with `concurrency`
/// at once until every job ended.
pub async fn run(
    client: &async_nats::Client,
    js: &Context,
    pages: &[Page],
    concurrency: usize,
) -> anyhow::Result<Observed> {
    let floor = Arc::new(FloorJob::open(js).await?);
    let mut observer = Observer::start(client).await?;
    queue(js, pages, RenderMode::Http).await?;
    let consumer = topology::bind_consumer(js, JOBS_STREAM, WORKERS_CONSUMER)
        .await
        .context("binding the workers consumer")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = PullOptions {
        concurrency,
        grace: Duration::from_secs(5),
        what: "floor jobs",
    };
    let client = client.clone();
    let pulling = tokio::spawn(async move {
        consume(
            consumer,
            options,
            async {
                let _ = stopped.await;
            },
            move |message, _| {
                let (floor, client) = (floor.clone(), client.clone());
                async move { floor.handle(&client, message).await }
            },
        )
        .await;
    });
    let observed = observer.wait(pages.len(), limit(pages.len())).await;
    let _ = stop.send(());
    pulling.await.context("the floor's pull loop panicked")?;
    observed
}

impl FloorJob {
    /// Builds the worker's recorder, crawl gate and result store as the worker binary
    /// does, private targets allowed (the fixture site is on loopback).
    async fn open(js: &Context) -> anyhow::Result<Self> {
        let mut config = WorkerConfig::defaults();
        config.allow_private_targets = true;
        config.worker_id = "bench-floor".into();
        let worker_id = config.resolved_worker_id();
        let egress = Egress::new(config.egress_settings()?)?;
        let gate = CrawlGate::open(&config, js, egress).await?;
        let store = EventStore::open(js.clone()).await?;
        let privacy = jetcrawl_privacy::SubjectKeys::open(js)
            .await
            .context("opening SUBJECT_KEYS")?;
        Ok(Self {
            recorder: Recorder {
                store,
                actor: format!("worker:{worker_id}"),
                worker_id,
                max_attempts: config.max_attempts,
                privacy: Some(privacy),
                egress: None,
            },
            gate,
            results: ResultStore::open(js).await?,
        })
    }

    /// One work message, as `Handler::handle` takes it (a failure is logged and the
    /// message redelivered, as in the worker; the observer then reports the job late).
    async fn handle(&self, client: &async_nats::Client, message: Message) {
        if let Err(err) = self.job(client, &message).await {
            tracing::warn!(error = %err, "floor job not recorded; it is redelivered");
            let _ = message.ack_with(AckKind::Nak(None)).await;
        }
    }

    async fn job(&self, client: &async_nats::Client, message: &Message) -> anyhow::Result<()> {
        let job_id = job_id_of(&message.subject).context("work message without a job id")?;
        let sequence = message.info().map(|i| i.stream_sequence).unwrap_or(0);
        let work = decode(sequence, &message.payload).ok();
        let begun = self
            .recorder
            .begin_from(job_id, work, sequence, &self.gate)
            .await?;
        let (job, attempt) = match begun {
            Started::Run { job, attempt } => (job, attempt),
            other => anyhow::bail!("the floor's job did not start: {other:?}"),
        };
        let (_interrupt, watch) = watch_attempt(client, &self.recorder.store, &job, attempt).await;
        let started = Instant::now();
        self.gate.confirm(&job).await;
        let stored = self.store(&job).await?;
        drop(watch);
        self.gate.finished(&job, AttemptOutcome::default()).await;
        let command = Command::Succeed(JobSucceeded {
            attempt,
            result_key: stored.0,
            result_size: stored.1,
            result_sha256: stored.2,
            mode_used: RenderMode::Http as i32,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..Default::default()
        });
        match self.recorder.conclude(&job, command).await? {
            Concluded::Recorded(_) => {}
            other => anyhow::bail!("the floor's outcome was not recorded: {other:?}"),
        }
        message
            .ack_with(AckKind::Ack)
            .await
            .map_err(|err| anyhow::anyhow!("ack: {err}"))
    }

    /// Stores a result the size of an http fixture page's (its key, size and sha256).
    async fn store(&self, job: &Job) -> anyhow::Result<(String, u64, String)> {
        let url = job
            .spec
            .as_ref()
            .and_then(|spec| spec.urls.first())
            .cloned()
            .unwrap_or_default();
        let document = serde_json::json!({
            "job_id": job.id,
            "mode_used": "http",
            "pages": [{
                "url": url,
                "final_url": url,
                "status": 200,
                "data": {
                    "title": "Fixture page",
                    "items": ["one", "two", "three", "four", "five"],
                },
            }],
            "completed_at": chrono::Utc::now().to_rfc3339(),
        });
        let key = format!("{}/result.json", job.id);
        let (size, sha256) = self
            .results
            .put(&key, &serde_json::to_vec(&document)?)
            .await?;
        Ok((key, size, sha256))
    }
}
