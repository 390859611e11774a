//! The SSRF rules at delivery time: the webhook host is resolved once, every address
//! must be public (loopback only when allowed), and the request is pinned to those
//! addresses so a second DNS answer cannot redirect it.

use std::net::{IpAddr, SocketAddr};

use url::Url;

/// Why an address may not be reached, `None` when it may.
pub fn refused_class(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                (!allow_loopback).then_some("loopback")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                Some("private")
            } else if v4.is_unspecified() || a == 0 || v4.is_broadcast() || v4.is_multicast() {
                Some("non-unicast")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if v6.is_loopback() {
                (!allow_loopback).then_some("loopback")
            } else if v6.is_unicast_link_local() {
                Some("link-local")
            } else if v6.is_unique_local() {
                Some("private")
            } else if v6.is_unspecified() || v6.is_multicast() {
                Some("non-unicast")
            } else {
                None
            }
        }
    }
}

/// The addresses `url` may be delivered to, or why none may.
pub async fn resolve(url: &Url, allow_loopback: bool) -> Result<(String, Vec<SocketAddr>), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("webhook scheme {} is not http(s)", url.scheme()));
    }
    let host = url.host_str().ok_or("the webhook URL has no host")?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|err| format!("cannot resolve webhook host {bare}: {err}"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("webhook host {bare} has no address"));
    }
    for addr in &addrs {
        if let Some(class) = refused_class(addr.ip(), allow_loopback) {
            return Err(format!(
                "webhook host {bare} resolves to {}, a {class} address; webhooks only go to public endpoints",
                addr.ip()
            ));
        }
    }
    Ok((bare.to_owned(), addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_and_loopback_only_when_allowed() {
        for ip in [
            "169.254.169.254",
            "10.0.0.1",
            "192.168.0.1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(refused_class(ip, true).is_some(), "{ip}");
        }
        let lo: IpAddr = "127.0.0.1".parse().expect("ip");
        assert_eq!(refused_class(lo, false), Some("loopback"));
        assert_eq!(refused_class(lo, true), None);
        assert_eq!(
            refused_class("93.184.216.34".parse().expect("ip"), false),
            None
        );
    }
}
