//! The crawl controller's buckets: `ROBOTS` (robots.txt per origin, shared by every
//! worker), `DOMAINS` (per-domain politeness state, changed by compare-and-swap) and
//! `TENANT_POLICY` (per-tenant robots overrides, set by admins).

use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::kv;

use crate::error::StoreError;
use crate::security::bind_bucket;
use crate::topology::Topology;

/// robots.txt records keyed by origin.
pub const ROBOTS_BUCKET: &str = "ROBOTS";
/// Per-domain politeness state keyed by registrable domain.
pub const DOMAINS_BUCKET: &str = "DOMAINS";
/// Per-tenant crawl policy keyed by tenant.
pub const TENANT_POLICY_BUCKET: &str = "TENANT_POLICY";

/// How long a robots.txt record survives without being refreshed. Longer than the 24 h
/// a copy is used while the site answers: the last good copy stays in use while the
/// site's robots.txt is unreachable (RFC 9309 §2.4).
pub const ROBOTS_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// A domain nobody crawled for this long starts afresh.
pub const DOMAINS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

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

/// `ROBOTS`.
pub fn robots_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: ROBOTS_BUCKET.to_owned(),
        description: "Jetcrawl robots.txt cache per origin (RFC 9309)".to_owned(),
        history: 1,
        max_age: ROBOTS_MAX_AGE,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// `DOMAINS`.
pub fn domains_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: DOMAINS_BUCKET.to_owned(),
        description: "Jetcrawl per-domain politeness state (compare-and-swap)".to_owned(),
        history: 1,
        max_age: DOMAINS_MAX_AGE,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// `TENANT_POLICY`.
pub fn tenant_policy_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: TENANT_POLICY_BUCKET.to_owned(),
        description: "Jetcrawl per-tenant crawl policy (robots overrides)".to_owned(),
        history: 10,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// Binds to the three buckets, which `jetcrawl admin apply` created.
pub async fn bind_crawl(js: &Context) -> Result<CrawlBuckets, StoreError> {
    Ok(CrawlBuckets {
        robots: bind_bucket(js, ROBOTS_BUCKET).await?,
        domains: bind_bucket(js, DOMAINS_BUCKET).await?,
        tenant_policy: bind_bucket(js, TENANT_POLICY_BUCKET).await?,
    })
}
