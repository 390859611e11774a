//! GetJob: the job folded from its own history, so a client reads its own writes.

use jetcrawl_streams::subjects::is_valid_token;
use jetcrawl_streams::{Job, JobStatus, StoreError};
use tracing::field;

use super::{Caller, Gateway};
use crate::error::GatewayError;

impl Gateway {
    /// The caller's job `job_id`; NOT_FOUND when it does not exist or is another tenant's.
    #[tracing::instrument(name = "get_job", skip_all, fields(tenant = %caller.tenant, job_id = field::Empty))]
    pub async fn get_job(&self, caller: &Caller, job_id: &str) -> Result<Job, GatewayError> {
        check_job_id(job_id)?;
        tracing::Span::current().record("job_id", job_id);
        let job = self
            .store
            .load(job_id)
            .await
            .map_err(|err| read_error(job_id, err))?;
        if job.status == JobStatus::New || job.tenant != caller.tenant {
            return Err(not_found(job_id));
        }
        self.reveal(job).await
    }
}

/// Refuses ids that cannot be a subject token (and so cannot name a job).
pub(crate) fn check_job_id(job_id: &str) -> Result<(), GatewayError> {
    if is_valid_token(job_id) {
        return Ok(());
    }
    Err(GatewayError::invalid(
        "job_id",
        format!(
            "{} is not a job id; use the job_id returned by SubmitJob (letters, digits, - and _, at most 128)",
            crate::validate::limits::quote(job_id)
        ),
    ))
}

pub(crate) fn not_found(job_id: &str) -> GatewayError {
    GatewayError::NotFound(format!("job {job_id} not found"))
}

pub(crate) fn read_error(job_id: &str, err: StoreError) -> GatewayError {
    match err {
        StoreError::Corrupt { .. } | StoreError::Invalid(_) => {
            GatewayError::internal_because(format!("job {job_id}: {err}"), err)
        }
        _ => GatewayError::unavailable_because(
            format!("could not read job {job_id}: {err}; retry shortly"),
            err,
        ),
    }
}
