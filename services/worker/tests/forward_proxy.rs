//! The browser's egress proxy as a client that does not behave like Chromium would see
//! it: raw bytes on a socket. Requests whose framing two parsers could read differently
//! (request smuggling) are refused before anything reaches the origin; a body is
//! re-framed on the way out, so what follows it can only be a request of its own, and
//! that request is checked like the first. The egress allows the origin's port only.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use jetcrawl_egress::{TargetPolicy, parse_allow_list};
use jetcrawl_worker::egress::{Egress, EgressSettings, ForwardProxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the origin parsed it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An origin that records every request it parses and answers `seen`.
struct Origin {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Origin {
    async fn start() -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let app = Router::new().fallback(move |request: Request| {
            let log = log.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
                log.lock().expect("log").push(Seen {
                    method: parts.method.to_string(),
                    target: parts.uri.to_string(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_owned()))
                        .collect(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                Body::from("seen")
            }
        });
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind origin");
        let addr = listener.local_addr().expect("origin addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

/// The worker's egress proxy, allowing `origin`'s port on loopback and nothing else
/// private.
fn proxy_for(origin: &Origin) -> ForwardProxy {
    let allowed = parse_allow_list(&format!("127.0.0.1:{}", origin.addr.port())).expect("allow");
    let mut settings = EgressSettings::direct("forward-proxy-test", false);
    settings.policy = TargetPolicy::new(false, allowed);
    let egress = Egress::new(settings).expect("egress");
    ForwardProxy::start(egress).expect("forward proxy")
}

/// Sends `bytes` to the proxy and reads what comes back until it closes.
async fn exchange(proxy: &ForwardProxy, bytes: &str) -> String {
    let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
    stream.write_all(bytes.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer));
    read.await
        .expect("the proxy closes the connection")
        .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status codes of every response in `answer`, in order.
fn statuses(answer: &str) -> Vec<u16> {
    answer
        .match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| answer.get(at + 9..at + 12)?.parse().ok())
        .collect()
}

#[tokio::test]
async fn a_request_reaches_the_origin_in_origin_form_without_hop_by_hop_fields() {
    let origin = Origin::start().await;
    let proxy = proxy_for(&origin);
    let port = origin.addr.port();
    let answer = exchange(
        &proxy,
        &format!(
            "GET http://127.0.0.1:{port}/page?x=1 HTTP/1.1\r\nHost: elsewhere.example\r\n\
             Proxy-Authorization: Basic c2VjcmV0\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\n\
             X-Kept: yes\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(statuses(&answer), [200], "{answer}");
    assert!(answer.ends_with("seen"), "{answer}");
    let seen = origin.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("GET", "/page?x=1")
    );
    let host = format!("127.0.0.1:{port}");
    assert_eq!(
        seen[0].header("host"),
        Some(host.as_str()),
        "Host names the target"
    );
    assert_eq!(seen[0].header("x-kept"), Some("yes"));
    for dropped in ["proxy-authorization", "x-hop"] {
        assert_eq!(
            seen[0].header(dropped),
            None,
            "{dropped} is hop-by-hop: {seen:?}"
        );
    }
}

#[tokio::test]
async fn framing_two_parsers_could_read_differently_is_refused() {
    let origin = Origin::start().await;
    let proxy = proxy_for(&origin);
    let port = origin.addr.port();
    let url = format!("http://127.0.0.1:{port}/upload");
    let smuggled = format!("GET http://127.0.0.1:{port}/smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    let cases = [
        (
            "two different Content-Length fields",
            format!("POST {url} HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello"),
        ),
        (
            "an encoding that does not end in chunked",
            format!(
                "POST {url} HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n\
                 5\r\nhello\r\n0\r\n\r\n{smuggled}"
            ),
        ),
        (
            "an obfuscated encoding",
            format!(
                "POST {url} HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n{smuggled}"
            ),
        ),
        (
            "a space before the colon",
            format!("POST {url} HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello{smuggled}"),
        ),
        (
            "a Content-Length that is not a number",
            format!("POST {url} HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello{smuggled}"),
        ),
    ];
    for (case, bytes) in cases {
        let answer = exchange(&proxy, &bytes).await;
        assert_eq!(statuses(&answer), [400], "{case}: {answer}");
    }
    assert!(
        origin.seen().is_empty(),
        "nothing reached the origin: {:?}",
        origin.seen()
    );
}

#[tokio::test]
async fn a_body_with_two_framings_is_read_once_and_nothing_after_it_is_a_request() {
    let origin = Origin::start().await;
    let proxy = proxy_for(&origin);
    let port = origin.addr.port();
    let url = format!("http://127.0.0.1:{port}/upload");
    let smuggled = format!("GET http://127.0.0.1:{port}/smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    // (case, bytes, the body the origin must receive)
    let cases = [
        (
            "Content-Length then chunked (CL.TE)",
            format!(
                "POST {url} HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n\
                 0\r\n\r\n{smuggled}"
            ),
            "",
        ),
        (
            "chunked then Content-Length (TE.CL)",
            format!(
                "POST {url} HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n\
                 5\r\nhello\r\n0\r\n\r\n{smuggled}"
            ),
            "hello",
        ),
        (
            "two equal Content-Length fields",
            format!(
                "POST {url} HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\
                 Connection: close\r\n\r\nhello{smuggled}"
            ),
            "hello",
        ),
    ];
    for (case, bytes, body) in cases {
        let answer = exchange(&proxy, &bytes).await;
        assert_eq!(
            statuses(&answer),
            [200],
            "{case}: one answer, then closed: {answer}"
        );
        let seen = origin.seen();
        let last = seen.last().expect("the request reached the origin");
        assert_eq!(last.target, "/upload", "{case}: {seen:?}");
        assert_eq!(last.body, body, "{case}");
        let lengths = last
            .headers
            .iter()
            .filter(|(n, _)| n == "content-length")
            .count();
        let framings = lengths + usize::from(last.header("transfer-encoding").is_some());
        assert!(
            framings <= 1,
            "{case}: one framing reached the origin: {last:?}"
        );
    }
    let targets: Vec<String> = origin.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets, ["/upload"; 3],
        "nothing smuggled reached the origin"
    );
}

#[tokio::test]
async fn a_chunked_body_is_reframed_and_what_follows_it_is_checked_as_a_request() {
    let origin = Origin::start().await;
    let proxy = proxy_for(&origin);
    let port = origin.addr.port();
    // What follows the last chunk is a second request, to a loopback port the egress
    // does not allow: it must be checked (and refused) like any other.
    let closed_port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let answer = exchange(
        &proxy,
        &format!(
            "POST http://127.0.0.1:{port}/upload HTTP/1.1\r\nHost: x\r\n\
             Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n\
             GET http://127.0.0.1:{closed_port}/admin HTTP/1.1\r\nHost: x\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(statuses(&answer), [200, 403], "{answer}");
    let seen = origin.seen();
    assert_eq!(seen.len(), 1, "one request reached the origin: {seen:?}");
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/upload")
    );
    assert_eq!(seen[0].body, "hello world");
}

#[tokio::test]
async fn every_request_of_a_kept_alive_connection_is_checked() {
    let origin = Origin::start().await;
    let proxy = proxy_for(&origin);
    let port = origin.addr.port();
    let answer = exchange(
        &proxy,
        &format!(
            "GET http://127.0.0.1:{port}/first HTTP/1.1\r\nHost: x\r\n\r\n\
             GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: x\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(statuses(&answer), [200, 403], "{answer}");
    assert!(
        answer.contains("link-local"),
        "the refusal names the class: {answer}"
    );
    let targets: Vec<String> = origin.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(targets, ["/first"]);
}

#[tokio::test]
async fn a_connect_tunnel_carries_bytes_to_an_allowed_target_only() {
    let origin = Origin::start().await;
    let proxy = proxy_for(&origin);
    let port = origin.addr.port();
    let answer = exchange(
        &proxy,
        &format!(
            "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n\
             GET /inside HTTP/1.1\r\nHost: inside\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(statuses(&answer), [200, 200], "{answer}");
    assert!(answer.ends_with("seen"), "{answer}");
    let targets: Vec<String> = origin.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(targets, ["/inside"]);

    let refused = exchange(&proxy, "CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(statuses(&refused), [403], "{refused}");
    let bare = exchange(&proxy, "GET /relative HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(statuses(&bare), [400], "{bare}");
    assert!(bare.contains("absolute http:// URL"), "{bare}");
}
