//! `jetcrawl watch <id>`, also used by `submit --wait`.

use futures::StreamExt;
use jetcrawl_proto::v1::WatchJobRequest;

use super::{client, status_error};
use crate::args::{Global, JobArgs, Output};
use crate::output;

pub async fn run(global: &Global, args: JobArgs) -> anyhow::Result<()> {
    follow(global, &args.job_id).await
}

/// Prints every event of the job until the gateway ends the stream at a terminal state.
pub async fn follow(global: &Global, job_id: &str) -> anyhow::Result<()> {
    let mut jobs = client(global).await?;
    let mut events = jobs
        .watch_job(WatchJobRequest {
            job_id: job_id.to_owned(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    while let Some(event) = events.next().await {
        let event = event.map_err(status_error)?;
        match global.output {
            Output::Json => println!("{}", output::event_json(&event)),
            Output::Text => eprintln!("{}", output::event_text(&event)),
        }
    }
    Ok(())
}
