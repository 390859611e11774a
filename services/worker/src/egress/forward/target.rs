//! A request's target, checked against the egress policy before anything is opened,
//! and the stream to it through its route (failing over when a proxy is unreachable).

use std::net::IpAddr;

use hyper::StatusCode;
use jetcrawl_egress::proxy::Route;
use url::Url;

use super::answer::Refused;
use super::upstream::{Dest, Upstream, UpstreamError, open_tunnel};
use crate::egress::handle::Egress;
use crate::error::ErrorClass;

/// A target that passed the policy, with the addresses it resolved to.
pub(crate) struct Checked {
    pub url: Url,
    pub host: String,
    pub port: u16,
    pub addrs: Vec<IpAddr>,
}

impl Checked {
    /// Where to connect.
    pub fn dest(&self) -> Dest<'_> {
        Dest {
            host: &self.host,
            addrs: &self.addrs,
            port: self.port,
        }
    }
}

/// Resolves `url` and checks every address; a refusal answers 403 with the reason.
pub(crate) async fn check(egress: &Egress, url: Url) -> Result<Checked, Refused> {
    let addrs = egress.check_url(&url).await.map_err(|err| {
        if err.class != ErrorClass::TargetForbidden {
            // Unresolvable names (Chromium's own background requests among them).
            tracing::debug!(target_url = %url, error = %err, "browser request not sent");
            return Refused::new(StatusCode::BAD_GATEWAY, err.message.clone());
        }
        tracing::warn!(target_url = %url, error = %err, "egress refused a browser request");
        metrics::counter!("jetcrawl_egress_refused_total", "path" => "browser").increment(1);
        Refused::new(StatusCode::FORBIDDEN, err.message.clone())
    })?;
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    Ok(Checked {
        url,
        host,
        port,
        addrs,
    })
}

/// Opens a tunnel to the target through its route, moving to the next proxy when one
/// is unreachable (it is retired).
pub(crate) async fn open_with_failover(
    egress: &Egress,
    target: &Checked,
) -> Result<(Upstream, Route), Refused> {
    for _ in 0..=egress.proxy_count() {
        let route = egress.route(&target.host);
        let proxy = egress.endpoint(route);
        match open_tunnel(proxy, target.dest()).await {
            Ok(stream) => return Ok((stream, route)),
            Err(UpstreamError::Proxy(err)) => {
                let label = egress.label(route);
                tracing::warn!(proxy = %label, error = %err, "egress proxy failed");
                egress.connect_failed(route);
            }
            Err(UpstreamError::Status(status)) => {
                egress.answered(route, status);
                return Err(Refused::new(
                    StatusCode::BAD_GATEWAY,
                    format!("the egress proxy answered {status}"),
                ));
            }
            Err(err @ UpstreamError::Target(_)) => {
                return Err(Refused::new(
                    StatusCode::BAD_GATEWAY,
                    format!("{}: {err}", target.url),
                ));
            }
        }
    }
    Err(Refused::bad_gateway())
}
