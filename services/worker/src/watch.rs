//! Watching a job while one of its attempts runs: a cancel request, or any other change
//! (another worker took the job over, the job was dead-lettered), stops the run at its
//! next step boundary. A plain NATS subscription on `jobs.<id>.>` sees every event as it
//! is stored; after subscribing, the job's last sequence is checked once to close the gap.
//! A crawl's page also stops once its crawl is asked to cancel (`jobs.<crawl>.
//! cancel_requested`), without waiting for the `crawls` consumer to get to the page.

use async_nats::Client;
use futures::StreamExt;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::job::cancel_reason;
use jetcrawl_streams::subjects::{event_subject, job_filter};
use jetcrawl_streams::{EventKind, EventStore, Job};
use tokio::task::JoinHandle;
use tracing::{Instrument, info, warn};

use crate::execute::{Interrupt, Interrupter, Stop};

/// Stops the watch when dropped.
#[derive(Debug)]
pub struct AttemptWatch {
    task: Option<JoinHandle<()>>,
}

impl Drop for AttemptWatch {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Starts watching `job` (just started as `attempt`). When the subscription cannot be
/// made the run is not interruptible, which is logged: it still ends normally.
pub async fn watch_attempt(
    client: &Client,
    store: &EventStore,
    job: &Job,
    attempt: u32,
) -> (Interrupt, AttemptWatch) {
    let (interrupter, interrupt) = Interrupt::channel();
    let events = match client.subscribe(job_filter(&job.id)).await {
        Ok(subscription) => subscription,
        Err(err) => {
            warn!(error = %err, "cannot watch the job for cancel requests; it runs to its end");
            return (interrupt, AttemptWatch { task: None });
        }
    };
    let crawl_cancels = watch_crawl(client, store, job, &interrupter).await;
    match reread(store, job).await {
        Ok(Some(now)) => check_state(&now, attempt, &interrupter),
        Ok(None) => check_state(job, attempt, &interrupter),
        Err(err) => warn!(error = %err, "cannot re-read the job after subscribing"),
    }
    let job_stops = events.map(|message| {
        decode(0, &message.payload)
            .ok()
            .and_then(|recorded| stop_for(recorded.payload()))
    });
    let crawl_stops = futures::stream::iter(crawl_cancels)
        .flatten()
        .map(|_| Some(crawl_cancelled()));
    let mut stops = futures::stream::select(job_stops, crawl_stops);
    let task = tokio::spawn(
        async move {
            while let Some(next) = stops.next().await {
                if let Some(stop) = next {
                    info!(
                        ?stop,
                        "the job changed while running; stopping at the next step boundary"
                    );
                    interrupter.stop(stop);
                }
            }
        }
        .in_current_span(),
    );
    (interrupt, AttemptWatch { task: Some(task) })
}

/// For a crawl's page: subscribes to its crawl's cancel requests, then stops the run at
/// once if the crawl was asked to cancel already. `None` for any other job, or when the
/// subscription cannot be made (logged; the `crawls` consumer still cancels the page).
async fn watch_crawl(
    client: &Client,
    store: &EventStore,
    job: &Job,
    interrupter: &Interrupter,
) -> Option<async_nats::Subscriber> {
    let crawl_id = crate::crawl_job::page_id_crawl(&job.id)?;
    let subject = event_subject(crawl_id, EventKind::CancelRequested);
    let subscription = client
        .subscribe(subject)
        .await
        .inspect_err(
            |err| warn!(error = %err, "cannot watch the page's crawl for a cancel request"),
        )
        .ok()?;
    match store.cancel_requested(crawl_id).await {
        Ok(true) => interrupter.stop(crawl_cancelled()),
        Ok(false) => {}
        Err(err) => warn!(error = %err, "cannot tell whether the page's crawl was cancelled"),
    }
    Some(subscription)
}

/// Why a page stops when its crawl is cancelled: the reason its JobCancelled records.
fn crawl_cancelled() -> Stop {
    Stop::Cancelled(crate::crawl_job::CRAWL_CANCELLED.to_owned())
}

/// The job as it is now, or `None` when nothing was appended since `job` was read (one
/// indexed lookup instead of reading the whole history).
async fn reread(
    store: &EventStore,
    job: &Job,
) -> Result<Option<Job>, jetcrawl_streams::StoreError> {
    if store.last_sequence(&job.id).await? == job.last_sequence {
        return Ok(None);
    }
    store.load(&job.id).await.map(Some)
}

/// What an event appended by someone else while we run means for the run.
fn stop_for(payload: Option<&Payload>) -> Option<Stop> {
    match payload? {
        Payload::JobCancelRequested(requested) => Some(Stop::Cancelled(cancel_reason(
            &requested.by,
            &requested.reason,
        ))),
        // An agent job's journal: the running attempt's own entries (another attempt's
        // would follow its JobStarted, which stops this one already).
        Payload::AgentTurn(_) | Payload::StepExecuted(_) | Payload::AgentFinished(_) => None,
        Payload::JobStarted(started) => Some(Stop::Superseded(format!(
            "worker {} took the job over as attempt {}",
            started.worker_id, started.attempt
        ))),
        other => Some(Stop::Superseded(format!(
            "the job moved on without this attempt ({})",
            jetcrawl_streams::EventKind::of(other).type_name()
        ))),
    }
}

fn check_state(job: &Job, attempt: u32, interrupter: &Interrupter) {
    if let Some(requested) = &job.cancel_requested {
        interrupter.stop(Stop::Cancelled(cancel_reason(
            &requested.by,
            &requested.reason,
        )));
    } else if job.running_attempt != Some(attempt) {
        interrupter.stop(Stop::Superseded(format!(
            "the job is {} and attempt {attempt} no longer runs",
            job.status.as_str()
        )));
    }
}
