//! The worker binary running pre-queued jobs, observed from outside.

use std::future::IntoFuture as _;
use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use jetcrawl_local::NatsServer;
use jetcrawl_proto::v1::RenderMode;
use jetcrawl_streams::EventKind;
use jetcrawl_streams::envelope::encode;
use jetcrawl_streams::subjects::event_subject;

use super::observe::{Observed, Observer};
use crate::jobs::{self, Page};
use crate::procfs::{ProcSampler, ProcUsage};
use crate::stack::{self, BenchStack};

/// Longest a worker run may take: a page a second on one tab, plus slack.
fn limit(pages: usize) -> Duration {
    Duration::from_secs(120 + pages as u64)
}

/// Queues one job per page, then runs a worker with `tabs` until every job ended.
pub async fn run(
    stack: &BenchStack,
    nats: &NatsServer,
    client: &async_nats::Client,
    js: &Context,
    pages: &[Page],
    mode: RenderMode,
    tabs: usize,
) -> anyhow::Result<(Observed, ProcUsage)> {
    let mut observer = Observer::start(client).await?;
    queue(js, pages, mode).await?;
    let worker = stack.spawn_worker(nats, tabs).await?;
    let sampler = ProcSampler::start(worker.pid(), true);
    let observed = observer.wait(pages.len(), limit(pages.len())).await;
    let usage = sampler.finish().await;
    stack::stop(worker).await;
    Ok((observed?, usage))
}

/// Appends JobSubmitted for every page, as the gateway would.
pub async fn queue(js: &Context, pages: &[Page], mode: RenderMode) -> anyhow::Result<()> {
    let mut acks = FuturesUnordered::new();
    for page in pages {
        let job_id = jobs::job_id();
        let event = jobs::submitted(&job_id, jobs::spec(&page.url, mode));
        let message = PublishMessage::build()
            .headers(jobs::submit_headers(&event))
            .payload(encode(&event));
        acks.push(
            js.send_publish(event_subject(&job_id, EventKind::Submitted), message)
                .await?
                .into_future(),
        );
    }
    while let Some(ack) = acks.next().await {
        ack?;
    }
    Ok(())
}
