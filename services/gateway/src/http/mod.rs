//! The HTTP API (axum): job submit and lookup, results, signed downloads of results
//! and reports, readiness, metrics and liveness.

mod download;
pub mod dto;
pub mod error;
mod jobs;
mod ready;
mod results;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::service::Gateway;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The service, shared with gRPC.
    pub gateway: Arc<Gateway>,
    /// The NATS client, for readiness.
    pub nats: async_nats::Client,
    /// Largest body accepted.
    pub max_request_bytes: usize,
}

/// Every HTTP route: `/v1/jobs`, `/v1/jobs/{id}`, `/readyz`, `/metrics`, `/healthz`.
pub fn router(state: AppState, metrics: PrometheusHandle) -> Router {
    let limit = state.max_request_bytes;
    Router::new()
        .route(
            "/v1/jobs",
            post(jobs::submit).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/v1/jobs/{id}", get(jobs::get))
        .route("/v1/jobs/{id}/result", get(results::get_result))
        .route("/results/{job_id}/{artifact}", get(download::result))
        .route("/reports/{month}/{revision}/{file}", get(download::report))
        .route("/readyz", get(ready::readyz))
        .with_state(state)
        .merge(jetcrawl_telemetry::router(metrics))
}
