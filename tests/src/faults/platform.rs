//! The whole platform for the fault suite: the event log on one node or a 3-node R3
//! cluster (each store on a power-cut disk), Postgres, the fixture site, and the
//! gateway, a worker, the projector and the notifier as processes that can be killed
//! and started again on the same ports, as an orchestrator would restart them.

use std::time::Duration;

use jetcrawl_local::{
    ClusterOptions, NatsCluster, NatsOptions, NatsServer, Postgres, PostgresOptions, PowerCutDisk,
    free_port,
};
use jetcrawl_streams::Topology;
use jetcrawl_streams::topology::PEER_SILENCE;

use crate::fixture::FixtureSite;
use crate::readiness::{READY_TIMEOUT, wait_http_ok};
use crate::service::ServiceProcess;
use crate::stack::TEST_SIGNING_KEYS;

/// The event log under test.
pub enum EventLog {
    /// One nats-server, `sync_interval: always`.
    Single(NatsServer),
    /// Three nodes in three zones, every stream R3.
    Cluster(NatsCluster),
}

impl EventLog {
    /// What services are given as `JETCRAWL_NATS_URL`.
    pub fn url(&self) -> String {
        match self {
            Self::Single(server) => server.url(),
            Self::Cluster(cluster) => cluster.urls(),
        }
    }
}

/// A service the suite kills and restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `jetcrawl-gateway`.
    Gateway,
    /// `jetcrawl-worker`.
    Worker,
    /// `jetcrawl-projector`.
    Projector,
    /// `jetcrawl-notifier`.
    Notifier,
}

impl Role {
    fn binary(self) -> &'static str {
        match self {
            Self::Gateway => "jetcrawl-gateway",
            Self::Worker => "jetcrawl-worker",
            Self::Projector => "jetcrawl-projector",
            Self::Notifier => "jetcrawl-notifier",
        }
    }
}

struct Service {
    role: Role,
    env: Vec<(String, String)>,
    ready_url: String,
    process: Option<ServiceProcess>,
}

/// Everything running; dropped, it stops everything.
pub struct FaultPlatform {
    /// The fixture website the jobs fetch.
    pub site: FixtureSite,
    /// The event log.
    pub nats: EventLog,
    /// The read models.
    pub postgres: Postgres,
    /// The topology applied (replicas 1 or 3).
    pub topology: Topology,
    /// The gateway's gRPC endpoint.
    pub grpc_url: String,
    /// The gateway's HTTP base URL (`/readyz`).
    pub http_url: String,
    /// A client key of the test tenant.
    pub api_key: String,
    services: Vec<Service>,
}

/// A worker's job lease: short, so a killed worker's job moves on quickly.
const WORKER_ACK_WAIT: Duration = Duration::from_secs(5);

impl FaultPlatform {
    /// One nats-server with fsync on every write, its store on a power-cut disk.
    pub async fn single() -> anyhow::Result<Self> {
        let nats = NatsServer::start(NatsOptions {
            sync_always: true,
            power_cut_disk: PowerCutDisk::supported(),
            ..NatsOptions::default()
        })
        .await?;
        Self::start(EventLog::Single(nats), 1).await
    }

    /// Three nodes (default sync interval: replication is the durability), R3.
    pub async fn cluster() -> anyhow::Result<Self> {
        let cluster = NatsCluster::start(ClusterOptions {
            power_cut_disk: PowerCutDisk::supported(),
            ..ClusterOptions::default()
        })
        .await?;
        Self::start(EventLog::Cluster(cluster), 3).await
    }

    async fn start(nats: EventLog, replicas: usize) -> anyhow::Result<Self> {
        let site = FixtureSite::start()?;
        // Durable, as in production: the tests' fsync-off, asynchronous-commit Postgres
        // forgets its last commits on a kill -9, which no projector can make up for.
        let postgres = Postgres::start(PostgresOptions::default()).await?;
        let topology = Topology {
            replicas,
            worker_ack_wait: WORKER_ACK_WAIT,
            ..Topology::default()
        };
        let (_client, js) = jetcrawl_streams::connect(&nats.url(), "faults-admin").await?;
        topology.apply(&js).await?;
        let pool = sqlx::PgPool::connect(&postgres.url()).await?;
        jetcrawl_projections::migrate(&pool).await?;
        let api_key = mint_key(&js).await?;
        let grpc = format!("127.0.0.1:{}", free_port()?);
        let http = format!("127.0.0.1:{}", free_port()?);
        let mut platform = Self {
            site,
            nats,
            postgres,
            topology,
            grpc_url: format!("http://{grpc}"),
            http_url: format!("http://{http}"),
            api_key,
            services: Vec::new(),
        };
        platform.define_services(&grpc, &http)?;
        for role in [Role::Gateway, Role::Projector, Role::Worker, Role::Notifier] {
            platform.start_service(role).await?;
        }
        Ok(platform)
    }

