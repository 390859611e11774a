//! Command-line grammar: the top-level command and its subcommands.

use clap::{Parser, Subcommand};

use crate::args::{Global, JobArgs, KeysCommand, SubmitArgs, UpArgs};

/// Jetcrawl: event-sourced browser jobs.
#[derive(Debug, Parser)]
#[command(name = "jetcrawl", version, about, after_help = crate::exit::EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start nats-server, Postgres and every service on loopback; Ctrl-C stops them.
    Up(UpArgs),
    /// Submit a job and print its id.
    Submit(Box<SubmitArgs>),
    /// Crawl a site from its start pages (ADR 0047): each page in scope is a page job;
    /// `--wait` shows a live progress bar, then prints the crawl's JSONL.
    Crawl(Box<crate::commands::crawl::CrawlArgs>),
    /// List a site's URLs from its sitemaps and links (a shallow HTTP crawl), one per
    /// line.
    Map(crate::commands::crawl::MapArgs),
    /// Serve Jetcrawl's browser as an MCP tool server on stdin/stdout, for IDEs and
    /// assistants: each call goes to the gateway's `/mcp` with your API key, so your
    /// tenant's robots.txt policy, quotas and audit log apply.
    Mcp,
    /// Show a job.
    Get(JobArgs),
    /// List the tenant's jobs, newest first, a page at a time.
    List(crate::commands::list::ListArgs),
    /// Cancel a job (a running one stops at its next step).
    Cancel(JobArgs),
    /// Download a job's result and artifacts (screenshots) to files, checking each
    /// sha256.
    Result(crate::commands::result::ResultArgs),
    /// Follow a job's events until it ends.
    Watch(JobArgs),
    /// The infrastructure's one owner: `apply` creates and updates the JetStream topology
    /// and migrates Postgres; `verify` compares (talks to NATS and Postgres directly).
    #[command(subcommand)]
    Admin(crate::commands::admin::AdminCommand),
    /// Issue and revoke API keys (talks to NATS directly: an operator's tool).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The audit log: `verify` the hash chain, `query` rows (auditor or admin key).
    #[command(subcommand)]
    Audit(crate::commands::audit::AuditCommand),
    /// Read models: `rebuild` them from the stream and swap atomically (talks to NATS and
    /// Postgres directly).
    #[command(subcommand)]
    Projections(crate::commands::projections::ProjectionsCommand),
    /// The dead-letter queue: list and replay failed jobs (admin key).
    #[command(subcommand)]
    Dlq(crate::commands::dlq::DlqCommand),
    /// Webhook secrets per tenant, and endpoints disabled by 410 (talks to NATS directly).
    #[command(subcommand)]
    Webhooks(crate::commands::webhooks::WebhooksCommand),
    /// RGPD rights of a data subject: `export` (auditor or admin key), `erase` (admin key).
    #[command(subcommand)]
    Subjects(crate::commands::subjects::SubjectsCommand),
    /// RGPD retention: `run` it now through a running notifier (talks to NATS directly).
    #[command(subcommand)]
    Retention(crate::commands::retention::RetentionCommand),
    /// The monthly report: generate (or fetch) a month's and print signed URLs of its
    /// HTML and JSON (auditor or admin key).
    Report(crate::commands::report::ReportArgs),
    /// Per-domain politeness state shared by every worker: breaker, next slot, pause,
    /// running jobs (auditor or admin key).
    Domains(crate::commands::domains::DomainsArgs),
    /// The tenant's robots.txt policy: `ignore` / `respect` (admin key, audited), `show`.
    #[command(subcommand)]
    Robots(crate::commands::robots::RobotsCommand),
}
