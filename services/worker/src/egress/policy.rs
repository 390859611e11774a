//! Which resolved addresses a worker may reach: every public address, and internal ones
//! only through the allow-list (`JETCRAWL_ALLOW_TARGETS`) or the development switch
//! (`JETCRAWL_ALLOW_PRIVATE_TARGETS`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::Url;

use super::resolve::Resolver;
use crate::error::{ErrorClass, JobError};
use crate::ssrf::{Forbidden, forbidden_class};

/// An internal address (or range) allowed anyway, on one port or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowEntry {
    net: IpAddr,
    prefix: u8,
    port: Option<u16>,
}

impl AllowEntry {
    /// True when `ip` is in the range (and `port`, when given, is the entry's port).
    fn matches(&self, ip: IpAddr, port: Option<u16>) -> bool {
        let port_ok = match (self.port, port) {
            (Some(want), Some(got)) => want == got,
            _ => true,
        };
        port_ok && in_net(canonical(ip), self.net, self.prefix)
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = if self.net.is_ipv4() { 32 } else { 128 };
        let net = if self.prefix == full {
            self.net.to_string()
        } else {
            format!("{}/{}", self.net, self.prefix)
        };
        match (self.port, self.net) {
            (Some(port), IpAddr::V6(_)) => write!(f, "[{net}]:{port}"),
            (Some(port), IpAddr::V4(_)) => write!(f, "{net}:{port}"),
            (None, _) => f.write_str(&net),
        }
    }
}

impl FromStr for AllowEntry {
    type Err = String;

    /// `127.0.0.1`, `127.0.0.1:8080`, `10.0.0.0/8`, `10.0.0.0/8:443`, `::1`,
    /// `fc00::/7`, `[::1]:8080`, `[fc00::/7]:443`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        let invalid = |why: &str| {
            format!(
                "JETCRAWL_ALLOW_TARGETS entry {raw:?} is invalid ({why}); write ip, ip:port, \
                 cidr, cidr:port, or [ipv6]:port, e.g. 127.0.0.1:8080 or 10.0.0.0/8"
            )
        };
        let (net, port) = if let Some(rest) = raw.strip_prefix('[') {
            let (net, after) = rest.split_once(']').ok_or_else(|| invalid("no ']'"))?;
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port.parse().map_err(|_| invalid("bad port"))?),
                None if after.is_empty() => None,
                None => return Err(invalid("text after ']'")),
            };
            (net, port)
        } else if raw.matches(':').count() == 1 {
            let (net, port) = raw.split_once(':').ok_or_else(|| invalid("no port"))?;
            (net, Some(port.parse().map_err(|_| invalid("bad port"))?))
        } else {
            (raw, None)
        };
        let (addr, prefix) = match net.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (net, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| invalid("not an IP address"))?;
        let full = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(len) => len
                .parse::<u8>()
                .ok()
                .filter(|len| *len <= full)
                .ok_or_else(|| invalid("bad prefix length"))?,
            None => full,
        };
        let (net, prefix) = match canonical(net) {
            IpAddr::V4(v4) if net.is_ipv6() && prefix == 128 => (IpAddr::V4(v4), 32),
            _ => (net, prefix),
        };
        Ok(Self { net, prefix, port })
    }
}

/// Parses a comma-separated allow-list; empty entries are skipped.
pub fn parse_allow_list(raw: &str) -> Result<Vec<AllowEntry>, String> {
    raw.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// An address a worker may not reach, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{host} resolves to {ip}, a {class} address, which workers may not reach; allow it with \
     JETCRAWL_ALLOW_TARGETS={allow}, or every private target with \
     JETCRAWL_ALLOW_PRIVATE_TARGETS=true (development only)"
)]
pub struct Refusal {
    /// The host as written in the URL.
    pub host: String,
    /// The address it resolved to.
    pub ip: IpAddr,
    /// Its class.
    pub class: Forbidden,
    /// The allow-list entry that would admit it.
    pub allow: String,
}

impl Refusal {
    /// The job error for a refused `url`.
    pub fn for_url(&self, url: &str) -> JobError {
        JobError::new(ErrorClass::TargetForbidden, format!("{url}: {self}"))
    }
}

/// The egress policy of a worker.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    allow_private: bool,
    allowed: Vec<AllowEntry>,
}

impl TargetPolicy {
    /// Refuses internal addresses except those in `allowed`; allows them all when
    /// `allow_private` (development only).
    pub fn new(allow_private: bool, allowed: Vec<AllowEntry>) -> Self {
        Self {
            allow_private,
            allowed,
        }
    }

    /// Allows everything (`JETCRAWL_ALLOW_PRIVATE_TARGETS=true`).
    pub fn allow_all() -> Self {
        Self::new(true, Vec::new())
    }

    /// True when some internal address is allowed on one port only.
    pub fn has_port_entries(&self) -> bool {
        !self.allow_private && self.allowed.iter().any(|e| e.port.is_some())
    }

    /// Checks one resolved address of `host` on `port`.
    pub fn check(&self, host: &str, ip: IpAddr, port: u16) -> Result<(), Refusal> {
        self.check_inner(host, ip, Some(port))
    }

