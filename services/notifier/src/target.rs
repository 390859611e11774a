//! The SSRF rules at delivery time, from `jetcrawl-egress`: the webhook host is resolved
//! once, every address must be public (loopback only when allowed), and the request is
//! pinned to those addresses so a second DNS answer cannot redirect it. Messages never
//! echo the URL: its query may carry the client's token.

use jetcrawl_egress::{CheckError, Pinned, Resolver, TargetPolicy};
use url::Url;

/// The addresses `url` may be delivered to, or why none may.
pub async fn resolve(url: &Url, allow_loopback: bool) -> Result<Pinned, CheckError> {
    let policy = TargetPolicy::webhooks(allow_loopback);
    jetcrawl_egress::pin(url, &policy, &Resolver::system()).await
}

/// What went wrong, for the `WebhookFailed` event, without the URL.
pub fn describe(err: &CheckError) -> String {
    match err {
        CheckError::Scheme { scheme, .. } => {
            format!("webhook scheme {scheme} is not http(s)")
        }
        CheckError::NoHost { .. } => "the webhook URL has no host".to_owned(),
        CheckError::Resolve { host, source, .. } => {
            format!("cannot resolve webhook host {host}: {source}")
        }
        CheckError::Refused { refusal, .. } => format!("webhook host {refusal}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_webhooks_are_refused_and_loopback_only_when_allowed() {
        for host in [
            "169.254.169.254",
            "10.0.0.1",
            "192.168.0.1",
            "[fe80::1]",
            "[fd00::1]",
            "[::ffff:10.0.0.1]",
            "[64:ff9b::a9fe:a9fe]",
            "[2002:7f00:1::]",
        ] {
            let url = Url::parse(&format!("http://{host}/h")).expect("url");
            assert!(resolve(&url, true).await.is_err(), "{host}");
        }
        let lo = Url::parse("http://127.0.0.1:9/h?token=secret").expect("url");
        let err = resolve(&lo, false).await.expect_err("loopback");
        let shown = describe(&err);
        assert!(shown.contains("a loopback address"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(resolve(&lo, true).await.is_ok());
        let public = Url::parse("https://93.184.216.34/h").expect("url");
        let pinned = resolve(&public, false).await.expect("public");
        assert_eq!(
            pinned.addrs,
            vec!["93.184.216.34:443".parse().expect("addr")]
        );
    }
}
