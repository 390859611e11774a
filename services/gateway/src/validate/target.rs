//! Target URLs: absolute http(s) URLs without credentials, and not aimed at the
//! gateway's own network unless the deployment allows it.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::limits::{Limits, MAX_URL_CHARS, quote};

/// Parses one target URL, or says what is wrong with it and how to fix it.
pub fn parse_target(raw: &str, limits: &Limits) -> Result<Url, String> {
    let chars = raw.chars().count();
    if chars > MAX_URL_CHARS {
        return Err(format!(
            "URL is {chars} characters long; the limit is {MAX_URL_CHARS}"
        ));
    }
    if raw.trim().is_empty() {
        return Err("URL is empty; give an absolute http or https URL".to_owned());
    }
    let shown = redact_userinfo(raw);
    let url = Url::parse(raw.trim()).map_err(|err| {
        format!(
            "{} is not a valid absolute URL ({err}); write it like https://example.com/page",
            quote(&shown)
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{} has scheme {}; only http and https are allowed",
            quote(&shown),
            url.scheme()
        ));
    }
    // Never echo the URL here: it holds a secret.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "URL contains credentials (user:password@); remove them, because URLs are \
                    stored in job events"
                .to_owned(),
        );
    }
    let host = url.host().ok_or_else(|| {
        format!(
            "{} has no host; write it like https://example.com/page",
            quote(&shown)
        )
    })?;
    if !limits.allow_private_targets
        && let Some(kind) = private_kind(&host)
    {
        return Err(format!(
            "host {host} is {kind}; private targets are refused unless the gateway runs with \
             JETCRAWL_ALLOW_PRIVATE_TARGETS=true"
        ));
    }
    Ok(url)
}

/// Why `host` points into a private network, if it does.
fn private_kind(host: &Host<&str>) -> Option<&'static str> {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            (name == "localhost" || name.ends_with(".localhost")).then_some("localhost")
        }
        Host::Ipv4(ip) => private_v4(*ip),
        Host::Ipv6(ip) => private_v6(*ip),
    }
}

fn private_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if ip.is_unspecified() {
        Some("the unspecified address")
    } else if ip.is_broadcast() {
        Some("the broadcast address")
    } else {
        None
    }
}

fn private_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("the unspecified address")
    } else if ip.is_unique_local() {
        Some("a private (unique local) address")
    } else if ip.is_unicast_link_local() {
        Some("a link-local address")
    } else {
        None
    }
}

/// `raw` with anything between `//` and `@` masked, so error messages never echo a
/// password, even from a URL too broken to parse.
fn redact_userinfo(raw: &str) -> String {
    let Some(start) = raw.find("//").map(|i| i + 2) else {
        return raw.to_owned();
    };
    let authority_end = raw[start..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| start + i);
    match raw[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &raw[start + at..]),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_userinfo;

    #[test]
    fn userinfo_is_masked_in_echoed_urls() {
        assert_eq!(
            redact_userinfo("ftp://u:secret@host/p@x"),
            "ftp://***@host/p@x"
        );
        assert_eq!(redact_userinfo("https://host/a@b"), "https://host/a@b");
        assert_eq!(redact_userinfo("no url"), "no url");
    }
}
