//! Submitting a job and waiting for its end, as every end-to-end test does.

use std::time::Duration;

use anyhow::bail;
use jetcrawl_proto::v1::{GetJobRequest, Job, JobSpec, JobState, SubmitJobRequest};

use crate::{JobsApiClient, eventually};

/// States a job never leaves.
pub const TERMINAL: [JobState; 3] = [JobState::Succeeded, JobState::Failed, JobState::Cancelled];

/// Submits `spec` over gRPC without an idempotency key and returns the job id.
pub async fn submit(jobs: &JobsApiClient, spec: JobSpec) -> anyhow::Result<String> {
    let response = jobs
        .clone()
        .submit_job(SubmitJobRequest {
            spec: Some(spec),
            idempotency_key: String::new(),
        })
        .await?
        .into_inner();
    Ok(response.job_id)
}

/// Polls GetJob until the job is terminal; fails with its last state after `timeout`.
pub async fn wait_terminal(
    jobs: &JobsApiClient,
    job_id: &str,
    timeout: Duration,
) -> anyhow::Result<Job> {
    eventually(timeout, || {
        let mut jobs = jobs.clone();
        let job_id = job_id.to_owned();
        async move {
            let job = jobs.get_job(GetJobRequest { job_id }).await?.into_inner();
            if TERMINAL.iter().any(|s| *s as i32 == job.state) {
                Ok(job)
            } else {
                bail!("job still {:?}", JobState::try_from(job.state))
            }
        }
    })
    .await
}
