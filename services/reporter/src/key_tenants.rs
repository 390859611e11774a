//! Tenants that hold an API key: each gets its part of a month's report even when it
//! did nothing that month, so its auditor reads "no activity" instead of "not found".

use std::collections::BTreeSet;

use async_nats::jetstream::Context;
use futures::TryStreamExt as _;
use jetcrawl_streams::topology::definitions::API_KEYS_BUCKET;
use serde::Deserialize;

use crate::error::ReportError;

/// The one field of a key record the report needs.
#[derive(Deserialize)]
struct KeyTenant {
    tenant: String,
}

/// The tenant of every key in `API_KEYS`, revoked ones included (a tenant whose keys
/// were revoked during the month still had a month).
pub async fn key_tenants(js: &Context) -> Result<BTreeSet<String>, ReportError> {
    tokio::time::timeout(LISTING_TIMEOUT, list(js))
        .await
        .unwrap_or_else(|_| {
            Err(ReportError::nats(
                "listing the API keys' tenants",
                format!("no answer within {LISTING_TIMEOUT:?}"),
            ))
        })
}

/// How long listing the keys may take before the generation fails (and is retried).
const LISTING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn list(js: &Context) -> Result<BTreeSet<String>, ReportError> {
    let failed =
        |err: &dyn std::fmt::Display| ReportError::nats("listing the API keys' tenants", err);
    let kv = js
        .get_key_value(API_KEYS_BUCKET)
        .await
        .map_err(|err| failed(&err))?;
    tracing::debug!("listing API key ids");
    let ids: Vec<String> = kv
        .keys()
        .await
        .map_err(|err| failed(&err))?
        .try_collect()
        .await
        .map_err(|err| failed(&err))?;
    tracing::debug!(keys = ids.len(), "reading API key records");
    let mut tenants = BTreeSet::new();
    for id in ids {
        let Some(bytes) = kv.get(&id).await.map_err(|err| failed(&err))? else {
            continue;
        };
        // A record this reporter cannot read names no tenant; the others still count.
        if let Ok(record) = serde_json::from_slice::<KeyTenant>(&bytes)
            && !record.tenant.is_empty()
        {
            tenants.insert(record.tenant);
        }
    }
    Ok(tenants)
}
