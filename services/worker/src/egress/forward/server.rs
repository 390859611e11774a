//! The forward proxy's listener: bound at once on a free loopback port, served on the
//! runtime it was started from, stopped when dropped. Each browser connection is an
//! HTTP/1 connection served by hyper, CONNECT upgrades included.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::answer::Refused;
use super::{relay, tunnel};
use crate::egress::handle::Egress;
use crate::error::{ErrorClass, JobError};

/// How long the browser may take to send a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// A running forward proxy.
#[derive(Debug)]
pub struct ForwardProxy {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl ForwardProxy {
    /// Binds `127.0.0.1:0` and serves every connection through `egress`. Must be called
    /// inside a Tokio runtime.
    pub fn start(egress: Egress) -> Result<Self, JobError> {
        let failed = |what: &str, err: &dyn std::fmt::Display| {
            JobError::new(
                ErrorClass::BrowserCrash,
                format!("cannot start the browser's egress proxy ({what}): {err}"),
            )
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|err| failed("no Tokio runtime", &err))?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|err| failed("bind 127.0.0.1:0", &err))?;
        listener
            .set_nonblocking(true)
            .map_err(|err| failed("non-blocking", &err))?;
        let addr = listener
            .local_addr()
            .map_err(|err| failed("local address", &err))?;
        let task = runtime.spawn(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(listener) => listener,
                Err(err) => return tracing::error!(error = %err, "egress proxy listener"),
            };
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(serve(egress.clone(), stream));
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "egress proxy accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            }
        });
        tracing::info!(%addr, "browser egress proxy listening");
        Ok(Self { addr, task })
    }

    /// The address Chromium is pointed at.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `--proxy-server`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one browser connection to its end: every request on it is checked on its own.
async fn serve(egress: Egress, stream: TcpStream) {
    let service = service_fn(move |request: Request<Incoming>| {
        let egress = egress.clone();
        async move {
            let answer = if request.method() == Method::CONNECT {
                tunnel::open(&egress, request).await
            } else {
                relay::forward(&egress, request).await
            };
            Ok::<_, Infallible>(answer.unwrap_or_else(Refused::into_response))
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    if let Err(err) = connection.await {
        tracing::debug!(error = %err, "browser connection to the egress proxy ended");
    }
}
