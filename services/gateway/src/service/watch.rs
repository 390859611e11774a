//! WatchJob: the job's events from the first, each with the state it leads to, ending
//! right after the event that makes the job terminal. On request, the running attempt's
//! progress (core NATS, published by the worker, never recorded) comes in between once
//! the watch has caught up with the job.

use std::pin::Pin;

use futures::future::Either;
use futures::{Stream, StreamExt, stream};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobEvent, JobProgress};
use jetcrawl_streams::subjects::progress_subject;
use jetcrawl_streams::{Job, JobStatus, RecordedEvent, StoreError, evolve};
use prost::Message as _;
use tracing::Instrument;

use super::get::read_error;
use super::{Caller, Gateway};
use crate::error::GatewayError;

/// The events of one job, ending at its terminal state or at the first read error.
pub type JobEventStream = Pin<Box<dyn Stream<Item = Result<JobEvent, GatewayError>> + Send>>;

type Recorded = Pin<Box<dyn Stream<Item = Result<RecordedEvent, StoreError>> + Send>>;

struct Fold {
    job_id: String,
    events: Recorded,
    job: Job,
    /// The job's last sequence when the watch began: a terminal state before it is not
    /// the end (a replay reopened the job), only one at or after it.
    caught_up_at: u64,
    done: bool,
    /// The spec as [`Gateway::reveal`] opened it, shown in place of the sealed one.
    spec: Option<jetcrawl_proto::v1::JobSpec>,
    /// The sequence of the last event streamed.
    last_sequence: u64,
    /// The job's progress subject, when the watcher asked for progress.
    progress: Option<async_nats::Subscriber>,
}

impl Gateway {
    /// Streams the caller's job `job_id`, with its progress between events when
    /// `progress` is set; NOT_FOUND when it has no history. Dropping the stream (the
    /// client went away) deletes the ordered consumer and the subscription behind it.
    pub async fn watch_job(
        &self,
        caller: &Caller,
        job_id: &str,
        progress: bool,
    ) -> Result<JobEventStream, GatewayError> {
        let span = tracing::info_span!("watch_job", tenant = %caller.tenant, job_id);
        async {
            let current = self.get_job(caller, job_id).await?;
            let progress = match progress {
                true => Some(self.progress_of(job_id).await?),
                false => None,
            };
            let events = self
                .store
                .watch(job_id)
                .await
                .map_err(|err| read_error(job_id, err))?;
            let fold = Fold {
                job_id: job_id.to_owned(),
                events: Box::pin(events),
                job: Job::default(),
                caught_up_at: current.last_sequence,
                done: false,
                spec: current.spec,
                last_sequence: 0,
                progress,
            };
            let events =
                stream::unfold(fold, next_event).take_until(self.closing.clone().cancelled_owned());
            Ok(Box::pin(events) as JobEventStream)
        }
        .instrument(span)
        .await
    }

    async fn progress_of(&self, job_id: &str) -> Result<async_nats::Subscriber, GatewayError> {
        self.store
            .context()
            .client()
            .subscribe(progress_subject(job_id))
            .await
            .map_err(|err| {
                GatewayError::unavailable_because(
                    "cannot follow the job's progress right now; retry, or watch without it",
                    err,
                )
            })
    }
}

async fn next_event(mut fold: Fold) -> Option<(Result<JobEvent, GatewayError>, Fold)> {
    loop {
        if fold.done {
            return None;
        }
        let Some(progress) = fold.progress.as_mut() else {
            let next = fold.events.next().await?;
            return fold_event(fold, next);
        };
        let next = tokio::select! {
            biased;
            event = fold.events.next() => Either::Left(event),
            message = progress.next() => Either::Right(message),
        };
        match next {
            Either::Left(event) => return fold_event(fold, event?),
            Either::Right(Some(message)) => {
                if let Some(item) = progress_item(&fold, &message.payload) {
                    return Some((Ok(item), fold));
                }
            }
            // The subscription ended (the gateway is closing): events only from here.
            Either::Right(None) => fold.progress = None,
        }
    }
}

/// A progress report as a stream item, once the watch has caught up with the job and
/// while it runs (a report that arrives late, after the attempt ended, is dropped).
fn progress_item(fold: &Fold, payload: &[u8]) -> Option<JobEvent> {
    let caught_up = fold.last_sequence >= fold.caught_up_at;
    if !caught_up || fold.job.status != JobStatus::Running {
        return None;
    }
    let progress = JobProgress::decode(payload).ok()?;
    Some(JobEvent {
        sequence: fold.last_sequence,
        state: fold.job.status.to_proto() as i32,
        event: None,
        progress: Some(progress),
    })
}

fn fold_event(
    mut fold: Fold,
    next: Result<RecordedEvent, StoreError>,
) -> Option<(Result<JobEvent, GatewayError>, Fold)> {
    match next {
        Ok(recorded) => {
            fold.job = evolve(std::mem::take(&mut fold.job), &recorded);
            fold.last_sequence = recorded.sequence;
            fold.done = fold.job.status.is_terminal() && recorded.sequence >= fold.caught_up_at;
            let mut event = recorded.event;
            if let Some(Payload::JobSubmitted(submitted)) = event.payload.as_mut() {
                submitted.spec = fold.spec.clone();
            }
            let event = JobEvent {
                sequence: recorded.sequence,
                state: fold.job.status.to_proto() as i32,
                event: Some(event),
                progress: None,
            };
            Some((Ok(event), fold))
        }
        Err(err) => {
            fold.done = true;
            let err = read_error(&fold.job_id, err);
            Some((Err(err), fold))
        }
    }
}
