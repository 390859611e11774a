//! Endpoints disabled by a `410 Gone` answer, in the KV bucket `WEBHOOK_DISABLED`, keyed
//! by tenant and the sha256 of the URL. A disabled endpoint gets no more deliveries
//! until the key is deleted (`jetcrawl webhooks enable`).

use async_nats::jetstream::Context;
use async_nats::jetstream::kv::Store;
use sha2::{Digest, Sha256};

/// The KV bucket of disabled endpoints.
pub use jetcrawl_streams::webhooks::DISABLED_BUCKET;

/// Disabled endpoints.
#[derive(Clone)]
pub struct DisabledEndpoints {
    kv: Store,
}

impl std::fmt::Debug for DisabledEndpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DisabledEndpoints")
    }
}

/// The KV key of `url` of `tenant`.
pub fn endpoint_key(tenant: &str, url: &str) -> String {
    format!(
        "{tenant}.{}",
        &hex::encode(Sha256::digest(url.as_bytes()))[..32]
    )
}

impl DisabledEndpoints {
    /// Binds to the bucket, which `jetcrawl admin apply` created.
    pub async fn open(js: &Context) -> Result<Self, String> {
        let kv = jetcrawl_streams::security::bind_bucket(js, DISABLED_BUCKET)
            .await
            .map_err(|err| err.to_string())?;
        Ok(Self { kv })
    }

    /// True when `url` of `tenant` is disabled.
    pub async fn is_disabled(&self, tenant: &str, url: &str) -> Result<bool, String> {
        self.kv
            .get(endpoint_key(tenant, url))
            .await
            .map(|v| v.is_some())
            .map_err(|err| format!("cannot read {DISABLED_BUCKET}: {err}"))
    }

    /// Disables `url` of `tenant`, noting why.
    pub async fn disable(&self, tenant: &str, url: &str, why: &str) -> Result<(), String> {
        // The URL is personal data (ADR 0023): the record keeps its host only.
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let record = serde_json::json!({
            "host": host,
            "reason": why,
            "disabled_at": chrono::Utc::now().to_rfc3339(),
        });
        self.kv
            .put(endpoint_key(tenant, url), record.to_string().into())
            .await
            .map(|_| ())
            .map_err(|err| format!("cannot write {DISABLED_BUCKET}: {err}"))
    }

    /// Enables `url` of `tenant` again; true when it was disabled.
    pub async fn enable(&self, tenant: &str, url: &str) -> Result<bool, String> {
        let was = self.is_disabled(tenant, url).await?;
        self.kv
            .purge(endpoint_key(tenant, url))
            .await
            .map_err(|err| format!("cannot write {DISABLED_BUCKET}: {err}"))?;
        Ok(was)
    }
}
