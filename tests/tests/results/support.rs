//! The platform these tests run against, and small helpers.

use std::time::Duration;

use anyhow::Context;
use jetcrawl_proto::v1::{GetResultRequest, GetResultResponse, Job, JobSpec, RenderMode};
use jetcrawl_streams::{EventStore, RecordedEvent};
use jetcrawl_tests::{Gateway, JobsApiClient, Notifier, Stack, Worker};

/// Infrastructure, a gateway and a worker; a notifier when a test asks for one.
pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub worker: Worker,
}

impl Platform {
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let gateway = stack.spawn_gateway().await?;
        let worker = stack.spawn_worker(&[]).await?;
        Ok(Self {
            stack,
            gateway,
            worker,
        })
    }

    pub async fn notifier(&self, extra_env: &[(&str, &str)]) -> anyhow::Result<Notifier> {
        self.stack.spawn_notifier(extra_env).await
    }

    pub async fn jobs(&self) -> anyhow::Result<JobsApiClient> {
        self.gateway.jobs().await
    }

    /// Submits over gRPC and returns the job id.
    pub async fn submit(&self, spec: JobSpec) -> anyhow::Result<String> {
        jetcrawl_tests::jobs::submit(&self.jobs().await?, spec).await
    }

    /// Polls GetJob until the job reaches a terminal state.
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

    pub async fn get_result(
        &self,
        job_id: &str,
        ttl_seconds: u32,
    ) -> anyhow::Result<GetResultResponse> {
        Ok(self
            .jobs()
            .await?
            .get_result(GetResultRequest {
                job_id: job_id.to_owned(),
                ttl_seconds,
            })
            .await?
            .into_inner())
    }

    pub async fn history(&self, job_id: &str) -> anyhow::Result<Vec<RecordedEvent>> {
        let (_client, js) =
            jetcrawl_streams::connect(&self.stack.nats_url(), "results-e2e").await?;
        Ok(EventStore::open(js).await?.history(job_id).await?)
    }

    /// `http://127.0.0.1:PORT` + a signed path.
    pub fn absolute(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.gateway.http_url)
        }
    }
}

/// A plain-HTTP job on a fixture page, optionally with a webhook.
pub fn http_spec(url: String, webhook_url: &str) -> JobSpec {
    JobSpec {
        urls: vec![url],
        render: RenderMode::Http as i32,
        timeout_ms: 20_000,
        webhook_url: webhook_url.to_owned(),
        ..Default::default()
    }
}

/// A client with no credential: signed URLs need none.
pub fn anonymous() -> anyhow::Result<reqwest::Client> {
    jetcrawl_tests::http_client()
}

/// The tenant's webhook secret, from the CLI (`jetcrawl webhooks secret`).
pub fn webhook_secret(stack: &Stack, tenant: &str) -> anyhow::Result<String> {
    let bin = jetcrawl_tests::target_dir::binary_path(jetcrawl_tests::stack::CLI_BIN)?;
    let output = std::process::Command::new(bin)
        .args([
            "--nats-url",
            &stack.nats_url(),
            "webhooks",
            "secret",
            "--tenant",
            tenant,
        ])
        .output()
        .context("running jetcrawl webhooks secret")?;
    anyhow::ensure!(
        output.status.success(),
        "jetcrawl webhooks secret failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}
