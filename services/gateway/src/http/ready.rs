//! `GET /readyz`: readiness with per-dependency detail. `healthy` when NATS and Postgres
//! are up (200); `degraded` when only Postgres is down (200: submits, GetJob and WatchJob
//! still work, ListJobs does not); `unhealthy` when NATS is down (503: nothing can be
//! recorded).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::health::{Check, Dependencies};

/// `GET /readyz`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Readiness, with each dependency's state",
    security(()),
    responses(
        (status = 200, description = "`healthy`, or `degraded` when only Postgres is down"),
        (status = 503, description = "`unhealthy`: NATS is down, nothing can be recorded"),
    ),
)]
pub async fn readyz(State(app): State<AppState>) -> Response {
    let dependencies = Dependencies {
        nats: app.nats.clone(),
        js: app.gateway.store.context().clone(),
        pool: app.gateway.pool().clone(),
    };
    let nats = dependencies.nats().await;
    let postgres = dependencies.postgres().await;
    let check = |result: &Check| match result {
        Ok(()) => json!({"status": "up"}),
        Err(why) => json!({"status": "down", "reason": why}),
    };
    let down: Vec<&str> = [("nats", &nats), ("postgres", &postgres)]
        .into_iter()
        .filter(|(_, r)| r.is_err())
        .map(|(name, _)| name)
        .collect();
    let (health, status) = match (nats.is_ok(), postgres.is_ok()) {
        (true, true) => ("healthy", StatusCode::OK),
        (true, false) => ("degraded", StatusCode::OK),
        (false, _) => ("unhealthy", StatusCode::SERVICE_UNAVAILABLE),
    };
    let body = json!({
        "status": health,
        "ready": down.is_empty(),
        "down": down,
        "checks": {"nats": check(&nats), "postgres": check(&postgres)},
    });
    (status, Json(body)).into_response()
}
