//! The robots.txt part of an admission: every URL of the job against its origin's
//! robots.txt (unless the tenant's check is off), and the crawl-delay per domain.

use std::collections::BTreeMap;
use std::time::Duration;

use jetcrawl_proto::v1::RobotsDisallowed;
use url::Url;

use super::Controller;
use super::grant::{Admission, JobView};
use crate::domain::{Cause, DomainKey};
use crate::error::CrawlError;
use crate::robots::{Verdict, robots_url};

/// What robots.txt asks of one domain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct DomainRobots {
    /// The largest `Crawl-delay` among the job's origins on the domain.
    pub crawl_delay: Option<Duration>,
    /// The latest robots.txt fetch of those origins (ms): it counts as a request.
    pub fetched_ms: i64,
    /// URLs of the job on the domain.
    pub requests: u32,
}

impl Controller {
    /// Groups the job's URLs by domain and checks them against robots.txt; a denial or
    /// an unreachable robots.txt answers at once.
    pub(super) async fn check_robots(
        &self,
        job: &JobView<'_>,
        now_ms: i64,
    ) -> Result<Result<BTreeMap<DomainKey, DomainRobots>, Admission>, CrawlError> {
        let respect = self.tenants.cached(job.tenant).respect_robots;
        let mut domains: BTreeMap<DomainKey, DomainRobots> = BTreeMap::new();
        for (index, url) in job.urls.iter().enumerate() {
            let Ok(domain) = DomainKey::of_url(url) else {
                continue;
            };
            let entry = domains.entry(domain.clone()).or_default();
            entry.requests += 1;
            if !respect {
                continue;
            }
            let robots = self.robots.for_url(url, now_ms).await?;
            match robots.verdict(url) {
                Verdict::Allowed => {
                    entry.crawl_delay = entry.crawl_delay.max(robots.crawl_delay());
                    entry.fetched_ms = entry.fetched_ms.max(robots.record.fetched_ms);
                }
                Verdict::Disallowed { rule, group } => {
                    if !self.confirm_denial(job.tenant, Some(&domain)).await? {
                        continue;
                    }
                    return Ok(Err(Admission::Refused(RobotsDisallowed {
                        // Never the full URL: it is personal data (sealed in JobSubmitted).
                        url: origin(url),
                        url_index: u32::try_from(index).unwrap_or(u32::MAX),
                        robots_url: robots_url(url).map(|u| u.to_string()).unwrap_or_default(),
                        rule,
                        user_agent_group: group,
                        product_token: self.config.robots.product_token.clone(),
                        domain: domain.to_string(),
                    })));
                }
                Verdict::Unreachable { retry_ms, error } => {
                    return Ok(Err(Admission::Wait {
                        until_ms: retry_ms.max(now_ms + 1),
                        cause: Cause::RobotsUnreachable,
                        reason: unreachable(url, &error),
                        domain,
                        reserved: false,
                    }));
                }
            }
        }
        Ok(Ok(domains))
    }
}

/// A page an attempt found on its way (an agent's navigation, a click that left the
/// page), checked against its origin's robots.txt before it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageVerdict {
    /// Fetch it, at least this long after the previous request to its origin.
    Allowed {
        /// The origin's `Crawl-delay`, if any.
        crawl_delay: Option<Duration>,
    },
    /// robots.txt disallows it, or cannot be read (then everything is disallowed).
    Refused {
        /// What refused it and why, without the full URL (personal data).
        reason: String,
    },
}

impl Controller {
    /// The robots.txt verdict on one URL for `tenant` (whose policy may turn the check
    /// off), for pages an admission could not know in advance.
    pub async fn check_page(&self, tenant: &str, url: &Url) -> Result<PageVerdict, CrawlError> {
        if !self.tenants.cached(tenant).respect_robots {
            return Ok(PageVerdict::Allowed { crawl_delay: None });
        }
        let robots = self.robots.for_url(url, super::now_ms()).await?;
        Ok(match robots.verdict(url) {
            Verdict::Allowed => PageVerdict::Allowed {
                crawl_delay: robots.crawl_delay(),
            },
            Verdict::Disallowed { rule, group } => {
                let domain = DomainKey::of_url(url).ok();
                if !self.confirm_denial(tenant, domain.as_ref()).await? {
                    return Ok(PageVerdict::Allowed { crawl_delay: None });
                }
                PageVerdict::Refused {
                    reason: format!(
                        "{} disallows this path for user agent group {group:?} ({rule})",
                        robots_url(url).map_or_else(|| origin(url), |u| u.to_string())
                    ),
                }
            }
            Verdict::Unreachable { error, .. } => PageVerdict::Refused {
                reason: unreachable(url, &error),
            },
        })
    }
}

impl Controller {
    /// A robots.txt denial stands unless the tenant's policy, read from the bucket (the
    /// watch may lag an admin's override by a moment), turned the check off; a denial
    /// that stands is counted for its domain.
    async fn confirm_denial(
        &self,
        tenant: &str,
        domain: Option<&DomainKey>,
    ) -> Result<bool, CrawlError> {
        if !self.tenants.load(tenant).await?.respect_robots {
            return Ok(false);
        }
        if let Some(domain) = domain {
            let label = self.config.metric_label(domain);
            metrics::counter!("jetcrawl_robots_denials_total", "domain" => label).increment(1);
        }
        Ok(true)
    }
}

/// Why everything at `url`'s origin waits: its robots.txt could not be read.
fn unreachable(url: &Url, error: &str) -> String {
    format!(
        "robots.txt of {} is unreachable ({error}); everything there is disallowed until it \
         is fetched again",
        origin(url)
    )
}

fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}
