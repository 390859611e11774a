//! The whole platform's infrastructure for one test, and the services wired to it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_local::{NatsOptions, NatsServer, Postgres, PostgresOptions, free_port};
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::fixture::FixtureSite;
use crate::readiness::{READY_TIMEOUT, wait_http_ok};
use crate::service::ServiceProcess;

/// Binary names of the services.
pub const GATEWAY_BIN: &str = "jetcrawl-gateway";
/// The worker binary.
pub const WORKER_BIN: &str = "jetcrawl-worker";
/// The projector binary.
pub const PROJECTOR_BIN: &str = "jetcrawl-projector";
/// The CLI binary.
pub const CLI_BIN: &str = "jetcrawl";
/// The notifier binary.
pub const NOTIFIER_BIN: &str = "jetcrawl-notifier";
/// The reporter binary.
pub const REPORTER_BIN: &str = "jetcrawl-reporter";
/// Result URL signing keys every spawned gateway and notifier share (`kid=secret`).
pub const TEST_SIGNING_KEYS: &str = "test-k1=jetcrawl-test-signing-key-0123456789abcdef";

/// Long enough for a loaded 2-core machine, short enough that a test against a stopped
/// server fails quickly (sqlx retries connecting until this passes).
const POOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Makes worker ids unique across the workers of one test binary.
static NEXT_WORKER: AtomicU32 = AtomicU32::new(1);

/// Tenant of the API key a spawned [`Gateway`] comes with.
pub const TEST_TENANT: &str = "e2e";

/// A running gateway.
#[derive(Debug)]
pub struct Gateway {
    /// The process.
    pub process: ServiceProcess,
    /// The gRPC endpoint, `http://127.0.0.1:PORT`.
    pub grpc_url: String,
    /// The HTTP base URL, `http://127.0.0.1:PORT`.
    pub http_url: String,
    /// A client key of tenant [`TEST_TENANT`].
    pub api_key: String,
}

impl Gateway {
    /// A Jobs client sending [`Gateway::api_key`].
    pub async fn jobs(&self) -> anyhow::Result<crate::JobsApiClient> {
        crate::auth::jobs_client(&self.grpc_url, &self.api_key).await
    }

    /// An HTTP client sending [`Gateway::api_key`].
    pub fn http_client(&self) -> anyhow::Result<reqwest::Client> {
        crate::auth::http_client_with_key(&self.api_key)
    }
}

/// A running worker.
#[derive(Debug)]
pub struct Worker {
    /// The process.
    pub process: ServiceProcess,
    /// `JETCRAWL_WORKER_ID` it was given.
    pub worker_id: String,
    /// Base URL of its `/metrics` and `/healthz`.
    pub metrics_url: String,
}

/// A running projector.
#[derive(Debug)]
pub struct Projector {
    /// The process.
    pub process: ServiceProcess,
    /// Base URL of its `/metrics` and `/healthz`.
    pub metrics_url: String,
}

/// A running notifier.
#[derive(Debug)]
pub struct Notifier {
    /// The process.
    pub process: ServiceProcess,
    /// Base URL of its `/metrics` and `/healthz`.
    pub metrics_url: String,
}

/// A running reporter.
#[derive(Debug)]
pub struct Reporter {
    /// The process.
    pub process: ServiceProcess,
    /// Base URL of its `/metrics` and `/healthz`.
    pub metrics_url: String,
}

/// nats-server, Postgres (fsync off) and the fixture site, each on free loopback ports,
/// all stopped on drop.
#[derive(Debug)]
pub struct Stack {
    /// The fixture website.
    pub site: FixtureSite,
    /// nats-server with JetStream.
    pub nats: NatsServer,
    /// Postgres with the `jetcrawl` database.
    pub postgres: Postgres,
}

impl Stack {
    /// Starts nats-server and Postgres concurrently, and the fixture site, then applies
    /// the default topology and the migrations as `jetcrawl admin apply` does.
    pub async fn start() -> anyhow::Result<Self> {
        let site = FixtureSite::start()?;
        let (nats, postgres) = tokio::try_join!(
            NatsServer::start(NatsOptions::default()),
            Postgres::start(PostgresOptions::for_tests()),
        )?;
        let stack = Self {
            site,
            nats,
            postgres,
        };
        stack
            .apply_topology(&jetcrawl_streams::Topology::default())
            .await?;
        jetcrawl_projections::migrate(&stack.pg_pool().await?).await?;
        Ok(stack)
    }

