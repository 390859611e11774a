//! `jetcrawl list [--state S] [--limit N] [--all]`: the tenant's jobs, newest first.

use clap::{Args, ValueEnum};
use jetcrawl_proto::v1::{JobState, JobSummary, ListJobsRequest};
use serde_json::{Value, json};

use super::{client, status_error};
use crate::args::{Global, Output};
use crate::{output, table};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateFilter {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs in this state.
    #[arg(long, value_enum)]
    pub state: Option<StateFilter>,
    /// Jobs per page (1 to 500).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: u32,
    /// From a previous page's token (printed under the table).
    #[arg(long, default_value = "")]
    pub page_token: String,
    /// Follow every page to the end.
    #[arg(long, conflicts_with = "page_token")]
    pub all: bool,
    /// Only the page jobs of this crawl.
    #[arg(long, value_name = "CRAWL_ID")]
    pub crawl: Option<String>,
}

pub async fn run(global: &Global, args: ListArgs) -> anyhow::Result<()> {
    let mut jobs = client(global).await?;
    let state = args.state.map_or(JobState::Unspecified, |s| match s {
        StateFilter::Queued => JobState::Queued,
        StateFilter::Running => JobState::Running,
        StateFilter::Succeeded => JobState::Succeeded,
        StateFilter::Failed => JobState::Failed,
        StateFilter::Cancelled => JobState::Cancelled,
    });
    let mut found = Vec::new();
    let mut token = args.page_token;
    loop {
        let page = jobs
            .list_jobs(ListJobsRequest {
                page_size: args.limit,
                page_token: token,
                state: state as i32,
                crawl_id: args.crawl.clone().unwrap_or_default(),
            })
            .await
            .map_err(status_error)?
            .into_inner();
        found.extend(page.jobs);
        token = page.next_page_token;
        if !args.all || token.is_empty() {
            break;
        }
    }
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({
                "jobs": found.iter().map(summary_json).collect::<Vec<_>>(),
                "next_page_token": token,
            })
        ),
        Output::Text => {
            table::print(
                &[
                    "JOB",
                    "STATE",
                    "ATTEMPTS",
                    "DOMAIN",
                    "SUBMITTED",
                    "LAST ERROR",
                ],
                found.iter().map(summary_row).collect(),
            );
            if !token.is_empty() {
                outln!("more: jetcrawl list --page-token {token}");
            }
        }
    }
    Ok(())
}

fn summary_row(job: &JobSummary) -> Vec<String> {
    vec![
        job.job_id.clone(),
        output::state_name(job.state).to_owned(),
        job.attempts.to_string(),
        table::or_dash(&job.domain),
        table::time(job.submitted_at.as_ref()),
        table::or_dash(&job.last_error),
    ]
}

fn summary_json(job: &JobSummary) -> Value {
    json!({
        "job_id": job.job_id,
        "state": output::state_name(job.state),
        "attempts": job.attempts,
        "domain": job.domain,
        "submitted_at": output::timestamp(job.submitted_at.as_ref()),
        "updated_at": output::timestamp(job.updated_at.as_ref()),
        "last_error": job.last_error,
        "result_key": job.result_key,
    })
}
