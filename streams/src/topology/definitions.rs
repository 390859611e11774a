//! What every stream and bucket outside `JOBS` is: names and definitions, built from
//! the topology settings. The modules that use them (security, crawl, reports,
//! webhooks) re-export their names; the catalog lists them from here, so the
//! topology depends on none of those modules.

use std::time::Duration;

use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy};
use async_nats::jetstream::{kv, object_store};

use super::Topology;

/// KV bucket of API key records, keyed by key id. Values never hold a secret.
pub const API_KEYS_BUCKET: &str = "API_KEYS";

/// KV bucket of the per-data-subject keys.
pub const SUBJECT_KEYS_BUCKET: &str = "SUBJECT_KEYS";

/// Stream of actions worth auditing that belong to no job: refused calls
/// (`audit.denied.<tenant>`) and admin actions such as erasures, robots overrides, key
/// rotations and reports (`audit.<kind>.<tenant>`, an `Event` envelope with no job id).
pub const AUDIT_ACTIONS_STREAM: &str = "AUDIT_ACTIONS";

/// Every subject of [`AUDIT_ACTIONS_STREAM`].
pub const AUDIT_ACTIONS_ALL: &str = "audit.>";

/// How long access decisions are kept: the audit retention (180 days).
pub const AUDIT_ACTIONS_MAX_AGE: Duration = Duration::from_secs(180 * 24 * 3600);

/// The audit-actions stream: immutable like `JOBS`.
pub fn audit_actions_stream(topology: &Topology) -> stream::Config {
    stream::Config {
        name: AUDIT_ACTIONS_STREAM.to_owned(),
        description: Some(
            "Jetcrawl access decisions and admin actions: audit.<kind>.<tenant>".to_owned(),
        ),
        subjects: vec![AUDIT_ACTIONS_ALL.to_owned()],
        retention: RetentionPolicy::Limits,
        discard: DiscardPolicy::Old,
        storage: topology.storage,
        num_replicas: topology.replicas,
        max_age: AUDIT_ACTIONS_MAX_AGE,
        deny_delete: true,
        deny_purge: true,
        ..Default::default()
    }
}

/// The API key records.
pub fn api_keys_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: API_KEYS_BUCKET.to_owned(),
        description: "Jetcrawl API keys: sha256 of the secret, tenant and role".to_owned(),
        history: 5,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// Per-data-subject encryption keys (RGPD crypto-shredding): one revision per key, so
/// an erasure's purge leaves no key material behind.
pub fn subject_keys_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: SUBJECT_KEYS_BUCKET.to_owned(),
        description: "Jetcrawl per-data-subject encryption keys (RGPD crypto-shredding)".to_owned(),
        history: 1,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

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

/// Object Store bucket holding the report files.
pub const REPORTS_BUCKET: &str = "REPORTS";

/// The bucket's definition. Reports hold aggregates only (no personal data), so they are
/// kept until removed by hand.
pub fn reports_bucket(topology: &Topology) -> object_store::Config {
    object_store::Config {
        bucket: REPORTS_BUCKET.to_owned(),
        description: Some("Jetcrawl monthly reports (HTML and JSON)".to_owned()),
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// Per-tenant endpoint secrets (`whsec_…`), keyed by tenant.
pub const SECRETS_BUCKET: &str = "WEBHOOK_SECRETS";

/// Endpoints disabled by a `410 Gone`, keyed by tenant and URL hash.
pub const DISABLED_BUCKET: &str = "WEBHOOK_DISABLED";

/// `WEBHOOK_SECRETS`.
pub fn secrets_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: SECRETS_BUCKET.to_owned(),
        description: "Jetcrawl webhook secrets per tenant".to_owned(),
        history: 1,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// `WEBHOOK_DISABLED`.
pub fn disabled_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: DISABLED_BUCKET.to_owned(),
        description: "Jetcrawl webhook endpoints disabled by 410".to_owned(),
        history: 1,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}
