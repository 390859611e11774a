//! Refusal of targets on loopback, private and other internal networks, so a submitted
//! URL cannot make the worker reach services next to it (server-side request forgery).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

use crate::error::{ErrorClass, JobError};

/// The class of address a worker refuses to reach, or `None` for a public address.
pub fn forbidden_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("multicast/broadcast")
    } else if a == 100 && (64..128).contains(&b) {
        Some("carrier-grade NAT")
    } else {
        None
    }
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_class(v4).map(|_| "IPv4-mapped private");
    }
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else {
        None
    }
}

/// Resolves the host of `url` and refuses it when any address is internal.
/// Does nothing when `allow_private` is set.
pub async fn check_target(url: &Url, allow_private: bool) -> Result<(), JobError> {
    if allow_private {
        return Ok(());
    }
    let host = url
        .host_str()
        .ok_or_else(|| JobError::new(ErrorClass::InvalidSpec, format!("{url} has no host")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|err| {
                JobError::new(
                    ErrorClass::Network,
                    format!("cannot resolve {host} for {url}: {err}"),
                )
            })?
            .map(|addr| addr.ip())
            .collect(),
    };
    for ip in addresses {
        if let Some(class) = forbidden_class(ip) {
            return Err(JobError::new(
                ErrorClass::TargetForbidden,
                format!(
                    "{url} resolves to {ip}, a {class} address, which workers may not reach; \
                     set JETCRAWL_ALLOW_PRIVATE_TARGETS=true to allow it (development only)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_classified() {
        for (ip, class) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("224.0.0.1", "multicast/broadcast"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fd00::1", "private (unique local)"),
            ("::ffff:127.0.0.1", "IPv4-mapped private"),
        ] {
            let parsed: IpAddr = ip.parse().expect("test address");
            assert_eq!(forbidden_class(parsed), Some(class), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "100.128.0.1",
            "::ffff:8.8.8.8",
        ] {
            let parsed: IpAddr = ip.parse().expect("test address");
            assert_eq!(forbidden_class(parsed), None, "{ip}");
        }
    }

    #[tokio::test]
    async fn loopback_targets_are_refused_unless_allowed() {
        let url = Url::parse("http://127.0.0.1:9/x").expect("url");
        let err = check_target(&url, false)
            .await
            .expect_err("loopback is refused");
        assert_eq!(err.class, ErrorClass::TargetForbidden);
        assert!(!err.retryable());
        assert!(
            err.message.contains("loopback")
                && err.message.contains("JETCRAWL_ALLOW_PRIVATE_TARGETS")
        );
        check_target(&url, true)
            .await
            .expect("allowed when configured");
    }
}
