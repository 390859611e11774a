//! Connecting to NATS with the options every Jetcrawl service uses.

use std::time::Duration;

use async_nats::jetstream::{self, Context};

use crate::error::StoreError;

/// Connects to `url` as `name` and returns the client and its JetStream context.
/// The ack window is raised so pipelined publishers never stall at the default 5,000.
pub async fn connect(url: &str, name: &str) -> Result<(async_nats::Client, Context), StoreError> {
    let client = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .retry_on_initial_connect()
        .connect(url)
        .await
        .map_err(|err| {
            StoreError::Unavailable(format!("cannot connect to NATS at {url}: {err}"))
        })?;
    let js = jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(5))
        .max_ack_inflight(20_000)
        .build(client.clone());
    Ok((client, js))
}
