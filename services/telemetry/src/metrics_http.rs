//! The Prometheus recorder and the small HTTP surface every service exposes.

use std::future::Future;
use std::sync::OnceLock;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();

/// Latency buckets (seconds) shared by every histogram: fine below 10 ms, where the
/// submit path lives, and coarse up to minutes, where jobs live.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 120.0, 300.0,
];

/// Installs the global Prometheus recorder once and returns its handle. Services that
/// share a process (`jetcrawl up`) share one recorder.
pub fn install_metrics() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(handle) => {
                    crate::catalogue::describe_all();
                    PROCESS
                        .get_or_init(metrics_process::Collector::default)
                        .describe();
                    handle
                }
                // Another recorder is already global: keep a detached one so /metrics works.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// `GET /metrics` (Prometheus text) and `GET /healthz` (process alive).
pub fn router(handle: PrometheusHandle) -> Router {
    router_with_health(handle, || Ok(()))
}

/// [`router`] whose `/healthz` asks `health`: 200 `ok`, or 503 with the problem it names
/// (a service that runs but must not be trusted, e.g. a halted projector).
pub fn router_with_health<H>(handle: PrometheusHandle, health: H) -> Router
where
    H: Fn() -> Result<(), String> + Clone + Send + Sync + 'static,
{
    let healthz = move || {
        std::future::ready(match health() {
            Ok(()) => (StatusCode::OK, "ok".to_owned()),
            Err(problem) => (StatusCode::SERVICE_UNAVAILABLE, problem),
        })
    };
    Router::new()
        .route(
            "/metrics",
            get(move || {
                // The process's own figures are read at scrape time.
                if let Some(process) = PROCESS.get() {
                    process.collect();
                }
                std::future::ready(handle.render())
            }),
        )
        .route("/healthz", get(healthz))
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
