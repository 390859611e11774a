//! Refusal of targets on loopback, private and other internal networks, so a submitted
//! URL cannot make the worker reach services next to it (server-side request forgery).
//!
//! This file classifies addresses; [`crate::egress`] applies the classes after DNS
//! resolution on every hop (HTTP redirects, browser navigations, subresources and page
//! scripts), with the allow-list of the deployment.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

use crate::egress::{Resolver, TargetPolicy};
use crate::error::JobError;

/// Why an address is internal: its range, and the IPv6 form that embedded it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// The range, e.g. `loopback`.
    pub class: &'static str,
    /// `IPv4-mapped`, `IPv4-compatible`, `NAT64` or `6to4` when an IPv6 address embeds
    /// the internal IPv4 address.
    pub form: Option<&'static str>,
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form {
            Some(form) => write!(f, "{} ({form})", self.class),
            None => f.write_str(self.class),
        }
    }
}

/// The class of address a worker refuses to reach, or `None` for a public address.
pub fn forbidden_class(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4).map(|class| Forbidden { class, form: None }),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

/// The class string alone, e.g. `loopback (IPv4-mapped)`.
pub fn describe(ip: IpAddr) -> Option<String> {
    forbidden_class(ip).map(|f| f.to_string())
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        (0, ..) => "unspecified (0.0.0.0/8)",
        (10, ..) => "private",
        (100, 64..=127, _) => "carrier-grade NAT",
        (127, ..) => "loopback",
        (169, 254, _) => "link-local (cloud metadata)",
        (172, 16..=31, _) => "private",
        (192, 0, 0) => "IETF protocol assignments",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (192, 88, 99) => "reserved (6to4 relay)",
        (192, 168, _) => "private",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, ..) => "multicast",
        (255, 255, 255) if ip.is_broadcast() => "broadcast",
        (240..=255, ..) => "reserved",
        _ => return None,
    };
    Some(class)
}

fn v6_class(ip: Ipv6Addr) -> Option<Forbidden> {
    let seg = ip.segments();
    let plain = |class| Some(Forbidden { class, form: None });
    let embedded = |v4: Ipv4Addr, form| {
        v4_class(v4).map(|class| Forbidden {
            class,
            form: Some(form),
        })
    };
    if ip.is_unspecified() {
        return plain("unspecified");
    }
    if ip.is_loopback() {
        return plain("loopback");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return embedded(v4, "IPv4-mapped");
    }
    let low_v4 = Ipv4Addr::from(ip.to_bits() as u32);
    match seg {
        [0, 0, 0, 0, 0, 0, ..] => embedded(low_v4, "IPv4-compatible").or(Some(Forbidden {
            class: "reserved (IPv4-compatible, deprecated)",
            form: None,
        })),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => embedded(low_v4, "NAT64"),
        [0x64, 0xff9b, 1, ..] => plain("NAT64 local-use"),
        [0x2002, hi, lo, ..] => {
            let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
            embedded(v4, "6to4")
        }
        [0x2001, 0, ..] => plain("Teredo tunnel"),
        [0x2001, 0xdb8, ..] => plain("documentation"),
        [0x2001, 2, 0, ..] => plain("benchmarking"),
        [0x100, 0, 0, 0, ..] => plain("discard-only"),
        [first, ..] if first & 0xfe00 == 0xfc00 => plain("private (unique local)"),
        [first, ..] if first & 0xffc0 == 0xfe80 => plain("link-local"),
        [first, ..] if first & 0xffc0 == 0xfec0 => plain("site-local (deprecated)"),
        [first, ..] if first & 0xff00 == 0xff00 => plain("multicast"),
        _ => None,
    }
}

/// Resolves the host of `url` and refuses it when any address is internal (system DNS,
/// no allow-list). Does nothing when `allow_private` is set. Prefer
/// [`crate::egress::Egress::check_url`], which applies the worker's configured policy.
pub async fn check_target(url: &Url, allow_private: bool) -> Result<(), JobError> {
    let policy = if allow_private {
        TargetPolicy::allow_all()
    } else {
        TargetPolicy::default()
    };
    policy.check_url(url, &Resolver::system()).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

    fn class_of(ip: &str) -> Option<String> {
        describe(ip.parse().expect("test address"))
    }

    #[test]
    fn internal_addresses_are_classified() {
        for (ip, class) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local (cloud metadata)"),
            ("0.0.0.0", "unspecified (0.0.0.0/8)"),
            ("0.1.2.3", "unspecified (0.0.0.0/8)"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.1", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fc00::1", "private (unique local)"),
            ("fd12:3456::1", "private (unique local)"),
            ("fec0::1", "site-local (deprecated)"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("::ffff:127.0.0.1", "loopback (IPv4-mapped)"),
            (
                "::ffff:169.254.169.254",
                "link-local (cloud metadata) (IPv4-mapped)",
            ),
            ("::ffff:10.0.0.1", "private (IPv4-mapped)"),
            ("::127.0.0.1", "loopback (IPv4-compatible)"),
            ("::8.8.8.8", "reserved (IPv4-compatible, deprecated)"),
            ("64:ff9b::10.0.0.1", "private (NAT64)"),
            ("64:ff9b::7f00:1", "loopback (NAT64)"),
            ("64:ff9b:1::1", "NAT64 local-use"),
            ("2002:a9fe:a9fe::1", "link-local (cloud metadata) (6to4)"),
            ("2001::1", "Teredo tunnel"),
        ] {
            assert_eq!(class_of(ip).as_deref(), Some(class), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "198.20.0.1",
            "2606:2800:220:1::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(class_of(ip), None, "{ip}");
        }
    }

    /// The URL parser (WHATWG rules, as in browsers) turns every spelling of an IPv4
    /// address into its dotted form before any check sees it.
    #[test]
    fn decimal_octal_and_hex_spellings_are_normalised() {
        for (raw, host) in [
            ("http://2130706433/", "127.0.0.1"),
            ("http://0x7f.1/", "127.0.0.1"),
            ("http://0x7f000001/", "127.0.0.1"),
            ("http://017700000001/", "127.0.0.1"),
            ("http://0177.0.0.1/", "127.0.0.1"),
            ("http://127.1/", "127.0.0.1"),
            ("http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"),
            ("http://2852039166/", "169.254.169.254"),
            ("http://012.0.0.1/", "10.0.0.1"),
            ("http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
            ("http://[::ffff:7f00:1]/", "[::ffff:7f00:1]"),
            ("http://[0:0:0:0:0:ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
        ] {
            let url = Url::parse(raw).expect(raw);
            assert_eq!(url.host_str(), Some(host), "{raw}");
            let ip: IpAddr = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .expect("an address");
            assert!(forbidden_class(ip).is_some(), "{raw} must be refused");
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
            err.message.contains("loopback") && err.message.contains("JETCRAWL_ALLOW_TARGETS"),
            "{}",
            err.message
        );
        check_target(&url, true)
            .await
            .expect("allowed when configured");
    }
}
