//! The hostile-address table every entry point's test runs (feature `hostile`): each
//! spelling of an internal address an attacker may submit, and the class every entry
//! point must name when it refuses it.

use crate::class::Class::{
    self, Benchmarking, Broadcast, CarrierGradeNat, Documentation, LinkLocal, Loopback, Multicast,
    Nat64LocalUse, Private, ProtocolAssignments, Reserved, SiteLocal, Teredo, Unspecified,
};
use crate::class::Embedding::{self, Ipv4Compatible, Ipv4Mapped, Ipv4Translated, Nat64, SixToFour};
use crate::class::Forbidden;

/// One hostile host as written in a URL, and the refusal it must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hostile {
    /// The URL host, e.g. `0x7f.1` or `[64:ff9b::a9fe:a9fe]`.
    pub host: &'static str,
    /// The class (and form) every entry point names.
    pub refused: Forbidden,
}

impl Hostile {
    /// `http://{host}:{port}/hostile`.
    pub fn url(&self, port: u16) -> String {
        format!("http://{}:{port}/hostile", self.host)
    }

    /// The words a refusal's message must contain, e.g. `a loopback (NAT64) address`:
    /// the class with its form, and nothing longer.
    pub fn named(&self) -> String {
        format!("a {} address", self.refused)
    }
}

const fn plain(host: &'static str, class: Class) -> Hostile {
    Hostile {
        host,
        refused: Forbidden::plain(class),
    }
}

const fn via(host: &'static str, class: Class, form: Embedding) -> Hostile {
    Hostile {
        host,
        refused: Forbidden::embedded(class, form),
    }
}

/// Every form the worker's SSRF battery had, plus NAT64, 6to4, Teredo,
/// IPv4-compatible and the decimal, octal and hex spellings of IPv4.
pub const HOSTILE: &[Hostile] = &[
    plain("127.0.0.1", Loopback),
    plain("127.255.0.9", Loopback),
    plain("2130706433", Loopback),
    plain("0x7f.1", Loopback),
    plain("0x7f000001", Loopback),
    plain("017700000001", Loopback),
    plain("0177.0.0.1", Loopback),
    plain("127.1", Loopback),
    plain("localhost", Loopback),
    plain("api.localhost", Loopback),
    plain("[::1]", Loopback),
    via("[::ffff:127.0.0.1]", Loopback, Ipv4Mapped),
    via("[::ffff:7f00:1]", Loopback, Ipv4Mapped),
    via("[::ffff:0:127.0.0.1]", Loopback, Ipv4Translated),
    via("[::127.0.0.1]", Loopback, Ipv4Compatible),
    via("[::8.8.8.8]", Reserved, Ipv4Compatible),
    via("[64:ff9b::7f00:1]", Loopback, Nat64),
    via("[64:ff9b::a9fe:a9fe]", LinkLocal, Nat64),
    via("[64:ff9b::10.0.0.1]", Private, Nat64),
    plain("[64:ff9b:1::1]", Nat64LocalUse),
    via("[2002:7f00:1::]", Loopback, SixToFour),
    via("[2002:a9fe:a9fe::1]", LinkLocal, SixToFour),
    via("[2002:c0a8:101::1]", Private, SixToFour),
    via(
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        Loopback,
        Embedding::Teredo,
    ),
    via(
        "[2001:0:4136:e378:8000:63bf:5601:5601]",
        LinkLocal,
        Embedding::Teredo,
    ),
    plain("[2001:0:4136:e378:8000:63bf:f7f7:f7f7]", Teredo),
    plain("169.254.169.254", LinkLocal),
    plain("0xa9.0xfe.0xa9.0xfe", LinkLocal),
    plain("2852039166", LinkLocal),
    plain("0251.0376.0251.0376", LinkLocal),
    via("[::ffff:169.254.169.254]", LinkLocal, Ipv4Mapped),
    plain("[fe80::1]", LinkLocal),
    plain("10.0.0.1", Private),
    plain("012.0.0.1", Private),
    plain("167772161", Private),
    plain("172.16.0.1", Private),
    plain("192.168.1.1", Private),
    plain("0xc0.0xa8.1.1", Private),
    plain("[fd00::1]", Private),
    plain("[fc00::1]", Private),
    via("[::ffff:10.0.0.1]", Private, Ipv4Mapped),
    plain("100.64.0.1", CarrierGradeNat),
    plain("0.0.0.0", Unspecified),
    plain("0", Unspecified),
    plain("[::]", Unspecified),
    plain("192.0.0.8", ProtocolAssignments),
    plain("192.0.2.1", Documentation),
    plain("[2001:db8::1]", Documentation),
    plain("198.18.0.1", Benchmarking),
    plain("224.0.0.1", Multicast),
    plain("[ff02::1]", Multicast),
    plain("255.255.255.255", Broadcast),
    plain("240.0.0.1", Reserved),
    plain("[fec0::1]", SiteLocal),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::classify;
    use crate::host::{is_localhost, literal_ip};

    #[test]
    fn the_table_agrees_with_the_classifier() {
        for hostile in HOSTILE {
            let url = url::Url::parse(&hostile.url(80)).expect(hostile.host);
            let host = url.host_str().expect("host");
            if is_localhost(host) {
                assert_eq!(hostile.refused, Forbidden::plain(Loopback));
                continue;
            }
            let ip = literal_ip(host).expect(hostile.host);
            assert_eq!(classify(ip), Some(hostile.refused), "{}", hostile.host);
        }
    }
}
