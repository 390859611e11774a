//! One browser connection to the forward proxy: a CONNECT tunnel (https, wss) or one
//! plain-HTTP request. The target is resolved and checked before anything is opened;
//! a refusal answers 403 with the reason, readable by the page (CORS allowed).

use std::net::IpAddr;
use std::time::Duration;

use jetcrawl_egress::proxy::{ProxyKind, Route};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

use super::head::{Head, read_head};
use super::upstream::{Dest, UpstreamError, basic_auth, open_http_proxy, open_tunnel};
use crate::egress::handle::Egress;
use crate::error::ErrorClass;

/// How long the browser may take to send a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Fields that belong to one connection and never travel further.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
    "upgrade",
];

/// Serves one browser connection to its end.
pub(crate) async fn serve(egress: Egress, mut client: TcpStream) {
    let Ok(Ok((head, early))) = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut client)).await
    else {
        return;
    };
    let outcome = if head.start[0].eq_ignore_ascii_case("CONNECT") {
        tunnel(&egress, &mut client, &head, early).await
    } else {
        forward(&egress, &mut client, head, early).await
    };
    if let Err(answer) = outcome {
        let _ = client.write_all(&answer).await;
    }
    let _ = client.shutdown().await;
}

/// The target of a request, checked.
struct Checked {
    url: Url,
    host: String,
    port: u16,
    addrs: Vec<IpAddr>,
}

impl Checked {
    fn dest(&self) -> Dest<'_> {
        Dest {
            host: &self.host,
            addrs: &self.addrs,
            port: self.port,
        }
    }
}

async fn check(egress: &Egress, url: Url) -> Result<Checked, Vec<u8>> {
    let addrs = egress.check_url(&url).await.map_err(|err| {
        if err.class != ErrorClass::TargetForbidden {
            // Unresolvable names (Chromium's own background requests among them).
            tracing::debug!(target_url = %url, error = %err, "browser request not sent");
            return refusal(502, &err.message);
        }
        tracing::warn!(target_url = %url, error = %err, "egress refused a browser request");
        metrics::counter!("jetcrawl_egress_refused_total", "path" => "browser").increment(1);
        refusal(403, &err.message)
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

async fn tunnel(
    egress: &Egress,
    client: &mut TcpStream,
    head: &Head,
    early: Vec<u8>,
) -> Result<(), Vec<u8>> {
    let url = Url::parse(&format!("https://{}/", head.start[1]))
        .map_err(|_| refusal(400, "CONNECT needs host:port"))?;
    let target = check(egress, url).await?;
    let (mut upstream, route) = open_with_failover(egress, &target).await?;
    egress.opened(route);
    client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .map_err(|_| Vec::new())?;
    if !early.is_empty() {
        upstream.write_all(&early).await.map_err(|_| Vec::new())?;
    }
    let _ = tokio::io::copy_bidirectional(client, &mut upstream).await;
    Ok(())
}

async fn forward(
    egress: &Egress,
    client: &mut TcpStream,
    mut head: Head,
    early: Vec<u8>,
) -> Result<(), Vec<u8>> {
    let url = Url::parse(&head.start[1])
        .map_err(|_| refusal(400, "a proxy request needs an absolute http:// URL"))?;
    if url.scheme() != "http" {
        return Err(refusal(
            403,
            &format!("{url}: the egress proxy forwards only http and https (CONNECT)"),
        ));
    }
    if head.is_chunked() {
        return Err(refusal(501, "chunked request bodies are not supported"));
    }
    let target = check(egress, url).await?;
    let body_len = head.content_length().unwrap_or(0);
    let method = head.start[0].clone();
    head.remove(HOP_BY_HOP);
    head.push("Connection", "close");
    let (mut upstream, route) = open_for_request(egress, &target, &mut head).await?;
    upstream
        .write_all(&head.to_bytes())
        .await
        .map_err(|_| bad_gateway())?;
    copy_exact(
        &mut early.as_slice().chain(&mut *client),
        &mut upstream,
        body_len,
    )
    .await
    .map_err(|_| bad_gateway())?;
    relay_response(egress, route, &method, &mut upstream, client).await
}

/// A stream ready for `head`: rewritten to origin form for a direct or SOCKS route, or
/// kept in absolute form (with the proxy's credentials) for an HTTP proxy.
async fn open_for_request(
    egress: &Egress,
    target: &Checked,
    head: &mut Head,
) -> Result<(TcpStream, Route), Vec<u8>> {
    for _ in 0..=egress.proxy_count() {
        let route = egress.route(&target.host);
        let Some(proxy) = egress
            .endpoint(route)
            .filter(|p| p.kind() == ProxyKind::Http)
        else {
            let (stream, route) = open_with_failover(egress, target).await?;
            head.start[1] = origin_form(&target.url);
            return Ok((stream, route));
        };
        match open_http_proxy(proxy).await {
            Ok(stream) => {
                if let Some(auth) = basic_auth(proxy) {
                    head.push("Proxy-Authorization", &auth);
                }
                head.push("Proxy-Connection", "close");
                return Ok((stream, route));
            }
            Err(err) => {
                tracing::warn!(proxy = proxy.label(), error = %err, "egress proxy failed");
                egress.connect_failed(route);
            }
        }
    }
    Err(bad_gateway())
}

/// Opens a tunnel to the target through its route, moving to the next proxy when one
/// is unreachable (it is retired).
async fn open_with_failover(
    egress: &Egress,
    target: &Checked,
) -> Result<(TcpStream, Route), Vec<u8>> {
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
                return Err(refusal(502, &format!("the egress proxy answered {status}")));
            }
            Err(err @ UpstreamError::Target(_)) => {
                return Err(refusal(502, &format!("{}: {err}", target.url)));
            }
        }
    }
    Err(bad_gateway())
}

/// Copies the response head (its status fed to the pool, `Connection: close` forced,
/// so the browser never sends a second request down this connection) and body.
async fn relay_response(
    egress: &Egress,
    route: Route,
    method: &str,
    upstream: &mut TcpStream,
    client: &mut TcpStream,
) -> Result<(), Vec<u8>> {
    let (mut head, early) = read_head(upstream).await.map_err(|_| bad_gateway())?;
    let status: u16 = head.start[1].parse().unwrap_or(0);
    egress.answered(route, status);
    let bodyless = method.eq_ignore_ascii_case("HEAD") || matches!(status, 100..=199 | 204 | 304);
    let length = head.content_length();
    head.remove(HOP_BY_HOP);
    head.push("Connection", "close");
    let _ = client.write_all(&head.to_bytes()).await;
    if bodyless {
        return Ok(());
    }
    let mut body = early.as_slice().chain(upstream);
    let _ = match length {
        Some(n) => copy_exact(&mut body, client, n).await,
        None => tokio::io::copy(&mut body, client).await.map(|_| ()),
    };
    Ok(())
}

async fn copy_exact<R, W>(reader: &mut R, writer: &mut W, len: u64) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let copied = tokio::io::copy(&mut reader.take(len), writer).await?;
    if copied < len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "body ended early",
        ));
    }
    Ok(())
}

fn origin_form(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

fn bad_gateway() -> Vec<u8> {
    refusal(502, "the egress path to the target failed")
}

/// A short plain-text answer the page can read.
fn refusal(status: u16, message: &str) -> Vec<u8> {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        501 => "Not Implemented",
        _ => "Bad Gateway",
    };
    let body = format!("jetcrawl egress: {message}\n");
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Access-Control-Allow-Origin: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
