//! The platform these tests run against: nats-server, Postgres, the gateway and the
//! projector; keys of several roles and tenants; Audit clients; the `jetcrawl` CLI.

use std::process::Output;
use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
use jetcrawl_proto::v1::audit_client::AuditClient;
use jetcrawl_proto::v1::{
    AuditFilter, AuditRecord, CancelJobRequest, JobSpec, QueryAuditLogRequest, RenderMode,
    SubmitJobRequest,
};
use jetcrawl_tests::stack::TEST_TENANT;
use jetcrawl_tests::{BearerAuth, Gateway, Projector, Stack};
use sqlx::PgPool;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// An Audit client sending a credential.
pub type AuditApi = AuditClient<InterceptedService<Channel, BearerAuth>>;

/// The second tenant of these tests.
pub const OTHER: &str = "globex";

pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub _projector: Projector,
    pub pool: PgPool,
}

impl Platform {
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let gateway = stack.spawn_gateway().await?;
        let projector = stack.spawn_projector().await?;
        let pool = stack.pg_pool().await?;
        Ok(Self {
            stack,
            gateway,
            _projector: projector,
            pool,
        })
    }

    /// A key of `tenant` with `role`, granted `grants` (auditors only).
    pub async fn key(&self, tenant: &str, role: Role, grants: &[&str]) -> anyhow::Result<String> {
        let (_client, js) = jetcrawl_streams::connect(&self.stack.nats_url(), "audit-test").await?;
        let store = KeyStore::open(&js).await?;
        let (_, issued) = store
            .create(NewKey {
                tenant: tenant.to_owned(),
                role,
                granted_tenants: grants.iter().map(|g| (*g).to_owned()).collect(),
                created_by: "audit-test".to_owned(),
            })
            .await?;
        Ok(issued.token)
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

    /// Submits a job with `key` and returns its id.
    pub async fn submit(&self, key: &str, path: &str) -> anyhow::Result<String> {
        let mut jobs = jetcrawl_tests::auth::jobs_client(&self.gateway.grpc_url, key).await?;
        let spec = JobSpec {
            urls: vec![self.stack.site.url(path)],
            render: RenderMode::Http as i32,
            ..Default::default()
        };
        let response = jobs
            .submit_job(SubmitJobRequest {
                spec: Some(spec),
                idempotency_key: String::new(),
            })
            .await?
            .into_inner();
        Ok(response.job_id)
    }

    /// Cancels a queued job with `key`.
    pub async fn cancel(&self, key: &str, job_id: &str) -> anyhow::Result<()> {
        let mut jobs = jetcrawl_tests::auth::jobs_client(&self.gateway.grpc_url, key).await?;
        jobs.cancel_job(CancelJobRequest {
            job_id: job_id.to_owned(),
            reason: "changed my mind".to_owned(),
        })
        .await?;
        Ok(())
    }

    /// Waits until the audit log holds `n` rows.
    pub async fn audit_rows(&self, n: i64) -> anyhow::Result<()> {
        let pool = self.pool.clone();
        jetcrawl_tests::eventually(Duration::from_secs(30), || {
            let pool = pool.clone();
            async move {
                let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
                    .fetch_one(&pool)
                    .await?;
                anyhow::ensure!(rows >= n, "audit_log has {rows} rows, want {n}");
                Ok(())
            }
        })
        .await
    }

    /// Runs the `jetcrawl` CLI against this platform with `key`.
    pub fn cli(&self, key: &str, args: &[&str]) -> anyhow::Result<Output> {
        let bin = jetcrawl_tests::target_dir::binary_path("jetcrawl")?;
        std::process::Command::new(bin)
            .args(args)
            .env("JETCRAWL_GATEWAY", &self.gateway.grpc_url)
            .env("JETCRAWL_NATS_URL", self.stack.nats_url())
            .env("JETCRAWL_API_KEY", key)
            .output()
            .context("running jetcrawl")
    }
}

/// The gateway's own tenant (its client key speaks for it).
pub fn tenant() -> &'static str {
    TEST_TENANT
}

/// Every page of a query, following the tokens.
pub async fn all_pages(
    audit: &mut AuditApi,
    filter: AuditFilter,
    page_size: u32,
) -> anyhow::Result<Vec<AuditRecord>> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = audit
            .query_audit_log(QueryAuditLogRequest {
                filter: Some(filter.clone()),
                page_size,
                page_token: token,
            })
            .await?
            .into_inner();
        anyhow::ensure!(
            page_size == 0 || page.records.len() <= page_size as usize,
            "a page larger than asked"
        );
        out.extend(page.records);
        if page.next_page_token.is_empty() {
            return Ok(out);
        }
        token = page.next_page_token;
    }
}

/// The filter of one tenant.
pub fn of_tenant(tenant: &str) -> AuditFilter {
    AuditFilter {
        tenant: tenant.to_owned(),
        ..Default::default()
    }
}

/// Alters row `seq`'s actor as a superuser would: around the append-only trigger.
pub async fn alter_row_behind_the_trigger(pool: &PgPool, seq: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE audit_log SET actor = 'key:someone-else' WHERE seq = $1")
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
