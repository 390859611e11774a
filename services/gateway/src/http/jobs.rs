//! `POST /v1/jobs` and `GET /v1/jobs/{id}`: decode, then the same service code as gRPC.
//! The `Idempotency-Key` header works like the body's `idempotency_key`.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jetcrawl_proto::v1::SubmitJobRequest;
use serde::Serialize;
use tonic::metadata::MetadataMap;

use super::AppState;
use super::dto::{JobView, SubmitJobBody};
use super::error::{ApiError, Problem};
use crate::auth::Action;
use crate::error::GatewayError;

/// Answer of an accepted submit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    /// The job's id.
    job_id: String,
    /// Stream sequence of its JobSubmitted.
    stream_sequence: u64,
    /// True when the idempotency key named a job submitted before: this is that job.
    duplicate: bool,
}

/// `POST /v1/jobs`.
#[utoipa::path(
    post,
    path = "/v1/jobs",
    tag = "jobs",
    summary = "Submit a job",
    description = "Validates the spec, appends JobSubmitted to the event log and answers \
        with the job id. The `Idempotency-Key` header works like the body's `idempotency_key`.",
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Resubmitting with the same key returns the same job")),
    request_body(content = SubmitJobBody, example = json!({
        "spec": {
            "urls": ["https://example.com/"],
            "render": "browser",
            "steps": [{"wait_for": {"selector": "h1"}}],
            "extract": [
                {"name": "title", "selector": "h1"},
                {"name": "links", "selector": "a", "kind": "attribute", "attribute": "href", "many": true}
            ],
            "labels": {"team": "pricing"}
        },
        "idempotency_key": "order-2026-12-01-0001"
    })),
    responses(
        (status = 202, description = "Recorded in the event log", body = Submitted),
        (status = "4XX", description = "A problem document naming each wrong field",
         body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let arrived = Instant::now();
    let header_key = idempotency_header(&headers);
    let metadata = MetadataMap::from_headers(headers);
    let caller = match app.gateway.caller(&metadata, Action::SubmitJob).await {
        Ok(caller) => caller,
        Err(err) => return ApiError(app.gateway.refuse_submit(err, arrived)).into_response(),
    };
    let request = match header_key.and_then(|key| {
        let request = decode(body, app.max_request_bytes)?;
        with_header_key(request, key)
    }) {
        Ok(request) => request,
        Err(err) => return ApiError(app.gateway.refuse_submit(err, arrived)).into_response(),
    };
    match app.gateway.submit_job(&caller, request, arrived).await {
        Ok(done) => {
            let body = Submitted {
                job_id: done.job_id,
                stream_sequence: done.stream_sequence,
                duplicate: done.duplicate,
            };
            (StatusCode::ACCEPTED, Json(body)).into_response()
        }
        Err(err) => ApiError(err).into_response(),
    }
}

/// `GET /v1/jobs/{id}`.
#[utoipa::path(
    get,
    path = "/v1/jobs/{id}",
    tag = "jobs",
    summary = "A job, read from the event log (read-your-writes)",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn get(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(job_id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let metadata = MetadataMap::from_headers(headers);
    let caller = app.gateway.caller(&metadata, Action::GetJob).await?;
    let job = app.gateway.get_job(&caller, &job_id).await?;
    Ok(Json(JobView::from(&job)))
}

/// The `Idempotency-Key` header, when sent: the same key as the body's
/// `idempotency_key`, for clients whose HTTP library sets it (the IETF draft's header).
fn idempotency_header(headers: &HeaderMap) -> Result<Option<String>, GatewayError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| {
        GatewayError::invalid(
            IDEMPOTENCY_KEY,
            "the header must be visible ASCII; send the key as plain text",
        )
    })?;
    Ok(Some(key.trim_matches('"').to_owned()))
}

/// `request` with the header's key: in place of an empty body key, or refused when the
/// two disagree (which one was meant cannot be told).
fn with_header_key(
    mut request: SubmitJobRequest,
    key: Option<String>,
) -> Result<SubmitJobRequest, GatewayError> {
    match key {
        None => {}
        Some(key) if request.idempotency_key.is_empty() => request.idempotency_key = key,
        Some(key) if request.idempotency_key == key => {}
        Some(key) => {
            return Err(GatewayError::invalid(
                IDEMPOTENCY_KEY,
                format!(
                    "the header says {key:?} but the body's idempotency_key says {:?}; send the key once, or the same in both",
                    request.idempotency_key
                ),
            ));
        }
    }
    Ok(request)
}

/// The header carrying an idempotency key.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The request in a body, or a 400/413 naming the JSON path that is wrong.
fn decode(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<SubmitJobRequest, GatewayError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            GatewayError::TooLarge(format!(
                "request body is larger than {limit} bytes; send a smaller spec (fewer URLs, steps or rules)"
            ))
        } else {
            GatewayError::invalid("body", format!("could not read the request body: {rejection}"))
        }
    })?;
    let body: SubmitJobBody = super::params::json(&bytes)?;
    Ok(body.into())
}
