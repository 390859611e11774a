//! What a job asks the controller, and what it gets: a grant (released when the job
//! ends), a wait, or a robots.txt refusal.

use std::time::Duration;

use jetcrawl_proto::v1::{CrawlDelayCapped, RobotsDisallowed};
use serde::Serialize;
use url::Url;

use crate::domain::{Cause, DomainKey};

/// A job as the controller sees it.
#[derive(Debug, Clone)]
pub struct JobView<'a> {
    /// The job.
    pub job_id: &'a str,
    /// Its tenant (robots policy).
    pub tenant: &'a str,
    /// Every URL it will request: the spec's URLs and its `navigate` steps.
    pub urls: Vec<Url>,
    /// The crawl-delay slot a deferral reserved for it: the domain and the slot time.
    pub reserved: Option<(DomainKey, i64)>,
    /// How long the job may run (its deadline): its leases lapse after it.
    pub lease_for: Duration,
}

/// One domain's part of a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainGrant {
    /// The registrable domain.
    pub domain: DomainKey,
    /// Requests the job makes there.
    #[serde(skip)]
    pub requests: u32,
    /// The interval applied between starts (ms).
    pub interval_ms: u64,
    /// What robots.txt or the floor asked for, when the cap cut it (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl_delay_requested_ms: Option<u64>,
    /// The job holds a concurrency lease.
    #[serde(skip)]
    pub leased: bool,
    /// The job is the half-open breaker's probe.
    #[serde(skip)]
    pub probe: bool,
    /// No request before this (ms): one interval after the robots.txt fetch.
    #[serde(skip)]
    pub not_before_ms: i64,
}

/// Permission to start, per domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    /// One per domain of the job.
    pub domains: Vec<DomainGrant>,
}

impl Grant {
    /// Domains whose crawl-delay was capped, for `JobSucceeded`.
    pub fn capped(&self) -> Vec<CrawlDelayCapped> {
        self.domains
            .iter()
            .filter_map(|d| {
                d.crawl_delay_requested_ms
                    .map(|requested| CrawlDelayCapped {
                        domain: d.domain.to_string(),
                        requested_ms: requested,
                        applied_ms: d.interval_ms,
                    })
            })
            .collect()
    }

    /// The `politeness` section of the result JSON: only when a cap applied.
    pub fn report(&self) -> Option<serde_json::Value> {
        let capped: Vec<&DomainGrant> = self
            .domains
            .iter()
            .filter(|d| d.crawl_delay_requested_ms.is_some())
            .collect();
        if capped.is_empty() {
            return None;
        }
        Some(serde_json::json!({ "crawl_delay_capped": capped }))
    }
}

/// The controller's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Start now; report the outcome with [`crate::Controller::finish`].
    Granted(Grant),
    /// Not before `until_ms`.
    Wait {
        /// When to ask again (ms since the epoch).
        until_ms: i64,
        /// Why.
        cause: Cause,
        /// The domain that made it wait.
        domain: DomainKey,
        /// A crawl-delay slot is reserved for the job at `until_ms`.
        reserved: bool,
        /// In words, for `JobDeferred.reason`.
        reason: String,
    },
    /// robots.txt disallows a URL: end the job.
    Refused(RobotsDisallowed),
}

/// How the attempt went, for back-pressure and the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptReport {
    /// What it says about the site.
    pub health: crate::domain::Health,
    /// The `Retry-After` of a 429 or 503.
    pub retry_after: Option<Duration>,
}
