//! Reporter configuration: flags, each with its `JETCRAWL_*` environment variable.

use std::time::Duration;

use clap::Parser;

/// How the reporter runs.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "jetcrawl-reporter",
    version,
    about = "Jetcrawl reporter: the monthly report, on schedule and on request"
)]
pub struct ReporterConfig {
    /// NATS: URL, credentials and TLS.
    #[command(flatten)]
    pub nats: jetcrawl_streams::NatsArgs,
    /// The JetStream topology this reporter verifies at start.
    #[command(flatten)]
    pub topology: jetcrawl_streams::TopologyArgs,
    /// Postgres of the read models and the audit log.
    #[command(flatten)]
    pub database: jetcrawl_projections::DatabaseArgs,
    /// Address of `/metrics` and `/healthz`.
    #[command(flatten)]
    pub metrics: jetcrawl_telemetry::MetricsArgs,
    /// How often the schedule checks that last month's report exists, in seconds.
    #[arg(
        long,
        env = "JETCRAWL_REPORT_CHECK_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub check_interval_secs: u64,
    /// How long after a month ends the schedule waits before reporting on it, in seconds.
    #[arg(long, env = "JETCRAWL_REPORT_DELAY_SECS", default_value_t = 3600)]
    pub delay_secs: u64,
    /// Longest wait for the jobs projection to catch up with JOBS before generating, in ms.
    #[arg(
        long,
        env = "JETCRAWL_REPORT_CATCHUP_TIMEOUT_MS",
        default_value_t = 20_000
    )]
    pub catchup_timeout_ms: u64,
    /// Domains listed per tenant and overall.
    #[arg(long, env = "JETCRAWL_REPORT_TOP_DOMAINS", default_value_t = 10)]
    pub top_domains: u16,
    /// Run the schedule (off: generate on request only).
    #[arg(long, env = "JETCRAWL_REPORT_SCHEDULE", default_value_t = true, action = clap::ArgAction::Set)]
    pub schedule: bool,
}

impl ReporterConfig {
    /// Defaults for everything but the two servers.
    pub fn new(nats_url: &str, database_url: &str) -> Self {
        Self {
            nats: jetcrawl_streams::NatsArgs::new(nats_url),
            database: jetcrawl_projections::DatabaseArgs::new(database_url),
            topology: jetcrawl_streams::TopologyArgs::default(),
            metrics: jetcrawl_telemetry::MetricsArgs::default(),
            check_interval_secs: 3600,
            delay_secs: 3600,
            catchup_timeout_ms: 20_000,
            top_domains: 10,
            schedule: true,
        }
    }

    pub(crate) fn check_interval(&self) -> Duration {
        Duration::from_secs(self.check_interval_secs.max(1))
    }

    pub(crate) fn delay(&self) -> Duration {
        Duration::from_secs(self.delay_secs)
    }

    pub(crate) fn catchup_timeout(&self) -> Duration {
        Duration::from_millis(self.catchup_timeout_ms)
    }
}
