//! The optional webhook URL of a job. The same checks as a target URL (absolute http(s),
//! no credentials, bounded length), and stricter about hosts: a webhook is a request
//! the platform itself makes, so private and link-local hosts (cloud metadata at
//! 169.254.169.254, the cluster's own 10.x network) are refused always. Loopback is
//! accepted only where private targets are (`JETCRAWL_ALLOW_PRIVATE_TARGETS`, local
//! development and tests). The classes are those of `jetcrawl-egress`; the notifier
//! checks the resolved addresses again with the same policy (ADRs 0013 and 0032).

use jetcrawl_egress::{TargetPolicy, check_literal};
use url::Url;

use super::limits::Limits;
use super::target::parse_target;
use super::violations::Violations;

/// Checks `spec.webhook_url`, normalising it in place; empty means no webhook.
pub fn check_webhook(raw: &mut String, limits: &Limits, out: &mut Violations) {
    if raw.is_empty() {
        return;
    }
    match parse_webhook(raw, limits) {
        Ok(url) => *raw = url.to_string(),
        Err(why) => out.add("spec.webhook_url", why),
    }
}

/// Parses one webhook URL, or says why it is refused.
pub fn parse_webhook(raw: &str, limits: &Limits) -> Result<Url, String> {
    let syntax_only = Limits {
        allow_private_targets: true,
        ..*limits
    };
    let url = parse_target(raw, &syntax_only)?;
    let policy = TargetPolicy::webhooks(limits.allow_private_targets);
    check_literal(&url, &policy).map_err(|refusal| format!("webhook host {refusal}"))?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(allow_private_targets: bool) -> Limits {
        Limits {
            allow_private_targets,
            ..Limits::default()
        }
    }

    #[test]
    fn private_and_link_local_webhooks_are_refused_even_when_private_targets_are_allowed() {
        for allow in [false, true] {
            for host in [
                "169.254.169.254",
                "10.0.0.1",
                "172.16.3.4",
                "192.168.1.1",
                "100.64.0.1",
                "0.0.0.0",
                "[fe80::1]",
                "[fd00::1]",
                "[::ffff:10.0.0.1]",
                "[64:ff9b::a9fe:a9fe]",
                "[2002:7f00:1::]",
            ] {
                let url = format!("http://{host}/hook");
                assert!(
                    parse_webhook(&url, &limits(allow)).is_err(),
                    "{url} (allow {allow})"
                );
            }
        }
    }

    #[test]
    fn loopback_webhooks_follow_the_private_targets_switch() {
        for url in [
            "http://127.0.0.1:9/h",
            "http://localhost/h",
            "http://[::1]/h",
        ] {
            assert!(parse_webhook(url, &limits(false)).is_err(), "{url}");
            assert!(parse_webhook(url, &limits(true)).is_ok(), "{url}");
        }
        assert!(parse_webhook("https://hooks.example.com/j", &limits(false)).is_ok());
        assert!(parse_webhook("ftp://hooks.example.com/j", &limits(true)).is_err());
        let creds = parse_webhook("https://u:p@hooks.example.com/", &limits(true));
        assert!(creds.is_err_and(|e| !e.contains(":p@")));
    }
}
