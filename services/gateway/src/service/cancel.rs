//! CancelJob: a queued job is cancelled at once and never starts; a running one gets
//! JobCancelRequested and its worker stops at the next step boundary; a finished one is
//! FAILED_PRECONDITION naming its state.

use jetcrawl_proto::v1::{CancelJobRequest, CancelJobResponse};
use jetcrawl_streams::{Basis, Command, DecideError, ExecuteError, JobStatus, Retry};
use tracing::field;

use super::get::{check_job_id, not_found, read_error};
use super::{Caller, Gateway};
use crate::error::GatewayError;

impl Gateway {
    /// Cancels the caller's job `job_id`.
    #[tracing::instrument(name = "cancel_job", skip_all, fields(tenant = %caller.tenant, job_id = field::Empty))]
    pub async fn cancel_job(
        &self,
        caller: &Caller,
        request: CancelJobRequest,
    ) -> Result<CancelJobResponse, GatewayError> {
        let job_id = request.job_id.as_str();
        check_job_id(job_id)?;
        tracing::Span::current().record("job_id", job_id);
        // Ownership first: another tenant's job does not exist for this caller.
        self.get_job(caller, job_id).await?;
        let command = Command::RequestCancel {
            reason: request.reason.clone(),
            by: caller.actor.clone(),
        };
        let done = self
            .store
            .execute(
                job_id,
                Basis::Load,
                &caller.actor,
                command,
                chrono::Utc::now(),
                Retry::CONFLICTS_ONLY,
            )
            .await
            .map_err(|err| cancel_error(job_id, err))?;
        tracing::info!(state = done.job.status.as_str(), "cancel recorded");
        Ok(CancelJobResponse {
            job_id: job_id.to_owned(),
            state: done.job.status.to_proto() as i32,
            cancel_requested: done.job.cancel_requested.is_some()
                || done.job.status == JobStatus::Cancelled,
            last_sequence: done.job.last_sequence,
        })
    }
}

fn cancel_error(job_id: &str, err: ExecuteError) -> GatewayError {
    match err {
        ExecuteError::Refused {
            error: DecideError::Terminal { status },
            ..
        } => GatewayError::FailedPrecondition(format!(
            "job {job_id} is already {}; only a queued or running job can be cancelled",
            status.as_str()
        )),
        ExecuteError::Refused {
            error: DecideError::NotFound,
            ..
        } => not_found(job_id),
        ExecuteError::Refused { error, .. } => {
            GatewayError::FailedPrecondition(format!("job {job_id}: {error}"))
        }
        ExecuteError::Store { source, .. } => read_error(job_id, source),
        ExecuteError::Contended { .. } => GatewayError::unavailable(format!(
            "job {job_id} kept changing while cancelling; retry"
        )),
        ExecuteError::Intent(never) => match never {},
    }
}
