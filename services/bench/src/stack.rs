//! The bench's own platform: Postgres and the fixture site shared by every scenario, a
//! NATS deployment per scenario family (so jobs queued by one never reach another's
//! workers; see [`crate::deployment`]), and the real service binaries spawned against
//! them.

use std::time::Duration;

use jetcrawl_local::{Postgres, PostgresOptions, free_port};
use jetcrawl_tests::readiness::{READY_TIMEOUT, wait_http_ok};
use jetcrawl_tests::{FixtureSite, ServiceProcess};

use crate::deployment::BenchNats;

/// robots.txt of the bench's fixture site: everything allowed, no crawl delay, so
/// politeness never throttles a throughput measurement.
const ROBOTS: &str = "User-agent: *\nAllow: /\n";

/// What every scenario shares.
pub struct BenchStack {
    /// Postgres (fsync on, as in production).
    pub postgres: Postgres,
    /// The fixture website.
    pub site: FixtureSite,
}

/// How many jobs a benchmark's worker runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerJobs {
    /// One per tab, as many as a baseline loop runs pages at once: the page's own cost.
    OnePerTab,
    /// The worker's default (four per tab, at least 8): a job's event-log writes overlap
    /// another job's page, as on a platform run with its defaults.
    Default,
}

/// A spawned worker.
pub struct WorkerProcess {
    /// The process (its pid is what gets measured).
    pub process: ServiceProcess,
    /// Its Prometheus endpoint.
    pub metrics_url: String,
}

/// A spawned gateway.
pub struct GatewayProcess {
    /// The process (its pid is what gets measured).
    pub process: ServiceProcess,
    /// `http://127.0.0.1:PORT` of gRPC.
    pub grpc_url: String,
    /// A client API key of tenant [`crate::jobs::TENANT`].
    pub api_key: String,
}

impl BenchStack {
    /// Starts Postgres and the fixture site.
    pub async fn start() -> anyhow::Result<Self> {
        let site = FixtureSite::start()?;
        site.set_robots(ROBOTS);
        let postgres = Postgres::start(PostgresOptions::default()).await?;
        // What `jetcrawl admin apply` does; services only verify the schema.
        let pool = sqlx::PgPool::connect(&postgres.url()).await?;
        jetcrawl_projections::migrate(&pool).await?;
        Ok(Self { postgres, site })
    }

    /// The gateway binary against `nats`, ready when `/readyz` answers.
    pub async fn spawn_gateway(&self, nats: &BenchNats) -> anyhow::Result<GatewayProcess> {
        self.spawn_gateway_on(nats, &self.postgres.url()).await
    }

    /// [`Self::spawn_gateway`] reading the read models of `database` (a URL).
    pub async fn spawn_gateway_on(
        &self,
        nats: &BenchNats,
        database: &str,
    ) -> anyhow::Result<GatewayProcess> {
        let grpc = format!("127.0.0.1:{}", free_port()?);
        let http = format!("127.0.0.1:{}", free_port()?);
        let env = vec![
            ("JETCRAWL_DATABASE_URL".to_owned(), database.to_owned()),
            ("JETCRAWL_GRPC_ADDR".to_owned(), grpc.clone()),
            ("JETCRAWL_HTTP_ADDR".to_owned(), http.clone()),
            (
                "JETCRAWL_ALLOW_PRIVATE_TARGETS".to_owned(),
                "true".to_owned(),
            ),
            // Loopback only; TLS would add its own cost to every figure.
            ("JETCRAWL_INSECURE_PLAINTEXT".to_owned(), "true".to_owned()),
            // One tenant sends everything: per-tenant quotas (0: unlimited) would turn
            // the measurement into a measurement of the quota.
            ("JETCRAWL_QUOTA_SUBMITS_PER_SEC".to_owned(), "0".to_owned()),
            ("JETCRAWL_QUOTA_SUBMIT_BURST".to_owned(), "0".to_owned()),
            ("JETCRAWL_QUOTA_MAX_QUEUED".to_owned(), "0".to_owned()),
            ("JETCRAWL_QUOTA_MAX_RUNNING".to_owned(), "0".to_owned()),
        ];
        let process = spawn(
            "jetcrawl-gateway",
            nats,
            env,
            &format!("http://{http}/readyz"),
        )
        .await?;
        Ok(GatewayProcess {
            process,
            grpc_url: format!("http://{grpc}"),
            api_key: mint_api_key(nats).await?,
        })
    }

