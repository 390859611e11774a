//! The worker's reqwest clients: one per route (direct, or through each proxy), all
//! resolving through the checked resolver, plus the shared client other components
//! (robots.txt) use, whose redirect policy re-checks every hop.

use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect::{Attempt, Policy};

use jetcrawl_egress::proxy::ProxyEndpoint;
use jetcrawl_egress::{CheckedResolver, TargetPolicy};

use super::refusal::{check_scheme, refused};
use crate::error::{ErrorClass, JobError};

/// Redirect hops the shared client follows before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// How long connecting (to a target or a proxy) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client that sends `user_agent`, resolves through `resolver`, goes out through
/// `proxy` (or direct, ignoring any `HTTP_PROXY` of the environment) and follows
/// redirects as `redirect` says.
pub(crate) fn build(
    user_agent: &str,
    resolver: Arc<CheckedResolver>,
    proxy: Option<&ProxyEndpoint>,
    redirect: Policy,
) -> Result<reqwest::Client, JobError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .redirect(redirect)
        .connect_timeout(CONNECT_TIMEOUT)
        .dns_resolver(resolver);
    let builder = match proxy {
        None => builder.no_proxy(),
        Some(proxy) => builder.proxy(reqwest::Proxy::all(proxy.url().as_str()).map_err(|err| {
            JobError::new(
                ErrorClass::InvalidSpec,
                format!("proxy {} is unusable: {err}", proxy.label()),
            )
        })?),
    };
    builder.build().map_err(|err| {
        JobError::new(
            ErrorClass::Network,
            format!("cannot build the HTTP client: {err}"),
        )
    })
}

/// Follows up to [`MAX_REDIRECTS`] hops; refuses a hop to another scheme than http(s)
/// or to an internal IP literal. Host names are checked when the resolver answers.
pub(crate) fn checked_redirects(policy: Arc<TargetPolicy>) -> Policy {
    Policy::custom(move |attempt: Attempt<'_>| {
        if attempt.previous().len() > MAX_REDIRECTS {
            let message = format!(
                "{} redirected more than {MAX_REDIRECTS} times",
                attempt
                    .previous()
                    .first()
                    .map(|u| u.as_str())
                    .unwrap_or("the URL")
            );
            return attempt.error(JobError::new(ErrorClass::Http4xx, message));
        }
        match hop_check(attempt.url(), &policy) {
            Ok(()) => attempt.follow(),
            Err(err) => attempt.error(err),
        }
    })
}

/// The checks a redirect hop gets before any connection: the scheme, and an IP literal
/// or `localhost` host against the policy (with its port).
pub(crate) fn hop_check(url: &url::Url, policy: &TargetPolicy) -> Result<(), JobError> {
    check_scheme(url)?;
    jetcrawl_egress::check_literal(url, policy).map_err(|refusal| refused(url.as_str(), &refusal))
}

/// The job error inside a reqwest error, when our resolver or redirect policy refused.
pub(crate) fn refusal_in(err: &reqwest::Error) -> Option<JobError> {
    if let Some(refusal) = jetcrawl_egress::refusal_in(err) {
        let url = err.url().map_or(refusal.host.as_str(), |u| u.as_str());
        return Some(refused(url, refusal));
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(job) = cause.downcast_ref::<JobError>() {
            return Some(job.clone());
        }
        source = cause.source();
    }
    None
}
