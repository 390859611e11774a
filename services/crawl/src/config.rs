//! What the crawl controller enforces: robots.txt settings, per-domain limits (defaults
//! plus overrides), the crawl-delay cap, back-pressure and the circuit breaker.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::domain::DomainKey;

/// The longest a robots.txt may be cached while the site answers (RFC 9309 §2.4).
pub const MAX_ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);

/// Per-domain limits. Zero means "no limit" for every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Floor of the interval between two request starts (before robots `Crawl-delay`).
    pub min_interval: Duration,
    /// Request starts allowed per quota window (per minute by default).
    pub requests_per_window: u32,
    /// Jobs running on the domain at once, cluster-wide.
    pub max_concurrency: u32,
}

/// One domain's override; `None` keeps the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitsOverride {
    /// See [`Limits::min_interval`].
    pub min_interval: Option<Duration>,
    /// See [`Limits::requests_per_window`].
    pub requests_per_window: Option<u32>,
    /// See [`Limits::max_concurrency`].
    pub max_concurrency: Option<u32>,
}

/// When the per-domain circuit breaker opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive site failures (5xx, 429, timeouts, network errors) that open it; 0
    /// disables the breaker.
    pub failures: u32,
    /// How long it stays open before letting one probe job through (half-open).
    pub cooldown: Duration,
}

/// robots.txt handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotsConfig {
    /// The product token matched against `User-agent` lines (case-insensitive).
    pub product_token: String,
    /// How long a fetched robots.txt is used before it is fetched again (at most 24 h).
    pub ttl: Duration,
    /// After a 5xx, 429 or network error: how long until the next fetch.
    pub retry: Duration,
    /// Deadline of one robots.txt fetch (all redirects included).
    pub fetch_timeout: Duration,
}

/// Everything the controller enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlConfig {
    /// robots.txt.
    pub robots: RobotsConfig,
    /// Limits of every domain without an override.
    pub defaults: Limits,
    /// Per-domain overrides, keyed by registrable domain.
    pub overrides: BTreeMap<String, LimitsOverride>,
    /// Longest effective interval: a larger robots `Crawl-delay` is cut to it, and the
    /// result says so.
    pub crawl_delay_cap: Duration,
    /// The quota window (`requests_per_window` per this long).
    pub quota_window: Duration,
    /// Added to the interval and the quota window, so the gap the site sees stays above
    /// the limit despite the lag between admission and the request.
    pub margin: Duration,
    /// Longest `Retry-After` honoured.
    pub retry_after_cap: Duration,
    /// Per-domain circuit breaker.
    pub breaker: BreakerConfig,
    /// Waits at most this long are slept in the worker instead of deferring the job.
    pub short_wait: Duration,
    /// How long a job waits before asking again for a concurrency slot (or for a
    /// half-open breaker's probe to finish).
    pub recheck: Duration,
    /// Domains with their own metric series, besides those with an override; every
    /// other domain is counted under `other`.
    pub metric_domains: BTreeSet<String>,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            robots: RobotsConfig {
                product_token: "jetcrawl".to_owned(),
                ttl: MAX_ROBOTS_TTL,
                retry: Duration::from_secs(300),
                fetch_timeout: Duration::from_secs(10),
            },
            defaults: Limits::default(),
            overrides: BTreeMap::new(),
            crawl_delay_cap: Duration::from_secs(30),
            quota_window: Duration::from_secs(60),
            margin: Duration::from_millis(100),
            retry_after_cap: Duration::from_secs(3600),
            breaker: BreakerConfig {
                failures: 5,
                cooldown: Duration::from_secs(60),
            },
            short_wait: Duration::from_millis(250),
            recheck: Duration::from_secs(1),
            metric_domains: BTreeSet::new(),
        }
    }
}

/// The `domain` label of a domain the operator did not name.
pub const OTHER_DOMAINS: &str = "other";

impl CrawlConfig {
    /// The `domain` label of `domain`'s metric series: itself when the operator named
    /// it (`JETCRAWL_METRICS_DOMAINS`, or a limits override), [`OTHER_DOMAINS`]
    /// otherwise, so crawling the open web never makes a series per domain.
    pub fn metric_label(&self, domain: &DomainKey) -> String {
        let named = self.metric_domains.contains(domain.as_str())
            || self.overrides.contains_key(domain.as_str());
        if named {
            domain.as_str().to_owned()
        } else {
            OTHER_DOMAINS.to_owned()
        }
    }

    /// The limits of `domain`: its override over the defaults.
    pub fn limits(&self, domain: &DomainKey) -> Limits {
        let Some(o) = self.overrides.get(domain.as_str()) else {
            return self.defaults;
        };
        Limits {
            min_interval: o.min_interval.unwrap_or(self.defaults.min_interval),
            requests_per_window: o
                .requests_per_window
                .unwrap_or(self.defaults.requests_per_window),
            max_concurrency: o.max_concurrency.unwrap_or(self.defaults.max_concurrency),
        }
    }

