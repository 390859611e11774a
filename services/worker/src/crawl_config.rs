//! The crawl controller's settings (robots.txt, per-domain politeness, back-pressure),
//! as worker flags with environment fallbacks.

use std::time::Duration;

use clap::Args;
use jetcrawl_crawl::{BreakerConfig, CrawlConfig, Limits, RobotsConfig, parse_overrides};

use crate::error::{ErrorClass, JobError};

/// Politeness settings; every worker of a fleet should run with the same values.
#[derive(Debug, Clone, Args)]
pub struct CrawlArgs {
    /// Product token matched (case-insensitively) against robots.txt `User-agent` lines.
    #[arg(
        long,
        env = "JETCRAWL_ROBOTS_PRODUCT_TOKEN",
        default_value = "jetcrawl"
    )]
    pub robots_product_token: String,
    /// How long a fetched robots.txt is used before it is fetched again (at most 24 h).
    #[arg(long, env = "JETCRAWL_ROBOTS_TTL_MS", default_value_t = 86_400_000)]
    pub robots_ttl_ms: u64,
    /// After a robots.txt 5xx, 429 or network error: how long until it is fetched again.
    #[arg(long, env = "JETCRAWL_ROBOTS_RETRY_MS", default_value_t = 300_000)]
    pub robots_retry_ms: u64,
    /// Deadline of one robots.txt fetch, redirects included.
    #[arg(
        long,
        env = "JETCRAWL_ROBOTS_FETCH_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub robots_fetch_timeout_ms: u64,
    /// Floor of the interval between two requests to one domain (robots Crawl-delay may
    /// ask for more).
    #[arg(long, env = "JETCRAWL_DOMAIN_MIN_INTERVAL_MS", default_value_t = 0)]
    pub domain_min_interval_ms: u64,
    /// Requests per quota window and domain, cluster-wide (0: no quota).
    #[arg(long, env = "JETCRAWL_DOMAIN_RPM", default_value_t = 0)]
    pub domain_rpm: u32,
    /// The quota window (one minute: requests per minute).
    #[arg(
        long,
        env = "JETCRAWL_DOMAIN_QUOTA_WINDOW_MS",
        default_value_t = 60_000
    )]
    pub domain_quota_window_ms: u64,
    /// Jobs running on one domain at once, cluster-wide (0: no cap).
    #[arg(long, env = "JETCRAWL_DOMAIN_MAX_CONCURRENCY", default_value_t = 0)]
    pub domain_max_concurrency: u32,
    /// Per-domain overrides: `example.com=rpm:30,concurrency:2,interval_ms:500;…`.
    #[arg(long, env = "JETCRAWL_DOMAIN_OVERRIDES", default_value = "")]
    pub domain_overrides: String,
    /// Longest interval applied; a longer Crawl-delay is cut to it (and the result says so).
    #[arg(long, env = "JETCRAWL_CRAWL_DELAY_CAP_MS", default_value_t = 30_000)]
    pub crawl_delay_cap_ms: u64,
    /// Added to intervals and quota windows so the site never sees a shorter gap.
    #[arg(long, env = "JETCRAWL_POLITENESS_MARGIN_MS", default_value_t = 100)]
    pub politeness_margin_ms: u64,
    /// Waits up to this long are slept in the worker instead of deferring the job.
    #[arg(long, env = "JETCRAWL_POLITENESS_SHORT_WAIT_MS", default_value_t = 250)]
    pub politeness_short_wait_ms: u64,
    /// Longest `Retry-After` honoured.
    #[arg(long, env = "JETCRAWL_RETRY_AFTER_CAP_MS", default_value_t = 3_600_000)]
    pub retry_after_cap_ms: u64,
    /// Consecutive site failures (5xx, 429, timeouts, network) that open a domain's
    /// circuit breaker (0: never).
    #[arg(long, env = "JETCRAWL_BREAKER_FAILURES", default_value_t = 5)]
    pub breaker_failures: u32,
    /// How long an open breaker defers the domain's jobs before one probe runs.
    #[arg(long, env = "JETCRAWL_BREAKER_COOLDOWN_MS", default_value_t = 60_000)]
    pub breaker_cooldown_ms: u64,
    /// Registrable domains with their own metric series, comma-separated (domains with
    /// an override have theirs too); every other domain counts under `domain="other"`,
    /// so a crawl of the open web never makes a series per domain.
    #[arg(long, env = "JETCRAWL_METRICS_DOMAINS", value_delimiter = ',')]
    pub metrics_domains: Vec<String>,
}

impl CrawlArgs {
    /// The controller's configuration; a malformed override is refused with its fix.
    pub fn config(&self) -> Result<CrawlConfig, JobError> {
        let overrides = parse_overrides(&self.domain_overrides)
            .map_err(|err| JobError::new(ErrorClass::InvalidSpec, err.to_string()))?;
        let ms = Duration::from_millis;
        Ok(CrawlConfig {
            robots: RobotsConfig {
                product_token: self.robots_product_token.clone(),
                ttl: ms(self.robots_ttl_ms),
                retry: ms(self.robots_retry_ms),
                fetch_timeout: ms(self.robots_fetch_timeout_ms),
            },
            defaults: Limits {
                min_interval: ms(self.domain_min_interval_ms),
                requests_per_window: self.domain_rpm,
                max_concurrency: self.domain_max_concurrency,
            },
            overrides,
            crawl_delay_cap: ms(self.crawl_delay_cap_ms),
            quota_window: ms(self.domain_quota_window_ms.max(1)),
            margin: ms(self.politeness_margin_ms),
            retry_after_cap: ms(self.retry_after_cap_ms),
            breaker: BreakerConfig {
                failures: self.breaker_failures,
                cooldown: ms(self.breaker_cooldown_ms),
            },
            short_wait: ms(self.politeness_short_wait_ms),
            recheck: Duration::from_secs(1),
            metric_domains: self
                .metrics_domains
                .iter()
                .map(|d| d.trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
        })
    }
}
