//! A platform for lifecycle tests: infrastructure, a gateway and a projector; each test
//! spawns the workers it needs with short timings.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use jetcrawl_gateway::auth::Role;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    ExtractKind, ExtractRule, GetJobRequest, Job, JobSpec, JobState, RenderMode,
};
use jetcrawl_streams::{EventStore, RecordedEvent};
use jetcrawl_tests::{Gateway, JobsApiClient, Projector, Stack, Worker, eventually};

/// Heartbeat/ack bound of the test workers: a killed worker's job moves on after it.
pub const ACK_WAIT_MS: u64 = 3_000;

pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    /// Kept running: the read models follow the stream during the test.
    #[allow(dead_code)]
    pub projector: Projector,
    pub admin_key: String,
}

impl Platform {
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        // The workers' consumer with the short ack wait, as an operator applies it.
        stack
            .apply_topology(&jetcrawl_streams::Topology {
                worker_ack_wait: Duration::from_millis(ACK_WAIT_MS),
                ..jetcrawl_streams::Topology::default()
            })
            .await?;
        let gateway = stack.spawn_gateway().await?;
        let projector = stack.spawn_projector().await?;
        let admin_key = stack
            .mint_api_key(jetcrawl_tests::stack::TEST_TENANT, Role::Admin)
            .await?;
        Ok(Self {
            stack,
            gateway,
            projector,
            admin_key,
        })
    }

    /// A worker with short lifecycle timings, `extra` applied last.
    pub async fn worker(&self, extra: &[(&str, &str)]) -> anyhow::Result<Worker> {
        let ack = ACK_WAIT_MS.to_string();
        let mut env = vec![
            ("JETCRAWL_WORKER_ACK_WAIT_MS", ack.as_str()),
            ("JETCRAWL_BACKOFF_BASE_MS", "200"),
            ("JETCRAWL_BACKOFF_CAP_MS", "2000"),
            ("JETCRAWL_SHUTDOWN_GRACE_MS", "1000"),
        ];
        env.extend_from_slice(extra);
        self.stack.spawn_worker(&env).await
    }

    /// A client of the test tenant.
    pub async fn jobs(&self) -> anyhow::Result<JobsApiClient> {
        self.gateway.jobs().await
    }

    /// An admin client.
    pub async fn admin(&self) -> anyhow::Result<JobsApiClient> {
        jetcrawl_tests::auth::jobs_client(&self.gateway.grpc_url, &self.admin_key).await
    }

    pub async fn store(&self) -> anyhow::Result<EventStore> {
        let (_client, js) = jetcrawl_streams::connect(&self.stack.nats_url(), "lifecycle").await?;
        Ok(EventStore::open(js).await?)
    }

    pub async fn history(&self, job_id: &str) -> anyhow::Result<Vec<RecordedEvent>> {
        Ok(self.store().await?.history(job_id).await?)
    }

    pub async fn submit(&self, spec: JobSpec) -> anyhow::Result<String> {
        jetcrawl_tests::jobs::submit(&self.jobs().await?, spec).await
    }

    pub async fn get(&self, job_id: &str) -> anyhow::Result<Job> {
        let job = self
            .jobs()
            .await?
            .get_job(GetJobRequest {
                job_id: job_id.to_owned(),
            })
            .await?
            .into_inner();
        Ok(job)
    }

    /// Polls GetJob until the job is in `state`.
    pub async fn until_state(
        &self,
        job_id: &str,
        state: JobState,
        within: Duration,
    ) -> anyhow::Result<Job> {
        eventually(within, || async {
            let job = self.get(job_id).await?;
            if job.state == state as i32 {
                Ok(job)
            } else {
                bail!("job {job_id} is {:?}", JobState::try_from(job.state))
            }
        })
        .await
        .with_context(|| format!("job {job_id} never became {state:?}"))
    }
}

/// A one-page HTTP spec.
pub fn http_spec(urls: Vec<String>) -> JobSpec {
    JobSpec {
        urls,
        extract: vec![ExtractRule {
            name: "title".into(),
            selector: "#title".into(),
            kind: ExtractKind::Text as i32,
            ..Default::default()
        }],
        render: RenderMode::Http as i32,
        timeout_ms: 60_000,
        labels: HashMap::from([("suite".to_owned(), "lifecycle".to_owned())]),
        ..Default::default()
    }
}

pub fn types(history: &[RecordedEvent]) -> Vec<&str> {
    history
        .iter()
        .map(|e| e.event.event_type.as_str())
        .collect()
}

pub fn at(t: Option<&prost_types::Timestamp>) -> DateTime<Utc> {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The `JobStarted` events, in order.
pub fn starts(history: &[RecordedEvent]) -> Vec<(&RecordedEvent, u32, String)> {
    history
        .iter()
        .filter_map(|e| match e.payload() {
            Some(Payload::JobStarted(s)) => Some((e, s.attempt, s.worker_id.clone())),
            _ => None,
        })
        .collect()
}

/// Requests the fixture received whose query contains `needle`.
pub fn requests_with(platform: &Platform, needle: &str) -> usize {
    platform
        .stack
        .site
        .requests()
        .iter()
        .filter(|r| r.query.as_deref().is_some_and(|q| q.contains(needle)))
        .count()
}
