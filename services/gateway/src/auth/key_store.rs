//! API key records in the `API_KEYS` JetStream KV bucket. The gateway reads the record
//! on every request, so a key issued or revoked with `jetcrawl keys` takes effect at once,
//! on every gateway, without a restart.

use async_nats::jetstream::{self, kv};
use chrono::{DateTime, Utc};
use jetcrawl_streams::security::bind_api_keys;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::api_key::{self, IssuedKey};
use super::role::Role;
use super::tenant::check_tenant;

/// A stored key: who it speaks for, never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Key id (the middle part of the token).
    pub id: String,
    /// Tenant the key speaks for.
    pub tenant: String,
    /// What it may do.
    pub role: Role,
    /// Further tenants an auditor key may read.
    #[serde(default)]
    pub granted_tenants: Vec<String>,
    /// Hex sha256 of the secret.
    pub secret_sha256: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// Who issued it.
    pub created_by: String,
    /// When it was revoked; a revoked key authenticates nothing.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a new key is for.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Its tenant.
    pub tenant: String,
    /// Its role.
    pub role: Role,
    /// Extra tenants (auditors only).
    pub granted_tenants: Vec<String>,
    /// Who asks, recorded in the key.
    pub created_by: String,
}

/// Why a key operation failed.
#[derive(Debug, Error)]
pub enum KeyStoreError {
    /// The request itself is wrong.
    #[error("{0}")]
    Invalid(String),
    /// No key has that id.
    #[error("no API key has id {0}; list the ids you issued or check for a typo")]
    NotFound(String),
    /// NATS did not answer.
    #[error("the API key store is unavailable: {0}; check that nats-server is running")]
    Unavailable(#[source] jetcrawl_streams::Cause),
    /// A record could not be decoded.
    #[error("API key record {id} is corrupt: {reason}")]
    Corrupt {
        /// Key id.
        id: String,
        /// Decoder message.
        reason: String,
    },
}

/// The `API_KEYS` bucket.
#[derive(Clone)]
pub struct KeyStore {
    kv: kv::Store,
}

impl KeyStore {
    /// Binds to the bucket, which `jetcrawl admin apply` created.
    pub async fn open(js: &jetstream::Context) -> Result<Self, KeyStoreError> {
        let kv = bind_api_keys(js)
            .await
            .map_err(|err| KeyStoreError::Unavailable(err.into()))?;
        Ok(Self { kv })
    }

    /// Issues a key; the returned token is the only copy of the secret.
    pub async fn create(&self, new: NewKey) -> Result<(KeyRecord, IssuedKey), KeyStoreError> {
        for tenant in std::iter::once(&new.tenant).chain(&new.granted_tenants) {
            check_tenant(tenant).map_err(KeyStoreError::Invalid)?;
        }
        if !new.granted_tenants.is_empty() && new.role != Role::Auditor {
            return Err(KeyStoreError::Invalid(
                "only auditor keys may be granted other tenants".into(),
            ));
        }
        let issued = api_key::generate();
        let record = KeyRecord {
            id: issued.id.clone(),
            tenant: new.tenant,
            role: new.role,
            granted_tenants: new.granted_tenants,
            secret_sha256: issued.secret_sha256.clone(),
            created_at: Utc::now(),
            created_by: new.created_by,
            revoked_at: None,
        };
        let bytes = serde_json::to_vec(&record).map_err(|err| KeyStoreError::Corrupt {
            id: record.id.clone(),
            reason: err.to_string(),
        })?;
        self.kv
            .create(&record.id, bytes.into())
            .await
            .map_err(|err| KeyStoreError::Unavailable(err.into()))?;
        Ok((record, issued))
    }

    /// Revokes key `id`; the record stays, marked, so a later use says "revoked".
    pub async fn revoke(&self, id: &str) -> Result<KeyRecord, KeyStoreError> {
        let mut record = self
            .lookup(id)
            .await?
            .ok_or_else(|| KeyStoreError::NotFound(id.to_owned()))?;
        if record.revoked_at.is_none() {
            record.revoked_at = Some(Utc::now());
            let bytes = serde_json::to_vec(&record).map_err(|err| KeyStoreError::Corrupt {
                id: id.to_owned(),
                reason: err.to_string(),
            })?;
            self.kv
                .put(id, bytes.into())
                .await
                .map_err(|err| KeyStoreError::Unavailable(err.into()))?;
        }
        Ok(record)
    }

    /// Every key record (revoked ones included), sorted by tenant then issue time. The
    /// records hold no secret, only its hash.
    pub async fn list(&self) -> Result<Vec<KeyRecord>, KeyStoreError> {
        use futures::TryStreamExt as _;
        let ids: Vec<String> = self
            .kv
            .keys()
            .await
            .map_err(|err| KeyStoreError::Unavailable(err.into()))?
            .try_collect()
            .await
            .map_err(|err| KeyStoreError::Unavailable(err.into()))?;
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(record) = self.lookup(&id).await? {
                records.push(record);
            }
        }
        records.sort_by(|a, b| (&a.tenant, a.created_at).cmp(&(&b.tenant, b.created_at)));
        Ok(records)
    }

    /// Every record now and each change after, for caches (`None` for a deleted key).
    pub async fn watch(
        &self,
    ) -> Result<
        impl futures::Stream<Item = Result<(String, Option<KeyRecord>), KeyStoreError>> + use<>,
        KeyStoreError,
    > {
        use futures::StreamExt as _;
        let watch = self
            .kv
            .watch_with_history(">")
            .await
            .map_err(|err| KeyStoreError::Unavailable(err.into()))?;
        Ok(watch.map(|entry| {
            let entry = entry.map_err(|err| KeyStoreError::Unavailable(err.into()))?;
            if entry.operation != kv::Operation::Put {
                return Ok((entry.key, None));
            }
            let record =
                serde_json::from_slice(&entry.value).map_err(|err| KeyStoreError::Corrupt {
                    id: entry.key.clone(),
                    reason: err.to_string(),
                })?;
            Ok((entry.key, Some(record)))
        }))
    }

    /// The record of key `id`, if there is one.
    pub async fn lookup(&self, id: &str) -> Result<Option<KeyRecord>, KeyStoreError> {
        if api_key::parse(&format!("{}_{id}_x", api_key::KEY_PREFIX)).is_none() {
            return Ok(None);
        }
        let Some(bytes) = self
            .kv
            .get(id)
            .await
            .map_err(|err| KeyStoreError::Unavailable(err.into()))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|err| KeyStoreError::Corrupt {
                id: id.to_owned(),
                reason: err.to_string(),
            })
    }
}
