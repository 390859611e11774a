//! Resolver pinning: a URL's host is resolved once, every address must pass the
//! policy, and the connection is made to those addresses only, so a second DNS answer
//! cannot turn a checked public name into an internal address.

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

use crate::host::{is_localhost, localhost_addresses};
use crate::policy::{Refusal, TargetPolicy};
use crate::resolve::Resolver;

/// Why a URL may not be fetched, grouped by how the caller reacts: a refusal or a bad
/// URL is final, a resolution failure may pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Only http and https leave Jetcrawl.
    #[error("{url} has scheme {scheme}; only http and https URLs are fetched")]
    Scheme {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The URL has no host.
    #[error("{url} has no host; give an absolute http or https URL")]
    NoHost {
        /// The URL.
        url: String,
    },
    /// The host did not resolve (may pass).
    #[error("cannot resolve {host} for {url}")]
    Resolve {
        /// The URL.
        url: String,
        /// Its host.
        host: String,
        /// The resolver's error.
        #[source]
        source: std::io::Error,
    },
    /// An address of the host is internal.
    #[error("{url}: {refusal}")]
    Refused {
        /// The URL.
        url: String,
        /// Which address, why, and what to do.
        #[source]
        refusal: Refusal,
    },
}

impl CheckError {
    /// The refusal inside, when an address was refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused { refusal, .. } => Some(refusal),
            _ => None,
        }
    }
}

/// A checked destination: the host as written and the addresses to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The host without brackets.
    pub host: String,
    /// Every address the host resolved to, with the URL's port.
    pub addrs: Vec<SocketAddr>,
}

impl Pinned {
    /// The addresses without ports.
    pub fn ips(&self) -> Vec<IpAddr> {
        self.addrs.iter().map(SocketAddr::ip).collect()
    }
}

/// Only http and https leave Jetcrawl.
pub fn check_scheme(url: &Url) -> Result<(), CheckError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(CheckError::Scheme {
            url: url.to_string(),
            scheme: other.to_owned(),
        }),
    }
}

/// The check that needs no DNS, for URLs at submit and redirect hops before any
/// connection: an IP literal host (the URL parser has already turned decimal, octal and
/// hex spellings into the address) or a `localhost` name, against `policy` with the
/// URL's port. Other names pass here; they are checked when resolved.
pub fn check_literal(url: &Url, policy: &TargetPolicy) -> Result<(), Refusal> {
    let port = url.port_or_known_default().unwrap_or(80);
    let host = url.host_str().unwrap_or_default();
    let ips = match url.host() {
        Some(Host::Ipv4(v4)) => vec![IpAddr::V4(v4)],
        Some(Host::Ipv6(v6)) => vec![IpAddr::V6(v6)],
        Some(Host::Domain(name)) if is_localhost(name) => localhost_addresses(),
        _ => Vec::new(),
    };
    ips.into_iter()
        .try_for_each(|ip| policy.check(host, ip, port))
}

/// Checks `url`'s scheme, resolves its host once with `resolver`, and checks every
/// address with the URL's port against `policy`.
pub async fn pin(
    url: &Url,
    policy: &TargetPolicy,
    resolver: &Resolver,
) -> Result<Pinned, CheckError> {
    check_scheme(url)?;
    let host = url.host_str().ok_or_else(|| CheckError::NoHost {
        url: url.to_string(),
    })?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    let ips = resolver
        .lookup(bare)
        .await
        .map_err(|source| CheckError::Resolve {
            url: url.to_string(),
            host: bare.to_owned(),
            source,
        })?;
    for ip in &ips {
        policy
            .check(bare, *ip, port)
            .map_err(|refusal| CheckError::Refused {
                url: url.to_string(),
                refusal,
            })?;
    }
    Ok(Pinned {
        host: bare.to_owned(),
        addrs: ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::Class;

    #[tokio::test]
    async fn every_address_is_checked_and_pinned_with_the_port() {
        let resolver =
            Resolver::with_overrides("mixed.test=8.8.8.8,mixed.test=10.0.0.1,pub.test=8.8.4.4")
                .expect("overrides");
        let policy = TargetPolicy::default();
        let url = |raw: &str| Url::parse(raw).expect("url");
        let err = pin(&url("http://mixed.test/"), &policy, &resolver)
            .await
            .expect_err("one private answer refuses the host");
        assert_eq!(err.refusal().map(|r| r.class.class), Some(Class::Private));
        assert!(
            std::error::Error::source(&err).is_some(),
            "the cause is kept"
        );
        let pinned = pin(&url("https://pub.test/x"), &policy, &resolver)
            .await
            .expect("public");
        assert_eq!(pinned.addrs, vec!["8.8.4.4:443".parse().expect("addr")]);
        let err = pin(&url("ftp://pub.test/"), &policy, &resolver)
            .await
            .expect_err("scheme");
        assert!(matches!(err, CheckError::Scheme { .. }), "{err}");
    }

    #[test]
    fn literals_and_localhost_are_checked_without_dns() {
        let policy = TargetPolicy::default();
        let url = |raw: &str| Url::parse(raw).expect("url");
        for raw in [
            "http://0x7f.1/",
            "http://[::1]:8080/",
            "http://a.localhost/",
        ] {
            let refusal = check_literal(&url(raw), &policy).expect_err(raw);
            assert_eq!(refusal.class.class, Class::Loopback, "{raw}");
        }
        check_literal(&url("http://internal.test/"), &policy).expect("names wait for DNS");
        check_literal(&url("http://8.8.8.8/"), &policy).expect("public");
    }
}
