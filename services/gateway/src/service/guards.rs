//! What stands between a request and the service: authentication, the audit of
//! refusals, and the tenant quotas.

use std::sync::Arc;

use crate::auth::{Authenticator, DenialRecorder, JwtSettings, JwtVerifier, KeyCache, KeyStore};
use crate::quota::Quotas;

/// The gateway's guards, shared by every request.
#[derive(Clone)]
pub struct Guards {
    /// Credentials → identities.
    pub auth: Arc<Authenticator>,
    /// Where refusals are recorded.
    pub denials: DenialRecorder,
    /// Per-tenant quotas.
    pub quotas: Arc<Quotas>,
}

impl Guards {
    /// Builds the guards `config` describes: the API key view (followed until
    /// `closing`), the JWT verifier, the denial recorder and the quotas.
    pub async fn from_config(
        config: &crate::GatewayConfig,
        js: &async_nats::jetstream::Context,
        pool: sqlx::PgPool,
        closing: tokio_util::sync::CancellationToken,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let store = KeyStore::open(js)
            .await
            .context("opening the API_KEYS bucket")?;
        let keys = KeyCache::new(store);
        tokio::spawn(keys.clone().follow(closing));
        let auth = &config.auth;
        let jwt = JwtVerifier::from_settings(&JwtSettings {
            hs256_secret_file: auth.jwt_hs256_secret_file.as_deref(),
            jwks_file: auth.jwt_jwks_file.as_deref(),
            leeway_secs: auth.jwt_leeway_secs,
            issuer: auth.jwt_issuer.as_deref(),
            audience: auth.jwt_audience.as_deref(),
        })
        .map_err(anyhow::Error::msg)?;
        Ok(Self {
            auth: Arc::new(Authenticator::new(keys, jwt)),
            denials: DenialRecorder::new(js.clone()),
            quotas: Arc::new(Quotas::new(pool, config.quota.limits())),
        })
    }
}
