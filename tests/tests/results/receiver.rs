//! A webhook receiver for the tests: records every POST, answers as scripted per path,
//! and verifies Standard Webhooks signatures with its own HMAC (not the notifier's code).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Behavior {
    /// Answer this status at once.
    Status(u16),
    /// Hold the request open (a receiver that hangs).
    Stall,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

#[derive(Default)]
struct Inner {
    scripts: HashMap<String, VecDeque<Behavior>>,
    received: HashMap<String, Vec<Received>>,
}

/// The receiver, on a free loopback port until dropped.
pub struct Receiver {
    base: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/{name}", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { base, inner, task })
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    /// Answers for the next requests to `name`, in order; 200 once they run out.
    pub fn script(&self, name: &str, behaviors: &[Behavior]) {
        let mut inner = self.inner.lock().expect("receiver lock");
        inner
            .scripts
            .insert(name.to_owned(), behaviors.iter().copied().collect());
    }

    pub fn received(&self, name: &str) -> Vec<Received> {
        let inner = self.inner.lock().expect("receiver lock");
        inner.received.get(name).cloned().unwrap_or_default()
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let behavior = {
        let mut inner = inner.lock().expect("receiver lock");
        inner
            .received
            .entry(name.clone())
            .or_default()
            .push(Received { headers, body });
        inner.scripts.get_mut(&name).and_then(VecDeque::pop_front)
    };
    match behavior.unwrap_or(Behavior::Status(200)) {
        Behavior::Status(code) => StatusCode::from_u16(code).unwrap_or(StatusCode::OK),
        Behavior::Stall => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            StatusCode::OK
        }
    }
}

/// Verifies a delivery per the Standard Webhooks spec, written here independently:
/// base64 HMAC-SHA256 of `id.timestamp.body` keyed by the decoded `whsec_` secret,
/// among the space-separated `v1,` signatures; the timestamp within 5 minutes.
pub fn verify(secret: &str, received: &Received) -> Result<(), String> {
    let id = received.header("webhook-id");
    let timestamp = received.header("webhook-timestamp");
    let signatures = received.header("webhook-signature");
    if id.is_empty() || timestamp.is_empty() || signatures.is_empty() {
        return Err("a Standard Webhooks header is missing".into());
    }
    let sent: i64 = timestamp.parse().map_err(|_| "bad webhook-timestamp")?;
    if (chrono::Utc::now().timestamp() - sent).abs() > 300 {
        return Err(format!("webhook-timestamp {sent} is not recent"));
    }
    let key = STANDARD
        .decode(
            secret
                .strip_prefix("whsec_")
                .ok_or("secret without whsec_")?,
        )
        .map_err(|e| e.to_string())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    let matched = signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected);
    if matched {
        Ok(())
    } else {
        Err(format!("no v1 signature matches (got {signatures})"))
    }
}
