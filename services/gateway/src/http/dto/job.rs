//! JSON view of a job for `GET /v1/jobs/{id}`.

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::Artifact;
use jetcrawl_streams::Job;
use serde::Serialize;

use super::spec::JobSpecDto;

/// A job as the HTTP API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    /// Job id.
    pub job_id: String,
    /// Owning tenant.
    pub tenant: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub state: &'static str,
    /// The normalised spec.
    pub spec: Option<JobSpecDto>,
    /// Attempts started so far.
    pub attempts: u32,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When its last event happened.
    pub updated_at: Option<DateTime<Utc>>,
    /// Stream sequence of its last event.
    pub last_sequence: u64,
    /// The result, once succeeded.
    pub result: Option<ResultView>,
    /// The final error once failed, else the last failed attempt's.
    pub error: Option<ErrorView>,
    /// A crawl's progress; absent for other jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl: Option<super::crawl::CrawlProgressView>,
    /// The crawl a page job belongs to; absent for other jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl_id: Option<String>,
}

/// Where the result is and what it is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    /// Object Store key of the result JSON.
    pub key: String,
    /// Hex sha256 of the result JSON.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Time the successful attempt took.
    pub duration_ms: u64,
    /// Screenshots and other stored files.
    pub artifacts: Vec<ArtifactView>,
}

/// One stored artifact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArtifactView {
    /// Name given in the spec.
    pub name: String,
    /// Object Store key.
    pub key: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex sha256.
    pub sha256: String,
}

/// Why the job (or its last attempt) failed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorView {
    /// Stable error class, e.g. `timeout`.
    pub class: String,
    /// Human-readable message.
    pub message: String,
    /// False once the job has failed for good.
    pub retryable: bool,
}

impl From<&Job> for JobView {
    fn from(job: &Job) -> Self {
        let error = match (&job.failure, &job.last_error) {
            (Some(f), _) => Some(ErrorView {
                class: f.error_class.clone(),
                message: f.message.clone(),
                retryable: false,
            }),
            (None, Some(a)) => Some(ErrorView {
                class: a.error_class.clone(),
                message: a.message.clone(),
                retryable: a.retryable,
            }),
            (None, None) => None,
        };
        Self {
            job_id: job.id.clone(),
            tenant: job.tenant.clone(),
            state: job.status.as_str(),
            spec: job.spec.as_ref().map(JobSpecDto::from),
            attempts: job.attempts,
            submitted_at: job.submitted_at,
            updated_at: job.updated_at,
            last_sequence: job.last_sequence,
            result: job.result.as_ref().map(|r| ResultView {
                key: r.result_key.clone(),
                sha256: r.result_sha256.clone(),
                size: r.result_size,
                duration_ms: r.duration_ms,
                artifacts: r.artifacts.iter().map(artifact).collect(),
            }),
            error,
            crawl: job.crawl.as_ref().map(|c| c.progress().into()),
            crawl_id: job
                .spec
                .as_ref()
                .and_then(|s| s.page.as_ref())
                .map(|p| p.crawl_id.clone()),
        }
    }
}

fn artifact(a: &Artifact) -> ArtifactView {
    ArtifactView {
        name: a.name.clone(),
        key: a.key.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
    }
}
