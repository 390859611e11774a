//! The submit path's ceiling: async-nats publishes of the gateway's exact message
//! (payload, headers, subject) straight to the JOBS stream.

use std::future::IntoFuture as _;
use std::time::{Duration, Instant};

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use jetcrawl_proto::v1::{JobSpec, RenderMode};
use jetcrawl_streams::EventKind;
use jetcrawl_streams::envelope::encode;
use jetcrawl_streams::subjects::event_subject;

use crate::jobs;
use crate::load::{self, Outcome, Send};

/// The JetStream context the baseline publishes with: the services' own settings.
pub async fn context(nats_url: &str) -> anyhow::Result<Context> {
    let (_client, js) = jetcrawl_streams::connect(nats_url, "jetcrawl-bench").await?;
    Ok(js)
}

/// One submitted job's subject and message.
fn message(spec: &JobSpec) -> (String, PublishMessage) {
    let job_id = jobs::job_id();
    let event = jobs::submitted(&job_id, spec.clone());
    let message = PublishMessage::build()
        .headers(jobs::submit_headers(&event))
        .payload(encode(&event));
    (event_subject(&job_id, EventKind::Submitted), message)
}

/// Publishes `count` messages keeping `window` acks outstanding; returns messages/s.
pub async fn saturate(js: &Context, url: &str, count: usize, window: usize) -> anyhow::Result<f64> {
    let spec = jobs::spec(url, RenderMode::Http);
    let mut in_flight = FuturesUnordered::new();
    let started = Instant::now();
    for _ in 0..count {
        if in_flight.len() >= window
            && let Some(ack) = in_flight.next().await
        {
            ack?;
        }
        let (subject, msg) = message(&spec);
        let ack = js.send_publish(subject, msg).await?;
        in_flight.push(ack.into_future());
    }
    while let Some(ack) = in_flight.next().await {
        ack?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64().max(1e-6))
}

/// The same publishes on the open model's schedule, one connection.
pub async fn open(js: &Context, url: &str, rate: f64, duration: Duration) -> Outcome {
    let spec = jobs::spec(url, RenderMode::Http);
    let send: Send<Context> = std::sync::Arc::new(move |js: &Context| {
        let (js, (subject, msg)) = (js.clone(), message(&spec));
        load::boxed(async move {
            let ack = js
                .send_publish(subject, msg)
                .await
                .map_err(|e| format!("{:?}", e.kind()))?;
            ack.await.map(|_| ()).map_err(|e| format!("{:?}", e.kind()))
        })
    });
    load::open(std::slice::from_ref(js), rate, duration, send).await
}
