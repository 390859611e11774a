//! A forward proxy for egress tests: HTTP absolute-form requests, CONNECT tunnels and
//! SOCKS5 (no authentication) on `127.0.0.1:<free port>`, a log of what it carried, and
//! switches to make it fail (refuse connections, or answer every HTTP request with one
//! status).
//!
//! Host names ending in `.test` resolve to 127.0.0.1, so tests can give the fixture
//! site several registrable domains (`a.test`, `b.test`, ...).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// One request the proxy carried (or answered itself while failing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedRequest {
    /// `GET`, `CONNECT`, ...
    pub method: String,
    /// The request target: `http://a.test:1234/static` or `a.test:443`.
    pub target: String,
}

#[derive(Debug, Default)]
struct ProxyState {
    log: Mutex<Vec<ProxiedRequest>>,
    down: AtomicBool,
    listening: AtomicBool,
    answer: AtomicU16,
}

/// A running test proxy; stops when dropped.
#[derive(Debug)]
pub struct TestProxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestProxy {
    /// Binds a free loopback port and starts proxying.
    pub fn start() -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("binding the test proxy to 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(ProxyState::default());
        let (shutdown, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the test proxy's runtime")?;
        let serving = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("test-proxy-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        () = accept_loop(listener, serving) => {}
                        _ = stopped => {}
                    }
                });
                runtime.shutdown_background();
            })
            .context("spawning the test proxy thread")?;
        Ok(Self {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, for `JETCRAWL_PROXIES`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `socks5://127.0.0.1:PORT`: the same port speaks SOCKS5 too.
    pub fn socks5_url(&self) -> String {
        format!("socks5://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything carried so far, oldest first.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        lock(&self.state.log).clone()
    }

    /// How many requests it carried (failed ones excluded).
    pub fn count(&self) -> usize {
        lock(&self.state.log).len()
    }

    /// While down, nothing listens on the proxy's port: connecting is refused, as with a
    /// proxy that crashed.
    /// Returns once the port is closed (or listening again).
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.state.listening.load(Ordering::SeqCst) == down
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Answers every request with `status` (e.g. 403 or 429) instead of forwarding it;
    /// `None` forwards again. Such answers are not counted as carried.
    pub fn answer_with(&self, status: Option<u16>) {
        self.state
            .answer
            .store(status.unwrap_or(0), Ordering::SeqCst);
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<ProxyState>) {
    let addr = listener.local_addr().ok();
    let mut listener = Some(listener);
    loop {
        let down = state.down.load(Ordering::SeqCst);
        match (&listener, down) {
            // Down: no listener on the port, so connecting is refused.
            (Some(_), true) => listener = None,
            (None, false) => listener = rebind(addr).await,
            _ => {}
        }
        state.listening.store(listener.is_some(), Ordering::SeqCst);
        let Some(bound) = &listener else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let accepted = tokio::time::timeout(Duration::from_millis(10), bound.accept()).await;
        if let Ok(Ok((stream, _))) = accepted {
            tokio::spawn(serve(stream, state.clone()));
        }
    }
}

async fn rebind(addr: Option<SocketAddr>) -> Option<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.set_reuseaddr(true).ok()?;
    socket.bind(addr?).ok()?;
    socket.listen(128).ok()
}

async fn serve(mut client: TcpStream, state: Arc<ProxyState>) {
    let mut first = [0u8; 1];
    if client.peek(&mut first).await.is_ok() && first[0] == 5 {
        return socks5(client, state).await;
    }
    let Ok((head, early)) = read_head(&mut client).await else {
        return;
    };
    let Some((method, target, version, fields)) = parse_head(&head) else {
        return;
    };
    let status = state.answer.load(Ordering::SeqCst);
    if status != 0 {
        let answer = format!(
            "HTTP/1.1 {status} Test Proxy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = client.write_all(answer.as_bytes()).await;
        return;
    }
    lock(&state.log).push(ProxiedRequest {
        method: method.clone(),
        target: target.clone(),
    });
    if method.eq_ignore_ascii_case("CONNECT") {
        let Ok(mut upstream) = connect(&target).await else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
            return;
        };
        let _ = client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await;
        let _ = upstream.write_all(&early).await;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        return;
    }
    let Some((authority, path)) = split_absolute(&target) else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        return;
    };
    let Ok(mut upstream) = connect(&authority).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    let mut request = format!("{method} {path} {version}\r\n");
    for (name, value) in fields.iter().filter(|(n, _)| !is_hop_by_hop(n)) {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(request.as_bytes()).await.is_err()
        || upstream.write_all(&early).await.is_err()
    {
        return;
    }
    // The body (if any) follows; the origin closes after its answer.
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// SOCKS5 without authentication, CONNECT only (RFC 1928).
async fn socks5(mut client: TcpStream, state: Arc<ProxyState>) {
    let mut greeting = [0u8; 2];
    if client.read_exact(&mut greeting).await.is_err() {
        return;
    }
    let mut methods = vec![0u8; usize::from(greeting[1])];
    if client.read_exact(&mut methods).await.is_err() || client.write_all(&[5, 0]).await.is_err() {
        return;
    }
    let mut request = [0u8; 4];
    if client.read_exact(&mut request).await.is_err() {
        return;
    }
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            let _ = client.read_exact(&mut ip).await;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let len = client.read_u8().await.unwrap_or(0);
            let mut name = vec![0u8; usize::from(len)];
            let _ = client.read_exact(&mut name).await;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return,
    };
    let port = client.read_u16().await.unwrap_or(0);
    let target = format!("{host}:{port}");
    lock(&state.log).push(ProxiedRequest {
        method: "SOCKS5".to_owned(),
        target: target.clone(),
    });
    let Ok(mut upstream) = connect(&target).await else {
        let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        return;
    };
    if client
        .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        .await
        .is_ok()
    {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

type Fields = Vec<(String, String)>;

fn parse_head(head: &str) -> Option<(String, String, String, Fields)> {
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.splitn(3, ' ');
    let method = start.next()?.to_owned();
    let target = start.next()?.to_owned();
    let version = start.next().unwrap_or("HTTP/1.1").to_owned();
    let fields = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some((method, target, version, fields))
}

fn is_hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "proxy-connection",
        "proxy-authorization",
        "keep-alive",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// `http://host:port/path?q` → (`host:port`, `/path?q`).
fn split_absolute(target: &str) -> Option<(String, String)> {
    let rest = target.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Some((authority, path.to_owned()))
}

async fn connect(authority: &str) -> std::io::Result<TcpStream> {
    let (host, port) = authority
        .rsplit_once(':')
        .ok_or_else(|| std::io::Error::other("no port"))?;
    let port: u16 = port.parse().map_err(std::io::Error::other)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.ends_with(".test") {
        return TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await;
    }
    TcpStream::connect((host, port)).await
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Err(std::io::Error::other("no complete head"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            return Ok((head, buf[end + 4..].to_vec()));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
