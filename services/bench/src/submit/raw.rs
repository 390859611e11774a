//! The submit path's ceiling: async-nats publishes of the messages the gateway writes
//! for one job, as the issue defines it ("raw publishes of the same messages, subject key
//! and event"): the job's own subject key, created in `SUBJECT_KEYS` exactly as the KV
//! `create` the gateway makes (expected last subject sequence 0, a 32-byte key), and the
//! `JobSubmitted` event (payload, headers, subject) on the JOBS stream. The two are
//! published together, without the gateway's wait for the key before the event, so the
//! baseline is the most the server can take.

use std::future::IntoFuture as _;
use std::time::{Duration, Instant};

use async_nats::header::NATS_EXPECTED_LAST_SUBJECT_SEQUENCE;
use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use jetcrawl_proto::v1::{JobSpec, RenderMode};
use jetcrawl_streams::EventKind;
use jetcrawl_streams::envelope::encode;
use jetcrawl_streams::security::SUBJECT_KEYS_BUCKET;
use jetcrawl_streams::subjects::event_subject;

use crate::jobs;
use crate::load::{self, Outcome, Send};

/// The JetStream context the baseline publishes with: the services' own settings.
pub async fn context(nats_url: &str) -> anyhow::Result<Context> {
    let (_client, js) = jetcrawl_streams::connect(nats_url, "jetcrawl-bench").await?;
    Ok(js)
}

/// One submitted job's messages: its subject key, then its event (subject, message).
fn messages(spec: &JobSpec) -> [(String, PublishMessage); 2] {
    let job_id = jobs::job_id();
    let event = jobs::submitted(&job_id, spec.clone());
    let message = PublishMessage::build()
        .headers(jobs::submit_headers(&event))
        .payload(encode(&event));
    let mut create = async_nats::HeaderMap::new();
    create.insert(NATS_EXPECTED_LAST_SUBJECT_SEQUENCE, "0");
    let key: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| *u.as_bytes())
        .collect();
    let reference = uuid::Uuid::new_v4().simple().to_string();
    [
        (
            format!("$KV.{SUBJECT_KEYS_BUCKET}.k.bench.{reference}"),
            PublishMessage::build().headers(create).payload(key.into()),
        ),
        (event_subject(&job_id, EventKind::Submitted), message),
    ]
}

/// Publishes `count` jobs' messages keeping `window` acks outstanding; returns jobs/s.
pub async fn saturate(js: &Context, url: &str, count: usize, window: usize) -> anyhow::Result<f64> {
    let spec = jobs::spec(url, RenderMode::Http);
    let mut in_flight = FuturesUnordered::new();
    let started = Instant::now();
    for _ in 0..count {
        for (subject, msg) in messages(&spec) {
            if in_flight.len() >= window
                && let Some(ack) = in_flight.next().await
            {
                ack?;
            }
            let ack = js.send_publish(subject, msg).await?;
            in_flight.push(ack.into_future());
        }
    }
    while let Some(ack) = in_flight.next().await {
        ack?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64().max(1e-6))
}

/// The same publishes on the open model's schedule, one connection: a job is done when
/// both its acks are in.
pub async fn open(js: &Context, url: &str, rate: f64, duration: Duration) -> Outcome {
    load::open(std::slice::from_ref(js), rate, duration, send(url)).await
}

/// The same publishes with `in_flight` jobs outstanding at once for `duration`, one
/// connection: what the server answers the gateway's burst with when nothing stands
/// between them.
pub async fn closed(js: &Context, url: &str, in_flight: usize, duration: Duration) -> Outcome {
    load::closed(std::slice::from_ref(js), in_flight, duration, send(url)).await
}

/// One job's publishes, key and event in flight together; done when both are acked.
fn send(url: &str) -> Send<Context> {
    let spec = jobs::spec(url, RenderMode::Http);
    std::sync::Arc::new(move |js: &Context| {
        let (js, [key, event]) = (js.clone(), messages(&spec));
        load::boxed(async move {
            let key = js.send_publish(key.0, key.1).await;
            let event = js.send_publish(event.0, event.1).await;
            let (key, event) = (
                key.map_err(|e| format!("{:?}", e.kind()))?,
                event.map_err(|e| format!("{:?}", e.kind()))?,
            );
            let (key, event) = futures::join!(key.into_future(), event.into_future());
            key.map_err(|e| format!("{:?}", e.kind()))?;
            event.map(|_| ()).map_err(|e| format!("{:?}", e.kind()))
        })
    })
}
