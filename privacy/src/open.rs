//! Opening a sealed spec: each service's one decryption point.

use std::collections::BTreeMap;

use jetcrawl_proto::v1::JobSpec;

use crate::error::PrivacyError;
use crate::key::DataKey;
use crate::keys::{KeyLookup, SubjectKeys};
use crate::seal::{ERASED, is_sealed, open_value, sealed_ref};
use crate::spec::personal_fields_mut;
use crate::subject::SubjectRef;

/// A spec after opening.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// The spec in clear; fields of an erased subject read [`ERASED`].
    pub spec: JobSpec,
    /// True when at least one field could not be opened because its subject was erased.
    pub erased: bool,
}

impl SubjectKeys {
    /// Opens every sealed field of `spec` (of `tenant`). A field whose key is gone (or was
    /// replaced after an erasure) reads [`ERASED`]; plain fields stay as they are.
    pub async fn open_spec(&self, tenant: &str, spec: &JobSpec) -> Result<Opened, PrivacyError> {
        let mut spec = spec.clone();
        let mut keys: BTreeMap<SubjectRef, Option<DataKey>> = BTreeMap::new();
        let mut erased = false;
        for field in personal_fields_mut(&mut spec) {
            if !is_sealed(field) {
                continue;
            }
            let Some(reference) = sealed_ref(field) else {
                return Err(PrivacyError::Corrupt(
                    "a sealed field of an unknown format".to_owned(),
                ));
            };
            if !keys.contains_key(&reference) {
                let key = match self.lookup(tenant, &reference).await? {
                    KeyLookup::Present(key) => Some(key),
                    KeyLookup::Erased => None,
                    KeyLookup::Missing => {
                        return Err(PrivacyError::KeyMissing {
                            tenant: tenant.to_owned(),
                            reference: reference.to_string(),
                        });
                    }
                };
                keys.insert(reference.clone(), key);
            }
            let opened = match keys.get(&reference).and_then(Option::as_ref) {
                Some(key) => open_value(key, tenant, field)?,
                None => None,
            };
            match opened {
                Some(plain) => *field = plain,
                None => {
                    *field = ERASED.to_owned();
                    erased = true;
                }
            }
        }
        Ok(Opened { spec, erased })
    }
}
