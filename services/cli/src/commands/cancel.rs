//! `jetcrawl cancel <id>`: a queued job ends cancelled at once; a running one stops at
//! its next step boundary; an ended one is refused (exit code 1).

use jetcrawl_proto::v1::{CancelJobRequest, JobState};
use serde_json::json;

use super::{client, status_error};
use crate::args::{Global, JobArgs, Output};
use crate::output;

pub async fn run(global: &Global, args: JobArgs) -> anyhow::Result<()> {
    let mut jobs = client(global).await?;
    let done = jobs
        .cancel_job(CancelJobRequest {
            job_id: args.job_id,
            reason: "cancelled with jetcrawl cancel".to_owned(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let state = output::state_name(done.state);
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({
                "job_id": done.job_id,
                "state": state,
                "cancel_requested": done.cancel_requested,
                "last_sequence": done.last_sequence,
            })
        ),
        Output::Text if done.state == JobState::Cancelled as i32 => {
            outln!("{} cancelled", done.job_id);
        }
        Output::Text => outln!(
            "{} is {state}; cancel requested: its worker stops at the next step",
            done.job_id
        ),
    }
    Ok(())
}
