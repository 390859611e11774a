//! When retention runs: on an in-process schedule, and on demand through the NATS
//! request subject [`RUN_NOW_SUBJECT`] (`jetcrawl retention run`), answered with the
//! run's report as JSON by one notifier of the queue group.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt as _;
use tracing::warn;

use super::run::{Retention, Trigger};

/// Request subject of an on-demand run; the reply is the [`super::RunReport`] as JSON.
pub const RUN_NOW_SUBJECT: &str = "jetcrawl.retention.run";
/// Queue group, so one notifier answers each request.
const QUEUE: &str = "jetcrawl-retention";

/// Runs retention every `every` (the first run one interval after start) until
/// `shutdown` completes.
pub async fn retention_loop(
    retention: Retention,
    every: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(every) => {}
        }
        retention
            .run_once(Trigger::Schedule, chrono::Utc::now())
            .await;
    }
}

/// Answers on-demand run requests until `shutdown` completes.
pub async fn serve_run_now(
    client: async_nats::Client,
    retention: Retention,
    shutdown: impl Future<Output = ()>,
) {
    let mut requests = match client
        .queue_subscribe(RUN_NOW_SUBJECT, QUEUE.to_owned())
        .await
    {
        Ok(requests) => requests,
        Err(err) => {
            warn!(error = %err, "cannot listen for `jetcrawl retention run`; scheduled runs go on");
            return;
        }
    };
    tokio::pin!(shutdown);
    loop {
        let request = tokio::select! {
            () = &mut shutdown => return,
            request = requests.next() => request,
        };
        let Some(request) = request else { return };
        let Some(reply) = request.reply else { continue };
        let report = retention
            .run_once(Trigger::Manual, chrono::Utc::now())
            .await;
        let body = serde_json::to_vec(&report).unwrap_or_default();
        if let Err(err) = client.publish(reply, body.into()).await {
            warn!(error = %err, "could not answer a retention run request");
        }
    }
}