    /// The worker binary against `nats` with `tabs` browser tabs, running `jobs` jobs
    /// at once.
    pub async fn spawn_worker(
        &self,
        nats: &BenchNats,
        tabs: usize,
        jobs: WorkerJobs,
    ) -> anyhow::Result<WorkerProcess> {
        let chromium = jetcrawl_local::chromium_path()?;
        let mut env = vec![
            (
                "JETCRAWL_CHROMIUM_PATH".to_owned(),
                chromium.display().to_string(),
            ),
            ("JETCRAWL_BROWSER_TABS".to_owned(), tabs.to_string()),
            (
                "JETCRAWL_ALLOW_PRIVATE_TARGETS".to_owned(),
                "true".to_owned(),
            ),
            ("JETCRAWL_WORKER_ID".to_owned(), format!("bench-{tabs}")),
        ];
        if jobs == WorkerJobs::OnePerTab {
            env.push(("JETCRAWL_WORKER_CONCURRENCY".to_owned(), tabs.to_string()));
        }
        let (process, metrics) = spawn_with_metrics("jetcrawl-worker", nats, env).await?;
        Ok(WorkerProcess {
            process,
            metrics_url: format!("http://{metrics}/metrics"),
        })
    }

    /// The projector binary against `nats`, projecting into `database` (a URL), with
    /// `env` on top of its defaults.
    pub async fn spawn_projector(
        &self,
        nats: &BenchNats,
        database: &str,
        mut env: Vec<(String, String)>,
    ) -> anyhow::Result<ServiceProcess> {
        env.push(("JETCRAWL_DATABASE_URL".to_owned(), database.to_owned()));
        let (process, _) = spawn_with_metrics("jetcrawl-projector", nats, env).await?;
        Ok(process)
    }

    /// The notifier binary against `nats` (no job of the bench asks for a webhook; it
    /// runs, and weighs, as on a real platform).
    pub async fn spawn_notifier(&self, nats: &BenchNats) -> anyhow::Result<ServiceProcess> {
        let env = vec![(
            "JETCRAWL_RESULT_SIGNING_KEYS".to_owned(),
            SIGNING_KEYS.to_owned(),
        )];
        let (process, _) = spawn_with_metrics("jetcrawl-notifier", nats, env).await?;
        Ok(process)
    }
}

/// Result URL signing keys of the bench's notifier (`kid=secret`).
const SIGNING_KEYS: &str = "bench-k1=jetcrawl-bench-signing-key-0123456789abcdef";

/// A client key of the bench tenant, written to the `API_KEYS` bucket as `jetcrawl keys
/// create` does; the gateway accepts it at once.
async fn mint_api_key(nats: &BenchNats) -> anyhow::Result<String> {
    use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
    let (_client, js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench-keys").await?;
    let keys = KeyStore::open(&js).await?;
    let (_, issued) = keys
        .create(NewKey {
            tenant: crate::jobs::TENANT.to_owned(),
            role: Role::Client,
            granted_tenants: Vec::new(),
            created_by: "jetcrawl-bench".to_owned(),
        })
        .await?;
    Ok(issued.token)
}

/// A service that serves `/healthz` and `/metrics` on a free loopback port: spawned with
/// `JETCRAWL_METRICS_ADDR` set, ready when `/healthz` answers; returns that address.
async fn spawn_with_metrics(
    bin: &str,
    nats: &BenchNats,
    mut env: Vec<(String, String)>,
) -> anyhow::Result<(ServiceProcess, String)> {
    let metrics = format!("127.0.0.1:{}", free_port()?);
    env.push(("JETCRAWL_METRICS_ADDR".to_owned(), metrics.clone()));
    let process = spawn(bin, nats, env, &format!("http://{metrics}/healthz")).await?;
    Ok((process, metrics))
}

async fn spawn(
    bin: &str,
    nats: &BenchNats,
    mut env: Vec<(String, String)>,
    ready_url: &str,
) -> anyhow::Result<ServiceProcess> {
    let log = std::env::var("JETCRAWL_BENCH_SERVICE_LOG").unwrap_or_else(|_| "info".to_owned());
    env.extend([
        ("JETCRAWL_NATS_URL".to_owned(), nats.url().to_owned()),
        // The services verify the topology the deployment was given and refuse to
        // start on any other replica count.
        ("JETCRAWL_REPLICAS".to_owned(), nats.replicas().to_string()),
        ("RUST_LOG".to_owned(), log),
        ("JETCRAWL_LOG_FORMAT".to_owned(), "json".to_owned()),
    ]);
    let mut process = ServiceProcess::spawn(bin, std::iter::empty::<&str>(), env)?;
    wait_http_ok(&mut process, ready_url, READY_TIMEOUT).await?;
    Ok(process)
}

/// Stops a service and gives the machine a moment to settle before the next phase.
pub async fn stop(mut process: ServiceProcess) {
    process.stop().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
}