    /// The interval between two request starts on a domain with `limits` whose robots.txt
    /// asks for `crawl_delay`: max(floor, crawl-delay), capped. The second value is the
    /// uncapped interval when the cap cut it.
    pub fn interval(
        &self,
        limits: &Limits,
        crawl_delay: Option<Duration>,
    ) -> (Duration, Option<Duration>) {
        let wanted = limits.min_interval.max(crawl_delay.unwrap_or_default());
        if wanted > self.crawl_delay_cap {
            (self.crawl_delay_cap, Some(wanted))
        } else {
            (wanted, None)
        }
    }
}

/// A malformed `JETCRAWL_DOMAIN_OVERRIDES` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "JETCRAWL_DOMAIN_OVERRIDES: {0}; expected `domain=key:value,...;domain=...` with keys \
     interval_ms, rpm (requests per quota window) and concurrency, e.g. \
     `example.com=rpm:30,concurrency:2;localhost=interval_ms:500`"
)]
pub struct OverridesError(String);

/// Parses `example.com=rpm:30,concurrency:2;localhost=interval_ms:500`. Domains are
/// reduced to their registrable domain, as the controller keys them.
pub fn parse_overrides(text: &str) -> Result<BTreeMap<String, LimitsOverride>, OverridesError> {
    let mut overrides = BTreeMap::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (domain, settings) = entry
            .split_once('=')
            .ok_or_else(|| OverridesError(format!("{entry:?} has no `=`")))?;
        let domain = domain.trim();
        let key = DomainKey::parse(&format!("http://{domain}/"))
            .map_err(|_| OverridesError(format!("{domain:?} is not a domain")))?;
        let mut parsed = LimitsOverride::default();
        for setting in settings.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            apply_setting(&mut parsed, setting)?;
        }
        overrides.insert(key.as_str().to_owned(), parsed);
    }
    Ok(overrides)
}

fn apply_setting(o: &mut LimitsOverride, setting: &str) -> Result<(), OverridesError> {
    let (name, value) = setting
        .split_once(':')
        .ok_or_else(|| OverridesError(format!("{setting:?} has no `:`")))?;
    let number: u64 = value
        .trim()
        .parse()
        .map_err(|_| OverridesError(format!("{value:?} of {name} is not a whole number")))?;
    let small = || {
        u32::try_from(number).map_err(|_| OverridesError(format!("{name} {number} is too large")))
    };
    match name.trim() {
        "interval_ms" => o.min_interval = Some(Duration::from_millis(number)),
        "rpm" => o.requests_per_window = Some(small()?),
        "concurrency" => o.max_concurrency = Some(small()?),
        other => return Err(OverridesError(format!("unknown key {other:?}"))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_per_registrable_domain_over_the_defaults() {
        let overrides =
            parse_overrides("www.example.com=rpm:30,concurrency:2; localhost=interval_ms:500")
                .expect("valid");
        let config = CrawlConfig {
            defaults: Limits {
                min_interval: Duration::from_millis(100),
                requests_per_window: 600,
                max_concurrency: 8,
            },
            overrides,
            ..CrawlConfig::default()
        };
        let example = config.limits(&DomainKey::parse("https://a.example.com/").expect("url"));
        assert_eq!(example.requests_per_window, 30);
        assert_eq!(example.max_concurrency, 2);
        assert_eq!(example.min_interval, Duration::from_millis(100));
        let local = config.limits(&DomainKey::parse("http://localhost:1/").expect("url"));
        assert_eq!(local.min_interval, Duration::from_millis(500));
        assert_eq!(local.requests_per_window, 600);
    }

    #[test]
    fn only_named_domains_get_their_own_metric_series() {
        let config = CrawlConfig {
            overrides: parse_overrides("shop.example=rpm:30").expect("valid"),
            metric_domains: BTreeSet::from(["news.example".to_owned()]),
            ..CrawlConfig::default()
        };
        let label = |url: &str| config.metric_label(&DomainKey::parse(url).expect("url"));
        assert_eq!(label("https://www.shop.example/a"), "shop.example");
        assert_eq!(label("https://news.example/"), "news.example");
        assert_eq!(label("https://anything-else.example/"), OTHER_DOMAINS);
        assert_eq!(label("https://another.example/"), OTHER_DOMAINS);
    }

    #[test]
    fn bad_overrides_name_what_is_wrong() {
        for (text, needle) in [
            ("example.com", "no `=`"),
            ("example.com=rpm", "no `:`"),
            ("example.com=rpm:x", "not a whole number"),
            ("example.com=speed:3", "unknown key"),
        ] {
            let err = parse_overrides(text).expect_err(text).to_string();
            assert!(err.contains(needle), "{err}");
            assert!(err.contains("JETCRAWL_DOMAIN_OVERRIDES"));
        }
    }

    #[test]
    fn the_interval_is_the_larger_of_floor_and_crawl_delay_capped() {
        let config = CrawlConfig {
            crawl_delay_cap: Duration::from_secs(10),
            ..CrawlConfig::default()
        };
        let limits = Limits {
            min_interval: Duration::from_secs(2),
            ..Limits::default()
        };
        assert_eq!(
            config.interval(&limits, None),
            (Duration::from_secs(2), None)
        );
        assert_eq!(
            config.interval(&limits, Some(Duration::from_secs(5))),
            (Duration::from_secs(5), None)
        );
        assert_eq!(
            config.interval(&limits, Some(Duration::from_secs(60))),
            (Duration::from_secs(10), Some(Duration::from_secs(60)))
        );
    }
}
