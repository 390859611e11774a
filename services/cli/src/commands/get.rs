//! `jetcrawl get <id>`.

use jetcrawl_proto::v1::{GetJobRequest, Job};

use super::{client, status_error};
use crate::args::{Global, JobArgs, Output};
use crate::output;

pub async fn run(global: &Global, args: JobArgs) -> anyhow::Result<()> {
    let job = job(global, &args.job_id).await?;
    match global.output {
        Output::Json => outln!("{}", output::job_json(&job)),
        Output::Text => outln!("{}", output::job_text(&job)),
    }
    Ok(())
}

/// The job as the gateway's read model has it.
pub async fn job(global: &Global, job_id: &str) -> anyhow::Result<Job> {
    let mut jobs = client(global).await?;
    Ok(jobs
        .get_job(GetJobRequest {
            job_id: job_id.to_owned(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}
