//! Retention settings: each with its `JETCRAWL_*` environment variable.

use std::time::Duration;

use clap::Args;

/// How long audit and log rows are kept, and how often retention runs.
#[derive(Debug, Clone, Args)]
pub struct RetentionSettings {
    /// Postgres of the read models and the audit log. Without it, retention runs only
    /// remove expired results.
    #[command(flatten)]
    pub database: jetcrawl_projections::DatabaseArgs,
    /// Days audit rows (audit_log) and log rows (job_events) are kept.
    #[arg(long, env = "JETCRAWL_AUDIT_RETENTION_DAYS", default_value_t = 180,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub audit_retention_days: u32,
    /// Overrides the audit retention with seconds, for tests and demos only.
    #[arg(long, env = "JETCRAWL_DEV_AUDIT_RETENTION_SECS")]
    pub dev_audit_retention_secs: Option<u64>,
    /// How often the scheduled retention run happens, in milliseconds.
    #[arg(
        long,
        env = "JETCRAWL_RETENTION_INTERVAL_MS",
        default_value_t = 3_600_000
    )]
    pub retention_interval_ms: u64,
    /// How often the whole audit chain is verified (`jetcrawl_audit_chain_ok`), in
    /// milliseconds; also once at start.
    #[arg(
        long,
        env = "JETCRAWL_AUDIT_VERIFY_INTERVAL_MS",
        default_value_t = 3_600_000
    )]
    pub audit_verify_interval_ms: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            database: jetcrawl_projections::DatabaseArgs {
                url: None,
                ..jetcrawl_projections::DatabaseArgs::new("")
            },
            audit_retention_days: 180,
            dev_audit_retention_secs: None,
            retention_interval_ms: 3_600_000,
            audit_verify_interval_ms: 3_600_000,
        }
    }
}

impl RetentionSettings {
    /// The audit and log retention.
    pub fn audit_retention(&self) -> Duration {
        match self.dev_audit_retention_secs {
            Some(secs) => Duration::from_secs(secs),
            None => Duration::from_secs(u64::from(self.audit_retention_days) * 24 * 3600),
        }
    }

    /// Time between audit chain verifications (at least 100 ms).
    pub fn verify_interval(&self) -> Duration {
        Duration::from_millis(self.audit_verify_interval_ms.max(100))
    }

    /// Time between scheduled runs (at least 100 ms).
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.retention_interval_ms.max(100))
    }
}
