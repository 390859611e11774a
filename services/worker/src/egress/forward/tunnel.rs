//! CONNECT (https, wss): the target is checked and the upstream opened before the
//! browser is told 200; then the upgraded connection is spliced to it.

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use url::Url;

use super::answer::{Answer, Refused, empty};
use super::target::{check, open_with_failover};
use crate::egress::handle::Egress;

/// Answers a CONNECT request.
pub(crate) async fn open(egress: &Egress, mut request: Request<Incoming>) -> Answer {
    let needs_authority = || Refused::new(StatusCode::BAD_REQUEST, "CONNECT needs host:port");
    let authority = request.uri().authority().ok_or_else(needs_authority)?;
    let url = Url::parse(&format!("https://{authority}/")).map_err(|_| needs_authority())?;
    let target = check(egress, url).await?;
    let (mut upstream, route) = open_with_failover(egress, &target).await?;
    egress.opened(route);
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match upgrade.await {
            Ok(upgraded) => {
                let mut browser = TokioIo::new(upgraded);
                let _ = tokio::io::copy_bidirectional(&mut browser, &mut upstream).await;
            }
            Err(err) => tracing::debug!(error = %err, "CONNECT upgrade failed"),
        }
    });
    Ok(Response::new(empty()))
}
