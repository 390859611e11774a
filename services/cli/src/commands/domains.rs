//! `jetcrawl domains`: the politeness state every worker shares, per registrable domain
//! (breaker, next slot, Retry-After pause, running jobs), from the gateway's Crawl
//! service (auditor or admin key).

use clap::Args;
use jetcrawl_proto::v1::crawl_client::CrawlClient;
use jetcrawl_proto::v1::{DomainStatus, ListDomainsRequest};
use serde_json::{Value, json};

use super::{Bearer, channel, status_error};
use crate::args::{Global, Output};

#[derive(Debug, Args)]
pub struct DomainsArgs {
    /// Only domains containing this text.
    #[arg(long, default_value = "")]
    pub contains: String,
}

pub async fn run(global: &Global, args: DomainsArgs) -> anyhow::Result<()> {
    let mut crawl = CrawlClient::with_interceptor(
        channel(global).await?,
        Bearer::new(global.api_key.as_deref())?,
    );
    let domains = crawl
        .list_domains(ListDomainsRequest {
            contains: args.contains,
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .domains;
    match global.output {
        Output::Json => {
            let rows: Vec<Value> = domains.iter().map(row_json).collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&json!({ "domains": rows }))?
            );
        }
        Output::Text => crate::table::print(
            &[
                "DOMAIN",
                "BREAKER",
                "FAILURES",
                "RUNNING",
                "STARTS",
                "NEXT SLOT",
                "PAUSED UNTIL",
            ],
            domains
                .iter()
                .map(|d| {
                    vec![
                        d.domain.clone(),
                        d.breaker.clone(),
                        d.consecutive_failures.to_string(),
                        d.running.to_string(),
                        d.starts_in_window.to_string(),
                        time(d.next_slot_at.as_ref()).unwrap_or_else(|| "-".into()),
                        time(d.paused_until.as_ref()).unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect(),
        ),
    }
    Ok(())
}

fn row_json(d: &DomainStatus) -> Value {
    json!({
        "domain": d.domain,
        "breaker": d.breaker,
        "consecutive_failures": d.consecutive_failures,
        "breaker_open_until": time(d.breaker_open_until.as_ref()),
        "next_slot_at": time(d.next_slot_at.as_ref()),
        "paused_until": time(d.paused_until.as_ref()),
        "running": d.running,
        "starts_in_window": d.starts_in_window,
        "updated_at": time(d.updated_at.as_ref()),
    })
}

fn time(t: Option<&prost_types::Timestamp>) -> Option<String> {
    crate::output::datetime(t).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}
