//! `GET /readyz`: ready only when NATS is connected and Postgres answers within 1 s.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;

/// Longest wait for Postgres' `SELECT 1`.
const POSTGRES_CHECK: Duration = Duration::from_secs(1);

/// `GET /readyz`.
pub async fn readyz(State(app): State<AppState>) -> Response {
    let nats = match app.nats.connection_state() {
        async_nats::connection::State::Connected => Ok(()),
        other => Err(format!(
            "NATS is {other}; check that nats-server is running"
        )),
    };
    let postgres = match tokio::time::timeout(
        POSTGRES_CHECK,
        sqlx::query("SELECT 1").execute(app.gateway.pool()),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(format!("Postgres refused SELECT 1: {err}")),
        Err(_) => Err(format!(
            "Postgres did not answer SELECT 1 within {} ms",
            POSTGRES_CHECK.as_millis()
        )),
    };
    let check = |result: &Result<(), String>| match result {
        Ok(()) => json!({"status": "up"}),
        Err(why) => json!({"status": "down", "reason": why}),
    };
    let down: Vec<&str> = [("nats", &nats), ("postgres", &postgres)]
        .into_iter()
        .filter(|(_, r)| r.is_err())
        .map(|(name, _)| name)
        .collect();
    let status = if down.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": down.is_empty(),
        "down": down,
        "checks": {"nats": check(&nats), "postgres": check(&postgres)},
    });
    (status, Json(body)).into_response()
}
