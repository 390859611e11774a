//! The data keys, one per data subject, in the JetStream KV bucket `SUBJECT_KEYS`.
//!
//! - `k.<tenant>.<subject ref>` holds a subject's 32-byte key. Erasure purges it: the
//!   purge marker rolls up every earlier revision, so no revision keeps key material.
//! - `ref-key` holds the pepper that turns subject ids into references. It is created
//!   on first use and never purged.

use std::sync::Arc;

use async_nats::jetstream::Context;
use async_nats::jetstream::kv::{self, CreateErrorKind, Store};
use bytes::Bytes;
use tokio::sync::OnceCell;

use crate::error::PrivacyError;
use crate::key::DataKey;
use crate::subject::{RefKey, Subject, SubjectRef};

pub use jetcrawl_streams::security::SUBJECT_KEYS_BUCKET;
/// The entry of the reference pepper.
const REF_KEY_ENTRY: &str = "ref-key";

/// What the bucket holds for one subject.
#[derive(Debug)]
pub enum KeyLookup {
    /// The subject's key.
    Present(DataKey),
    /// Purged by an erasure: the purge marker is the record of it.
    Erased,
    /// No key and no erasure: the key was lost (a bucket that lost data), never a
    /// reason to treat the subject as erased.
    Missing,
}

/// Access to the data keys.
#[derive(Clone)]
pub struct SubjectKeys {
    kv: Store,
    ref_key: Arc<OnceCell<RefKey>>,
}

impl std::fmt::Debug for SubjectKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectKeys")
    }
}

fn entry(tenant: &str, reference: &SubjectRef) -> String {
    format!("k.{tenant}.{reference}")
}

impl SubjectKeys {
    /// Binds to the bucket, which `jetcrawl admin apply` created.
    pub async fn open(js: &Context) -> Result<Self, PrivacyError> {
        let kv = jetcrawl_streams::security::bind_bucket(js, SUBJECT_KEYS_BUCKET)
            .await
            .map_err(|e| PrivacyError::unavailable("opening SUBJECT_KEYS", e))?;
        Ok(Self {
            kv,
            ref_key: Arc::new(OnceCell::new()),
        })
    }

    /// The reference of `subject` of `tenant`.
    pub async fn reference(
        &self,
        tenant: &str,
        subject: &Subject,
    ) -> Result<SubjectRef, PrivacyError> {
        let ref_key = self
            .ref_key
            .get_or_try_init(|| async {
                let bytes = self
                    .get_or_create_raw(REF_KEY_ENTRY, || DataKey::generate().bytes().to_vec())
                    .await?;
                Ok::<_, PrivacyError>(RefKey::new(&bytes))
            })
            .await?;
        Ok(ref_key.reference(tenant, subject))
    }

    /// The key of `reference`, created when it has none (a new subject, or one erased
    /// before: it starts afresh and its old values stay unreadable).
    pub async fn get_or_create(
        &self,
        tenant: &str,
        reference: &SubjectRef,
    ) -> Result<DataKey, PrivacyError> {
        let bytes = self
            .get_or_create_raw(&entry(tenant, reference), || {
                DataKey::generate().bytes().to_vec()
            })
            .await?;
        DataKey::from_bytes(&bytes)
    }

    /// The key of a reference that is almost surely new (a job that is its own
    /// subject): created first, read only when it exists already. One write instead of
    /// a read and a write.
    pub async fn create_or_get(
        &self,
        tenant: &str,
        reference: &SubjectRef,
    ) -> Result<DataKey, PrivacyError> {
        let name = entry(tenant, reference);
        let value = Bytes::from(DataKey::generate().bytes().to_vec());
        let bytes = match self.create_raw(&name, value).await? {
            Some(created) => created,
            None => self.existing(&name).await?,
        };
        DataKey::from_bytes(&bytes)
    }

    /// The key of `reference`; `None` when it was erased or never existed.
    pub async fn get(
        &self,
        tenant: &str,
        reference: &SubjectRef,
    ) -> Result<Option<DataKey>, PrivacyError> {
        let value = self
            .kv
            .get(entry(tenant, reference))
            .await
            .map_err(|e| PrivacyError::unavailable("reading a subject key", e))?;
        value.map(|bytes| DataKey::from_bytes(&bytes)).transpose()
    }

    /// The key of `reference`, telling an erasure (purge marker) from a lost key.
    pub async fn lookup(
        &self,
        tenant: &str,
        reference: &SubjectRef,
    ) -> Result<KeyLookup, PrivacyError> {
        let entry = self
            .kv
            .entry(entry(tenant, reference))
            .await
            .map_err(|e| PrivacyError::unavailable("reading a subject key", e))?;
        Ok(match entry {
            Some(entry) if entry.operation == kv::Operation::Put => {
                KeyLookup::Present(DataKey::from_bytes(&entry.value)?)
            }
            Some(_) => KeyLookup::Erased,
            None => KeyLookup::Missing,
        })
    }

    /// Erases the key of `reference` by purging every revision of it. Returns whether a
    /// key was held. Idempotent.
    pub async fn erase(&self, tenant: &str, reference: &SubjectRef) -> Result<bool, PrivacyError> {
        let existed = self.get(tenant, reference).await?.is_some();
        self.kv
            .purge(entry(tenant, reference))
            .await
            .map_err(|e| PrivacyError::unavailable("purging a subject key", e))?;
        Ok(existed)
    }

    /// Revisions of the key of `reference` still stored, purge markers included (for
    /// checks: after an erasure only the marker remains, with no value).
    pub async fn stored_revisions(
        &self,
        tenant: &str,
        reference: &SubjectRef,
    ) -> Result<Vec<(kv::Operation, usize)>, PrivacyError> {
        use futures::StreamExt as _;
        let mut history = self
            .kv
            .history(entry(tenant, reference))
            .await
            .map_err(|e| PrivacyError::unavailable("reading a key's history", e))?;
        let mut out = Vec::new();
        while let Some(item) = history.next().await {
            let item = item.map_err(|e| PrivacyError::unavailable("reading a key's history", e))?;
            out.push((item.operation, item.value.len()));
        }
        Ok(out)
    }

    async fn get_or_create_raw(
        &self,
        name: &str,
        fresh: impl Fn() -> Vec<u8>,
    ) -> Result<Bytes, PrivacyError> {
        let read = |e| PrivacyError::unavailable("reading SUBJECT_KEYS", e);
        if let Some(bytes) = self.kv.get(name).await.map_err(read)? {
            return Ok(bytes);
        }
        match self.create_raw(name, Bytes::from(fresh())).await? {
            Some(created) => Ok(created),
            None => self.existing(name).await,
        }
    }

    /// Creates `name` with `value`; `None` when it exists already.
    async fn create_raw(&self, name: &str, value: Bytes) -> Result<Option<Bytes>, PrivacyError> {
        match self.kv.create(name, value.clone()).await {
            Ok(_) => Ok(Some(value)),
            Err(err) if err.kind() == CreateErrorKind::AlreadyExists => Ok(None),
            Err(err) => Err(PrivacyError::unavailable("writing SUBJECT_KEYS", err)),
        }
    }

    /// The value of `name`, which a create just found (someone else's wins, so every
    /// writer agrees on one key).
    async fn existing(&self, name: &str) -> Result<Bytes, PrivacyError> {
        self.kv
            .get(name)
            .await
            .map_err(|e| PrivacyError::unavailable("reading SUBJECT_KEYS", e))?
            .ok_or_else(|| {
                PrivacyError::Unavailable(format!("{name} vanished while being created"))
            })
    }
}
