//! Notifier configuration: flags, each with its `JETCRAWL_*` environment variable.

use std::time::Duration;

use clap::Parser;
use jetcrawl_results::{RetentionConfig, SigningConfig};

/// How the notifier runs.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "jetcrawl-notifier",
    version,
    about = "Jetcrawl notifier: Standard Webhooks delivery and the results retention purge"
)]
pub struct NotifierConfig {
    /// NATS: URL, credentials and TLS.
    #[command(flatten)]
    pub nats: jetcrawl_streams::NatsArgs,
    /// Address of `/metrics` and `/healthz`.
    #[command(flatten)]
    pub metrics: jetcrawl_telemetry::MetricsArgs,
    /// Deliver to webhooks on loopback (local development and tests). Private and
    /// link-local endpoints are refused whatever this says.
    #[arg(long, env = "JETCRAWL_ALLOW_PRIVATE_TARGETS", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private_targets: bool,
    /// How long a notification is retried after its terminal event, in seconds.
    #[arg(
        long,
        env = "JETCRAWL_WEBHOOK_RETRY_WINDOW_SECS",
        default_value_t = 86_400
    )]
    pub retry_window_secs: u64,
    /// First wait between two attempts, in milliseconds; it doubles each attempt.
    #[arg(
        long,
        env = "JETCRAWL_WEBHOOK_BACKOFF_BASE_MS",
        default_value_t = 5_000
    )]
    pub backoff_base_ms: u64,
    /// Longest wait between two attempts, in milliseconds (Retry-After may ask more).
    #[arg(
        long,
        env = "JETCRAWL_WEBHOOK_BACKOFF_CAP_MS",
        default_value_t = 3_600_000
    )]
    pub backoff_cap_ms: u64,
    /// Deadline of one delivery attempt, in milliseconds.
    #[arg(long, env = "JETCRAWL_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// The JetStream topology this notifier verifies at start, its consumer's ack wait
    /// (`JETCRAWL_NOTIFIER_ACK_WAIT_MS`: heartbeats go every third of it) included.
    #[command(flatten)]
    pub topology: jetcrawl_streams::TopologyArgs,
    /// Deliveries in flight at once.
    #[arg(long, env = "JETCRAWL_NOTIFIER_CONCURRENCY", default_value_t = 32)]
    pub concurrency: usize,
    /// How often the retention purge runs, in milliseconds.
    #[arg(
        long,
        env = "JETCRAWL_RESULTS_PURGE_INTERVAL_MS",
        default_value_t = 3_600_000
    )]
    pub purge_interval_ms: u64,
    /// Signed result URLs in payloads.
    #[command(flatten)]
    pub signing: SigningConfig,
    /// Results retention.
    #[command(flatten)]
    pub retention: RetentionConfig,
    /// Audit and log retention, and the retention schedule (ADR 0025).
    #[command(flatten)]
    pub rgpd_retention: crate::retention::RetentionSettings,
}

impl NotifierConfig {
    /// Defaults as the flags define them, against `nats_url`.
    pub fn new(nats_url: impl Into<String>) -> Self {
        Self {
            nats: jetcrawl_streams::NatsArgs::new(nats_url),
            metrics: jetcrawl_telemetry::MetricsArgs::default(),
            allow_private_targets: false,
            retry_window_secs: 86_400,
            backoff_base_ms: 5_000,
            backoff_cap_ms: 3_600_000,
            request_timeout_ms: 10_000,
            topology: jetcrawl_streams::TopologyArgs::default(),
            concurrency: 32,
            purge_interval_ms: 3_600_000,
            signing: SigningConfig {
                url_ttl_secs: 900,
                url_max_ttl_secs: 3600,
                ..SigningConfig::default()
            },
            retention: RetentionConfig::default(),
            rgpd_retention: crate::retention::RetentionSettings::default(),
        }
    }

    /// The retry window.
    pub fn retry_window(&self) -> Duration {
        Duration::from_secs(self.retry_window_secs)
    }

    /// One attempt's deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(100))
    }

    /// The purge interval.
    pub fn purge_interval(&self) -> Duration {
        Duration::from_millis(self.purge_interval_ms.max(100))
    }
}
