//! Target URLs: absolute http(s) URLs without credentials, and not aimed at the
//! gateway's own network unless the deployment allows it. The address classes are
//! those of `jetcrawl-egress`, the same the worker applies after resolution.

use jetcrawl_egress::{TargetPolicy, check_literal};
use url::Url;

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
    if url.host().is_none() {
        return Err(format!(
            "{} has no host; write it like https://example.com/page",
            quote(&shown)
        ));
    }
    let policy = TargetPolicy::submitted_targets(limits.allow_private_targets);
    check_literal(&url, &policy).map_err(|refusal| format!("host {refusal}"))?;
    Ok(url)
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
