//! Gateway configuration: flags, each with its `JETCRAWL_*` environment variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

use jetcrawl_projections::DatabaseArgs;
use jetcrawl_streams::NatsArgs;

pub use crate::security_config::{AuthConfig, QuotaConfig, TlsConfig};
use crate::validate::Limits;
use crate::validate::limits::DEFAULT_MAX_JOB_TIMEOUT_MS;

/// How the gateway runs.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "jetcrawl-gateway",
    version,
    about = "Jetcrawl gateway: gRPC Jobs service and HTTP API"
)]
pub struct GatewayConfig {
    /// NATS: URL, credentials and TLS.
    #[command(flatten)]
    pub nats: NatsArgs,
    /// Postgres of the read models (ListJobs, quotas, readiness).
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address of the gRPC listener (port 0: any free port).
    #[arg(long, env = "JETCRAWL_GRPC_ADDR", default_value = "127.0.0.1:50051")]
    pub grpc_addr: SocketAddr,
    /// Address of the HTTP listener (port 0: any free port).
    #[arg(long, env = "JETCRAWL_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    pub http_addr: SocketAddr,
    /// Accept jobs aimed at loopback, private, link-local addresses and localhost.
    #[arg(long, env = "JETCRAWL_ALLOW_PRIVATE_TARGETS", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private_targets: bool,
    /// Largest request accepted, in bytes, over gRPC and HTTP.
    #[arg(long, env = "JETCRAWL_MAX_REQUEST_BYTES", default_value_t = 1_048_576)]
    pub max_request_bytes: usize,
    /// Longest job deadline a spec may ask for, in milliseconds.
    #[arg(long, env = "JETCRAWL_JOB_TIMEOUT_MAX_MS", default_value_t = DEFAULT_MAX_JOB_TIMEOUT_MS)]
    pub job_timeout_max_ms: u32,
    /// Time from a submit's arrival to its answer; past it the answer is UNAVAILABLE.
    #[arg(long, env = "JETCRAWL_SUBMIT_BUDGET_MS", default_value_t = 2_000)]
    pub submit_budget_ms: u64,
    /// The JetStream topology this gateway verifies at start. Its duplicate window
    /// (`JETCRAWL_DUPLICATE_WINDOW_SECS`) only absorbs publish retries: idempotency does
    /// not depend on it (the per-job sequence check is permanent).
    #[command(flatten)]
    pub topology: jetcrawl_streams::TopologyArgs,
    /// Server-side deadline of a unary call (and of an HTTP request) when the client
    /// sends none or a longer one, in milliseconds. Streams are not cut by it.
    #[arg(long, env = "JETCRAWL_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,
    /// Serve gRPC server reflection (for grpcurl). Off by default: on in `jetcrawl up`.
    #[arg(long, env = "JETCRAWL_GRPC_REFLECTION", default_value_t = false, action = clap::ArgAction::Set)]
    pub grpc_reflection: bool,
    /// How often `grpc.health.v1` re-checks NATS and Postgres, in milliseconds.
    #[arg(long, env = "JETCRAWL_HEALTH_INTERVAL_MS", default_value_t = 1_000)]
    pub health_interval_ms: u64,
    /// Store submitted personal fields in clear instead of sealing them (ADR 0023). For
    /// measuring what sealing costs only; never in production.
    #[arg(long, env = "JETCRAWL_DEV_UNSEALED_SUBMITS", default_value_t = false, action = clap::ArgAction::Set)]
    pub dev_unsealed_submits: bool,
    /// Authentication.
    #[command(flatten)]
    pub auth: AuthConfig,
    /// TLS of the listeners.
    #[command(flatten)]
    pub tls: TlsConfig,
    /// Tenant quotas.
    #[command(flatten)]
    pub quota: QuotaConfig,
    /// Signed result URLs (keys, lifetimes, public base URL).
    #[command(flatten)]
    pub signing: jetcrawl_results::SigningConfig,
    /// Results retention (reported as `retained_until`).
    #[command(flatten)]
    pub retention: jetcrawl_results::RetentionConfig,
    /// The MCP endpoint's browser sessions (ADR 0045).
    #[command(flatten)]
    pub mcp: crate::mcp::McpArgs,
}

impl GatewayConfig {
    /// Defaults for everything but the database, as the flags define them. TLS is on
    /// by default, so set `tls` files or `tls.insecure_plaintext` before binding.
    pub fn new(nats_url: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self {
            nats: NatsArgs::new(nats_url),
            database: DatabaseArgs::new(database_url),
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 50051)),
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            allow_private_targets: false,
            max_request_bytes: 1_048_576,
            job_timeout_max_ms: DEFAULT_MAX_JOB_TIMEOUT_MS,
            submit_budget_ms: 2_000,
            topology: jetcrawl_streams::TopologyArgs::default(),
            request_timeout_ms: 30_000,
            grpc_reflection: false,
            health_interval_ms: 1_000,
            dev_unsealed_submits: false,
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
            quota: QuotaConfig::default(),
            signing: jetcrawl_results::SigningConfig {
                url_ttl_secs: 900,
                url_max_ttl_secs: 3600,
                ..Default::default()
            },
            retention: jetcrawl_results::RetentionConfig::default(),
            mcp: crate::mcp::McpArgs::defaults(),
        }
    }

    /// The validation limits this configuration sets.
    pub fn limits(&self) -> Limits {
        Limits {
            allow_private_targets: self.allow_private_targets,
            max_job_timeout_ms: self.job_timeout_max_ms,
        }
    }

    /// The submit budget.
    pub fn submit_budget(&self) -> Duration {
        Duration::from_millis(self.submit_budget_ms)
    }

    /// The server-side deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}
