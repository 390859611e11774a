//! Load drivers. The open model sends on a fixed schedule whatever the answers do and
//! measures each request from its intended send time (no coordinated omission); the
//! closed model keeps a fixed number of requests in flight, for throughput ceilings.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::stats::Latencies;

/// Sends one request on a client; `Err` carries the error's code name.
pub type Send<C> =
    Arc<dyn Fn(&C) -> BoxFuture<'static, Result<(), String>> + Sync + std::marker::Send>;

/// Longest wait for the last answers after the schedule ends.
const DRAIN: Duration = Duration::from_secs(30);

/// What a load run observed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latencies of successful requests.
    pub latencies: Latencies,
    /// Failed requests by code.
    pub errors: BTreeMap<String, u64>,
    /// Successful requests.
    pub ok: u64,
    /// From the first scheduled send to the last answer.
    pub wall: Duration,
}

impl Outcome {
    /// Successful requests per second.
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.wall.as_secs_f64().max(1e-6)
    }

    /// Every failure.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    fn record(&mut self, latency: Duration, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.ok += 1;
                self.latencies.record(latency);
            }
            Err(code) => *self.errors.entry(code).or_default() += 1,
        }
    }
}

/// Open model: `rate` requests/s in all, spread evenly over `clients`, for `duration`.
pub async fn open<C>(clients: &[C], rate: f64, duration: Duration, send: Send<C>) -> Outcome
where
    C: Clone + std::marker::Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let n = clients.len().max(1) as f64;
    let interval = Duration::from_secs_f64(n / rate);
    let t0 = Instant::now() + Duration::from_millis(50);
    let end = t0 + duration;
    for (index, client) in clients.iter().enumerate() {
        let (client, send, tx) = (client.clone(), send.clone(), tx.clone());
        let offset = Duration::from_secs_f64(index as f64 / rate);
        tokio::spawn(async move {
            let mut intended = t0 + offset;
            while intended < end {
                tokio::time::sleep_until(intended).await;
                let request = send(&client);
                let tx = tx.clone();
                tokio::spawn(async move {
                    let result = request.await;
                    let _ = tx.send((intended.elapsed(), result));
                });
                intended += interval;
            }
        });
    }
    drop(tx);
    collect(&mut rx, t0, end + DRAIN).await
}

/// Closed model: `per_client` requests in flight on every client, for `duration`.
pub async fn closed<C>(
    clients: &[C],
    per_client: usize,
    duration: Duration,
    send: Send<C>,
) -> Outcome
where
    C: Clone + std::marker::Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let t0 = Instant::now();
    let end = t0 + duration;
    for client in clients {
        for _ in 0..per_client.max(1) {
            let (client, send, tx) = (client.clone(), send.clone(), tx.clone());
            tokio::spawn(async move {
                while Instant::now() < end {
                    let sent = Instant::now();
                    let result = send(&client).await;
                    if tx.send((sent.elapsed(), result)).is_err() {
                        return;
                    }
                }
            });
        }
    }
    drop(tx);
    collect(&mut rx, t0, end + DRAIN).await
}

async fn collect(
    rx: &mut mpsc::UnboundedReceiver<(Duration, Result<(), String>)>,
    t0: Instant,
    deadline: Instant,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut last = t0;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((latency, result))) => {
                last = Instant::now();
                outcome.record(latency, result);
            }
            Ok(None) => break,
            Err(_) => {
                *outcome.errors.entry("BenchTimeout".into()).or_default() += 1;
                break;
            }
        }
    }
    outcome.wall = last.saturating_duration_since(t0);
    outcome
}

/// Boxes a request future for [`Send`].
pub fn boxed<F>(future: F) -> BoxFuture<'static, Result<(), String>>
where
    F: Future<Output = Result<(), String>> + std::marker::Send + 'static,
{
    Box::pin(future)
}