    fn define_services(&mut self, grpc: &str, http: &str) -> anyhow::Result<()> {
        let common = vec![
            ("JETCRAWL_NATS_URL".to_owned(), self.nats.url()),
            (
                "JETCRAWL_REPLICAS".to_owned(),
                self.topology.replicas.to_string(),
            ),
            (
                "JETCRAWL_WORKER_ACK_WAIT_MS".to_owned(),
                WORKER_ACK_WAIT.as_millis().to_string(),
            ),
            ("RUST_LOG".to_owned(), "info".to_owned()),
            ("JETCRAWL_LOG_FORMAT".to_owned(), "json".to_owned()),
            (
                "JETCRAWL_ALLOW_PRIVATE_TARGETS".to_owned(),
                "true".to_owned(),
            ),
            (
                "JETCRAWL_RESULT_SIGNING_KEYS".to_owned(),
                TEST_SIGNING_KEYS.to_owned(),
            ),
        ];
        let gateway = [
            ("JETCRAWL_DATABASE_URL", self.postgres.url()),
            ("JETCRAWL_GRPC_ADDR", grpc.to_owned()),
            ("JETCRAWL_HTTP_ADDR", http.to_owned()),
            ("JETCRAWL_INSECURE_PLAINTEXT", "true".to_owned()),
            ("JETCRAWL_QUOTA_SUBMITS_PER_SEC", "0".to_owned()),
            ("JETCRAWL_QUOTA_SUBMIT_BURST", "0".to_owned()),
        ];
        self.define(
            Role::Gateway,
            &common,
            &gateway,
            format!("http://{http}/readyz"),
        );
        for role in [Role::Worker, Role::Projector, Role::Notifier] {
            let metrics = format!("127.0.0.1:{}", free_port()?);
            let mut env = vec![("JETCRAWL_METRICS_ADDR", metrics.clone())];
            match role {
                Role::Projector => env.push(("JETCRAWL_DATABASE_URL", self.postgres.url())),
                Role::Worker => {
                    let chromium = jetcrawl_local::chromium_path()?;
                    env.push(("JETCRAWL_CHROMIUM_PATH", chromium.display().to_string()));
                    env.push(("JETCRAWL_BROWSER_TABS", "1".to_owned()));
                    env.push(("JETCRAWL_WORKER_ID", "faults-worker".to_owned()));
                }
                _ => {}
            }
            self.define(role, &common, &env, format!("http://{metrics}/healthz"));
        }
        Ok(())
    }

    fn define(
        &mut self,
        role: Role,
        common: &[(String, String)],
        own: &[(&str, String)],
        ready_url: String,
    ) {
        let mut env = common.to_vec();
        env.extend(own.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        self.services.push(Service {
            role,
            env,
            ready_url,
            process: None,
        });
    }

    fn service(&mut self, role: Role) -> &mut Service {
        self.services
            .iter_mut()
            .find(|s| s.role == role)
            .expect("every role is defined")
    }

    /// Starts `role` (again) on its ports and waits until it is ready.
    pub async fn start_service(&mut self, role: Role) -> anyhow::Result<()> {
        let service = self.service(role);
        let mut process = ServiceProcess::spawn(
            role.binary(),
            std::iter::empty::<&str>(),
            service.env.clone(),
        )?;
        wait_http_ok(&mut process, &service.ready_url, READY_TIMEOUT).await?;
        service.process = Some(process);
        Ok(())
    }

    /// SIGKILLs `role`, as a crashed pod.
    pub fn kill_service(&mut self, role: Role) {
        if let Some(mut process) = self.service(role).process.take() {
            process.kill();
        }
    }

    /// The log of `role` so far.
    pub fn service_log(&mut self, role: Role) -> String {
        self.service(role)
            .process
            .as_ref()
            .map(ServiceProcess::log)
            .unwrap_or_default()
    }

    /// With no quorum, a submit fails fast with UNAVAILABLE instead of hanging, and the
    /// gateway stops saying it is ready once the JOBS leader's peers have been silent
    /// for [`PEER_SILENCE`] (a load balancer takes it out of rotation).
    pub async fn expect_no_quorum(&self) -> anyhow::Result<()> {
        self.expect_submit_unavailable().await?;
        let limit = PEER_SILENCE + Duration::from_secs(10);
        let started = std::time::Instant::now();
        let http = reqwest::Client::new();
        let url = format!("{}/readyz", self.http_url);
        loop {
            let answer = http.get(&url).timeout(Duration::from_secs(5)).send().await;
            if let Ok(response) = answer
                && response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE
            {
                let body = response.text().await.unwrap_or_default();
                anyhow::ensure!(
                    body.contains("\"nats\""),
                    "/readyz without a quorum blames something else: {body}"
                );
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < limit,
                "/readyz still answers ready {limit:?} after the quorum was lost"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn expect_submit_unavailable(&self) -> anyhow::Result<()> {
        let request = jetcrawl_proto::v1::SubmitJobRequest {
            spec: Some(jetcrawl_proto::v1::JobSpec {
                urls: vec![self.site.url("/static?no-quorum")],
                ..Default::default()
            }),
            idempotency_key: format!("no-quorum-{}", std::process::id()),
        };
        let started = std::time::Instant::now();
        let outcome = super::load::submit_once(&self.grpc_url, &self.api_key, request).await;
        let took = started.elapsed();
        anyhow::ensure!(
            matches!(&outcome, super::Outcome::Unknown(why) if why.starts_with("Unavailable")),
            "a submit without a quorum answered {outcome:?}"
        );
        anyhow::ensure!(
            took < Duration::from_secs(4),
            "a submit without a quorum took {took:?}, past the 2 s submit budget"
        );
        Ok(())
    }

    /// A pool on the read models.
    pub async fn pool(&self) -> anyhow::Result<sqlx::PgPool> {
        Ok(sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&self.postgres.url())
            .await?)
    }
}

async fn mint_key(js: &async_nats::jetstream::Context) -> anyhow::Result<String> {
    use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
    let keys = KeyStore::open(js).await?;
    let (_, issued) = keys
        .create(NewKey {
            tenant: crate::stack::TEST_TENANT.to_owned(),
            role: Role::Client,
            granted_tenants: Vec::new(),
            created_by: "fault-suite".to_owned(),
        })
        .await?;
    Ok(issued.token)
}
