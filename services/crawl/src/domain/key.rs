//! The politeness unit: a URL's registrable domain ("eTLD+1" from the public suffix
//! list), so `a.example.com` and `b.example.com` share one budget. An IP literal or
//! `localhost` is its own domain; ports never matter.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// A registrable domain, lower-case, without port: `example.com`, `127.0.0.1`, `::1`,
/// `localhost`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct DomainKey(String);

/// Why a URL has no domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url:?} has no host; give an absolute http(s) URL")]
pub struct NoHost {
    /// The URL as given.
    pub url: String,
}

impl DomainKey {
    /// The domain of `url`.
    pub fn of_url(url: &Url) -> Result<Self, NoHost> {
        match url.host() {
            Some(Host::Ipv4(ip)) => Ok(Self::of_ip(IpAddr::V4(ip))),
            Some(Host::Ipv6(ip)) => Ok(Self::of_ip(IpAddr::V6(ip))),
            Some(Host::Domain(name)) => Ok(Self::of_name(name)),
            None => Err(NoHost {
                url: url.to_string(),
            }),
        }
    }

    /// The domain of a URL string.
    pub fn parse(url: &str) -> Result<Self, NoHost> {
        let parsed = Url::parse(url).map_err(|_| NoHost {
            url: url.to_owned(),
        })?;
        Self::of_url(&parsed)
    }

    fn of_ip(ip: IpAddr) -> Self {
        match ip {
            // An IPv4-mapped address is the IPv4 host.
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => Self(v6.to_string()),
            },
            IpAddr::V4(v4) => Self(v4.to_string()),
        }
    }

    fn of_name(name: &str) -> Self {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") || !name.contains('.') {
            return Self(name);
        }
        match psl::domain_str(&name) {
            Some(registrable) => Self(registrable.to_owned()),
            // The name is itself a public suffix (e.g. `github.io`): it stands alone.
            None => Self(name),
        }
    }

    /// A domain as recorded earlier (e.g. in `JobDeferred.domain`) from a `DomainKey`.
    pub fn from_stored(domain: &str) -> Self {
        Self(domain.to_owned())
    }

    /// The domain as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The KV key: letters, digits, `-` and inner `.` as they are; anything else (`:`
    /// of IPv6, `_`) as `_xx` hex, so every domain maps to one valid key and back.
    pub fn kv_key(&self) -> String {
        encode_key(&self.0)
    }

    /// The domain a KV key stands for.
    pub fn from_kv_key(key: &str) -> Option<Self> {
        decode_key(key).map(Self)
    }
}

impl fmt::Display for DomainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Encodes any text into the KV key alphabet (`[-.a-zA-Z0-9_]`, no leading or trailing
/// `.`).
pub fn encode_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let last = text.len().saturating_sub(1);
    for (i, byte) in text.bytes().enumerate() {
        let dot_inside = byte == b'.' && i != 0 && i != last;
        if byte.is_ascii_alphanumeric() || byte == b'-' || dot_inside {
            key.push(char::from(byte));
        } else {
            key.push_str(&format!("_{byte:02x}"));
        }
    }
    key
}

/// Reverses [`encode_key`].
pub fn decode_key(key: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(key.len());
    let mut iter = key.bytes();
    while let Some(byte) = iter.next() {
        if byte == b'_' {
            let hi = char::from(iter.next()?).to_digit(16)?;
            let lo = char::from(iter.next()?).to_digit(16)?;
            bytes.push(u8::try_from(hi * 16 + lo).ok()?);
        } else {
            bytes.push(byte);
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str) -> String {
        DomainKey::parse(url).map(|k| k.0).unwrap_or_default()
    }

    #[test]
    fn subdomains_share_their_registrable_domain() {
        assert_eq!(key("https://a.example.com/x"), "example.com");
        assert_eq!(key("https://b.example.com/y"), "example.com");
        assert_eq!(key("http://example.com:8080/"), "example.com");
        assert_eq!(key("https://www.bbc.co.uk/news"), "bbc.co.uk");
        assert_eq!(key("https://A.Example.COM./"), "example.com");
        assert_ne!(
            key("https://alice.github.io/"),
            key("https://bob.github.io/")
        );
    }

    #[test]
    fn ip_literals_and_localhost_are_their_own_domain_whatever_the_port() {
        assert_eq!(key("http://127.0.0.1:8080/"), "127.0.0.1");
        assert_eq!(key("http://127.0.0.1:9090/"), "127.0.0.1");
        assert_eq!(key("http://localhost:8080/"), "localhost");
        assert_eq!(key("http://[::1]:80/"), "::1");
        assert_eq!(key("http://[::ffff:10.1.2.3]/"), "10.1.2.3");
        assert_ne!(key("http://127.0.0.1/"), key("http://localhost/"));
    }

    #[test]
    fn a_url_without_a_host_has_no_domain() {
        assert!(DomainKey::parse("mailto:someone@example.com").is_err());
        assert!(DomainKey::parse("not a url").is_err());
    }

    #[test]
    fn kv_keys_round_trip_through_the_kv_alphabet() {
        for domain in [
            "example.com",
            "::1",
            "127.0.0.1",
            "xn--bcher-kva.example",
            "a_b.com",
        ] {
            let key = DomainKey(domain.to_owned()).kv_key();
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)),
                "{key}"
            );
            assert!(!key.starts_with('.') && !key.ends_with('.'));
            assert_eq!(
                DomainKey::from_kv_key(&key).map(|k| k.0),
                Some(domain.to_owned())
            );
        }
    }
}
