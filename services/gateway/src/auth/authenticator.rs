//! Authentication: a request's credential becomes an [`Identity`], or UNAUTHENTICATED.
//! API keys are looked up in a view of the key store that a KV watch keeps current (a
//! revocation applies within milliseconds); JWTs are verified locally.

use tonic::metadata::MetadataMap;

use super::api_key;
use super::credential::{Credential, credential_of};
use super::identity::Identity;
use super::jwt::JwtVerifier;
use super::key_cache::KeyCache;
use super::key_store::{KeyStore, KeyStoreError};

/// Why a request could not be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The credential is missing, malformed, unknown, revoked, expired or forged.
    Unauthenticated(String),
    /// The key store did not answer; retrying may work.
    Unavailable(String),
}

/// Turns credentials into identities.
pub struct Authenticator {
    keys: KeyCache,
    jwt: Option<JwtVerifier>,
}

impl Authenticator {
    /// API keys from `keys`, JWTs through `jwt` when configured.
    pub fn new(keys: KeyCache, jwt: Option<JwtVerifier>) -> Self {
        Self { keys, jwt }
    }

    /// The key store, for issuing keys (the test kit, `jetcrawl up`).
    pub fn keys(&self) -> &KeyStore {
        self.keys.store()
    }

    /// The identity behind the credential in `metadata`.
    pub async fn authenticate(&self, metadata: &MetadataMap) -> Result<Identity, AuthError> {
        match credential_of(metadata).map_err(AuthError::Unauthenticated)? {
            Credential::ApiKey(token) => self.api_key(token).await,
            Credential::Jwt(token) => match &self.jwt {
                Some(verifier) => verifier.verify(token).map_err(AuthError::Unauthenticated),
                None => Err(AuthError::Unauthenticated(
                    "JWTs are not accepted by this gateway (no JWT secret or JWKS configured); send an API key"
                        .into(),
                )),
            },
        }
    }

    async fn api_key(&self, token: &str) -> Result<Identity, AuthError> {
        let presented = api_key::parse(token).ok_or_else(|| {
            AuthError::Unauthenticated(
                "the API key is malformed; copy the whole key `jetcrawl keys create` printed"
                    .into(),
            )
        })?;
        let record = match self.keys.lookup(presented.id).await {
            Ok(Some(record)) => record,
            Ok(None) => {
                return Err(AuthError::Unauthenticated(format!(
                    "API key {} is unknown; ask an admin for a key",
                    presented.id
                )));
            }
            Err(KeyStoreError::Corrupt { id, .. }) => {
                return Err(AuthError::Unauthenticated(format!(
                    "API key {id} has an unreadable record; ask an admin to issue a new key"
                )));
            }
            Err(err) => return Err(AuthError::Unavailable(err.to_string())),
        };
        // Compare before looking at revocation, so timing never tells a revoked key
        // with a wrong secret from one with the right secret.
        let matches = api_key::verify(presented.secret, &record.secret_sha256);
        if !matches {
            return Err(AuthError::Unauthenticated(format!(
                "API key {} is not valid; check that it was copied whole",
                presented.id
            )));
        }
        if let Some(at) = record.revoked_at {
            return Err(AuthError::Unauthenticated(format!(
                "API key {} was revoked at {}; ask an admin for a new key",
                record.id,
                at.to_rfc3339()
            )));
        }
        Ok(Identity {
            tenant: record.tenant,
            actor: format!("key:{}", record.id),
            role: record.role,
            granted_tenants: record.granted_tenants,
        })
    }
}
