//! Gateway configuration: flags, each with its `JETCRAWL_*` environment variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

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
    /// NATS server URL.
    #[arg(
        long,
        env = "JETCRAWL_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// Postgres URL of the read models (ListJobs, readiness).
    #[arg(long, env = "JETCRAWL_DATABASE_URL")]
    pub database_url: String,
    /// Address of the gRPC listener (port 0: any free port).
    #[arg(long, env = "JETCRAWL_GRPC_ADDR", default_value = "127.0.0.1:50051")]
    pub grpc_addr: SocketAddr,
    /// Address of the HTTP listener (port 0: any free port).
    #[arg(long, env = "JETCRAWL_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    pub http_addr: SocketAddr,
    /// Accept jobs aimed at loopback, private, link-local addresses and localhost.
    #[arg(long, env = "JETCRAWL_ALLOW_PRIVATE_TARGETS", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private_targets: bool,
    /// Tenant of every request until authentication lands.
    #[arg(long, env = "JETCRAWL_DEFAULT_TENANT", default_value = "default")]
    pub default_tenant: String,
    /// Largest request accepted, in bytes, over gRPC and HTTP.
    #[arg(long, env = "JETCRAWL_MAX_REQUEST_BYTES", default_value_t = 1_048_576)]
    pub max_request_bytes: usize,
    /// Longest job deadline a spec may ask for, in milliseconds.
    #[arg(long, env = "JETCRAWL_JOB_TIMEOUT_MAX_MS", default_value_t = DEFAULT_MAX_JOB_TIMEOUT_MS)]
    pub job_timeout_max_ms: u32,
    /// Time from a submit's arrival to its answer; past it the answer is UNAVAILABLE.
    #[arg(long, env = "JETCRAWL_SUBMIT_BUDGET_MS", default_value_t = 2_000)]
    pub submit_budget_ms: u64,
    /// How long JetStream remembers message ids (seconds). Idempotency does not depend
    /// on it (the per-job sequence check is permanent); it only absorbs publish retries.
    #[arg(long, env = "JETCRAWL_DUPLICATE_WINDOW_SECS", default_value_t = 120)]
    pub duplicate_window_secs: u64,
}

impl GatewayConfig {
    /// Defaults for everything but the database, as the flags define them.
    pub fn new(nats_url: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self {
            nats_url: nats_url.into(),
            database_url: database_url.into(),
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 50051)),
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            allow_private_targets: false,
            default_tenant: "default".to_owned(),
            max_request_bytes: 1_048_576,
            job_timeout_max_ms: DEFAULT_MAX_JOB_TIMEOUT_MS,
            submit_budget_ms: 2_000,
            duplicate_window_secs: 120,
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

    /// The JetStream duplicate window.
    pub fn duplicate_window(&self) -> Duration {
        Duration::from_secs(self.duplicate_window_secs)
    }
}
