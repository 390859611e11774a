//! The platform these tests run against: infrastructure, gateway, worker, projector, an
//! admin key, and Audit/Jobs clients.

use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_proto::v1::audit_client::AuditClient;
use jetcrawl_proto::v1::{GetJobRequest, Job, JobSpec, RenderMode, SubmitJobRequest};
use jetcrawl_tests::stack::TEST_TENANT;
use jetcrawl_tests::{BearerAuth, Gateway, JobsApiClient, Projector, Stack, Worker};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// An Audit client sending a credential.
pub type AuditApi = AuditClient<InterceptedService<Channel, BearerAuth>>;

pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub worker: Option<Worker>,
    /// Kept running for the test's life (dropping it stops the process).
    pub _projector: Projector,
    /// An admin key of the gateway's tenant.
    pub admin_key: String,
}

impl Platform {
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let gateway = stack.spawn_gateway().await?;
        let worker = stack.spawn_worker(&[]).await?;
        let projector = stack.spawn_projector().await?;
        let admin_key = stack
            .mint_api_key(TEST_TENANT, jetcrawl_gateway::auth::Role::Admin)
            .await?;
        Ok(Self {
            stack,
            gateway,
            worker: Some(worker),
            _projector: projector,
            admin_key,
        })
    }

    pub async fn jobs(&self) -> anyhow::Result<JobsApiClient> {
        self.gateway.jobs().await
    }

    pub async fn audit(&self, key: &str) -> anyhow::Result<AuditApi> {
        let channel = Channel::from_shared(self.gateway.grpc_url.clone())?
            .connect()
            .await?;
        Ok(AuditClient::with_interceptor(
            channel,
            BearerAuth::new(key)?,
        ))
    }

    pub async fn submit(&self, spec: JobSpec) -> anyhow::Result<String> {
        let response = self
            .jobs()
            .await?
            .submit_job(SubmitJobRequest {
                spec: Some(spec),
                idempotency_key: String::new(),
            })
            .await?
            .into_inner();
        Ok(response.job_id)
    }

    pub async fn get(&self, job_id: &str) -> anyhow::Result<Job> {
        let request = GetJobRequest {
            job_id: job_id.to_owned(),
        };
        Ok(self.jobs().await?.get_job(request).await?.into_inner())
    }

    pub async fn finished(&self, job_id: &str) -> anyhow::Result<Job> {
        let jobs = self.jobs().await?;
        jetcrawl_tests::jobs::wait_terminal(&jobs, job_id, Duration::from_secs(60))
            .await
            .with_context(|| {
                let log = self
                    .worker
                    .as_ref()
                    .map(|w| w.process.log())
                    .unwrap_or_default();
                format!("job {job_id} did not finish; worker log:\n{log}")
            })
    }

    /// Waits until the projector has folded `job_id`'s events up to `last_sequence`
    /// into `job_events`, and the audit log up to the end of both streams.
    pub async fn projected(&self, job_id: &str, last_sequence: u64) -> anyhow::Result<()> {
        let pool = self.stack.pg_pool().await?;
        jetcrawl_tests::eventually(Duration::from_secs(30), || {
            let (pool, job_id) = (pool.clone(), job_id.to_owned());
            async move {
                let seq: Option<i64> =
                    sqlx::query_scalar("SELECT max(stream_seq) FROM job_events WHERE job_id = $1")
                        .bind(&job_id)
                        .fetch_one(&pool)
                        .await?;
                anyhow::ensure!(
                    seq.unwrap_or(0) >= last_sequence as i64,
                    "job_events of {job_id} at {seq:?}, want {last_sequence}"
                );
                Ok(())
            }
        })
        .await
    }
}

/// An HTTP job on `url`, for data subject `subject` (may be empty).
pub fn http_spec(url: String, subject: &str, webhook: &str) -> JobSpec {
    JobSpec {
        urls: vec![url],
        render: RenderMode::Http as i32,
        data_subject: subject.to_owned(),
        webhook_url: webhook.to_owned(),
        ..JobSpec::default()
    }
}
