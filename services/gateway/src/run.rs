//! Starting the gateway: connect, apply the topology, bind both listeners (port 0 picks
//! a free one, for tests), then serve gRPC and HTTP until the shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::FutureExt as _;
use jetcrawl_streams::EventStore;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::GatewayConfig;
use crate::health::{self, Dependencies};
use crate::http::{self, AppState};
use crate::serve::{GrpcOptions, grpc_server, http_server};
use crate::service::{Gateway, Guards, Settings};
use crate::tls::Transport;

/// First wait between two checks of the Postgres schema; it doubles up to a minute.
const MIGRATE_RETRY: Duration = Duration::from_millis(500);
/// How often idle tenants' rate buckets are forgotten.
const QUOTA_HOUSEKEEPING: Duration = Duration::from_secs(60);

/// A gateway whose listeners are bound but not yet serving.
pub struct BoundGateway {
    grpc: TcpListener,
    http: TcpListener,
    gateway: Arc<Gateway>,
    nats: async_nats::Client,
    metrics: PrometheusHandle,
    config: GatewayConfig,
    transport: Transport,
    closing: CancellationToken,
}

/// Connects to NATS (applying the topology), prepares the lazy Postgres pool and binds
/// both listeners. Postgres may be down: the gateway still starts and `/readyz` says so.
pub async fn bind(config: GatewayConfig) -> anyhow::Result<BoundGateway> {
    let transport = config.tls.transport()?;
    let metrics = jetcrawl_telemetry::install_metrics();
    let (nats, js) = config
        .nats
        .connect_verified("jetcrawl-gateway", &config.topology.topology())
        .await
        .context("starting the gateway on the event log")?;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(config.database.connect_options()?);
    let closing = CancellationToken::new();
    let guards = Guards::from_config(&config, &js, pool.clone(), closing.clone()).await?;
    let results = crate::results::open(&js, &config).await?;
    let privacy = crate::service::PrivacyAccess {
        keys: jetcrawl_privacy::SubjectKeys::open(&js)
            .await
            .context("opening the SUBJECT_KEYS bucket")?,
        seal: !config.dev_unsealed_submits,
    };
    if config.dev_unsealed_submits {
        tracing::warn!(
            "JETCRAWL_DEV_UNSEALED_SUBMITS: personal fields are stored in clear; never in production"
        );
    }
    let store = EventStore::open(js)
        .await
        .context("opening the JOBS stream")?;
    let grpc = listen(config.grpc_addr, "gRPC").await?;
    let http = listen(config.http_addr, "HTTP").await?;
    let settings = Settings {
        limits: config.limits(),
        submit_budget: config.submit_budget(),
    };
    let gateway = Arc::new(
        Gateway::new(store, pool, settings, closing.clone(), guards)
            .with_results(results)
            .with_privacy(privacy),
    );
    Ok(BoundGateway {
        grpc,
        http,
        gateway,
        nats,
        metrics,
        config,
        transport,
        closing,
    })
}

async fn listen(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the {what} listener on {addr}; is the port free?"))
}

/// Binds and serves until `shutdown` completes.
pub async fn run(
    config: GatewayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    bind(config).await?.serve(shutdown).await
}

impl BoundGateway {
    /// Where gRPC listens.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Where HTTP listens.
    pub fn http_addr(&self) -> SocketAddr {
        self.http
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The service behind both listeners.
    pub fn gateway(&self) -> Arc<Gateway> {
        self.gateway.clone()
    }

    /// Serves gRPC and HTTP until `shutdown` completes, then drains both. Open WatchJob
    /// streams end at shutdown so draining never waits on them.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (grpc_addr, http_addr) = (self.grpc_addr(), self.http_addr());
        let closing = self.closing.clone();
        let shutdown = async move {
            shutdown.await;
            closing.cancel();
        }
        .boxed()
        .shared();
        let pool = self.gateway.pool().clone();
        let migrations = tokio::spawn(verify_schema_until_done(pool.clone()));
        let housekeeping = tokio::spawn(forget_idle_tenants(self.gateway.clone()));
        let state = AppState {
            gateway: self.gateway.clone(),
            nats: self.nats.clone(),
            max_request_bytes: self.config.max_request_bytes,
            mcp: self.config.mcp.clone(),
        };
        let router = http::router(state, self.metrics);
        let options = GrpcOptions {
            transport: self.transport.clone(),
            max_request_bytes: self.config.max_request_bytes,
            request_timeout: self.config.request_timeout(),
            reflection: self.config.grpc_reflection,
        };
        let js = self.gateway.store.context().clone();
        let (reporter, grpc) = grpc_server(self.gateway, options, self.grpc, shutdown.clone())?;
        let dependencies = Dependencies {
            nats: self.nats.clone(),
            js,
            pool,
        };
        let interval = Duration::from_millis(self.config.health_interval_ms.max(50));
        // Statuses exist before the first call: a probe never sees "not registered".
        health::check_once(&reporter, &dependencies).await;
        tokio::spawn(health::report(
            reporter,
            dependencies,
            interval,
            self.closing.clone(),
        ));
        let http = http_server(
            self.http,
            router,
            self.transport.clone(),
            self.config.request_timeout(),
            shutdown,
        );
        let tls = matches!(self.transport, Transport::Tls(_));
        tracing::info!(%grpc_addr, %http_addr, tls, "gateway serving");
        let (grpc, http) = tokio::join!(grpc, http);
        migrations.abort();
        housekeeping.abort();
        self.closing.cancel();
        grpc.context("the gRPC server failed")?;
        http?;
        tracing::info!("gateway stopped");
        Ok(())
    }
}

/// Verifies the Postgres schema (which `jetcrawl admin apply` owns), retrying while
/// Postgres is unreachable or the schema is not there yet. The gateway serves submits
/// meanwhile: they never depend on Postgres.
async fn verify_schema_until_done(pool: PgPool) {
    let mut wait = MIGRATE_RETRY;
    loop {
        match jetcrawl_projections::verify_schema(&pool).await {
            Ok(()) => {
                tracing::info!("Postgres schema verified");
                return;
            }
            Err(err @ jetcrawl_projections::ProjectionError::Schema(_)) => {
                tracing::error!(error = %err, retry_in_ms = wait.as_millis() as u64, "Postgres schema differs; reads from the read models may fail");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in_ms = wait.as_millis() as u64, "Postgres schema not verified yet");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    }
}

async fn forget_idle_tenants(gateway: Arc<Gateway>) {
    let mut ticks = tokio::time::interval(QUOTA_HOUSEKEEPING);
    loop {
        ticks.tick().await;
        gateway.guards().quotas.forget_idle();
    }
}
