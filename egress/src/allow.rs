//! The allow-list: internal addresses (or ranges) a deployment lets through anyway, on
//! one port or all (`JETCRAWL_ALLOW_TARGETS`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// An internal address (or range) allowed anyway, on one port or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowEntry {
    net: IpNet,
    port: Option<u16>,
}

/// An allow-list entry that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "JETCRAWL_ALLOW_TARGETS entry {entry:?} is invalid ({why}); write ip, ip:port, cidr, \
     cidr:port, or [ipv6]:port, e.g. 127.0.0.1:8080 or 10.0.0.0/8"
)]
pub struct AllowEntryError {
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl AllowEntry {
    /// Every port of `net`.
    pub fn net(net: IpNet) -> Self {
        Self { net, port: None }
    }

    /// The entry's port, when it admits one port only.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// True when `ip` is in the range (and `port`, when given, is the entry's port).
    pub fn matches(&self, ip: IpAddr, port: Option<u16>) -> bool {
        let port_ok = match (self.port, port) {
            (Some(want), Some(got)) => want == got,
            _ => true,
        };
        port_ok && self.net.contains(&canonical(ip))
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let net = if self.net.prefix_len() == self.net.max_prefix_len() {
            self.net.addr().to_string()
        } else {
            self.net.to_string()
        };
        match (self.port, self.net) {
            (Some(port), IpNet::V6(_)) => write!(f, "[{net}]:{port}"),
            (Some(port), IpNet::V4(_)) => write!(f, "{net}:{port}"),
            (None, _) => f.write_str(&net),
        }
    }
}

impl FromStr for AllowEntry {
    type Err = AllowEntryError;

    /// `127.0.0.1`, `127.0.0.1:8080`, `10.0.0.0/8`, `10.0.0.0/8:443`, `::1`,
    /// `fc00::/7`, `[::1]:8080`, `[fc00::/7]:443`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        let invalid = |why| AllowEntryError {
            entry: raw.to_owned(),
            why,
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
        let net = match net.split_once('/') {
            Some(_) => net
                .parse::<IpNet>()
                .map_err(|_| invalid("bad address or prefix length"))?,
            None => IpNet::from(
                net.parse::<IpAddr>()
                    .map_err(|_| invalid("not an IP address"))?,
            ),
        };
        // An IPv4-mapped single address is the IPv4 address it carries.
        let net = match (net, canonical(net.addr())) {
            (IpNet::V6(v6), IpAddr::V4(v4)) if v6.prefix_len() == 128 => {
                IpNet::from(IpAddr::V4(v4))
            }
            _ => net,
        };
        Ok(Self { net, port })
    }
}

/// Parses a comma-separated allow-list; empty entries are skipped.
pub fn parse_allow_list(raw: &str) -> Result<Vec<AllowEntry>, AllowEntryError> {
    raw.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(err.to_string().contains("JETCRAWL_ALLOW_TARGETS"), "{err}");
        }
        assert_eq!(parse_allow_list(" ,127.0.0.1:1,").expect("list").len(), 1);
    }

    #[test]
    fn ranges_match_by_prefix_and_port() {
        let entry: AllowEntry = "10.1.0.0/16:8080".parse().expect("entry");
        let ip = |raw: &str| raw.parse::<IpAddr>().expect("ip");
        assert!(entry.matches(ip("10.1.200.3"), Some(8080)));
        assert!(entry.matches(ip("::ffff:10.1.0.1"), Some(8080)));
        assert!(entry.matches(ip("10.1.0.1"), None), "port unknown");
        assert!(!entry.matches(ip("10.1.0.1"), Some(80)));
        assert!(!entry.matches(ip("10.2.0.1"), Some(8080)));
    }
}
