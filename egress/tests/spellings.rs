//! Property tests of the classifier: however an IPv4 address is spelled or wrapped in
//! IPv6, it gets the class of the address itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use jetcrawl_egress::{Class, Embedding, classify, literal_ip};
use proptest::prelude::*;

/// The spellings browsers accept for `ip`: dotted decimal, one decimal or hex number,
/// dotted octal and hex, and the `a.b.c` / `a.b` short forms.
fn spellings(ip: Ipv4Addr) -> Vec<String> {
    let [a, b, c, d] = ip.octets();
    let n = u32::from(ip);
    vec![
        ip.to_string(),
        n.to_string(),
        format!("{n:#x}"),
        format!("0{n:o}"),
        format!("0{a:o}.0{b:o}.0{c:o}.0{d:o}"),
        format!("{a:#x}.{b:#x}.{c:#x}.{d:#x}"),
        format!("{a}.{b}.{}", (u32::from(c) << 8) | u32::from(d)),
        format!("{a}.{}", n & 0x00ff_ffff),
    ]
}

/// `ip` inside each IPv6 form that carries an IPv4 address.
fn wrapped(ip: Ipv4Addr) -> Vec<(Ipv6Addr, Embedding)> {
    let n = u128::from(u32::from(ip));
    vec![
        (ip.to_ipv6_mapped(), Embedding::Ipv4Mapped),
        (
            Ipv6Addr::from((0xffff_u128 << 48) | n),
            Embedding::Ipv4Translated,
        ),
        (Ipv6Addr::from((0x64_ff9b_u128 << 96) | n), Embedding::Nat64),
        (
            Ipv6Addr::from((0x2002_u128 << 112) | (n << 80)),
            Embedding::SixToFour,
        ),
        (
            Ipv6Addr::from(
                (0x2001_u128 << 112)
                    | (0x4136_e378_8000_63bf_u128 << 32)
                    | (!u32::from(ip) as u128),
            ),
            Embedding::Teredo,
        ),
    ]
}

proptest! {
    #[test]
    fn every_spelling_is_the_address_it_names(n in any::<u32>()) {
        let ip = Ipv4Addr::from(n);
        for spelled in spellings(ip) {
            prop_assert_eq!(literal_ip(&spelled), Some(IpAddr::V4(ip)), "{}", spelled);
            let url = url::Url::parse(&format!("http://{spelled}/")).expect("url");
            let dotted = ip.to_string();
            prop_assert_eq!(url.host_str(), Some(dotted.as_str()));
        }
    }

    #[test]
    fn a_wrapped_address_gets_the_class_of_the_address(n in any::<u32>()) {
        let ip = Ipv4Addr::from(n);
        let plain = classify(IpAddr::V4(ip)).map(|f| f.class);
        for (v6, form) in wrapped(ip) {
            let got = classify(IpAddr::V6(v6));
            match plain {
                Some(class) => {
                    prop_assert_eq!(got.map(|f| f.class), Some(class), "{}", v6);
                    prop_assert_eq!(got.and_then(|f| f.form), Some(form), "{}", v6);
                }
                // A public address stays reachable through mapping, translation, NAT64
                // and 6to4; a Teredo tunnel is refused whatever it carries.
                None if form == Embedding::Teredo => {
                    prop_assert_eq!(got.map(|f| f.class), Some(Class::Teredo), "{}", v6);
                }
                None => prop_assert_eq!(got, None, "{}", v6),
            }
        }
    }
}
