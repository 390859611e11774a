//! `jetcrawl retention run`: asks a running notifier (over NATS, like `jetcrawl keys`:
//! an operator's tool) to run the retention job now, and prints what it removed.

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jetcrawl_notifier::retention::RUN_NOW_SUBJECT;
use serde_json::Value;

use crate::args::{Global, Output};
use crate::exit::Documented;

/// `jetcrawl retention …`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Run retention now: expired results, and audit and log rows past their retention.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// How long to wait for the notifier's answer, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_secs: u64,
}

pub async fn run(global: &Global, command: RetentionCommand) -> anyhow::Result<()> {
    let RetentionCommand::Run(args) = command;
    let nats_url = &global.nats.url;
    let (client, _js) = global
        .nats
        .connect("jetcrawl-retention")
        .await
        .with_context(|| format!("connecting to NATS at {nats_url}"))?;
    let ask = async_nats::Request::new()
        .payload(Vec::new().into())
        .timeout(Some(Duration::from_secs(args.timeout_secs.max(1))));
    let answer = client
        .send_request(RUN_NOW_SUBJECT, ask)
        .await
        .with_context(|| {
            format!("no notifier answered on {RUN_NOW_SUBJECT}; is jetcrawl-notifier running against {nats_url}?")
        })?;
    let report: Value =
        serde_json::from_slice(&answer.payload).context("the notifier's answer is not JSON")?;
    let error = report["error"].as_str().unwrap_or_default().to_owned();
    match global.output {
        Output::Json if !error.is_empty() => {}
        Output::Json => outln!("{report}"),
        Output::Text => print_text(&report),
    }
    if error.is_empty() {
        return Ok(());
    }
    // With --output json the run's report and the error are one document.
    Err(Documented {
        message: format!("the retention run was incomplete: {error}"),
        document: report,
    }
    .into())
}

fn print_text(report: &Value) {
    outln!(
        "retention run {} ({}): {} → {}",
        report["run_id"].as_str().unwrap_or_default(),
        report["trigger"].as_str().unwrap_or_default(),
        report["started_at"].as_str().unwrap_or_default(),
        report["finished_at"].as_str().unwrap_or_default()
    );
    for removal in report["removals"].as_array().into_iter().flatten() {
        outln!(
            "  {:<15} removed {:>8}   older than {}   still overdue {}",
            removal["category"].as_str().unwrap_or_default(),
            removal["removed"],
            removal["cutoff"].as_str().unwrap_or_default(),
            removal["overdue_after"]
        );
    }
}
