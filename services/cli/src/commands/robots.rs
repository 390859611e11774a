//! `jetcrawl robots ignore|respect --reason …`: turn the robots.txt check of the key's
//! tenant off or back on (admin key; audited as RobotsPolicyChanged), and `jetcrawl
//! robots show` (auditor or admin key).

use clap::{Args, Subcommand};
use jetcrawl_proto::v1::crawl_client::CrawlClient;
use jetcrawl_proto::v1::{GetRobotsPolicyRequest, RobotsPolicy, SetRobotsPolicyRequest};
use serde_json::json;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::{Bearer, channel, status_error};
use crate::args::{Global, Output};

type Crawl = CrawlClient<InterceptedService<Channel, Bearer>>;

#[derive(Debug, Subcommand)]
pub enum RobotsCommand {
    /// Stop obeying robots.txt for the tenant's jobs (admin key).
    Ignore(ReasonArgs),
    /// Obey robots.txt again (admin key).
    Respect(ReasonArgs),
    /// The tenant's robots policy (auditor or admin key).
    Show,
}

#[derive(Debug, Args)]
pub struct ReasonArgs {
    /// Why; recorded in the audit log.
    #[arg(long)]
    pub reason: String,
}

pub async fn run(global: &Global, command: RobotsCommand) -> anyhow::Result<()> {
    let mut crawl = CrawlClient::with_interceptor(
        channel(global).await?,
        Bearer::new(global.api_key.as_deref())?,
    );
    let (policy, changed) = match command {
        RobotsCommand::Show => {
            let policy = crawl
                .get_robots_policy(GetRobotsPolicyRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            (policy, None)
        }
        RobotsCommand::Ignore(args) => set(&mut crawl, false, args.reason).await?,
        RobotsCommand::Respect(args) => set(&mut crawl, true, args.reason).await?,
    };
    match global.output {
        Output::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "tenant": policy.tenant,
                "respect_robots": policy.respect_robots,
                "reason": policy.reason,
                "changed_by": policy.changed_by,
                "changed": changed,
            }))?
        ),
        Output::Text => {
            let state = if policy.respect_robots {
                "obeys"
            } else {
                "ignores"
            };
            let note = match changed {
                Some(false) => " (unchanged)",
                _ => "",
            };
            outln!("tenant {} {state} robots.txt{note}", policy.tenant);
            if !policy.changed_by.is_empty() {
                outln!("set by {}: {}", policy.changed_by, policy.reason);
            }
        }
    }
    Ok(())
}

async fn set(
    crawl: &mut Crawl,
    respect_robots: bool,
    reason: String,
) -> anyhow::Result<(RobotsPolicy, Option<bool>)> {
    let response = crawl
        .set_robots_policy(SetRobotsPolicyRequest {
            respect_robots,
            reason,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok((response.policy.unwrap_or_default(), Some(response.changed)))
}
