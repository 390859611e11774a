//! The HTTP API (axum): job submit and lookup, results, signed downloads of results
//! and reports, readiness, metrics and liveness.

mod download;
pub mod dto;
pub mod error;
mod events;
mod jobs;
mod manage;
pub mod openapi;
mod params;
mod ready;
mod results;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
    /// The `/mcp` browser sessions' settings.
    pub mcp: crate::mcp::McpArgs,
}

/// Every HTTP route: the jobs (`/v1/jobs`, `/v1/jobs/{id}`, its cancel, events and
/// result), the dead letters, signed downloads, `/readyz`, `/metrics`, `/healthz` and
/// `/openapi.json`, and the MCP endpoint `/mcp`. Every error, an unknown path or method included, is
/// `application/problem+json`.
pub fn router(state: AppState, metrics: PrometheusHandle) -> Router {
    let limit = state.max_request_bytes;
    let (api, document) = documented().split_for_parts();
    let mcp = crate::mcp::router(state.clone());
    api.layer(DefaultBodyLimit::max(limit))
        .with_state(state)
        .merge(mcp)
        .route("/openapi.json", get(move || async move { Json(document) }))
        .merge(jetcrawl_telemetry::router(metrics))
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::wrong_method)
}

/// The OpenAPI document, as `GET /openapi.json` serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    documented().split_for_parts().1
}

/// The routes that carry their documentation, and the document they make.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(jobs::submit, manage::list_jobs))
        .routes(routes!(jobs::get))
        .routes(routes!(manage::cancel_job))
        .routes(routes!(events::watch))
        .routes(routes!(results::get_result))
        .routes(routes!(manage::list_dead_letters))
        .routes(routes!(manage::replay_dead_letters))
        .routes(routes!(download::result))
        .routes(routes!(download::report))
        .routes(routes!(ready::readyz))
}
