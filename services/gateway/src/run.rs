//! Starting the gateway: connect, apply the topology, bind both listeners (port 0 picks
//! a free one, for tests), then serve gRPC and HTTP until the shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::FutureExt as _;
use jetcrawl_proto::v1::jobs_server::JobsServer;
use jetcrawl_streams::{EventStore, Topology};
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::TcpIncoming;

use crate::config::GatewayConfig;
use crate::grpc::{JobsApi, oversize_as_resource_exhausted};
use crate::http::{self, AppState};
use crate::service::{Gateway, Settings};

/// First wait between two attempts at the Postgres migrations; it doubles up to a minute.
const MIGRATE_RETRY: Duration = Duration::from_millis(500);

/// A gateway whose listeners are bound but not yet serving.
pub struct BoundGateway {
    grpc: TcpListener,
    http: TcpListener,
    gateway: Arc<Gateway>,
    nats: async_nats::Client,
    metrics: PrometheusHandle,
    max_request_bytes: usize,
    closing: CancellationToken,
}

/// Connects to NATS (applying the topology), prepares the lazy Postgres pool and binds
/// both listeners. Postgres may be down: the gateway still starts and `/readyz` says so.
pub async fn bind(config: GatewayConfig) -> anyhow::Result<BoundGateway> {
    let metrics = jetcrawl_telemetry::install_metrics();
    crate::metrics::describe();
    let (nats, js) = jetcrawl_streams::connect(&config.nats_url, "jetcrawl-gateway")
        .await
        .with_context(|| format!("connecting to NATS at {}", config.nats_url))?;
    let topology = Topology {
        duplicate_window: config.duplicate_window(),
        ..Topology::default()
    };
    topology.apply(&js).await.with_context(|| {
        format!(
            "applying the JetStream topology at {}; is nats-server running with JetStream (-js)?",
            config.nats_url
        )
    })?;
    let store = EventStore::open(js)
        .await
        .context("opening the JOBS stream")?;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy(&config.database_url)
        .context("parsing JETCRAWL_DATABASE_URL")?;
    let grpc = TcpListener::bind(config.grpc_addr).await.with_context(|| {
        format!(
            "binding the gRPC listener on {}; is the port free?",
            config.grpc_addr
        )
    })?;
    let http = TcpListener::bind(config.http_addr).await.with_context(|| {
        format!(
            "binding the HTTP listener on {}; is the port free?",
            config.http_addr
        )
    })?;
    let closing = CancellationToken::new();
    let settings = Settings {
        limits: config.limits(),
        default_tenant: config.default_tenant.clone(),
        submit_budget: config.submit_budget(),
    };
    let gateway = Arc::new(Gateway::new(store, pool, settings, closing.clone()));
    Ok(BoundGateway {
        grpc,
        http,
        gateway,
        nats,
        metrics,
        max_request_bytes: config.max_request_bytes,
        closing,
    })
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
        let migrations = tokio::spawn(migrate_until_done(self.gateway.pool().clone()));
        let state = AppState {
            gateway: self.gateway.clone(),
            nats: self.nats.clone(),
            max_request_bytes: self.max_request_bytes,
        };
        let router = http::router(state, self.metrics);
        let grpc = grpc_server(
            self.gateway,
            self.max_request_bytes,
            self.grpc,
            shutdown.clone(),
        )?;
        let http = jetcrawl_telemetry::serve(self.http, router, shutdown);
        tracing::info!(%grpc_addr, %http_addr, "gateway serving");
        let (grpc, http) = tokio::join!(grpc, http);
        migrations.abort();
        grpc.context("the gRPC server failed")?;
        http.context("the HTTP server failed")?;
        tracing::info!("gateway stopped");
        Ok(())
    }
}

/// The Jobs service with `grpc.health.v1` and server reflection.
fn grpc_server(
    gateway: Arc<Gateway>,
    max_request_bytes: usize,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<impl Future<Output = Result<(), tonic::transport::Error>>> {
    let (health, health_service) = tonic_health::server::health_reporter();
    // Set before serving: the reporter only stores the status.
    tokio::spawn(async move { health.set_serving::<JobsServer<JobsApi>>().await });
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(jetcrawl_proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("building gRPC reflection from the jetcrawl descriptor set")?;
    Ok(tonic::transport::Server::builder()
        .layer(tower::util::MapResponseLayer::new(
            oversize_as_resource_exhausted,
        ))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(JobsApi::new(gateway).into_server(max_request_bytes))
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        ))
}

/// Applies the projection migrations, retrying while Postgres is unreachable.
async fn migrate_until_done(pool: PgPool) {
    let mut wait = MIGRATE_RETRY;
    loop {
        match jetcrawl_projections::migrate(&pool).await {
            Ok(()) => {
                tracing::info!("projection migrations applied");
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in_ms = wait.as_millis() as u64, "projection migrations not applied yet");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    }
}
