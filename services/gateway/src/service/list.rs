//! ListJobs: pages of the caller's jobs from the Postgres projection, newest first.
//! The projection lags the stream slightly; GetJob is the read-your-writes path.

use jetcrawl_projections::{JobRow, ProjectionError, list_jobs};
use jetcrawl_proto::v1::{JobState, JobSummary, ListJobsRequest, ListJobsResponse};
use jetcrawl_streams::JobStatus;

use super::convert::timestamp;
use super::{Caller, Gateway};
use crate::error::GatewayError;

/// Page size used when the request says 0.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page a request may ask for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// The page size a request asked for: 0 means the default, more than the limit is
/// INVALID_ARGUMENT naming `page_size` and what a page holds (`items`, e.g. "jobs").
pub(crate) fn page_size(requested: u32, items: &str) -> Result<u32, GatewayError> {
    match requested {
        0 => Ok(DEFAULT_PAGE_SIZE),
        n if n > MAX_PAGE_SIZE => Err(GatewayError::invalid(
            "page_size",
            format!(
                "{n} is above the limit {MAX_PAGE_SIZE}; ask for at most {MAX_PAGE_SIZE} {items} per page, or 0 for {DEFAULT_PAGE_SIZE}"
            ),
        )),
        n => Ok(n),
    }
}

impl Gateway {
    /// One page of the caller's jobs.
    #[tracing::instrument(name = "list_jobs", skip_all, fields(tenant = %caller.tenant))]
    pub async fn list_jobs(
        &self,
        caller: &Caller,
        request: ListJobsRequest,
    ) -> Result<ListJobsResponse, GatewayError> {
        let page_size = page_size(request.page_size, "jobs")?;
        let status = state_filter(request.state)?;
        let token = (!request.page_token.is_empty()).then_some(request.page_token.as_str());
        let crawl = (!request.crawl_id.is_empty()).then_some(request.crawl_id.as_str());
        if let Some(crawl_id) = crawl {
            super::get::check_job_id(crawl_id).map_err(|_| {
                GatewayError::invalid(
                    "crawl_id",
                    format!(
                        "{crawl_id:?} is not a job id; use the job_id the crawl's submit returned"
                    ),
                )
            })?;
        }
        let (rows, next) = list_jobs(&self.pool, &caller.tenant, status, crawl, page_size, token)
            .await
            .map_err(|err| match err {
                ProjectionError::InvalidArgument(message) => {
                    GatewayError::invalid("page_token", message)
                }
                other => GatewayError::unavailable_because(
                    format!("listing jobs failed: {other}"),
                    other,
                ),
            })?;
        Ok(ListJobsResponse {
            jobs: rows.iter().map(summary).collect(),
            next_page_token: next.unwrap_or_default(),
        })
    }
}

fn state_filter(state: i32) -> Result<Option<&'static str>, GatewayError> {
    match JobState::try_from(state) {
        Ok(JobState::Unspecified) => Ok(None),
        Ok(JobState::Queued) => Ok(Some(JobStatus::Queued.as_str())),
        Ok(JobState::Running) => Ok(Some(JobStatus::Running.as_str())),
        Ok(JobState::Succeeded) => Ok(Some(JobStatus::Succeeded.as_str())),
        Ok(JobState::Failed) => Ok(Some(JobStatus::Failed.as_str())),
        Ok(JobState::Cancelled) => Ok(Some(JobStatus::Cancelled.as_str())),
        Err(_) => Err(GatewayError::invalid(
            "state",
            format!(
                "unknown job state {state}; use QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED or leave it unset"
            ),
        )),
    }
}

fn summary(row: &JobRow) -> JobSummary {
    JobSummary {
        job_id: row.job_id.clone(),
        state: row
            .job_status()
            .map_or(JobState::Unspecified, |s| s.to_proto()) as i32,
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        submitted_at: Some(timestamp(row.submitted_at)),
        updated_at: Some(timestamp(row.updated_at)),
        domain: row.domain.clone().unwrap_or_default(),
        last_error: row.last_error.clone().unwrap_or_default(),
        result_key: row.result_key.clone().unwrap_or_default(),
    }
}