    /// Checks an address whose port is not known (DNS answers inside the HTTP client):
    /// an allow-list entry for any port admits it; [`TargetPolicy::check`] on the URL
    /// enforces the port.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), Refusal> {
        self.check_inner(host, ip, None)
    }

    fn check_inner(&self, host: &str, ip: IpAddr, port: Option<u16>) -> Result<(), Refusal> {
        if self.allow_private {
            return Ok(());
        }
        let Some(class) = forbidden_class(ip) else {
            return Ok(());
        };
        if self.allowed.iter().any(|entry| entry.matches(ip, port)) {
            return Ok(());
        }
        let allow = match (port, canonical(ip)) {
            (Some(port), IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
            (Some(port), v4) => format!("{v4}:{port}"),
            (None, any) => any.to_string(),
        };
        Err(Refusal {
            host: host.to_owned(),
            ip,
            class,
            allow,
        })
    }

    /// Checks a URL's scheme, resolves its host with `resolver` and checks every
    /// address; returns the addresses.
    pub async fn check_url(&self, url: &Url, resolver: &Resolver) -> Result<Vec<IpAddr>, JobError> {
        check_scheme(url)?;
        let host = url.host_str().ok_or_else(|| {
            JobError::new(
                ErrorClass::InvalidSpec,
                format!("{url} has no host; give an absolute http or https URL"),
            )
        })?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let port = url.port_or_known_default().unwrap_or(80);
        let addresses = resolver.lookup(bare).await.map_err(|err| {
            JobError::new(
                ErrorClass::Network,
                format!("cannot resolve {bare} for {url}: {err}"),
            )
        })?;
        for ip in &addresses {
            self.check(bare, *ip, port)
                .map_err(|refusal| refusal.for_url(url.as_str()))?;
        }
        Ok(addresses)
    }
}

/// Only http and https leave the worker.
pub fn check_scheme(url: &Url) -> Result<(), JobError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(JobError::new(
            ErrorClass::TargetForbidden,
            format!("{url} has scheme {other}; workers fetch only http and https URLs"),
        )),
    }
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            ip.to_bits() & mask == net.to_bits() & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().expect("test address")
    }

    #[test]
    fn allow_entries_parse_and_print() {
        for (raw, shown) in [
            ("127.0.0.1", "127.0.0.1"),
            ("127.0.0.1:8080", "127.0.0.1:8080"),
            (" 10.0.0.0/8 ", "10.0.0.0/8"),
            ("10.0.0.0/8:443", "10.0.0.0/8:443"),
            ("::1", "::1"),
            ("fc00::/7", "fc00::/7"),
            ("[::1]:8080", "[::1]:8080"),
            ("[fc00::/7]:443", "[fc00::/7]:443"),
            ("[::ffff:127.0.0.1]:80", "127.0.0.1:80"),
        ] {
            let entry: AllowEntry = raw.parse().expect(raw);
            assert_eq!(entry.to_string(), shown, "{raw}");
        }
        for bad in [
            "localhost:80",
            "10.0.0.0/33",
            "127.0.0.1:x",
            "[::1",
            "[::1]x",
        ] {
            let err = bad.parse::<AllowEntry>().expect_err(bad);
            assert!(err.contains("JETCRAWL_ALLOW_TARGETS"), "{err}");
        }
        assert_eq!(parse_allow_list(" ,127.0.0.1:1,").expect("list").len(), 1);
    }

    #[test]
    fn an_allowed_port_does_not_open_the_others() {
        let policy = TargetPolicy::new(false, parse_allow_list("127.0.0.1:8080").expect("list"));
        policy
            .check("a", ip("127.0.0.1"), 8080)
            .expect("allowed port");
        policy
            .check("a", ip("::ffff:127.0.0.1"), 8080)
            .expect("the mapped form of an allowed address");
        let refusal = policy.check("a", ip("127.0.0.1"), 4222).expect_err("NATS");
        assert_eq!(refusal.class.class, "loopback");
        assert!(
            refusal
                .to_string()
                .contains("JETCRAWL_ALLOW_TARGETS=127.0.0.1:4222")
        );
        policy.check_ip("a", ip("127.0.0.1")).expect("port unknown");
        policy
            .check("a", ip("10.0.0.1"), 8080)
            .expect_err("private");
        policy.check("a", ip("8.8.8.8"), 4222).expect("public");
    }

    #[test]
    fn ranges_match_by_prefix() {
        let policy = TargetPolicy::new(false, parse_allow_list("10.1.0.0/16,fd00::/8").expect("l"));
        policy.check("a", ip("10.1.200.3"), 1).expect("in range");
        policy.check("a", ip("10.2.0.1"), 1).expect_err("outside");
        policy.check("a", ip("fd12::1"), 1).expect("v6 range");
        policy.check("a", ip("fc00::1"), 1).expect_err("v6 outside");
        TargetPolicy::allow_all()
            .check("a", ip("169.254.169.254"), 80)
            .expect("development switch");
    }
}
