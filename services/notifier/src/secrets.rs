//! Per-tenant endpoint secrets (`whsec_…`) in the KV bucket `WEBHOOK_SECRETS`, keyed by
//! tenant and created on demand: the first notification of a tenant creates its secret,
//! and `jetcrawl webhooks secret --tenant T` shows or rotates it.

use async_nats::jetstream::Context;
use async_nats::jetstream::kv::{self, Store};
use thiserror::Error;

use crate::signature::new_secret;

/// The KV bucket holding the secrets.
pub use jetcrawl_streams::webhooks::SECRETS_BUCKET;

/// The secrets store could not be used.
#[derive(Debug, Error)]
#[error("webhook secrets ({SECRETS_BUCKET}): {0}")]
pub struct SecretsError(String);

/// The per-tenant secrets.
#[derive(Clone)]
pub struct WebhookSecrets {
    kv: Store,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecrets")
    }
}

impl WebhookSecrets {
    /// Binds to the bucket, which `jetcrawl admin apply` created.
    pub async fn open(js: &Context) -> Result<Self, SecretsError> {
        let kv = jetcrawl_streams::security::bind_bucket(js, SECRETS_BUCKET)
            .await
            .map_err(|err| err.to_string())
            .map_err(SecretsError)?;
        Ok(Self { kv })
    }

    /// The tenant's secret, created when it has none. Racing creators agree: the
    /// loser reads the winner's.
    pub async fn get_or_create(&self, tenant: &str) -> Result<String, SecretsError> {
        if let Some(secret) = self.get(tenant).await? {
            return Ok(secret);
        }
        match self.kv.create(tenant, new_secret().into()).await {
            Ok(_) => {}
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => {}
            Err(err) => {
                return Err(SecretsError(format!(
                    "cannot create the secret of {tenant}: {err}"
                )));
            }
        }
        self.get(tenant)
            .await?
            .ok_or_else(|| SecretsError(format!("the secret of {tenant} vanished while created")))
    }

    /// The tenant's secret, if it has one.
    pub async fn get(&self, tenant: &str) -> Result<Option<String>, SecretsError> {
        let value =
            self.kv.get(tenant).await.map_err(|err| {
                SecretsError(format!("cannot read the secret of {tenant}: {err}"))
            })?;
        Ok(value.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Replaces the tenant's secret with a fresh one and returns it. Deliveries signed
    /// from now on use it.
    pub async fn rotate(&self, tenant: &str) -> Result<String, SecretsError> {
        let secret = new_secret();
        self.kv
            .put(tenant, secret.clone().into())
            .await
            .map_err(|err| SecretsError(format!("cannot store the secret of {tenant}: {err}")))?;
        Ok(secret)
    }
}
