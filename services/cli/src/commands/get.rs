//! `jetcrawl get <id>`.

use jetcrawl_proto::v1::GetJobRequest;

use super::{client, status_error};
use crate::args::{Global, JobArgs, Output};
use crate::output;

pub async fn run(global: &Global, args: JobArgs) -> anyhow::Result<()> {
    let mut jobs = client(global).await?;
    let job = jobs
        .get_job(GetJobRequest {
            job_id: args.job_id,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    match global.output {
        Output::Json => println!("{}", output::job_json(&job)),
        Output::Text => println!("{}", output::job_text(&job)),
    }
    Ok(())
}
