//! Per-tenant crawl policy in the `TENANT_POLICY` bucket: whether the tenant's jobs obey
//! robots.txt. Only an admin changes it (through the gateway), and every change is an
//! audited `RobotsPolicyChanged` on `audit.robots_override.<tenant>`. Workers follow the
//! bucket with a watch, so a change applies to the next job.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_nats::jetstream::Context;
use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use futures::StreamExt;
use jetcrawl_proto::v1::RobotsPolicyChanged;
use jetcrawl_streams::audit::{Action, append_action, new_action};
use serde::{Deserialize, Serialize};

use crate::domain::key::{decode_key, encode_key};
use crate::error::CrawlError;

/// A tenant's crawl policy. The default obeys robots.txt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPolicy {
    /// False when an admin turned the robots.txt check off.
    pub respect_robots: bool,
    /// Why, as the admin gave it.
    #[serde(default)]
    pub reason: String,
    /// The admin's actor id.
    #[serde(default)]
    pub changed_by: String,
    /// When (ms since the epoch; 0 for the default).
    #[serde(default)]
    pub changed_ms: i64,
}

impl Default for TenantPolicy {
    fn default() -> Self {
        Self {
            respect_robots: true,
            reason: String::new(),
            changed_by: String::new(),
            changed_ms: 0,
        }
    }
}

/// The `TENANT_POLICY` bucket, with a live in-memory copy once [`TenantPolicies::follow`]
/// runs.
#[derive(Clone)]
pub struct TenantPolicies {
    kv: kv::Store,
    mirror: Arc<RwLock<HashMap<String, TenantPolicy>>>,
}

impl std::fmt::Debug for TenantPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantPolicies").finish_non_exhaustive()
    }
}

impl TenantPolicies {
    /// Over the bucket.
    pub fn new(kv: kv::Store) -> Self {
        Self {
            kv,
            mirror: Arc::default(),
        }
    }

    /// Keeps the in-memory copy in step with the bucket until the watch ends.
    pub async fn follow(self) {
        let mut watch = match self.kv.watch_with_history(">").await {
            Ok(watch) => watch,
            Err(err) => {
                tracing::warn!(error = %err, "cannot watch TENANT_POLICY; policies are read on each robots denial");
                return;
            }
        };
        while let Some(entry) = watch.next().await {
            let Ok(entry) = entry else { continue };
            let Some(tenant) = decode_key(&entry.key) else {
                continue;
            };
            let policy = match entry.operation {
                Operation::Put => serde_json::from_slice(&entry.value).unwrap_or_default(),
                Operation::Delete | Operation::Purge => TenantPolicy::default(),
            };
            self.mirror
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(tenant, policy);
        }
    }

    /// The policy as last seen by the watch (the default when none was seen).
    pub fn cached(&self, tenant: &str) -> TenantPolicy {
        self.mirror
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
            .cloned()
            .unwrap_or_default()
    }

    /// The policy as stored now.
    pub async fn load(&self, tenant: &str) -> Result<TenantPolicy, CrawlError> {
        let value = self
            .kv
            .get(encode_key(tenant))
            .await
            .map_err(|err| CrawlError::kv("TENANT_POLICY", err))?;
        Ok(value
            .and_then(|v| serde_json::from_slice(&v).ok())
            .unwrap_or_default())
    }

    /// Sets the robots policy of `tenant` as `actor`: records `RobotsPolicyChanged` on
    /// `AUDIT_ACTIONS` first (nothing changes if that fails), then stores the policy.
    /// Returns the policy in force and whether it changed.
    pub async fn set_robots(
        &self,
        js: &Context,
        tenant: &str,
        actor: &str,
        traceparent: &str,
        respect_robots: bool,
        reason: &str,
    ) -> Result<(TenantPolicy, bool), CrawlError> {
        let previous = self.load(tenant).await?;
        if previous.respect_robots == respect_robots {
            return Ok((previous, false));
        }
        let changed = RobotsPolicyChanged {
            respect_robots,
            previous_respect_robots: previous.respect_robots,
            reason: reason.to_owned(),
        };
        let action = new_action(
            tenant,
            actor,
            traceparent,
            Action::RobotsPolicyChanged(changed),
        );
        append_action(js, &action, None)
            .await
            .map_err(|err| CrawlError::Audit(err.to_string()))?;
        let policy = TenantPolicy {
            respect_robots,
            reason: reason.to_owned(),
            changed_by: actor.to_owned(),
            changed_ms: chrono::Utc::now().timestamp_millis(),
        };
        let bytes = Bytes::from(serde_json::to_vec(&policy).map_err(CrawlError::encode)?);
        self.kv
            .put(encode_key(tenant), bytes)
            .await
            .map_err(|err| CrawlError::kv("TENANT_POLICY", err))?;
        Ok((policy, true))
    }
}
