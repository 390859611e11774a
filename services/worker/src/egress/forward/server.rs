//! The forward proxy's listener: bound at once on a free loopback port, served on the
//! runtime it was started from, stopped when dropped.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::task::JoinHandle;

use super::session;
use crate::egress::handle::Egress;
use crate::error::{ErrorClass, JobError};

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
                        tokio::spawn(session::serve(egress.clone(), stream));
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
