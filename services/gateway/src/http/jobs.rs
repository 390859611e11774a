//! `POST /v1/jobs` and `GET /v1/jobs/{id}`: decode, then the same service code as gRPC.

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
use super::error::ApiError;
use crate::auth::Action;
use crate::error::GatewayError;

/// Answer of an accepted submit.
#[derive(Debug, Serialize)]
struct Submitted {
    job_id: String,
    stream_sequence: u64,
    duplicate: bool,
}

/// `POST /v1/jobs`.
pub async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let arrived = Instant::now();
    let metadata = MetadataMap::from_headers(headers);
    let caller = match app.gateway.caller(&metadata, Action::SubmitJob).await {
        Ok(caller) => caller,
        Err(err) => return ApiError(app.gateway.refuse_submit(err, arrived)).into_response(),
    };
    let request = match decode(body, app.max_request_bytes) {
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
    let mut json = serde_json::Deserializer::from_slice(&bytes);
    let body: SubmitJobBody = serde_path_to_error::deserialize(&mut json).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        GatewayError::invalid(field, err.into_inner().to_string())
    })?;
    json.end().map_err(|err| {
        GatewayError::invalid(
            "body",
            format!("unexpected data after the JSON object: {err}"),
        )
    })?;
    Ok(body.into())
}
