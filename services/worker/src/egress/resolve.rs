//! Name resolution for every outgoing connection: the system resolver, with overrides
//! (`JETCRAWL_RESOLVE=host=ip,...`, for tests and local development), and the
//! [`reqwest::dns::Resolve`] that refuses internal answers while connecting, so a name
//! cannot resolve to a public address when checked and to an internal one when used.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::policy::TargetPolicy;

/// One `host=ip` override; `*.suffix=ip` covers every name below `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Override {
    pattern: String,
    ip: IpAddr,
}

impl Override {
    fn matches(&self, host: &str) -> bool {
        match self.pattern.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .is_some_and(|head| head.ends_with('.')),
            None => self.pattern == host,
        }
    }
}

/// Resolves host names, overrides first.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    overrides: Arc<Vec<Override>>,
}

impl Resolver {
    /// The system resolver, no overrides.
    pub fn system() -> Self {
        Self::default()
    }

    /// Parses `host=ip,*.suffix=ip,...` (a host may be listed more than once).
    pub fn with_overrides(raw: &str) -> Result<Self, String> {
        let overrides = raw
            .split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| {
                let (host, ip) = entry.trim().split_once('=').ok_or_else(|| {
                    format!("JETCRAWL_RESOLVE entry {entry:?} has no '='; write host=ip")
                })?;
                let ip = ip.trim().trim_start_matches('[').trim_end_matches(']');
                let ip = ip.parse().map_err(|_| {
                    format!("JETCRAWL_RESOLVE entry {entry:?}: {ip:?} is not an IP address")
                })?;
                Ok(Override {
                    pattern: host.trim().to_ascii_lowercase(),
                    ip,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self {
            overrides: Arc::new(overrides),
        })
    }

    /// The addresses of `host` (an IP literal is its own answer).
    pub async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let name = bare.trim_end_matches('.').to_ascii_lowercase();
        let pinned: Vec<IpAddr> = self
            .overrides
            .iter()
            .filter(|o| o.matches(&name))
            .map(|o| o.ip)
            .collect();
        if !pinned.is_empty() {
            return Ok(pinned);
        }
        let found: Vec<IpAddr> = tokio::net::lookup_host((name.as_str(), 0))
            .await?
            .map(|addr| addr.ip())
            .collect();
        if found.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{name} has no address"),
            ));
        }
        Ok(found)
    }
}

/// The HTTP client's resolver: answers with the checked addresses only. Hosts in
/// `trusted` (the configured proxies) are not checked: they are the egress path itself.
#[derive(Debug, Clone)]
pub struct CheckedResolver {
    resolver: Resolver,
    policy: Arc<TargetPolicy>,
    trusted: Arc<HashSet<String>>,
}

impl CheckedResolver {
    /// A resolver applying `policy` to every answer except for `trusted` hosts.
    pub fn new(resolver: Resolver, policy: Arc<TargetPolicy>, trusted: HashSet<String>) -> Self {
        Self {
            resolver,
            policy,
            trusted: Arc::new(trusted),
        }
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let this = self.clone();
        Box::pin(async move {
            let addresses = this.resolver.lookup(&host).await?;
            if !this.trusted.contains(&host) {
                for ip in &addresses {
                    this.policy.check_ip(&host, *ip)?;
                }
            }
            let addrs: Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn overrides_answer_before_the_system() {
        let resolver =
            Resolver::with_overrides("internal.test=10.0.0.1, *.shop.test=127.0.0.1,v6.test=[::1]")
                .expect("overrides");
        let one = |raw: &str| vec![raw.parse::<IpAddr>().expect("ip")];
        assert_eq!(
            resolver.lookup("internal.test").await.ok(),
            Some(one("10.0.0.1"))
        );
        assert_eq!(
            resolver.lookup("INTERNAL.test.").await.ok(),
            Some(one("10.0.0.1"))
        );
        assert_eq!(
            resolver.lookup("a.shop.test").await.ok(),
            Some(one("127.0.0.1"))
        );
        assert_eq!(resolver.lookup("v6.test").await.ok(), Some(one("::1")));
        assert_eq!(resolver.lookup("[::1]").await.ok(), Some(one("::1")));
        assert!(
            resolver.lookup("shop.test").await.is_err(),
            "*. needs a label"
        );
        assert!(Resolver::with_overrides("x.test").is_err());
        assert!(Resolver::with_overrides("x.test=nope").is_err());
    }

    #[tokio::test]
    async fn the_client_resolver_refuses_internal_answers() {
        let resolver = Resolver::with_overrides("internal.test=10.0.0.1,proxy.test=10.0.0.2")
            .expect("overrides");
        let checked = CheckedResolver::new(
            resolver,
            Arc::new(TargetPolicy::default()),
            HashSet::from(["proxy.test".to_owned()]),
        );
        let name = |n: &str| n.parse::<Name>().expect("name");
        let err = match checked.resolve(name("internal.test")).await {
            Ok(_) => panic!("10.0.0.1 must be refused"),
            Err(err) => err,
        };
        let refusal = err
            .downcast_ref::<super::super::policy::Refusal>()
            .expect("a refusal");
        assert_eq!(refusal.class.class, "private");
        let trusted: Vec<SocketAddr> = match checked.resolve(name("proxy.test")).await {
            Ok(addrs) => addrs.collect(),
            Err(err) => panic!("a configured proxy resolves: {err}"),
        };
        assert_eq!(trusted.len(), 1);
    }
}
