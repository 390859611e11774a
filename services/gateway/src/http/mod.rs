//! The HTTP API (axum): job submit and lookup, results, signed downloads of results
//! and reports, readiness, metrics and liveness.

mod download;
pub mod dto;
pub mod error;
mod events;
mod jobs;
mod manage;
mod params;
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

/// Every HTTP route: the jobs (`/v1/jobs`, `/v1/jobs/{id}`, its cancel, events and
/// result), the dead letters, signed downloads, `/readyz`, `/metrics`, `/healthz`. Every
/// error, an unknown path or method included, is `application/problem+json`.
pub fn router(state: AppState, metrics: PrometheusHandle) -> Router {
    let limit = state.max_request_bytes;
    Router::new()
        .route(
            "/v1/jobs",
            post(jobs::submit)
                .layer(DefaultBodyLimit::max(limit))
                .get(manage::list_jobs),
        )
        .route("/v1/jobs/{id}", get(jobs::get))
        .route("/v1/jobs/{id}/cancel", post(manage::cancel_job))
        .route("/v1/jobs/{id}/events", get(events::watch))
        .route("/v1/dead-letters", get(manage::list_dead_letters))
        .route("/v1/dead-letters/replay", post(manage::replay_dead_letters))
        .route("/v1/jobs/{id}/result", get(results::get_result))
        .route("/results/{job_id}/{artifact}", get(download::result))
        .route("/reports/{month}/{revision}/{file}", get(download::report))
        .route("/readyz", get(ready::readyz))
        .with_state(state)
        .merge(jetcrawl_telemetry::router(metrics))
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::wrong_method)
}
