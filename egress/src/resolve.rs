//! Name resolution for every outgoing connection: IP literals in any spelling answer
//! themselves, `localhost` names are loopback, fixed overrides
//! (`JETCRAWL_RESOLVE=host=ip,...`, for tests and local development) come next, and the
//! system resolver last.

use std::net::IpAddr;
use std::sync::Arc;

use crate::host::{is_localhost, literal_ip, localhost_addresses};

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

/// A `JETCRAWL_RESOLVE` entry that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JETCRAWL_RESOLVE entry {entry:?} is invalid ({why}); write host=ip or *.suffix=ip")]
pub struct OverrideError {
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it.
    pub why: &'static str,
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
    pub fn with_overrides(raw: &str) -> Result<Self, OverrideError> {
        let overrides = raw
            .split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| {
                let invalid = |why| OverrideError {
                    entry: entry.trim().to_owned(),
                    why,
                };
                let (host, ip) = entry
                    .trim()
                    .split_once('=')
                    .ok_or_else(|| invalid("no '='"))?;
                let ip = ip.trim().trim_start_matches('[').trim_end_matches(']');
                let ip = ip.parse().map_err(|_| invalid("not an IP address"))?;
                Ok(Override {
                    pattern: host.trim().to_ascii_lowercase(),
                    ip,
                })
            })
            .collect::<Result<Vec<_>, OverrideError>>()?;
        Ok(Self {
            overrides: Arc::new(overrides),
        })
    }

    /// The addresses of `host`.
    pub async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        if let Some(ip) = literal_ip(host) {
            return Ok(vec![ip]);
        }
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        if is_localhost(&name) {
            return Ok(localhost_addresses());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn literals_localhost_and_overrides_answer_before_the_system() {
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
        assert_eq!(resolver.lookup("0x7f.1").await.ok(), Some(one("127.0.0.1")));
        assert_eq!(
            resolver.lookup("api.localhost").await.ok(),
            Some(localhost_addresses())
        );
        assert!(
            resolver.lookup("shop.test").await.is_err(),
            "*. needs a label"
        );
        assert!(Resolver::with_overrides("x.test").is_err());
        let err = Resolver::with_overrides("x.test=nope").expect_err("not an ip");
        assert!(err.to_string().contains("JETCRAWL_RESOLVE"), "{err}");
    }
}
