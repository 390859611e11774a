//! Prints one tenant's job events live, as a subscriber service would consume them.
//!
//! ```sh
//! cargo run -p jetcrawl-streams --example tail_tenant -- nats://127.0.0.1:4222 dev [--from-start]
//! ```
//!
//! It reads the `JOBS` stream with an ordered consumer (no server-side state to clean
//! up), filters on the `Jetcrawl-Tenant` header so other tenants' payloads are never
//! decoded, and prints `sequence time job event actor` per line. See docs/events.md for
//! every event, its subject and its fields.

use async_nats::jetstream::consumer::{DeliverPolicy, pull::OrderedConfig};
use futures::StreamExt;
use jetcrawl_streams::subjects::{JOBS_ALL, JOBS_STREAM};
use jetcrawl_streams::{envelope, headers};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(tenant)) = (args.first(), args.get(1)) else {
        eprintln!("usage: tail_tenant <nats-url> <tenant> [--from-start]");
        std::process::exit(2);
    };
    let from_start = args.iter().any(|a| a == "--from-start");
    let (_client, js) = jetcrawl_streams::connect(url, "jetcrawl-tail-tenant").await?;
    let stream = js.get_stream(JOBS_STREAM).await?;
    let consumer = stream
        .create_consumer(OrderedConfig {
            filter_subject: JOBS_ALL.to_owned(),
            deliver_policy: if from_start {
                DeliverPolicy::All
            } else {
                DeliverPolicy::New
            },
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    while let Some(message) = messages.next().await {
        let message = message?;
        let owner = message
            .headers
            .as_ref()
            .and_then(|h| h.get(headers::TENANT))
            .map(|v| v.as_str().to_owned());
        if owner.as_deref() != Some(tenant.as_str()) {
            continue;
        }
        let sequence = message.info().map_err(|e| e.to_string())?.stream_sequence;
        let recorded = envelope::decode(sequence, &message.payload)?;
        println!(
            "{sequence:>8} {} {} {:<18} {}",
            recorded.occurred_at().to_rfc3339(),
            recorded.event.job_id,
            recorded.event.event_type,
            recorded.event.actor
        );
    }
    Ok(())
}