    /// Applies `topology` (what `jetcrawl admin apply` does with the same settings):
    /// services spawned with other topology variables verify against it.
    pub async fn apply_topology(
        &self,
        topology: &jetcrawl_streams::Topology,
    ) -> anyhow::Result<()> {
        let (_client, js) = jetcrawl_streams::connect(&self.nats.url(), "test-admin").await?;
        topology.apply(&js).await?;
        Ok(())
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn nats_url(&self) -> String {
        self.nats.url()
    }

    /// `postgres://postgres@127.0.0.1:PORT/jetcrawl`.
    pub fn database_url(&self) -> String {
        self.postgres.url()
    }

    /// A client connected to the stack's nats-server.
    pub async fn nats_client(&self) -> anyhow::Result<async_nats::Client> {
        async_nats::connect(self.nats.url())
            .await
            .with_context(|| format!("connecting to {}", self.nats.url()))
    }

    /// A small pool on the stack's `jetcrawl` database.
    pub async fn pg_pool(&self) -> anyhow::Result<PgPool> {
        PgPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(POOL_ACQUIRE_TIMEOUT)
            .connect(&self.postgres.url())
            .await
            .with_context(|| format!("connecting to {}", self.postgres.url()))
    }

    /// The variables every service gets: NATS URL, log level (`RUST_LOG` of the test,
    /// else `info`) and JSON logs.
    pub fn common_env(&self) -> Vec<(String, String)> {
        let rust_log = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
        vec![
            ("JETCRAWL_NATS_URL".into(), self.nats.url()),
            ("RUST_LOG".into(), rust_log),
            ("JETCRAWL_LOG_FORMAT".into(), "json".into()),
        ]
    }

    /// Spawns the gateway and waits until `GET /readyz` answers 200.
    pub async fn spawn_gateway(&self) -> anyhow::Result<Gateway> {
        self.spawn_gateway_with(&[]).await
    }

    /// [`Stack::spawn_gateway`] with `extra_env` applied last.
    pub async fn spawn_gateway_with(&self, extra_env: &[(&str, &str)]) -> anyhow::Result<Gateway> {
        let grpc = format!("127.0.0.1:{}", free_port()?);
        let http = format!("127.0.0.1:{}", free_port()?);
        let mut env = vec![
            ("JETCRAWL_DATABASE_URL", self.postgres.url()),
            ("JETCRAWL_GRPC_ADDR", grpc.clone()),
            ("JETCRAWL_HTTP_ADDR", http.clone()),
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "true".into()),
            // Loopback only: plaintext must be asked for explicitly.
            ("JETCRAWL_INSECURE_PLAINTEXT", "true".into()),
            ("JETCRAWL_GRPC_REFLECTION", "true".into()),
            ("JETCRAWL_RESULT_SIGNING_KEYS", TEST_SIGNING_KEYS.into()),
        ];
        env.extend(extra_env.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let http_url = format!("http://{http}");
        let process = self
            .spawn_service(GATEWAY_BIN, env, &format!("{http_url}/readyz"))
            .await?;
        let api_key = self
            .mint_api_key(TEST_TENANT, jetcrawl_gateway::auth::Role::Client)
            .await?;
        Ok(Gateway {
            process,
            grpc_url: format!("http://{grpc}"),
            http_url,
            api_key,
        })
    }

    /// Issues an API key of `tenant` with `role` straight in the `API_KEYS` bucket
    /// (as `jetcrawl keys create` does); gateways accept it at once.
    pub async fn mint_api_key(
        &self,
        tenant: &str,
        role: jetcrawl_gateway::auth::Role,
    ) -> anyhow::Result<String> {
        let (_client, js) = jetcrawl_streams::connect(&self.nats.url(), "test-keys").await?;
        let keys = jetcrawl_gateway::auth::KeyStore::open(&js).await?;
        let (_, issued) = keys
            .create(jetcrawl_gateway::auth::NewKey {
                tenant: tenant.to_owned(),
                role,
                granted_tenants: Vec::new(),
                created_by: "test-kit".to_owned(),
            })
            .await?;
        Ok(issued.token)
    }

    /// Spawns a worker with `extra_env` applied last (so it can override anything) and
    /// waits until `GET /healthz` on its metrics address answers 200.
    pub async fn spawn_worker(&self, extra_env: &[(&str, &str)]) -> anyhow::Result<Worker> {
        let chromium = jetcrawl_local::chromium_path()?;
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let worker_id = format!(
            "test-worker-{}-{}",
            std::process::id(),
            NEXT_WORKER.fetch_add(1, Ordering::Relaxed)
        );
        let mut env = vec![
            (
                "JETCRAWL_CHROMIUM_PATH".to_owned(),
                chromium.display().to_string(),
            ),
            ("JETCRAWL_BROWSER_TABS".to_owned(), "2".to_owned()),
            ("JETCRAWL_METRICS_ADDR".to_owned(), metrics.clone()),
            (
                "JETCRAWL_ALLOW_PRIVATE_TARGETS".to_owned(),
                "true".to_owned(),
            ),
            ("JETCRAWL_WORKER_ID".to_owned(), worker_id.clone()),
        ];
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let metrics_url = format!("http://{metrics}");
        let process = self
            .spawn_service(WORKER_BIN, env, &format!("{metrics_url}/healthz"))
            .await?;
        Ok(Worker {
            process,
            worker_id,
            metrics_url,
        })
    }

    /// Spawns a notifier with `extra_env` applied last and waits until `GET /healthz` on
    /// its metrics address answers. Loopback webhooks are allowed; signing keys are
    /// [`TEST_SIGNING_KEYS`].
    pub async fn spawn_notifier(&self, extra_env: &[(&str, &str)]) -> anyhow::Result<Notifier> {
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let mut env = vec![
            ("JETCRAWL_METRICS_ADDR", metrics.clone()),
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "true".to_owned()),
            ("JETCRAWL_RESULT_SIGNING_KEYS", TEST_SIGNING_KEYS.to_owned()),
        ];
        env.extend(extra_env.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let metrics_url = format!("http://{metrics}");
        let process = self
            .spawn_service(NOTIFIER_BIN, env, &format!("{metrics_url}/healthz"))
            .await?;
        Ok(Notifier {
            process,
            metrics_url,
        })
    }

    /// Spawns a reporter with `extra_env` applied last and waits until `GET /healthz` on
    /// its metrics address answers. Its schedule runs unless `extra_env` turns it off
    /// (`JETCRAWL_REPORT_SCHEDULE=false`).
    pub async fn spawn_reporter(&self, extra_env: &[(&str, &str)]) -> anyhow::Result<Reporter> {
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let mut env = vec![
            ("JETCRAWL_DATABASE_URL", self.postgres.url()),
            ("JETCRAWL_METRICS_ADDR", metrics.clone()),
        ];
        env.extend(extra_env.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let metrics_url = format!("http://{metrics}");
        let process = self
            .spawn_service(REPORTER_BIN, env, &format!("{metrics_url}/healthz"))
            .await?;
        Ok(Reporter {
            process,
            metrics_url,
        })
    }

    /// Spawns a projector and waits until `GET /healthz` on its metrics address answers.
    pub async fn spawn_projector(&self) -> anyhow::Result<Projector> {
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let env = [
            ("JETCRAWL_DATABASE_URL", self.postgres.url()),
            ("JETCRAWL_METRICS_ADDR", metrics.clone()),
        ];
        let metrics_url = format!("http://{metrics}");
        let process = self
            .spawn_service(PROJECTOR_BIN, env, &format!("{metrics_url}/healthz"))
            .await?;
        Ok(Projector {
            process,
            metrics_url,
        })
    }

    /// Spawns any workspace binary with [`Stack::common_env`] plus `env`, then waits up
    /// to 60 s for `ready_url` to answer 200.
    pub async fn spawn_service<K, V>(
        &self,
        bin: &str,
        env: impl IntoIterator<Item = (K, V)>,
        ready_url: &str,
    ) -> anyhow::Result<ServiceProcess>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut all = self.common_env();
        all.extend(env.into_iter().map(|(k, v)| (k.into(), v.into())));
        let mut process = ServiceProcess::spawn(bin, std::iter::empty::<&str>(), all)?;
        wait_http_ok(&mut process, ready_url, READY_TIMEOUT).await?;
        Ok(process)
    }
}
