//! GetResult: signed, expiring URLs of a succeeded job's result and artifacts.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    GetResultRequest, GetResultResponse, JobSucceeded, ResultExpired, SignedArtifact,
};
use jetcrawl_streams::{Job, JobStatus, RecordedEvent, evolve};
use tracing::field;

use super::get::{check_job_id, not_found, read_error};
use super::{Caller, Gateway, timestamp};
use crate::error::GatewayError;
use crate::results::{ResultsAccess, downloadables};

/// A job and what became of its latest result, from its history.
#[derive(Debug, Clone)]
pub struct ResultView {
    /// The job, folded.
    pub job: Job,
    /// When the latest JobSucceeded happened.
    pub succeeded_at: Option<DateTime<Utc>>,
    /// Set when retention removed that result.
    pub expired: Option<ResultExpired>,
}

impl ResultView {
    /// The latest result, when the job succeeded.
    pub fn succeeded(&self) -> Option<&JobSucceeded> {
        (self.job.status == JobStatus::Succeeded)
            .then_some(self.job.result.as_ref())
            .flatten()
    }
}

/// Folds `history`, noting the latest success and any expiry after it.
pub fn result_view(history: &[RecordedEvent]) -> ResultView {
    let mut view = ResultView {
        job: Job::default(),
        succeeded_at: None,
        expired: None,
    };
    for recorded in history {
        match recorded.payload() {
            Some(Payload::JobSucceeded(_)) => {
                view.succeeded_at = Some(recorded.occurred_at());
                view.expired = None;
            }
            Some(Payload::ResultExpired(expired)) => view.expired = Some(expired.clone()),
            _ => {}
        }
        view.job = evolve(std::mem::take(&mut view.job), recorded);
    }
    view
}

impl Gateway {
    /// The result side of job `job_id`, whoever owns it (callers check the tenant).
    pub(crate) async fn load_result_view(&self, job_id: &str) -> Result<ResultView, GatewayError> {
        let history = self
            .store
            .history(job_id)
            .await
            .map_err(|err| read_error(job_id, err))?;
        Ok(result_view(&history))
    }

    pub(crate) fn results_access(&self) -> Result<&ResultsAccess, GatewayError> {
        self.results.as_deref().ok_or_else(|| {
            GatewayError::unavailable("result downloads are not set up on this gateway")
        })
    }

    /// Signed URLs of the caller's succeeded job's result and artifacts.
    #[tracing::instrument(name = "get_result", skip_all, fields(tenant = %caller.tenant, job_id = field::Empty))]
    pub async fn get_result(
        &self,
        caller: &Caller,
        request: GetResultRequest,
    ) -> Result<GetResultResponse, GatewayError> {
        let job_id = request.job_id.as_str();
        check_job_id(job_id)?;
        tracing::Span::current().record("job_id", job_id);
        let results = self.results_access()?;
        let view = self.load_result_view(job_id).await?;
        if view.job.status == JobStatus::New || view.job.tenant != caller.tenant {
            return Err(not_found(job_id));
        }
        let Some(succeeded) = view.succeeded() else {
            return Err(GatewayError::FailedPrecondition(format!(
                "job {job_id} is {}; a result exists only once it has succeeded (watch it with WatchJob)",
                view.job.status.as_str()
            )));
        };
        if let Some(expired) = &view.expired {
            return Err(gone(job_id, expired));
        }
        if self.erased(&view.job).await? {
            return Err(erased(job_id));
        }
        let signer = results.signer.as_ref().ok_or_else(|| {
            GatewayError::unavailable(
                "result downloads are off: this gateway has no signing key; set \
                 JETCRAWL_RESULT_SIGNING_KEYS_FILE (kid=secret lines)",
            )
        })?;
        let ttl =
            (request.ttl_seconds > 0).then(|| Duration::from_secs(request.ttl_seconds.into()));
        let expires_at = signer.expiry(ttl, Utc::now());
        let tenant = &view.job.tenant;
        let mut key_id = String::new();
        let mut signed = downloadables(job_id, succeeded).into_iter().map(|d| {
            let url = signer.sign(tenant, job_id, &d.name, expires_at);
            key_id = url.key_id;
            SignedArtifact {
                name: d.name,
                url: url.url,
                content_type: d.content_type,
                size: d.size,
                sha256: d.sha256,
            }
        });
        let result = signed.next();
        let artifacts = signed.collect();
        let retained_until = view
            .succeeded_at
            .map(|at| timestamp(results.retention.expires_at(at)));
        Ok(GetResultResponse {
            job_id: job_id.to_owned(),
            result,
            artifacts,
            expires_at: Some(timestamp(expires_at)),
            key_id,
            retained_until,
        })
    }
}

impl Gateway {
    /// True once the job's data subject was erased: its result was deleted with it.
    async fn erased(&self, job: &Job) -> Result<bool, GatewayError> {
        if job.spec.is_none() {
            return Ok(false);
        }
        let opened = self.reveal(job.clone()).await?;
        Ok(opened
            .spec
            .as_ref()
            .is_some_and(jetcrawl_privacy::is_erased))
    }
}

/// The answer for a result erased with its data subject: never a URL to nothing, and
/// never taken for retention.
pub(crate) fn erased(job_id: &str) -> GatewayError {
    GatewayError::Gone(format!(
        "job {job_id}'s personal data was erased at its data subject's request (RGPD Art. 17; \
         SubjectErased in the audit log), and its result with it: there is nothing to download"
    ))
}

/// The answer for a result removed by retention.
pub(crate) fn gone(job_id: &str, expired: &ResultExpired) -> GatewayError {
    let days = expired.retention_secs as f64 / 86_400.0;
    GatewayError::Gone(format!(
        "the result of job {job_id} was removed by retention (kept {days:.1} days); it cannot be downloaded any more"
    ))
}
