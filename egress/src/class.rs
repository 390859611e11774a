//! The one address classifier: which IP addresses no Jetcrawl component may reach
//! (server-side request forgery), and why. IPv6 forms that carry an IPv4 address
//! (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64, 6to4, Teredo) are unwrapped
//! and classified as the IPv4 address they carry, so no spelling of an internal address
//! slips through.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The range an internal address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `0.0.0.0/8` ("this network") and `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1` and `localhost` names.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16` and unique local `fc00::/7`.
    Private,
    /// `100.64.0.0/10`, shared by carrier-grade NAT.
    CarrierGradeNat,
    /// `169.254.0.0/16` (cloud metadata at 169.254.169.254) and `fe80::/10`.
    LinkLocal,
    /// `fec0::/10`, deprecated site-local.
    SiteLocal,
    /// `192.0.0.0/24`, IETF protocol assignments.
    ProtocolAssignments,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15` and `2001:2::/48`.
    Benchmarking,
    /// `192.88.99.0/24`, the deprecated 6to4 relay anycast.
    Relay6to4,
    /// `224.0.0.0/4` and `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `240.0.0.0/4`, and public IPv4 in the deprecated IPv4-compatible form.
    Reserved,
    /// `64:ff9b:1::/48`, NAT64 for a local network.
    Nat64LocalUse,
    /// `2001::/32` carrying a public client address: a tunnel the worker cannot see into.
    Teredo,
    /// `100::/64`, discard-only.
    DiscardOnly,
}

impl Class {
    /// The stable name error messages and tests use, e.g. `link-local`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::CarrierGradeNat => "carrier-grade NAT",
            Self::LinkLocal => "link-local",
            Self::SiteLocal => "site-local",
            Self::ProtocolAssignments => "IETF protocol assignments",
            Self::Documentation => "documentation",
            Self::Benchmarking => "benchmarking",
            Self::Relay6to4 => "6to4 relay anycast",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Reserved => "reserved",
            Self::Nat64LocalUse => "NAT64 local-use",
            Self::Teredo => "Teredo tunnel",
            Self::DiscardOnly => "discard-only",
        }
    }
}

/// The IPv6 form that carried an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Embedding {
    /// `::ffff:a.b.c.d`.
    Ipv4Mapped,
    /// `::ffff:0:a.b.c.d` (SIIT).
    Ipv4Translated,
    /// `::a.b.c.d`, deprecated.
    Ipv4Compatible,
    /// `64:ff9b::a.b.c.d`.
    Nat64,
    /// `2002:AABB:CCDD::/48`.
    SixToFour,
    /// `2001:0:server:flags:port:~client`.
    Teredo,
}

impl Embedding {
    /// The form's name, e.g. `NAT64`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ipv4Mapped => "IPv4-mapped",
            Self::Ipv4Translated => "IPv4-translated",
            Self::Ipv4Compatible => "IPv4-compatible",
            Self::Nat64 => "NAT64",
            Self::SixToFour => "6to4",
            Self::Teredo => "Teredo",
        }
    }
}

/// Why an address is refused: its class, and the IPv6 form that embedded it, if any.
/// Shown as `loopback` or `loopback (NAT64)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Forbidden {
    /// The range.
    pub class: Class,
    /// The IPv6 form carrying the IPv4 address of that range.
    pub form: Option<Embedding>,
}

impl Forbidden {
    /// A class seen directly, not through an embedding.
    pub const fn plain(class: Class) -> Self {
        Self { class, form: None }
    }

    /// A class seen through `form`.
    pub const fn embedded(class: Class, form: Embedding) -> Self {
        Self {
            class,
            form: Some(form),
        }
    }
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form {
            Some(form) => write!(f, "{} ({})", self.class.name(), form.name()),
            None => f.write_str(self.class.name()),
        }
    }
}

/// Why `ip` may not be reached, or `None` for a public address.
pub fn classify(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4).map(Forbidden::plain),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

