//! Reads a stored result object straight from the RESULTS bucket.

use anyhow::Context;
use jetcrawl_streams::topology::RESULTS_BUCKET;
use tokio::io::AsyncReadExt;

/// The result JSON stored under `key`.
pub async fn fetch(nats_url: &str, key: &str) -> anyhow::Result<serde_json::Value> {
    let (_client, js) = jetcrawl_streams::connect(nats_url, "jetcrawl-cli").await?;
    let bucket = js
        .get_object_store(RESULTS_BUCKET)
        .await
        .with_context(|| format!("cannot open the {RESULTS_BUCKET} bucket at {nats_url}"))?;
    let mut object = bucket
        .get(key)
        .await
        .with_context(|| format!("result {key} not found"))?;
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .with_context(|| format!("reading result {key}"))?;
    serde_json::from_slice(&bytes).with_context(|| format!("result {key} is not JSON"))
}
