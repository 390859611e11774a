//! Opening the forward proxy's side of a connection: straight to a checked address, or
//! through an upstream proxy (HTTP CONNECT, or SOCKS5 with optional password).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use base64::Engine as _;
use jetcrawl_egress::proxy::{ProxyEndpoint, ProxyKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::head::read_head;

/// How long connecting plus a proxy handshake may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

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
) -> Result<TcpStream, UpstreamError> {
    let opening = async {
        match proxy {
            None => connect_any(dest.addrs, dest.port)
                .await
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
pub(crate) async fn open_http_proxy(proxy: &ProxyEndpoint) -> Result<TcpStream, UpstreamError> {
    tokio::time::timeout(OPEN_TIMEOUT, connect_proxy(proxy))
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

async fn http_connect(proxy: &ProxyEndpoint, dest: Dest<'_>) -> Result<TcpStream, UpstreamError> {
    let mut stream = connect_proxy(proxy).await?;
    let authority = dest.authority();
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = basic_auth(proxy) {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(UpstreamError::Proxy)?;
    let (head, _) = read_head(&mut stream).await.map_err(UpstreamError::Proxy)?;
    match head.start[1].parse::<u16>() {
        Ok(200) => Ok(stream),
        Ok(407) => Err(UpstreamError::Proxy(io::Error::other(
            "407: the proxy refused its credentials",
        ))),
        Ok(status) => Err(UpstreamError::Status(status)),
        Err(_) => Err(UpstreamError::Proxy(io::Error::other(
            "malformed CONNECT answer",
        ))),
    }
}

async fn socks5(proxy: &ProxyEndpoint, dest: Dest<'_>) -> Result<TcpStream, UpstreamError> {
    let mut stream = connect_proxy(proxy).await?;
    let broken = |err: io::Error| UpstreamError::Proxy(err);
    let credentials = proxy.credentials();
    let greeting: &[u8] = if credentials.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    stream.write_all(greeting).await.map_err(broken)?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await.map_err(broken)?;
    match (choice, &credentials) {
        ([5, 0], _) => {}
        ([5, 2], Some((user, pass))) => socks5_login(&mut stream, user, pass).await?,
        _ => {
            return Err(broken(io::Error::other(
                "SOCKS5 proxy accepts none of our methods",
            )));
        }
    }
    stream
        .write_all(&socks5_request(proxy.kind(), dest)?)
        .await
        .map_err(broken)?;
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply).await.map_err(broken)?;
    let bound = match reply[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => usize::from(stream.read_u8().await.map_err(broken)?) + 2,
        _ => return Err(broken(io::Error::other("malformed SOCKS5 reply"))),
    };
    let mut rest = vec![0u8; bound];
    stream.read_exact(&mut rest).await.map_err(broken)?;
    match reply[1] {
        0 => Ok(stream),
        code => Err(UpstreamError::Target(format!("SOCKS5 reply code {code}"))),
    }
}

async fn socks5_login(stream: &mut TcpStream, user: &str, pass: &str) -> Result<(), UpstreamError> {
    let too_long = || UpstreamError::Proxy(io::Error::other("SOCKS5 credentials over 255 bytes"));
    let mut login = vec![1, u8::try_from(user.len()).map_err(|_| too_long())?];
    login.extend_from_slice(user.as_bytes());
    login.push(u8::try_from(pass.len()).map_err(|_| too_long())?);
    login.extend_from_slice(pass.as_bytes());
    stream
        .write_all(&login)
        .await
        .map_err(UpstreamError::Proxy)?;
    let mut status = [0u8; 2];
    stream
        .read_exact(&mut status)
        .await
        .map_err(UpstreamError::Proxy)?;
    if status[1] != 0 {
        return Err(UpstreamError::Proxy(io::Error::other(
            "the SOCKS5 proxy refused its credentials",
        )));
    }
    Ok(())
}

/// The CONNECT request: the checked address for `socks5`, the name for `socks5h`.
fn socks5_request(kind: ProxyKind, dest: Dest<'_>) -> Result<Vec<u8>, UpstreamError> {
    let mut request = vec![5, 1, 0];
    match (kind, dest.addrs.first()) {
        (ProxyKind::Socks5h, _) if dest.host.parse::<IpAddr>().is_err() => {
            let name = dest.host.as_bytes();
            let len = u8::try_from(name.len())
                .map_err(|_| UpstreamError::Target("host name over 255 bytes".into()))?;
            request.extend([3, len]);
            request.extend_from_slice(name);
        }
        (_, Some(IpAddr::V4(v4))) => {
            request.push(1);
            request.extend(v4.octets());
        }
        (_, Some(IpAddr::V6(v6))) => {
            request.push(4);
            request.extend(v6.octets());
        }
        (_, None) => return Err(UpstreamError::Target("no checked address".into())),
    }
    request.extend(dest.port.to_be_bytes());
    Ok(request)
}
