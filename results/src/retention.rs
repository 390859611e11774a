//! How long results are kept: 30 to 90 days (RGPD), 30 by default. A shorter retention
//! exists only through a deliberately named development override, for tests.

use std::time::Duration;

use clap::Args;

/// Shortest retention in production, in days.
pub const MIN_RETENTION_DAYS: u32 = 30;
/// Longest retention, in days.
pub const MAX_RETENTION_DAYS: u32 = 90;
/// How long past the retention the bucket's own TTL removes what the purge job missed
/// (e.g. while no notifier ran).
pub const TTL_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Retention settings (`JETCRAWL_RESULTS_RETENTION_DAYS`).
#[derive(Debug, Clone, Args)]
pub struct RetentionConfig {
    /// Days results and artifacts are kept, 30 to 90.
    #[arg(
        long = "results-retention-days",
        env = "JETCRAWL_RESULTS_RETENTION_DAYS",
        default_value_t = MIN_RETENTION_DAYS,
        value_parser = clap::value_parser!(u32).range(MIN_RETENTION_DAYS as i64..=MAX_RETENTION_DAYS as i64)
    )]
    pub retention_days: u32,
    /// DEVELOPMENT AND TESTS ONLY: a retention in seconds that replaces the 30–90 day
    /// range. Never set it in production.
    #[arg(
        long = "dev-results-retention-secs",
        env = "JETCRAWL_DEV_RESULTS_RETENTION_SECS"
    )]
    pub dev_retention_secs: Option<u64>,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            retention_days: MIN_RETENTION_DAYS,
            dev_retention_secs: None,
        }
    }
}

impl RetentionConfig {
    /// The retention this configuration sets.
    pub fn retention(&self) -> Retention {
        match self.dev_retention_secs {
            Some(secs) => {
                tracing::warn!(
                    secs,
                    "JETCRAWL_DEV_RESULTS_RETENTION_SECS is set: results are kept {secs} s, \
                     not 30–90 days; development and tests only"
                );
                Retention(Duration::from_secs(secs.max(1)))
            }
            None => Retention::days(self.retention_days),
        }
    }
}

/// A retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Duration);

impl Retention {
    /// `days` clamped to 30–90.
    pub fn days(days: u32) -> Self {
        let days = days.clamp(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS);
        Self(Duration::from_secs(u64::from(days) * 24 * 3600))
    }

    /// The period.
    pub fn period(self) -> Duration {
        self.0
    }

    /// The bucket's max age: the retention plus [`TTL_GRACE`].
    pub fn bucket_max_age(self) -> Duration {
        self.0 + TTL_GRACE
    }

    /// When an object stored at `stored_at` expires.
    pub fn expires_at(
        self,
        stored_at: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        stored_at + chrono::Duration::from_std(self.0).unwrap_or(chrono::Duration::MAX)
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::days(MIN_RETENTION_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        retention: RetentionConfig,
    }

    #[test]
    fn retention_is_30_to_90_days_unless_the_dev_override_is_set() {
        let default = Cli::parse_from(["x"]).retention.retention();
        assert_eq!(default.period(), Duration::from_secs(30 * 86_400));
        let ninety = Cli::parse_from(["x", "--results-retention-days", "90"]);
        assert_eq!(
            ninety.retention.retention().period(),
            Duration::from_secs(90 * 86_400)
        );
        for out_of_range in ["7", "91"] {
            assert!(
                Cli::try_parse_from(["x", "--results-retention-days", out_of_range]).is_err(),
                "{out_of_range} days must be refused"
            );
        }
        let dev = Cli::parse_from(["x", "--dev-results-retention-secs", "3"]);
        assert_eq!(dev.retention.retention().period(), Duration::from_secs(3));
        assert_eq!(Retention::days(1), Retention::days(30));
    }
}
