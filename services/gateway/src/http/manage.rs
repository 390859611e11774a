//! The job routes beyond submit and lookup, each a thin shell around the service code
//! gRPC uses: `GET /v1/jobs` (list), `POST /v1/jobs/{id}/cancel`, and the dead-letter
//! queue (`GET /v1/dead-letters`, `POST /v1/dead-letters/replay`, admin only).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use jetcrawl_proto::v1::{
    CancelJobRequest, DeadLetterFilter, ListDeadLettersRequest, ListJobsRequest,
    ReplayDeadLetterRequest,
};
use serde::Deserialize;
use tonic::metadata::MetadataMap;

use super::AppState;
use super::dto::{CancelView, DeadLetterPage, JobPage, ReplayView, parse_state};
use super::error::{ApiError, Problem};
use super::params::{body, number, query};
use crate::auth::Action;
use crate::error::GatewayError;
use crate::service::Caller;

async fn caller(app: &AppState, headers: HeaderMap, action: Action) -> Result<Caller, ApiError> {
    let metadata = MetadataMap::from_headers(headers);
    Ok(app.gateway.caller(&metadata, action).await?)
}

/// Query of `GET /v1/jobs`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListJobsQuery {
    /// Only jobs in this state: queued, running, succeeded, failed or cancelled.
    state: Option<String>,
    /// Jobs per page, 1 to 500 (default 50).
    #[param(value_type = Option<u32>)]
    page_size: Option<String>,
    /// From a previous page's `next_page_token`.
    page_token: Option<String>,
    /// Only the page jobs of this crawl.
    crawl_id: Option<String>,
}

/// `GET /v1/jobs?state=&page_size=&page_token=`: the caller's jobs, newest first.
#[utoipa::path(
    get,
    path = "/v1/jobs",
    tag = "jobs",
    summary = "The caller's jobs, newest first, a page at a time",
    params(ListJobsQuery),
    responses(
        (status = 200, description = "One page", body = JobPage),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn list_jobs(
    State(app): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListJobsQuery>, QueryRejection>,
) -> Result<Json<JobPage>, ApiError> {
    let caller = caller(&app, headers, Action::ListJobs).await?;
    let params = query(params)?;
    let state = match params.state.as_deref() {
        None | Some("") => 0,
        Some(name) => parse_state(name).ok_or_else(|| {
            GatewayError::invalid(
                "state",
                format!(
                    "unknown state {name:?}; use queued, running, succeeded, failed or cancelled"
                ),
            )
        })? as i32,
    };
    let request = ListJobsRequest {
        page_size: number("page_size", params.page_size.as_deref())?,
        page_token: params.page_token.unwrap_or_default(),
        state,
        crawl_id: params.crawl_id.unwrap_or_default(),
    };
    let page = app.gateway.list_jobs(&caller, request).await?;
    Ok(Json(JobPage {
        jobs: page.jobs.into_iter().map(Into::into).collect(),
        next_page_token: Some(page.next_page_token).filter(|t| !t.is_empty()),
    }))
}

/// Optional body of `POST /v1/jobs/{id}/cancel`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Recorded in the job's events.
    #[serde(default)]
    reason: String,
}

/// `POST /v1/jobs/{id}/cancel`: a queued job is cancelled at once, a running one stops
/// at its next step boundary, a finished one is a 409 naming its state.
#[utoipa::path(
    post,
    path = "/v1/jobs/{id}/cancel",
    tag = "jobs",
    summary = "Cancel a job",
    description = "A queued job is cancelled at once, a running one stops at its next step \
        boundary, an ended one is a 409 naming its state. The body is optional.",
    params(("id" = String, Path, description = "Job id")),
    request_body(content = Option<CancelBody>, example = json!({"reason": "no longer needed"})),
    responses(
        (status = 200, description = "What the cancel did", body = CancelView),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn cancel_job(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(job_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CancelView>, ApiError> {
    let caller = caller(&app, headers, Action::CancelJob).await?;
    let CancelBody { reason } = body(&bytes)?;
    let done = app
        .gateway
        .cancel_job(&caller, CancelJobRequest { job_id, reason })
        .await?;
    Ok(Json(done.into()))
}

/// Query of `GET /v1/dead-letters`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeadLettersQuery {
    /// Only this tenant's.
    tenant: Option<String>,
    /// Only jobs whose first URL is on this host.
    domain: Option<String>,
    /// Only this error class, e.g. `http_4xx`.
    error_class: Option<String>,
    /// Dead letters per page, 1 to 500 (default 50).
    #[param(value_type = Option<u32>)]
    page_size: Option<String>,
    /// From a previous page's `next_page_token`.
    page_token: Option<String>,
}

/// `GET /v1/dead-letters?tenant=&domain=&error_class=&page_size=&page_token=` (admin).
#[utoipa::path(
    get,
    path = "/v1/dead-letters",
    tag = "dead letters",
    summary = "The dead-letter queue, newest first (admin)",
    params(DeadLettersQuery),
    responses(
        (status = 200, description = "One page", body = DeadLetterPage),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn list_dead_letters(
    State(app): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<DeadLettersQuery>, QueryRejection>,
) -> Result<Json<DeadLetterPage>, ApiError> {
    let caller = caller(&app, headers, Action::ListDeadLetters).await?;
    let params = query(params)?;
    let request = ListDeadLettersRequest {
        page_size: number("page_size", params.page_size.as_deref())?,
        page_token: params.page_token.unwrap_or_default(),
        filter: Some(DeadLetterFilter {
            tenant: params.tenant.unwrap_or_default(),
            domain: params.domain.unwrap_or_default(),
            error_class: params.error_class.unwrap_or_default(),
        }),
    };
    let page = app.gateway.list_dead_letters(&caller, request).await?;
    Ok(Json(DeadLetterPage {
        dead_letters: page.dead_letters.into_iter().map(Into::into).collect(),
        next_page_token: Some(page.next_page_token).filter(|t| !t.is_empty()),
    }))
}

/// Body of `POST /v1/dead-letters/replay`: one job, or every dead letter matching the
/// filter fields.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReplayBody {
    /// One dead-lettered job; leave empty to replay by filter.
    job_id: String,
    /// Filter: only this tenant's.
    tenant: String,
    /// Filter: only jobs whose first URL is on this host.
    domain: String,
    /// Filter: only this error class.
    error_class: String,
    /// Recorded in each JobReplayed.
    reason: String,
    /// Most jobs a filter replays (0: the gateway's default).
    limit: u32,
}

/// `POST /v1/dead-letters/replay` (admin).
#[utoipa::path(
    post,
    path = "/v1/dead-letters/replay",
    tag = "dead letters",
    summary = "Queue dead-lettered jobs again (admin)",
    request_body(content = ReplayBody,
        example = json!({"error_class": "http_5xx", "reason": "the site is back", "limit": 100})),
    responses(
        (status = 200, description = "What was replayed and what was skipped", body = ReplayView),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn replay_dead_letters(
    State(app): State<AppState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<ReplayView>, ApiError> {
    let caller = caller(&app, headers, Action::ReplayDeadLetter).await?;
    let replay: ReplayBody = body(&bytes)?;
    let request = ReplayDeadLetterRequest {
        job_id: replay.job_id,
        filter: Some(DeadLetterFilter {
            tenant: replay.tenant,
            domain: replay.domain,
            error_class: replay.error_class,
        }),
        reason: replay.reason,
        limit: replay.limit,
    };
    let done = app.gateway.replay_dead_letter(&caller, request).await?;
    Ok(Json(done.into()))
}
