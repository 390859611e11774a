//! WatchJob: the job's events from the first, each with the state it leads to, ending
//! right after the event that makes the job terminal.

use std::pin::Pin;

use futures::{Stream, StreamExt, stream};
use jetcrawl_proto::v1::JobEvent;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::{Job, RecordedEvent, StoreError, evolve};
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
}

impl Gateway {
    /// Streams the caller's job `job_id`; NOT_FOUND when it has no history. Dropping the
    /// stream (the client went away) deletes the ordered consumer behind it.
    pub async fn watch_job(
        &self,
        caller: &Caller,
        job_id: &str,
    ) -> Result<JobEventStream, GatewayError> {
        let span = tracing::info_span!("watch_job", tenant = %caller.tenant, job_id);
        async {
            let current = self.get_job(caller, job_id).await?;
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
            };
            let events =
                stream::unfold(fold, next_event).take_until(self.closing.clone().cancelled_owned());
            Ok(Box::pin(events) as JobEventStream)
        }
        .instrument(span)
        .await
    }
}

async fn next_event(mut fold: Fold) -> Option<(Result<JobEvent, GatewayError>, Fold)> {
    if fold.done {
        return None;
    }
    match fold.events.next().await? {
        Ok(recorded) => {
            fold.job = evolve(std::mem::take(&mut fold.job), &recorded);
            fold.done = fold.job.status.is_terminal() && recorded.sequence >= fold.caught_up_at;
            let mut event = recorded.event;
            if let Some(Payload::JobSubmitted(submitted)) = event.payload.as_mut() {
                submitted.spec = fold.spec.clone();
            }
            let event = JobEvent {
                sequence: recorded.sequence,
                state: fold.job.status.to_proto() as i32,
                event: Some(event),
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
