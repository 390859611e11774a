//! Readiness probes: plain loopback TCP and a minimal HTTP/1.0 GET, so this crate needs
//! no HTTP client dependency.

use std::future::Future;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::process::ChildGroup;

/// How long one probe may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How often a readiness check is repeated.
const INTERVAL: Duration = Duration::from_millis(50);

/// True when 127.0.0.1:`port` accepts a TCP connection.
pub(crate) async fn tcp_accepts(port: u16) -> bool {
    matches!(
        tokio::time::timeout(
            PROBE_TIMEOUT,
            TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        )
        .await,
        Ok(Ok(_))
    )
}

/// The HTTP status of `GET path` on 127.0.0.1:`port`, or `None` if there is no answer.
pub(crate) async fn http_status(port: u16, path: &str) -> Option<u16> {
    http_get(port, path).await.map(|(status, _)| status)
}

/// The status and body of `GET path` on 127.0.0.1:`port`, or `None` if there is no
/// answer. HTTP/1.0, so the server closes the connection and never chunks the body.
pub(crate) async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let request = async {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.ok()?;
        let head = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        stream.write_all(head.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let status = parse_status(&response)?;
        Some((status, parse_body(&response)))
    };
    tokio::time::timeout(PROBE_TIMEOUT, request)
        .await
        .ok()
        .flatten()
}

/// The body of an HTTP response: everything after the blank line ending the headers.
fn parse_body(response: &[u8]) -> String {
    let start = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |i| i + 4);
    String::from_utf8_lossy(&response[start..]).into_owned()
}

/// The status code of an HTTP response's status line (`HTTP/1.1 200 OK`).
fn parse_status(response: &[u8]) -> Option<u16> {
    let line = response.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Why a child did not become ready.
#[derive(Debug)]
pub(crate) enum NotReady {
    /// The child exited during startup.
    Exited(String),
    /// The check still failed at the deadline.
    TimedOut,
}

/// Repeats `check` until it returns true, the child exits, or `timeout` passes.
pub(crate) async fn wait_ready<F, Fut>(
    child: &mut ChildGroup,
    timeout: Duration,
    mut check: F,
) -> Result<(), NotReady>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.exit_status() {
            return Err(NotReady::Exited(status.to_string()));
        }
        if check().await {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(NotReady::TimedOut);
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n\r\n{}"), Some(200));
        assert_eq!(
            parse_status(b"HTTP/1.0 503 Service Unavailable\r\n"),
            Some(503)
        );
        assert_eq!(parse_status(b"garbage"), None);
    }

    #[test]
    fn parses_bodies() {
        assert_eq!(parse_body(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n{}"), "{}");
        assert_eq!(parse_body(b"HTTP/1.1 200 OK\r\n"), "");
    }
}
