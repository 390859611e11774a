//! The optional webhook URL of a job. The same checks as a target URL (absolute http(s),
//! no credentials, bounded length), and stricter about hosts: a webhook is a request
//! the platform itself makes, so private and link-local hosts (cloud metadata at
//! 169.254.169.254, the cluster's own 10.x network) are refused always. Loopback is
//! accepted only where private targets are (`JETCRAWL_ALLOW_PRIVATE_TARGETS`, local
//! development and tests). The notifier checks the resolved addresses again (ADR 0013).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::limits::Limits;
use super::target::parse_target;
use super::violations::Violations;

/// Checks `spec.webhook_url`, normalising it in place; empty means no webhook.
pub fn check_webhook(raw: &mut String, limits: &Limits, out: &mut Violations) {
    if raw.is_empty() {
        return;
    }
    match parse_webhook(raw, limits) {
        Ok(url) => *raw = url.to_string(),
        Err(why) => out.add("spec.webhook_url", why),
    }
}

/// Parses one webhook URL, or says why it is refused.
pub fn parse_webhook(raw: &str, limits: &Limits) -> Result<Url, String> {
    let syntax_only = Limits {
        allow_private_targets: true,
        ..*limits
    };
    let url = parse_target(raw, &syntax_only)?;
    let refusal = match url.host() {
        Some(Host::Ipv4(ip)) => classify(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => classify(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            (name == "localhost" || name.ends_with(".localhost")).then_some(Class::Loopback)
        }
        None => None,
    };
    match refusal {
        None => Ok(url),
        Some(Class::Loopback) if limits.allow_private_targets => Ok(url),
        Some(Class::Loopback) => Err(format!(
            "webhook host {} is a loopback address; webhooks must reach a public endpoint",
            url.host_str().unwrap_or_default()
        )),
        Some(Class::Internal(kind)) => Err(format!(
            "webhook host {} is {kind}; webhooks never go to private or link-local networks \
             (whatever JETCRAWL_ALLOW_PRIVATE_TARGETS says): use a public endpoint",
            url.host_str().unwrap_or_default()
        )),
    }
}

enum Class {
    Loopback,
    Internal(&'static str),
}

fn classify(ip: IpAddr) -> Option<Class> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Class> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some(Class::Loopback)
    } else if ip.is_link_local() {
        Some(Class::Internal("a link-local address"))
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some(Class::Internal("a private address"))
    } else if ip.is_unspecified() || a == 0 || ip.is_broadcast() || ip.is_multicast() {
        Some(Class::Internal("not a unicast address"))
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Class> {
    if ip.is_loopback() {
        Some(Class::Loopback)
    } else if ip.is_unicast_link_local() {
        Some(Class::Internal("a link-local address"))
    } else if ip.is_unique_local() {
        Some(Class::Internal("a private (unique local) address"))
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some(Class::Internal("not a unicast address"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(allow_private_targets: bool) -> Limits {
        Limits {
            allow_private_targets,
            ..Limits::default()
        }
    }

    #[test]
    fn private_and_link_local_webhooks_are_refused_even_when_private_targets_are_allowed() {
        for allow in [false, true] {
            for host in [
                "169.254.169.254",
                "10.0.0.1",
                "172.16.3.4",
                "192.168.1.1",
                "100.64.0.1",
                "0.0.0.0",
                "[fe80::1]",
                "[fd00::1]",
                "[::ffff:10.0.0.1]",
            ] {
                let url = format!("http://{host}/hook");
                assert!(
                    parse_webhook(&url, &limits(allow)).is_err(),
                    "{url} (allow {allow})"
                );
            }
        }
    }

    #[test]
    fn loopback_webhooks_follow_the_private_targets_switch() {
        for url in [
            "http://127.0.0.1:9/h",
            "http://localhost/h",
            "http://[::1]/h",
        ] {
            assert!(parse_webhook(url, &limits(false)).is_err(), "{url}");
            assert!(parse_webhook(url, &limits(true)).is_ok(), "{url}");
        }
        assert!(parse_webhook("https://hooks.example.com/j", &limits(false)).is_ok());
        assert!(parse_webhook("ftp://hooks.example.com/j", &limits(true)).is_err());
        let creds = parse_webhook("https://u:p@hooks.example.com/", &limits(true));
        assert!(creds.is_err_and(|e| !e.contains(":p@")));
    }
}
