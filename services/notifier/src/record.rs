//! Appending the notifier's events (WebhookDelivered, WebhookFailed, ResultExpired) to a
//! job: re-read and retry when another writer appended first.

use jetcrawl_proto::v1::Event;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::{EventStore, StoreError, new_event};

/// Actor recorded on the notifier's events.
pub const ACTOR: &str = "system:notifier";

/// How often a conflicting append is retried.
const ATTEMPTS: u32 = 8;

/// Appends `payload` to job `job_id` of `tenant`. `already` says, from a fresh history,
/// whether the fact is recorded already (a retried append that did land): then nothing
/// is appended.
pub async fn append(
    store: &EventStore,
    job_id: &str,
    tenant: &str,
    payload: Payload,
    already: impl Fn(&[jetcrawl_streams::RecordedEvent]) -> bool,
) -> Result<(), StoreError> {
    let mut last_err = None;
    for _ in 0..ATTEMPTS {
        let history = store.history(job_id).await?;
        if already(&history) {
            return Ok(());
        }
        let last = history.last().map_or(0, |e| e.sequence);
        let event: Event = new_event(job_id, tenant, ACTOR, &new_traceparent(), payload.clone());
        match store.append(last, &[event]).await {
            // A duplicate means JetStream saw this (job, expected sequence) before: it
            // may have been another writer's event, so check the history again.
            Ok(appended) if appended.duplicate => continue,
            Ok(_) => return Ok(()),
            Err(err @ StoreError::Conflict { .. }) => last_err = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last_err
        .unwrap_or_else(|| StoreError::Unavailable(format!("could not append to job {job_id}"))))
}
