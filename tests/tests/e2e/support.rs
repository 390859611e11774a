//! Helpers shared by the end-to-end tests.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use jetcrawl_proto::v1::{ExtractKind, ExtractRule, Job, JobSpec, RenderMode};
use jetcrawl_streams::topology::RESULTS_BUCKET;
use jetcrawl_streams::{EventStore, RecordedEvent};
use jetcrawl_tests::{Gateway, JobsApiClient, Projector, Stack, Worker};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

/// A running platform: infrastructure plus one gateway, worker and projector.
pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub worker: Worker,
    pub projector: Projector,
}

impl Platform {
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let gateway = stack.spawn_gateway().await?;
        let worker = stack.spawn_worker(&[]).await?;
        let projector = stack.spawn_projector().await?;
        Ok(Self {
            stack,
            gateway,
            worker,
            projector,
        })
    }

    pub async fn jobs(&self) -> anyhow::Result<JobsApiClient> {
        self.gateway.jobs().await
    }

    pub async fn store(&self) -> anyhow::Result<EventStore> {
        let (_client, js) = jetcrawl_streams::connect(&self.stack.nats_url(), "e2e").await?;
        Ok(EventStore::open(js).await?)
    }

    /// Submits over gRPC and returns the job id.
    pub async fn submit(&self, spec: JobSpec) -> anyhow::Result<String> {
        jetcrawl_tests::jobs::submit(&self.jobs().await?, spec).await
    }

    /// Polls GetJob until the job reaches a terminal state.
    pub async fn finished(&self, job_id: &str) -> anyhow::Result<Job> {
        let jobs = self.jobs().await?;
        jetcrawl_tests::jobs::wait_terminal(&jobs, job_id, Duration::from_secs(90))
            .await
            .with_context(|| {
                format!(
                    "job {job_id} did not finish; worker log:\n{}",
                    self.worker.process.log()
                )
            })
    }

    /// The stored result of a succeeded job, checked against the sha256 and size its
    /// JobSucceeded event recorded.
    pub async fn result(&self, job: &Job) -> anyhow::Result<serde_json::Value> {
        let succeeded = job.result.as_ref().context("job has no result")?;
        let bytes = self.object(&succeeded.result_key).await?;
        assert_eq!(
            bytes.len() as u64,
            succeeded.result_size,
            "stored size matches the event"
        );
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            succeeded.result_sha256,
            "stored bytes match the event's sha256"
        );
        Ok(serde_json::from_slice(&bytes)?)
    }

    pub async fn object(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let (_client, js) =
            jetcrawl_streams::connect(&self.stack.nats_url(), "e2e-results").await?;
        let bucket = js.get_object_store(RESULTS_BUCKET).await?;
        let mut object = bucket.get(key).await?;
        let mut bytes = Vec::new();
        object.read_to_end(&mut bytes).await?;
        Ok(bytes)
    }

    pub async fn history(&self, job_id: &str) -> anyhow::Result<Vec<RecordedEvent>> {
        Ok(self.store().await?.history(job_id).await?)
    }
}

/// A spec for one fixture page.
pub fn spec(url: String, render: RenderMode, rules: Vec<ExtractRule>) -> JobSpec {
    JobSpec {
        urls: vec![url],
        extract: rules,
        render: render as i32,
        timeout_ms: 30_000,
        labels: HashMap::from([("suite".to_owned(), "e2e".to_owned())]),
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

pub fn texts(name: &str, selector: &str) -> ExtractRule {
    ExtractRule {
        many: true,
        ..text(name, selector)
    }
}

pub fn attribute(name: &str, selector: &str, attribute: &str) -> ExtractRule {
    ExtractRule {
        kind: ExtractKind::Attribute as i32,
        attribute: attribute.into(),
        ..text(name, selector)
    }
}

/// `data` of the result's first page.
pub fn first_page(result: &serde_json::Value) -> &serde_json::Value {
    &result["pages"][0]
}
