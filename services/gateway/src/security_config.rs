//! The security half of the gateway's configuration: credentials, TLS, quotas and how
//! the gateway reaches NATS and Postgres. Every secret is read from a file named here,
//! never passed as a value, so it stays out of process listings and logs.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::quota::QuotaLimits;

/// How callers authenticate.
#[derive(Debug, Clone, Default, Args)]
pub struct AuthConfig {
    /// File holding the HS256 secret JWTs are signed with (at least 32 bytes).
    #[arg(long, env = "JETCRAWL_JWT_HS256_SECRET_FILE")]
    pub jwt_hs256_secret_file: Option<PathBuf>,
    /// JWKS file with the public keys JWTs are signed with (RS*, ES*, EdDSA).
    #[arg(long, env = "JETCRAWL_JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,
    /// Required JWT `iss`.
    #[arg(long, env = "JETCRAWL_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required JWT `aud`.
    #[arg(long, env = "JETCRAWL_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Clock skew tolerated on JWT `exp` and `nbf`, in seconds.
    #[arg(long, env = "JETCRAWL_JWT_LEEWAY_SECS", default_value_t = 30)]
    pub jwt_leeway_secs: u64,
}

/// TLS on the gRPC and HTTP listeners: on unless `--insecure-plaintext`.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsConfig {
    /// Server certificate chain (PEM) of both listeners.
    #[arg(long, env = "JETCRAWL_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) of `--tls-cert`.
    #[arg(long, env = "JETCRAWL_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// CA (PEM) client certificates must chain to: turns on mutual TLS.
    #[arg(long, env = "JETCRAWL_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<PathBuf>,
    /// Serve without TLS. Only for loopback development (`jetcrawl up`, tests).
    #[arg(long, env = "JETCRAWL_INSECURE_PLAINTEXT", default_value_t = false, action = clap::ArgAction::Set)]
    pub insecure_plaintext: bool,
}

/// Per-tenant quotas (0: unlimited).
#[derive(Debug, Clone, Args)]
pub struct QuotaConfig {
    /// Submits per second per tenant.
    #[arg(long, env = "JETCRAWL_QUOTA_SUBMITS_PER_SEC", default_value_t = 50)]
    pub quota_submits_per_sec: u32,
    /// Submits a tenant may send at once above its rate.
    #[arg(long, env = "JETCRAWL_QUOTA_SUBMIT_BURST", default_value_t = 100)]
    pub quota_submit_burst: u32,
    /// Queued jobs per tenant.
    #[arg(long, env = "JETCRAWL_QUOTA_MAX_QUEUED", default_value_t = 10_000)]
    pub quota_max_queued: u64,
    /// Running jobs per tenant; at the cap, new submits wait.
    #[arg(long, env = "JETCRAWL_QUOTA_MAX_RUNNING", default_value_t = 1_000)]
    pub quota_max_running: u64,
    /// How long the per-tenant job counts are reused, in milliseconds.
    #[arg(long, env = "JETCRAWL_QUOTA_COUNT_TTL_MS", default_value_t = 1_000)]
    pub quota_count_ttl_ms: u64,
    /// Longest wait for the per-tenant job counts on the submit path, in milliseconds.
    /// Past it (or with Postgres down) the queued and running caps are not enforced for
    /// that submit: submits never depend on the read model (ADR 0029).
    #[arg(long, env = "JETCRAWL_QUOTA_COUNT_BUDGET_MS", default_value_t = 100)]
    pub quota_count_budget_ms: u64,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        Self {
            quota_submits_per_sec: 50,
            quota_submit_burst: 100,
            quota_max_queued: 10_000,
            quota_max_running: 1_000,
            quota_count_ttl_ms: 1_000,
            quota_count_budget_ms: 100,
        }
    }
}

impl QuotaConfig {
    /// The limits.
    pub fn limits(&self) -> QuotaLimits {
        QuotaLimits {
            submits_per_sec: self.quota_submits_per_sec,
            submit_burst: self.quota_submit_burst,
            max_queued: self.quota_max_queued,
            max_running: self.quota_max_running,
            count_ttl: Duration::from_millis(self.quota_count_ttl_ms),
            count_budget: Duration::from_millis(self.quota_count_budget_ms.max(1)),
        }
    }
}
