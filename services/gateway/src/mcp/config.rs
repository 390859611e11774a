//! The `/mcp` endpoint's settings.

use std::time::Duration;

/// Browser sessions for MCP clients.
#[derive(Debug, Clone, clap::Args)]
pub struct McpArgs {
    /// Browser sessions one tenant may hold open at once across the fleet's gateways'
    /// view (each gateway counts its own).
    #[arg(long, env = "JETCRAWL_MCP_SESSIONS_PER_TENANT", default_value_t = 2)]
    pub sessions_per_tenant: usize,
    /// Host names `/mcp` answers for, comma-separated (DNS-rebinding protection); add the
    /// public name of the gateway when it has one.
    #[arg(
        long,
        env = "JETCRAWL_MCP_ALLOWED_HOSTS",
        default_value = "localhost,127.0.0.1,::1"
    )]
    pub allowed_hosts: String,
    /// Longest wait for one tool call (a navigation and its settling).
    #[arg(long, env = "JETCRAWL_MCP_CALL_TIMEOUT_MS", default_value_t = 60_000)]
    pub call_timeout_ms: u64,
}

impl McpArgs {
    /// The defaults, as if no flag or variable were given.
    pub fn defaults() -> Self {
        Self {
            sessions_per_tenant: 2,
            allowed_hosts: "localhost,127.0.0.1,::1".to_owned(),
            call_timeout_ms: 60_000,
        }
    }

    /// The allowed host names, trimmed.
    pub fn allowed_hosts(&self) -> Vec<String> {
        self.allowed_hosts
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Longest wait for one tool call.
    pub fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.call_timeout_ms.max(1))
    }
}
