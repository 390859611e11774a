//! Helpers of the egress tests: a platform with one configurable worker, spec builders,
//! a loopback listener that counts connections, and event lookups.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    ExtractKind, ExtractRule, Job, JobSpec, RenderMode, Step, WaitForSelector,
};
use jetcrawl_streams::EventStore;
use jetcrawl_tests::{Gateway, JobsApiClient, Stack, Worker};
use tokio::io::AsyncReadExt;

/// Infrastructure, a gateway and one worker.
pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub worker: Worker,
}

impl Platform {
    /// A platform whose worker gets the environment `worker_env` makes for the stack
    /// (after the kit's defaults, which allow every private target; tests switch that
    /// off).
    pub async fn start(
        worker_env: impl FnOnce(&Stack) -> Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let gateway = stack.spawn_gateway().await?;
        let env = worker_env(&stack);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let worker = stack.spawn_worker(&env).await?;
        Ok(Self {
            stack,
            gateway,
            worker,
        })
    }

    pub async fn jobs(&self) -> anyhow::Result<JobsApiClient> {
        self.gateway.jobs().await
    }

    pub async fn submit(&self, spec: JobSpec) -> anyhow::Result<String> {
        jetcrawl_tests::jobs::submit(&self.jobs().await?, spec).await
    }

    /// Waits for the job's end (60 s at most), the worker's log on failure.
    pub async fn finished(&self, job_id: &str) -> anyhow::Result<Job> {
        let jobs = self.jobs().await?;
        jetcrawl_tests::jobs::wait_terminal(&jobs, job_id, Duration::from_secs(60))
            .await
            .with_context(|| {
                format!(
                    "job {job_id} did not finish; worker log:\n{}",
                    self.worker.process.log()
                )
            })
    }

    /// The job's events, oldest first.
    pub async fn payloads(&self, job_id: &str) -> anyhow::Result<Vec<Payload>> {
        let (_client, js) = jetcrawl_streams::connect(&self.stack.nats_url(), "egress").await?;
        let history = EventStore::open(js).await?.history(job_id).await?;
        Ok(history
            .into_iter()
            .filter_map(|recorded| recorded.event.payload)
            .collect())
    }

    /// The stored result JSON of a succeeded job.
    pub async fn result(&self, job: &Job) -> anyhow::Result<serde_json::Value> {
        let key = &job.result.as_ref().context("job has no result")?.result_key;
        let (_client, js) = jetcrawl_streams::connect(&self.stack.nats_url(), "egress").await?;
        let bucket = js
            .get_object_store(jetcrawl_streams::topology::RESULTS_BUCKET)
            .await?;
        let mut bytes = Vec::new();
        bucket.get(key).await?.read_to_end(&mut bytes).await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// The worker's `/metrics` text.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        let url = format!("{}/metrics", self.worker.metrics_url);
        Ok(jetcrawl_tests::http_client()?
            .get(url)
            .send()
            .await?
            .text()
            .await?)
    }
}

/// `(key, value)` pairs as owned strings.
pub fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A one-URL spec.
pub fn spec(url: String, render: RenderMode, rules: Vec<ExtractRule>, steps: Vec<Step>) -> JobSpec {
    JobSpec {
        urls: vec![url],
        extract: rules,
        steps,
        render: render as i32,
        timeout_ms: 30_000,
        ..Default::default()
    }
}

pub fn text(name: &str, selector: &str) -> ExtractRule {
    ExtractRule {
        name: name.into(),
        selector: selector.into(),
        kind: ExtractKind::Text as i32,
        ..Default::default()
    }
}

pub fn wait_for(selector: &str) -> Step {
    Step {
        kind: Some(Kind::WaitFor(WaitForSelector {
            selector: selector.into(),
        })),
        timeout_ms: 10_000,
    }
}

/// The first page's `data` of a result.
pub fn data(result: &serde_json::Value) -> &serde_json::Value {
    &result["pages"][0]["data"]
}

/// A loopback port that counts the connections made to it (and answers none).
pub struct ConnectionCounter {
    pub port: u16,
    count: Arc<AtomicUsize>,
}

impl ConnectionCounter {
    pub fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Ok(Self { port, count })
    }

    pub fn connections(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// The `proxy` field of the job's JobStarted, JobSucceeded and JobAttemptFailed events.
pub fn proxies_recorded(payloads: &[Payload]) -> Vec<(&'static str, String)> {
    payloads
        .iter()
        .filter_map(|p| match p {
            Payload::JobStarted(e) => Some(("JobStarted", e.proxy.clone())),
            Payload::JobSucceeded(e) => Some(("JobSucceeded", e.proxy.clone())),
            Payload::JobAttemptFailed(e) => Some(("JobAttemptFailed", e.proxy.clone())),
            _ => None,
        })
        .collect()
}
