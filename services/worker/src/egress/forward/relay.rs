//! One plain-HTTP request in absolute form: its target checked, then sent on a fresh
//! upstream connection with the hop-by-hop fields dropped, `Host` set from the target
//! and the body re-framed by hyper. hyper's parser already settled the framing: it
//! refuses differing lengths and a final encoding other than chunked, and when a
//! request carries both `Transfer-Encoding` and `Content-Length` it reads the body as
//! chunked, drops the length and closes the connection after answering (RFC 9112
//! §6.3), so nothing after that body can be read as a request.

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, StatusCode, Uri, Version};
use hyper_util::rt::TokioIo;
use jetcrawl_egress::proxy::{ProxyKind, Route};
use url::Url;

use super::answer::{Answer, Refused};
use super::target::{Checked, check, open_with_failover};
use super::upstream::{Upstream, basic_auth, open_http_proxy};
use crate::egress::handle::Egress;

/// Fields that belong to one connection and never travel further (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Forwards a plain-HTTP request.
pub(crate) async fn forward(egress: &Egress, request: Request<Incoming>) -> Answer {
    let url = absolute_http(request.uri())?;
    let target = check(egress, url).await?;
    let (mut parts, body) = request.into_parts();
    drop_hop_by_hop(&mut parts.headers);
    let host = HeaderValue::from_str(&authority(&target)).map_err(|_| Refused::bad_gateway())?;
    parts.headers.insert(header::HOST, host);
    let (stream, route, form) = open_for_request(egress, &target).await?;
    parts.uri = match form {
        Form::Absolute(auth) => {
            if let Some(auth) = auth {
                parts.headers.insert(header::PROXY_AUTHORIZATION, auth);
            }
            target.url.as_str().parse()
        }
        Form::Origin => origin_form(&target.url).parse(),
    }
    .map_err(|_| Refused::bad_gateway())?;
    parts.version = Version::HTTP_11;
    let response = send(stream, Request::from_parts(parts, body)).await?;
    egress.answered(route, response.status().as_u16());
    let (mut parts, body) = response.into_parts();
    drop_hop_by_hop(&mut parts.headers);
    Ok(hyper::Response::from_parts(parts, body.boxed()))
}

/// Sends `request` alone on `stream` and returns the response head, its body streaming.
async fn send(
    stream: Upstream,
    request: Request<Incoming>,
) -> Result<hyper::Response<Incoming>, Refused> {
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .preserve_header_case(true)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Refused::bad_gateway())?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %err, "egress upstream connection ended");
        }
    });
    sender
        .send_request(request)
        .await
        .map_err(|_| Refused::bad_gateway())
}

/// The request target as an `http://` URL (absolute form, as proxies receive it).
fn absolute_http(uri: &Uri) -> Result<Url, Refused> {
    let url = match uri.scheme_str() {
        Some(_) => Url::parse(&uri.to_string()).ok(),
        None => None,
    }
    .ok_or_else(|| {
        Refused::new(
            StatusCode::BAD_REQUEST,
            "a proxy request needs an absolute http:// URL",
        )
    })?;
    if url.scheme() != "http" {
        return Err(Refused::new(
            StatusCode::FORBIDDEN,
            format!("{url}: the egress proxy forwards only http and https (CONNECT)"),
        ));
    }
    Ok(url)
}

/// Removes the hop-by-hop fields, those the `Connection` field names included.
fn drop_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// How the request line names the target on the stream it goes down.
enum Form {
    /// `/path?query`: straight to the target, or through a SOCKS or CONNECT tunnel.
    Origin,
    /// `http://host/path?query` to an HTTP proxy, with its credentials if it has some.
    Absolute(Option<HeaderValue>),
}

/// A stream ready for the request, and the form its request line takes there.
async fn open_for_request(
    egress: &Egress,
    target: &Checked,
) -> Result<(Upstream, Route, Form), Refused> {
    for _ in 0..=egress.proxy_count() {
        let route = egress.route(&target.host);
        let Some(proxy) = egress
            .endpoint(route)
            .filter(|p| p.kind() == ProxyKind::Http)
        else {
            let (stream, route) = open_with_failover(egress, target).await?;
            return Ok((stream, route, Form::Origin));
        };
        match open_http_proxy(proxy).await {
            Ok(stream) => {
                let auth = basic_auth(proxy).and_then(|auth| HeaderValue::from_str(&auth).ok());
                return Ok((stream, route, Form::Absolute(auth)));
            }
            Err(err) => {
                tracing::warn!(proxy = proxy.label(), error = %err, "egress proxy failed");
                egress.connect_failed(route);
            }
        }
    }
    Err(Refused::bad_gateway())
}

/// `host[:port]` as the `Host` field names the target.
fn authority(target: &Checked) -> String {
    let host = target.url.host_str().unwrap_or_default();
    match target.url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn origin_form(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}
