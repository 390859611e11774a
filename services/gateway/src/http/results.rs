//! `GET /v1/jobs/{id}/result`: GetResult over HTTP.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use jetcrawl_proto::v1::{GetResultRequest, SignedArtifact};
use serde::{Deserialize, Serialize};
use tonic::metadata::MetadataMap;

use crate::auth::Action;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};

/// Optional query of the route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultQuery {
    /// URL lifetime in seconds (default 15 minutes, capped by configuration).
    ttl_seconds: Option<u32>,
}

/// One signed object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SignedFile)]
pub struct SignedView {
    name: String,
    url: String,
    content_type: String,
    size: u64,
    sha256: String,
}

/// Signed, expiring URLs of a job's result and artifacts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SignedResult)]
pub struct ResultView {
    job_id: String,
    /// The result JSON's URL (same as `result.url`).
    url: String,
    result: Option<SignedView>,
    artifacts: Vec<SignedView>,
    expires_at: Option<String>,
    key_id: String,
    retained_until: Option<String>,
}

/// `GET /v1/jobs/{id}/result`.
#[utoipa::path(
    get,
    path = "/v1/jobs/{id}/result",
    tag = "jobs",
    summary = "Signed, expiring URLs of a job's result and artifacts",
    params(("id" = String, Path, description = "Job id"), ResultQuery),
    responses(
        (status = 200, description = "The URLs", body = ResultView),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn get_result(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(job_id): Path<String>,
    Query(query): Query<ResultQuery>,
) -> Result<Json<ResultView>, ApiError> {
    let metadata = MetadataMap::from_headers(headers);
    let caller = app.gateway.caller(&metadata, Action::GetResult).await?;
    let request = GetResultRequest {
        job_id,
        ttl_seconds: query.ttl_seconds.unwrap_or(0),
    };
    let response = app.gateway.get_result(&caller, request).await?;
    let result = response.result.map(view);
    Ok(Json(ResultView {
        job_id: response.job_id,
        url: result.as_ref().map(|r| r.url.clone()).unwrap_or_default(),
        result,
        artifacts: response.artifacts.into_iter().map(view).collect(),
        expires_at: response.expires_at.as_ref().and_then(rfc3339),
        key_id: response.key_id,
        retained_until: response.retained_until.as_ref().and_then(rfc3339),
    }))
}

fn view(a: SignedArtifact) -> SignedView {
    SignedView {
        name: a.name,
        url: a.url,
        content_type: a.content_type,
        size: a.size,
        sha256: a.sha256,
    }
}

fn rfc3339(t: &prost_types::Timestamp) -> Option<String> {
    chrono::DateTime::from_timestamp(t.seconds, 0).map(|d| d.to_rfc3339())
}
