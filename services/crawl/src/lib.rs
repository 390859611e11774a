//! The Jetcrawl crawl controller: what makes a fleet of workers a polite crawler.
//!
//! - robots.txt per RFC 9309 ([`robots`]): fetched through the worker's own HTTP client
//!   (five redirects, 500 KiB), parsed by `robotxt` for the configured product token,
//!   cached for the whole fleet in the `ROBOTS` bucket for at most 24 h, the last good
//!   copy kept while the site's robots.txt is unreachable.
//! - Per-domain politeness shared cluster-wide ([`domain`]): the registrable domain is
//!   the unit; its crawl-delay pacing (with reserved slots), requests-per-window quota,
//!   concurrency leases, `Retry-After` pause and circuit breaker live in the `DOMAINS`
//!   bucket and change only by compare-and-swap. The rules are pure functions tested
//!   without I/O.
//! - Per-tenant policy ([`tenant`]): an admin may turn the robots check off for a
//!   tenant; the change is audited on `AUDIT_ACTIONS`.
//! - The [`Controller`] ties them together for the worker's slot gate.

#![forbid(unsafe_code)]

pub mod config;
pub mod controller;
pub mod domain;
pub mod error;
pub mod robots;
pub mod tenant;

pub use config::{
    BreakerConfig, CrawlConfig, Limits, LimitsOverride, OTHER_DOMAINS, RobotsConfig,
    parse_overrides,
};
pub use controller::{
    Admission, AttemptReport, Controller, DomainGrant, Grant, JobView, PageVerdict,
};
pub use domain::{BreakerState, Cause, DomainKey, DomainState, DomainStore, Health};
pub use error::CrawlError;
pub use robots::{PlainEgress, RobotsEgress};
pub use tenant::{TenantPolicies, TenantPolicy};
