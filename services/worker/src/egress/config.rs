//! The egress settings of the worker's command line and environment.

use std::time::Duration;

use jetcrawl_egress::proxy::{PoolPolicy, parse_proxies};
use jetcrawl_egress::{Resolver, TargetPolicy, parse_allow_list};

use super::handle::EgressSettings;
use crate::error::{ErrorClass, JobError};

/// Allow-list, resolver overrides and the proxy pool.
#[derive(Clone, clap::Args)]
pub struct EgressArgs {
    /// Internal targets allowed despite the SSRF defence, comma-separated: `ip`,
    /// `ip:port`, `cidr`, `cidr:port`, `[ipv6]:port` (development and tests).
    #[arg(long, env = "JETCRAWL_ALLOW_TARGETS", default_value = "")]
    pub allow_targets: String,
    /// Fixed answers of the resolver, `host=ip,*.suffix=ip` (tests and local
    /// development); used by HTTP fetches and the browser alike.
    #[arg(long, env = "JETCRAWL_RESOLVE", default_value = "")]
    pub resolve: String,
    /// Egress proxies, comma-separated: `http://[user:pass@]host:port`, `socks5://…`,
    /// `socks5h://…`. Empty: direct.
    #[arg(long, env = "JETCRAWL_PROXIES", default_value = "")]
    pub proxies: String,
    /// A file with one proxy URL a line, for proxies with credentials.
    #[arg(long, env = "JETCRAWL_PROXIES_FILE")]
    pub proxies_file: Option<std::path::PathBuf>,
    /// How long a proxy sits out after a connection error or a 403/429 streak.
    #[arg(long, env = "JETCRAWL_PROXY_COOLDOWN_MS", default_value_t = 60_000)]
    pub proxy_cooldown_ms: u64,
    /// Consecutive 403/429 answers through a proxy that retire it.
    #[arg(long, env = "JETCRAWL_PROXY_BLOCK_STREAK", default_value_t = 3)]
    pub proxy_block_streak: u32,
}

impl std::fmt::Debug for EgressArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Proxy URLs may carry credentials: show how many there are, not what they are.
        let proxies = parse_proxies(&self.proxies).map(|p| p.len()).unwrap_or(0);
        f.debug_struct("EgressArgs")
            .field("allow_targets", &self.allow_targets)
            .field("resolve", &self.resolve)
            .field("proxies", &proxies)
            .field("proxies_file", &self.proxies_file)
            .field("proxy_cooldown_ms", &self.proxy_cooldown_ms)
            .field("proxy_block_streak", &self.proxy_block_streak)
            .finish()
    }
}

impl EgressArgs {
    /// Parses the lists; `allow_private` is `JETCRAWL_ALLOW_PRIVATE_TARGETS`.
    pub fn settings(
        &self,
        allow_private: bool,
        user_agent: &str,
    ) -> Result<EgressSettings, JobError> {
        let invalid = |message: String| JobError::new(ErrorClass::InvalidSpec, message);
        let allowed = parse_allow_list(&self.allow_targets).map_err(|e| invalid(e.to_string()))?;
        let resolver =
            Resolver::with_overrides(&self.resolve).map_err(|e| invalid(e.to_string()))?;
        let mut proxies = parse_proxies(&self.proxies).map_err(invalid)?;
        if let Some(path) = &self.proxies_file {
            let text = std::fs::read_to_string(path).map_err(|err| {
                invalid(format!(
                    "cannot read JETCRAWL_PROXIES_FILE {}: {err}",
                    path.display()
                ))
            })?;
            proxies.extend(parse_proxies(&text).map_err(invalid)?);
        }
        Ok(EgressSettings {
            policy: TargetPolicy::new(allow_private, allowed),
            resolver,
            proxies,
            pool: PoolPolicy {
                cooldown: Duration::from_millis(self.proxy_cooldown_ms),
                block_streak: self.proxy_block_streak.max(1),
            },
            user_agent: user_agent.to_owned(),
        })
    }
}
