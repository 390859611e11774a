//! A webhook endpoint that accepts every delivery and counts them: enough for the
//! notifier's attempt counter to have a series (tests/tests/results checks webhooks
//! themselves).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;

/// The receiver, on a free loopback port until dropped.
pub struct Receiver {
    url: String,
    received: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let received = Arc::new(AtomicUsize::new(0));
        let counter = received.clone();
        let app = Router::new().route(
            "/hook",
            post(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                std::future::ready(StatusCode::NO_CONTENT)
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url,
            received,
            task,
        })
    }

    /// The webhook URL jobs name.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Deliveries received so far.
    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
