//! A platform for crawl tests: infrastructure, a gateway, keys of each role, workers
//! spawned per test, and readers for histories, the request log and metrics.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use jetcrawl_gateway::auth::Role;
use jetcrawl_proto::v1::crawl_client::CrawlClient;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{ExtractKind, ExtractRule, Job, JobSpec, JobState, RenderMode};
use jetcrawl_streams::{EventStore, RecordedEvent};
use jetcrawl_tests::auth::BearerAuth;
use jetcrawl_tests::stack::TEST_TENANT;
use jetcrawl_tests::{Gateway, JobsApiClient, RequestRecord, Stack, Worker, eventually};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub type CrawlApi = CrawlClient<InterceptedService<Channel, BearerAuth>>;

pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub admin_key: String,
    pub auditor_key: String,
}

impl Platform {
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let gateway = stack.spawn_gateway().await?;
        let admin_key = stack.mint_api_key(TEST_TENANT, Role::Admin).await?;
        let auditor_key = stack.mint_api_key(TEST_TENANT, Role::Auditor).await?;
        Ok(Self {
            stack,
            gateway,
            admin_key,
            auditor_key,
        })
    }

    /// A worker with short retry timings, `extra` applied last.
    pub async fn worker(&self, extra: &[(&str, &str)]) -> anyhow::Result<Worker> {
        let mut env = vec![
            ("JETCRAWL_BACKOFF_BASE_MS", "100"),
            ("JETCRAWL_BACKOFF_CAP_MS", "200"),
            ("JETCRAWL_SHUTDOWN_GRACE_MS", "1000"),
        ];
        env.extend_from_slice(extra);
        self.stack.spawn_worker(&env).await
    }

    pub async fn jobs(&self) -> anyhow::Result<JobsApiClient> {
        self.gateway.jobs().await
    }

    /// The Crawl service as `token`.
    pub async fn crawl(&self, token: &str) -> anyhow::Result<CrawlApi> {
        let channel = Channel::from_shared(self.gateway.grpc_url.clone())?
            .connect()
            .await?;
        Ok(CrawlClient::with_interceptor(
            channel,
            BearerAuth::new(token)?,
        ))
    }

    pub async fn submit(&self, spec: JobSpec) -> anyhow::Result<String> {
        jetcrawl_tests::jobs::submit(&self.jobs().await?, spec).await
    }

    pub async fn finish(&self, job_id: &str, within: Duration) -> anyhow::Result<Job> {
        jetcrawl_tests::jobs::wait_terminal(&self.jobs().await?, job_id, within).await
    }

    pub async fn history(&self, job_id: &str) -> anyhow::Result<Vec<RecordedEvent>> {
        let (_client, js) = jetcrawl_streams::connect(&self.stack.nats_url(), "crawl").await?;
        Ok(EventStore::open(js).await?.history(job_id).await?)
    }

    /// Page requests (robots.txt aside) the site received for `host`, oldest first.
    pub fn page_requests(&self, host: &str) -> Vec<RequestRecord> {
        self.stack
            .site
            .requests_to_host(host)
            .into_iter()
            .filter(|r| r.path != "/robots.txt")
            .collect()
    }
}

/// A one-page HTTP spec.
pub fn http_spec(url: String) -> JobSpec {
    JobSpec {
        urls: vec![url],
        extract: vec![ExtractRule {
            name: "title".into(),
            selector: "#title".into(),
            kind: ExtractKind::Text as i32,
            ..Default::default()
        }],
        render: RenderMode::Http as i32,
        timeout_ms: 30_000,
        ..Default::default()
    }
}

pub fn state(job: &Job) -> JobState {
    JobState::try_from(job.state).unwrap_or(JobState::Unspecified)
}

pub fn types(history: &[RecordedEvent]) -> Vec<&str> {
    history
        .iter()
        .map(|e| e.event.event_type.as_str())
        .collect()
}

/// Attempts the job started (JobStarted events).
pub fn attempts(history: &[RecordedEvent]) -> usize {
    types(history)
        .iter()
        .filter(|t| **t == "JobStarted")
        .count()
}

/// The causes of the job's politeness deferrals, in order.
pub fn deferral_causes(history: &[RecordedEvent]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| match e.payload() {
            Some(Payload::JobDeferred(d)) => Some(d.cause.clone()),
            _ => None,
        })
        .collect()
}

/// The job's RobotsDisallowed, if any.
pub fn robots_denial(history: &[RecordedEvent]) -> Option<jetcrawl_proto::v1::RobotsDisallowed> {
    history.iter().find_map(|e| match e.payload() {
        Some(Payload::RobotsDisallowed(d)) => Some(d.clone()),
        _ => None,
    })
}

/// The worker's metrics: `name{labels} value` lines keyed by `name{labels}`.
pub async fn metrics(worker: &Worker) -> anyhow::Result<HashMap<String, f64>> {
    jetcrawl_tests::scrape::metrics(&worker.metrics_url).await
}

/// A metric's value once it satisfies `check`.
pub async fn metric_until(
    worker: &Worker,
    key: &str,
    check: impl Fn(f64) -> bool,
) -> anyhow::Result<f64> {
    eventually(Duration::from_secs(10), || async {
        let all = metrics(worker).await?;
        match all.get(key) {
            Some(v) if check(*v) => Ok(*v),
            other => bail!("{key} is {other:?}"),
        }
    })
    .await
    .with_context(|| format!("metric {key}"))
}

/// The smallest gap between consecutive requests, in ms.
pub fn smallest_gap_ms(requests: &[RequestRecord]) -> Option<u128> {
    requests
        .windows(2)
        .map(|w| w[1].at.duration_since(w[0].at).as_millis())
        .min()
}

/// Runs the `jetcrawl` CLI against the gateway with `key`, `--output json`.
pub async fn cli_json(
    platform: &Platform,
    key: &str,
    args: &[&str],
) -> anyhow::Result<serde_json::Value> {
    let binary = jetcrawl_tests::target_dir::binary_path("jetcrawl")?;
    let output = tokio::process::Command::new(binary)
        .args([
            "--gateway",
            &platform.gateway.grpc_url,
            "--api-key",
            key,
            "--output",
            "json",
        ])
        .args(args)
        .output()
        .await?;
    if !output.status.success() {
        // With --output json the error is the JSON document on stdout.
        bail!(
            "jetcrawl {args:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Submits one job per URL and waits for all of them; returns (url, job id, job).
pub async fn run_all(
    platform: &Platform,
    urls: Vec<String>,
) -> Vec<(String, String, jetcrawl_proto::v1::Job)> {
    let mut ids = Vec::new();
    for url in urls {
        let id = platform
            .submit(http_spec(url.clone()))
            .await
            .expect("submit");
        ids.push((url, id));
    }
    let mut done = Vec::new();
    for (url, id) in ids {
        let job = platform
            .finish(&id, Duration::from_secs(30))
            .await
            .expect("job ends");
        done.push((url, id, job));
    }
    done
}
