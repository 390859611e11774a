//! Opening the forward proxy's side of a connection: straight to a checked address, or
//! through an upstream proxy (an HTTP CONNECT with hyper, or SOCKS5 with tokio-socks,
//! with optional credentials).

use std::borrow::Cow;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use base64::Engine as _;
use http_body_util::Empty;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use jetcrawl_egress::proxy::{ProxyEndpoint, ProxyKind};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_socks::TargetAddr;
use tokio_socks::tcp::Socks5Stream;

/// How long connecting plus a proxy handshake may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A byte stream to the target, whatever carries it.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The stream a request or tunnel goes down.
pub(crate) type Upstream = Box<dyn Stream>;

/// Where to go: the host as the request named it, its checked addresses, the port.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dest<'a> {
    pub host: &'a str,
    pub addrs: &'a [IpAddr],
    pub port: u16,
}

impl Dest<'_> {
    /// `host:port`, brackets around an IPv6 literal.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// What a SOCKS5 proxy is asked for: the checked address for `socks5`, the name
    /// for `socks5h` (the proxy resolves it).
    fn socks_target(&self, kind: ProxyKind) -> Result<TargetAddr<'_>, UpstreamError> {
        if kind == ProxyKind::Socks5h && self.host.parse::<IpAddr>().is_err() {
            return Ok(TargetAddr::Domain(Cow::Borrowed(self.host), self.port));
        }
        let ip = self
            .addrs
            .first()
            .ok_or_else(|| UpstreamError::Target("no checked address".into()))?;
        Ok(TargetAddr::Ip(SocketAddr::new(*ip, self.port)))
    }
}

/// Why no stream was opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
    /// The proxy itself is unreachable or broke the handshake: retire it.
    #[error("proxy unreachable: {0}")]
    Proxy(io::Error),
    /// The proxy answered the CONNECT with this status.
    #[error("proxy answered {0}")]
    Status(u16),
    /// The target could not be reached (directly, or as the SOCKS proxy reports).
    #[error("target unreachable: {0}")]
    Target(String),
}

/// A stream to the target for a tunnel or an origin-form request.
pub(crate) async fn open_tunnel(
    proxy: Option<&ProxyEndpoint>,
    dest: Dest<'_>,
) -> Result<Upstream, UpstreamError> {
    let opening = async {
        match proxy {
            None => connect_any(dest.addrs, dest.port)
                .await
                .map(|stream| Box::new(stream) as Upstream)
                .map_err(|err| UpstreamError::Target(err.to_string())),
            Some(p) if p.kind() == ProxyKind::Http => http_connect(p, dest).await,
            Some(p) => socks5(p, dest).await,
        }
    };
    tokio::time::timeout(OPEN_TIMEOUT, opening)
        .await
        .unwrap_or_else(|_| Err(timed_out(proxy)))
}

/// A stream to an HTTP proxy, for an absolute-form request.
pub(crate) async fn open_http_proxy(proxy: &ProxyEndpoint) -> Result<Upstream, UpstreamError> {
    let connecting = async { Ok(Box::new(connect_proxy(proxy).await?) as Upstream) };
    tokio::time::timeout(OPEN_TIMEOUT, connecting)
        .await
        .unwrap_or_else(|_| Err(timed_out(Some(proxy))))
}

/// `Proxy-Authorization` for an HTTP proxy with credentials.
pub(crate) fn basic_auth(proxy: &ProxyEndpoint) -> Option<String> {
    let (user, pass) = proxy.credentials()?;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    Some(format!("Basic {token}"))
}

fn timed_out(proxy: Option<&ProxyEndpoint>) -> UpstreamError {
    let err = io::Error::new(io::ErrorKind::TimedOut, "no connection within 10 s");
    match proxy {
        Some(_) => UpstreamError::Proxy(err),
        None => UpstreamError::Target(err.to_string()),
    }
}

async fn connect_any(addrs: &[IpAddr], port: u16) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for ip in addrs {
        match TcpStream::connect(SocketAddr::new(*ip, port)).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(err) => last = err,
        }
    }
    Err(last)
}

async fn connect_proxy(proxy: &ProxyEndpoint) -> Result<TcpStream, UpstreamError> {
    let stream = TcpStream::connect((proxy.host(), proxy.port()))
        .await
        .map_err(UpstreamError::Proxy)?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// A CONNECT through an HTTP proxy; the upgraded connection is the tunnel.
async fn http_connect(proxy: &ProxyEndpoint, dest: Dest<'_>) -> Result<Upstream, UpstreamError> {
    let stream = connect_proxy(proxy).await?;
    let broken = |err: hyper::Error| UpstreamError::Proxy(io::Error::other(err));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(broken)?;
    tokio::spawn(async move {
        if let Err(err) = connection.with_upgrades().await {
            tracing::debug!(error = %err, "egress proxy tunnel ended");
        }
    });
    let authority = dest.authority();
    let mut request = Request::builder()
        .method(Method::CONNECT)
        .uri(authority.as_str())
        .header(header::HOST, authority.as_str());
    if let Some(auth) = basic_auth(proxy).and_then(|a| HeaderValue::from_str(&a).ok()) {
        request = request.header(header::PROXY_AUTHORIZATION, auth);
    }
    let request = request
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|err| UpstreamError::Target(format!("{authority}: {err}")))?;
    let response = sender.send_request(request).await.map_err(broken)?;
    match response.status() {
        StatusCode::OK => {
            let upgraded = hyper::upgrade::on(response).await.map_err(broken)?;
            Ok(Box::new(TokioIo::new(upgraded)))
        }
        StatusCode::PROXY_AUTHENTICATION_REQUIRED => Err(UpstreamError::Proxy(io::Error::other(
            "407: the proxy refused its credentials",
        ))),
        status => Err(UpstreamError::Status(status.as_u16())),
    }
}

/// A SOCKS5 CONNECT, with the proxy's credentials when it has some.
async fn socks5(proxy: &ProxyEndpoint, dest: Dest<'_>) -> Result<Upstream, UpstreamError> {
    let stream = connect_proxy(proxy).await?;
    let target = dest.socks_target(proxy.kind())?;
    let opened = match proxy.credentials() {
        Some((user, pass)) => {
            Socks5Stream::connect_with_password_and_socket(stream, target, &user, &pass).await
        }
        None => Socks5Stream::connect_with_socket(stream, target).await,
    };
    opened
        .map(|stream| Box::new(stream) as Upstream)
        .map_err(socks_error)
}

/// A reply code from a working proxy is about the target; anything else retires it.
fn socks_error(err: tokio_socks::Error) -> UpstreamError {
    use tokio_socks::Error as E;
    match err {
        E::GeneralSocksServerFailure
        | E::ConnectionNotAllowedByRuleset
        | E::NetworkUnreachable
        | E::HostUnreachable
        | E::ConnectionRefused
        | E::TtlExpired
        | E::CommandNotSupported
        | E::AddressTypeNotSupported => UpstreamError::Target(format!("SOCKS5: {err}")),
        E::Io(err) => UpstreamError::Proxy(err),
        other => UpstreamError::Proxy(io::Error::other(other)),
    }
}
