//! Host parsing as browsers and URL parsers do it (WHATWG URL host parser): every
//! spelling of an IPv4 address (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) is the
//! address it names, and `localhost` names are loopback (RFC 6761) without asking DNS.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Host;

/// The address `host` spells, if it is an IP literal in any form browsers accept
/// (bracketed or bare IPv6; decimal, octal, hex or shortened IPv4).
pub fn literal_ip(host: &str) -> Option<IpAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Some(ip);
    }
    match Host::parse(host).ok()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(_) => None,
    }
}

/// True for `localhost` and names under `.localhost` (trailing dot and case ignored).
pub fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// The addresses a `localhost` name stands for.
pub fn localhost_addresses() -> Vec<IpAddr> {
    vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ipv4_spelling_is_the_address_it_names() {
        for (raw, ip) in [
            ("2130706433", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("017700000001", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("0", "0.0.0.0"),
            ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
            ("2852039166", "169.254.169.254"),
            ("012.0.0.1", "10.0.0.1"),
            ("127.0.0.1.", "127.0.0.1"),
            ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
            ("::1", "::1"),
            ("[0:0:0:0:0:ffff:127.0.0.1]", "::ffff:7f00:1"),
        ] {
            let want: IpAddr = ip.parse().expect("test address");
            assert_eq!(literal_ip(raw), Some(want), "{raw}");
        }
        for name in [
            "example.com",
            "internal.test",
            "0x7g.1",
            "1.2.3.4.5.example",
        ] {
            assert_eq!(literal_ip(name), None, "{name}");
        }
    }

    #[test]
    fn localhost_names_are_loopback() {
        for name in ["localhost", "LOCALHOST.", "a.b.localhost"] {
            assert!(is_localhost(name), "{name}");
        }
        assert!(!is_localhost("localhost.example.com"));
        assert!(!is_localhost("notlocalhost"));
    }
}
