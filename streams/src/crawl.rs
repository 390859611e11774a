//! The crawl controller's buckets: `ROBOTS` (robots.txt per origin, shared by every
//! worker), `DOMAINS` (per-domain politeness state, changed by compare-and-swap) and
//! `TENANT_POLICY` (per-tenant robots overrides, set by admins).

use async_nats::jetstream::Context;
use async_nats::jetstream::kv;

use crate::error::StoreError;
use crate::security::bind_bucket;

pub use crate::topology::definitions::{
    DOMAINS_BUCKET, DOMAINS_MAX_AGE, ROBOTS_BUCKET, ROBOTS_MAX_AGE, TENANT_POLICY_BUCKET,
    domains_bucket, robots_bucket, tenant_policy_bucket,
};

/// The three buckets.
#[derive(Debug, Clone)]
pub struct CrawlBuckets {
    /// `ROBOTS`.
    pub robots: kv::Store,
    /// `DOMAINS`.
    pub domains: kv::Store,
    /// `TENANT_POLICY`.
    pub tenant_policy: kv::Store,
}

/// Binds to the three buckets, which `jetcrawl admin apply` created.
pub async fn bind_crawl(js: &Context) -> Result<CrawlBuckets, StoreError> {
    Ok(CrawlBuckets {
        robots: bind_bucket(js, ROBOTS_BUCKET).await?,
        domains: bind_bucket(js, DOMAINS_BUCKET).await?,
        tenant_policy: bind_bucket(js, TENANT_POLICY_BUCKET).await?,
    })
}
