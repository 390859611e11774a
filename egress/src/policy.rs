//! Which addresses a component may reach: every public address, and internal ones only
//! through the allow-list or the development switch. The same classifier serves every
//! entry point; what differs is the allow-list and the remedy a refusal suggests.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::allow::{AllowEntry, canonical};
use crate::class::{Forbidden, classify};

/// What a refusal tells the operator to do, which depends on who refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Remedy {
    /// A worker: allow the address with `JETCRAWL_ALLOW_TARGETS`.
    #[default]
    AllowList,
    /// The gateway at submit: only the development switch admits internal targets.
    PrivateTargetsSwitch,
    /// Webhooks go to public endpoints only.
    PublicOnly,
}

/// An address a component may not reach, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Refusal {
    /// The host as written in the URL.
    pub host: String,
    /// The address it is or resolved to.
    pub ip: IpAddr,
    /// Its class.
    pub class: Forbidden,
    /// The allow-list entry that would admit it.
    pub allow: String,
    /// What to do about it.
    pub remedy: Remedy,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (host, ip, class) = (&self.host, self.ip, self.class);
        if crate::host::literal_ip(host) == Some(ip) {
            write!(f, "{host} is a {class} address")?;
        } else {
            write!(f, "{host} resolves to {ip}, a {class} address")?;
        }
        match self.remedy {
            Remedy::AllowList => write!(
                f,
                ", which workers may not reach; allow it with JETCRAWL_ALLOW_TARGETS={}, or \
                 every private target with JETCRAWL_ALLOW_PRIVATE_TARGETS=true (development only)",
                self.allow
            ),
            Remedy::PrivateTargetsSwitch => f.write_str(
                "; private targets are refused unless the gateway runs with \
                 JETCRAWL_ALLOW_PRIVATE_TARGETS=true",
            ),
            Remedy::PublicOnly => f.write_str(
                "; webhooks go to public endpoints only (loopback is accepted with \
                 JETCRAWL_ALLOW_PRIVATE_TARGETS=true, for development)",
            ),
        }
    }
}

/// The egress policy of one component.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    allow_private: bool,
    allowed: Vec<AllowEntry>,
    remedy: Remedy,
}

impl TargetPolicy {
    /// Refuses internal addresses except those in `allowed`; allows them all when
    /// `allow_private` (development only).
    pub fn new(allow_private: bool, allowed: Vec<AllowEntry>) -> Self {
        Self {
            allow_private,
            allowed,
            remedy: Remedy::AllowList,
        }
    }

    /// Allows everything (`JETCRAWL_ALLOW_PRIVATE_TARGETS=true`).
    pub fn allow_all() -> Self {
        Self::new(true, Vec::new())
    }

    /// The policy of job URLs at submit: internal targets only with the switch.
    pub fn submitted_targets(allow_private: bool) -> Self {
        Self::new(allow_private, Vec::new()).with_remedy(Remedy::PrivateTargetsSwitch)
    }

    /// The policy of webhooks: never internal, loopback only when `allow_loopback`
    /// (local development and tests).
    pub fn webhooks(allow_loopback: bool) -> Self {
        let loopback = [
            IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8)),
            IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128)),
        ];
        let allowed = if allow_loopback {
            loopback.into_iter().map(AllowEntry::net).collect()
        } else {
            Vec::new()
        };
        Self::new(false, allowed).with_remedy(Remedy::PublicOnly)
    }

    /// The same policy, suggesting `remedy` when it refuses.
    pub fn with_remedy(mut self, remedy: Remedy) -> Self {
        self.remedy = remedy;
        self
    }

    /// True when some internal address is allowed on one port only.
    pub fn has_port_entries(&self) -> bool {
        !self.allow_private && self.allowed.iter().any(|e| e.port().is_some())
    }

    /// Checks one address of `host` on `port`.
    pub fn check(&self, host: &str, ip: IpAddr, port: u16) -> Result<(), Refusal> {
        self.check_inner(host, ip, Some(port))
    }

    /// Checks an address whose port is not known (DNS answers inside an HTTP client):
    /// an allow-list entry for any port admits it; [`TargetPolicy::check`] on the URL
    /// enforces the port.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), Refusal> {
        self.check_inner(host, ip, None)
    }

    fn check_inner(&self, host: &str, ip: IpAddr, port: Option<u16>) -> Result<(), Refusal> {
        if self.allow_private {
            return Ok(());
        }
        let Some(class) = classify(ip) else {
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
            remedy: self.remedy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allow::parse_allow_list;
    use crate::class::Class;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().expect("test address")
    }

    #[test]
    fn an_allowed_port_does_not_open_the_others() {
        let policy = TargetPolicy::new(false, parse_allow_list("127.0.0.1:8080").expect("list"));
        policy.check("a", ip("127.0.0.1"), 8080).expect("allowed");
        policy
            .check("a", ip("::ffff:127.0.0.1"), 8080)
            .expect("the mapped form of an allowed address");
        let refusal = policy.check("a", ip("127.0.0.1"), 4222).expect_err("NATS");
        assert_eq!(refusal.class.class, Class::Loopback);
        assert!(
            refusal
                .to_string()
                .contains("JETCRAWL_ALLOW_TARGETS=127.0.0.1:4222"),
            "{refusal}"
        );
        policy.check_ip("a", ip("127.0.0.1")).expect("port unknown");
        policy
            .check("a", ip("10.0.0.1"), 8080)
            .expect_err("private");
        policy.check("a", ip("8.8.8.8"), 4222).expect("public");
        TargetPolicy::allow_all()
            .check("a", ip("169.254.169.254"), 80)
            .expect("development switch");
    }

    #[test]
    fn webhooks_admit_loopback_only_with_the_switch_and_never_its_tunnels() {
        let open = TargetPolicy::webhooks(true);
        open.check("h", ip("127.0.0.2"), 80).expect("loopback");
        open.check("h", ip("::1"), 80).expect("v6 loopback");
        for internal in [
            "10.0.0.1",
            "169.254.169.254",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
        ] {
            open.check("h", ip(internal), 80).expect_err(internal);
        }
        let closed = TargetPolicy::webhooks(false);
        let refusal = closed
            .check("127.0.0.1", ip("127.0.0.1"), 80)
            .expect_err("lo");
        assert_eq!(
            refusal.to_string(),
            "127.0.0.1 is a loopback address; webhooks go to public endpoints only (loopback \
             is accepted with JETCRAWL_ALLOW_PRIVATE_TARGETS=true, for development)"
        );
    }

    #[test]
    fn refusals_say_what_the_name_resolved_to() {
        let refusal = TargetPolicy::submitted_targets(false)
            .check("internal.test", ip("10.0.0.1"), 80)
            .expect_err("private");
        assert!(
            refusal
                .to_string()
                .starts_with("internal.test resolves to 10.0.0.1, a private address; private"),
            "{refusal}"
        );
    }
}