/// The IPv4 address an IPv6 address carries, with its form; `None` for other IPv6.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<(Ipv4Addr, Embedding)> {
    let low = Ipv4Addr::from(ip.to_bits() as u32);
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, ..] => Some((low, Embedding::Ipv4Mapped)),
        [0, 0, 0, 0, 0xffff, 0, ..] => Some((low, Embedding::Ipv4Translated)),
        [0, 0, 0, 0, 0, 0, ..] if !ip.is_unspecified() && !ip.is_loopback() => {
            Some((low, Embedding::Ipv4Compatible))
        }
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some((low, Embedding::Nat64)),
        [0x2002, hi, lo, ..] => {
            let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
            Some((v4, Embedding::SixToFour))
        }
        // The client address is stored inverted (RFC 4380).
        [0x2001, 0, ..] => Some((Ipv4Addr::from(!(ip.to_bits() as u32)), Embedding::Teredo)),
        _ => None,
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<Class> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        (0, ..) => Class::Unspecified,
        (10, ..) => Class::Private,
        (100, 64..=127, _) => Class::CarrierGradeNat,
        (127, ..) => Class::Loopback,
        (169, 254, _) => Class::LinkLocal,
        (172, 16..=31, _) => Class::Private,
        (192, 0, 0) => Class::ProtocolAssignments,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Class::Documentation,
        (192, 88, 99) => Class::Relay6to4,
        (192, 168, _) => Class::Private,
        (198, 18..=19, _) => Class::Benchmarking,
        (224..=239, ..) => Class::Multicast,
        _ if ip.is_broadcast() => Class::Broadcast,
        (240..=255, ..) => Class::Reserved,
        _ => return None,
    };
    Some(class)
}

fn v6_class(ip: Ipv6Addr) -> Option<Forbidden> {
    if ip.is_unspecified() {
        return Some(Forbidden::plain(Class::Unspecified));
    }
    if ip.is_loopback() {
        return Some(Forbidden::plain(Class::Loopback));
    }
    if let Some((v4, form)) = embedded_v4(ip) {
        let carried = v4_class(v4).map(|class| Forbidden::embedded(class, form));
        // Forms that are never a route to a public host stay refused even when the
        // address they carry is public.
        let fallback = match form {
            Embedding::Ipv4Compatible => Some(Forbidden::embedded(Class::Reserved, form)),
            Embedding::Teredo => Some(Forbidden::plain(Class::Teredo)),
            _ => None,
        };
        return carried.or(fallback);
    }
    let seg = ip.segments();
    let class = match seg {
        [0x64, 0xff9b, 1, ..] => Class::Nat64LocalUse,
        [0x2001, 0xdb8, ..] => Class::Documentation,
        [first, ..] if first & 0xfff0 == 0x3ff0 => Class::Documentation,
        [0x2001, 2, 0, ..] => Class::Benchmarking,
        [0x100, 0, 0, 0, ..] => Class::DiscardOnly,
        [first, ..] if first & 0xfe00 == 0xfc00 => Class::Private,
        [first, ..] if first & 0xffc0 == 0xfe80 => Class::LinkLocal,
        [first, ..] if first & 0xffc0 == 0xfec0 => Class::SiteLocal,
        [first, ..] if first & 0xff00 == 0xff00 => Class::Multicast,
        _ => return None,
    };
    Some(Forbidden::plain(class))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(ip: &str) -> Option<String> {
        classify(ip.parse().expect("test address")).map(|f| f.to_string())
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
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("192.88.99.1", "6to4 relay anycast"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.1", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fc00::1", "private"),
            ("fd12:3456::1", "private"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2001:2::1", "benchmarking"),
            ("100::1", "discard-only"),
            ("::ffff:127.0.0.1", "loopback (IPv4-mapped)"),
            ("::ffff:169.254.169.254", "link-local (IPv4-mapped)"),
            ("::ffff:0:10.0.0.1", "private (IPv4-translated)"),
            ("::127.0.0.1", "loopback (IPv4-compatible)"),
            ("::8.8.8.8", "reserved (IPv4-compatible)"),
            ("64:ff9b::10.0.0.1", "private (NAT64)"),
            ("64:ff9b::a9fe:a9fe", "link-local (NAT64)"),
            ("64:ff9b::7f00:1", "loopback (NAT64)"),
            ("64:ff9b:1::1", "NAT64 local-use"),
            ("2002:7f00:1::", "loopback (6to4)"),
            ("2002:a9fe:a9fe::1", "link-local (6to4)"),
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback (Teredo)"),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo tunnel"),
        ] {
            assert_eq!(shown(ip).as_deref(), Some(class), "{ip}");
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
            assert_eq!(shown(ip), None, "{ip}");
        }
    }
}
