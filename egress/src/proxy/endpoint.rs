//! One configured egress proxy: its URL (credentials included, for the proxy only),
//! its protocol, and the label events, logs and metrics show instead.

use std::fmt;
use std::str::FromStr;

use url::Url;

/// The protocol spoken to a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// An HTTP forward proxy (absolute-form requests and CONNECT).
    Http,
    /// SOCKS5; the worker resolves (and checks) names itself.
    Socks5,
    /// SOCKS5; the proxy resolves names (the worker still checks them first).
    Socks5h,
}

/// One configured proxy. Its credentials never leave this type except towards the
/// proxy itself: [`ProxyEndpoint::label`] and `Debug` omit them.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyEndpoint {
    url: Url,
    kind: ProxyKind,
    label: String,
}

impl ProxyEndpoint {
    /// `scheme://host:port`, without credentials: for events, logs and metrics.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The protocol.
    pub fn kind(&self) -> ProxyKind {
        self.kind
    }

    /// The full URL, credentials included (to configure a client).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The proxy's host name or address.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(0)
    }

    /// User name and password, percent-decoded, when configured.
    pub fn credentials(&self) -> Option<(String, String)> {
        if self.url.username().is_empty() {
            return None;
        }
        Some((
            percent_decode(self.url.username()),
            percent_decode(self.url.password().unwrap_or_default()),
        ))
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (other, _) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl fmt::Debug for ProxyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl FromStr for ProxyEndpoint {
    type Err = String;

    /// `http://[user:pass@]host:port`, `socks5://…` or `socks5h://…`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        // Never echo `raw`: it may hold a password.
        let url = Url::parse(raw.trim()).map_err(|err| {
            format!("a JETCRAWL_PROXIES entry is not a URL ({err}); write http://host:port")
        })?;
        let kind = match url.scheme() {
            "http" => ProxyKind::Http,
            "socks5" => ProxyKind::Socks5,
            "socks5h" => ProxyKind::Socks5h,
            other => {
                return Err(format!(
                    "a JETCRAWL_PROXIES entry has scheme {other}; use http, socks5 or socks5h"
                ));
            }
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| {
            "a JETCRAWL_PROXIES entry has no host; write http://host:port".to_owned()
        })?;
        let port = url.port_or_known_default().ok_or_else(|| {
            format!(
                "JETCRAWL_PROXIES entry {}://{host} has no port",
                url.scheme()
            )
        })?;
        let label = format!("{}://{host}:{port}", url.scheme());
        Ok(Self { url, kind, label })
    }
}

/// Parses `JETCRAWL_PROXIES`: URLs separated by commas or new lines.
pub fn parse_proxies(raw: &str) -> Result<Vec<ProxyEndpoint>, String> {
    raw.split([',', '\n'])
        .filter(|entry| !entry.trim().is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_show_credentials() {
        let proxy: ProxyEndpoint = "socks5h://user:p%40s+s@proxy.example:1080"
            .parse()
            .expect("p");
        assert_eq!(proxy.label(), "socks5h://proxy.example:1080");
        assert_eq!(format!("{proxy:?}"), "socks5h://proxy.example:1080");
        assert_eq!(proxy.credentials(), Some(("user".into(), "p@s+s".into())));
        let err = "ftp://user:secret@x:1"
            .parse::<ProxyEndpoint>()
            .expect_err("scheme");
        assert!(!err.contains("secret"), "{err}");
        assert!("socks5://host".parse::<ProxyEndpoint>().is_err(), "no port");
        assert_eq!(
            parse_proxies("http://a:1,\nhttp://b:2\n")
                .expect("list")
                .len(),
            2
        );
    }
}
