//! `jetcrawl dlq list` and `jetcrawl dlq replay <id|--filter ...>`: the dead-letter queue
//! (admin key required).

use clap::{Args, Subcommand};
use jetcrawl_proto::v1::{
    DeadLetter, DeadLetterFilter, ListDeadLettersRequest, ReplayDeadLetterRequest,
    ReplayDeadLetterResponse,
};
use serde_json::{Value, json};

use super::{client, status_error};
use crate::args::{Global, Output};
use crate::exit::UsageError;

/// Dead-letter queue commands.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead-lettered jobs, most recent first.
    List(ListArgs),
    /// Replay one dead-lettered job, or every one a filter matches.
    Replay(ReplayArgs),
}

/// Which dead letters.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// `key=value`, repeatable; keys: tenant, domain, error_class.
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// At most this many (0: the server's default of 50).
    #[arg(long, default_value_t = 0)]
    pub page_size: u32,
    /// From a previous page's next token.
    #[arg(long, default_value = "")]
    pub page_token: String,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The job to replay; leave out and give --filter to replay every match.
    #[arg(required_unless_present = "filter")]
    pub job_id: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Recorded in JobReplayed.
    #[arg(long, default_value = "")]
    pub reason: String,
    /// Most jobs one filtered replay touches (0: 100).
    #[arg(long, default_value_t = 0)]
    pub limit: u32,
}

pub async fn run(global: &Global, command: DlqCommand) -> anyhow::Result<()> {
    match command {
        DlqCommand::List(args) => list(global, args).await,
        DlqCommand::Replay(args) => replay(global, args).await,
    }
}

async fn list(global: &Global, args: ListArgs) -> anyhow::Result<()> {
    let mut jobs = client(global).await?;
    let page = jobs
        .list_dead_letters(ListDeadLettersRequest {
            page_size: args.page_size,
            page_token: args.page_token,
            filter: Some(parse_filter(&args.filter.filter)?),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({
                "dead_letters": page.dead_letters.iter().map(dead_letter_json).collect::<Vec<_>>(),
                "next_page_token": page.next_page_token,
            })
        ),
        Output::Text => {
            crate::table::print(
                &[
                    "JOB",
                    "TENANT",
                    "DOMAIN",
                    "ERROR CLASS",
                    "ATTEMPTS",
                    "REASON",
                ],
                page.dead_letters
                    .iter()
                    .map(|dead| {
                        vec![
                            dead.job_id.clone(),
                            dead.tenant.clone(),
                            crate::table::or_dash(&dead.domain),
                            dead.error_class.clone(),
                            dead.attempts.to_string(),
                            dead.reason.clone(),
                        ]
                    })
                    .collect(),
            );
            if !page.next_page_token.is_empty() {
                outln!("more: --page-token {}", page.next_page_token);
            }
        }
    }
    Ok(())
}

async fn replay(global: &Global, args: ReplayArgs) -> anyhow::Result<()> {
    let filter = match args.job_id {
        Some(_) if !args.filter.filter.is_empty() => {
            return Err(UsageError("give a job id or --filter, not both".to_owned()).into());
        }
        Some(_) => None,
        None => Some(parse_filter(&args.filter.filter)?),
    };
    let mut jobs = client(global).await?;
    let done = jobs
        .replay_dead_letter(ReplayDeadLetterRequest {
            job_id: args.job_id.unwrap_or_default(),
            filter,
            reason: args.reason,
            limit: args.limit,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    print_replay(global, &done);
    Ok(())
}

fn print_replay(global: &Global, done: &ReplayDeadLetterResponse) {
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({
                "replayed": done.replayed.iter().map(|r| json!({"job_id": r.job_id, "sequence": r.sequence})).collect::<Vec<_>>(),
                "skipped": done.skipped.iter().map(|s| json!({"job_id": s.job_id, "reason": s.reason})).collect::<Vec<_>>(),
            })
        ),
        Output::Text => {
            for replayed in &done.replayed {
                outln!(
                    "replayed {} (sequence {})",
                    replayed.job_id,
                    replayed.sequence
                );
            }
            for skipped in &done.skipped {
                outln!("skipped  {}: {}", skipped.job_id, skipped.reason);
            }
        }
    }
}

/// `tenant=acme`, `domain=example.com`, `error_class=http_5xx`.
fn parse_filter(pairs: &[String]) -> anyhow::Result<DeadLetterFilter> {
    let mut filter = DeadLetterFilter::default();
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--filter {pair:?} is not KEY=VALUE; e.g. --filter domain=example.com")
        })?;
        let slot = match key.trim() {
            "tenant" => &mut filter.tenant,
            "domain" => &mut filter.domain,
            "error_class" | "error-class" => &mut filter.error_class,
            other => {
                return Err(UsageError(format!(
                    "unknown filter key {other:?}; use tenant, domain or error_class"
                ))
                .into());
            }
        };
        *slot = value.trim().to_owned();
    }
    Ok(filter)
}

fn dead_letter_json(dead: &DeadLetter) -> Value {
    json!({
        "job_id": dead.job_id,
        "tenant": dead.tenant,
        "domain": dead.domain,
        "reason": dead.reason,
        "error_class": dead.error_class,
        "message": dead.message,
        "attempts": dead.attempts,
        "attempt_errors": dead.attempt_errors.iter().map(|e| json!({
            "attempt": e.attempt, "error_class": e.error_class, "message": e.message,
        })).collect::<Vec<_>>(),
        "replays": dead.replays,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_refuse_unknown_keys() {
        let filter = parse_filter(&["domain=example.com".into(), "error_class=http_5xx".into()])
            .expect("parses");
        assert_eq!(filter.domain, "example.com");
        assert_eq!(filter.error_class, "http_5xx");
        let err = parse_filter(&["colour=red".into()]).expect_err("unknown");
        assert!(
            err.to_string().contains("tenant, domain or error_class"),
            "{err}"
        );
    }
}
