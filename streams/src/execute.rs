//! The one way to write a job's events, in the spirit of `cqrs-es`'s `execute` and
//! `esrs`'s `handle_command`: take the job's state (read it, or start from a state the
//! caller already knows), `decide`, append with the job's last sequence expected, and on
//! a concurrent change read the job again and decide again.
//!
//! The fast path lives here too: a caller that knows the job's likely state (a fresh
//! submit, a work message that is the job's JobSubmitted, the job as its attempt began)
//! passes it as a [`Basis::Guess`] and the write costs one round trip. The guess is
//! safe: the append expects the guessed last sequence, so a wrong guess is refused by
//! JetStream and the job is read; and a decision not to append (a refusal, or nothing
//! to do) is never taken on a guess, only on a state read from the log.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use thiserror::Error;

use crate::envelope::{RecordedEvent, new_event_at};
use crate::error::StoreError;
use crate::job::{Command, DecideError, Job, JobStatus, decide, evolve};
use crate::retry::Retry;
use crate::store::{Appended, EventStore};

/// Where `execute` starts from.
#[derive(Debug, Clone)]
pub enum Basis {
    /// Read the job's history first.
    Load,
    /// Decide on this state without reading (the fast path). For a job that does not
    /// exist yet, a `Job` with only `id`, `tenant` and `traceparent` set: they go in the
    /// envelope of its first event.
    Guess(Box<Job>),
}

/// Turns the job's current state into the command to decide. A plain [`Command`] is
/// its own intent; a caller that must consult something first (the worker asks the
/// crawl controller whether the job may start) gathers those inputs here, so `decide`
/// stays pure. Called again with the new state after every concurrent change.
pub trait Intent: Send {
    /// Why the inputs could not be gathered.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The command for `job` at `now`.
    fn command(
        &mut self,
        job: &Job,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Command, Self::Error>> + Send;
}

impl Intent for Command {
    type Error = Infallible;

    fn command(
        &mut self,
        _job: &Job,
        _now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Command, Infallible>> + Send {
        std::future::ready(Ok(self.clone()))
    }
}

/// An intent lent to `execute`, so the caller can read what it gathered afterwards.
impl<I: Intent> Intent for &mut I {
    type Error = I::Error;

    fn command(
        &mut self,
        job: &Job,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Command, I::Error>> + Send {
        (**self).command(job, now)
    }
}

/// What a command recorded.
#[derive(Debug, Clone)]
pub struct Executed {
    /// The job after the events.
    pub job: Job,
    /// The events recorded; empty when the command was already satisfied.
    pub payloads: Vec<Payload>,
    /// True when JetStream recognised the append as a repeat of one it had stored (the
    /// same events at the same position: an earlier try whose answer was lost).
    pub duplicate: bool,
}

/// Whether a failed `execute` may have recorded its events anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was sent, or JetStream refused it: nothing was recorded.
    NotRecorded,
    /// An append was sent and not confirmed: it may be stored.
    Unknown,
}

/// Why a command recorded nothing (or may not have), grouped by how to react.
#[derive(Debug, Error)]
pub enum ExecuteError<E: std::error::Error + 'static = Infallible> {
    /// The state machine refused it; `job` is the state (read from the log) it was
    /// decided on. The caller's answer, never retried.
    #[error("{error}")]
    Refused {
        /// The job as read.
        job: Box<Job>,
        /// The refusal.
        #[source]
        error: DecideError,
    },
    /// The job kept changing concurrently; trying again later is safe.
    #[error("job {job_id} changed {decisions} times while recording; retry")]
    Contended {
        /// The job.
        job_id: String,
        /// Decisions tried.
        decisions: u32,
    },
    /// The event log failed; `source` says whether retrying may help.
    #[error("job {job_id}: {source}")]
    Store {
        /// The job.
        job_id: String,
        /// The failure.
        #[source]
        source: StoreError,
        /// Whether the events may have been recorded anyway.
        outcome: Outcome,
    },
    /// The intent could not gather its inputs.
    #[error(transparent)]
    Intent(E),
}

impl<E: std::error::Error + 'static> ExecuteError<E> {
    /// True when trying the same command again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Contended { .. } => true,
            Self::Store { source, .. } => source.is_transient(),
            Self::Refused { .. } | Self::Intent(_) => false,
        }
    }
}

impl EventStore {
    /// Records what `intent` decides on job `job_id` as `actor` at `now`: see the module
    /// documentation. Every event of a job is written through here.
    pub async fn execute<I: Intent>(
        &self,
        job_id: &str,
        basis: Basis,
        actor: &str,
        mut intent: I,
        now: DateTime<Utc>,
        retry: Retry,
    ) -> Result<Executed, ExecuteError<I::Error>> {
        let mut write = Write {
            store: self,
            job_id,
            actor,
            now,
            retry,
            outcome: Outcome::NotRecorded,
        };
        let (mut job, mut guessed) = match basis {
            Basis::Guess(job) => (*job, true),
            Basis::Load => (write.load(&Job::default()).await?, false),
        };
        for _ in 0..retry.decisions {
            let command = intent
                .command(&job, now)
                .await
                .map_err(ExecuteError::Intent)?;
            let payloads = match decide(&job, command, now) {
                Ok(payloads) if !payloads.is_empty() => payloads,
                // Neither a refusal nor "nothing to do" is taken on a guess.
                _ if std::mem::take(&mut guessed) => {
                    job = write.load(&job).await?;
                    continue;
                }
                Ok(payloads) => {
                    return Ok(Executed {
                        job,
                        payloads,
                        duplicate: false,
                    });
                }
                Err(error) => {
                    let job = Box::new(job);
                    return Err(ExecuteError::Refused { job, error });
                }
            };
            match write.append(&job, payloads).await {
                Ok((job, payloads, duplicate)) => {
                    return Ok(Executed {
                        job,
                        payloads,
                        duplicate,
                    });
                }
                Err(StoreError::Conflict { .. }) => {
                    guessed = false;
                    job = write.load(&job).await?;
                }
                Err(err) => return Err(write.failed(err)),
            }
        }
        Err(ExecuteError::Contended {
            job_id: job_id.to_owned(),
            decisions: retry.decisions,
        })
    }
}

/// One `execute` call's reads and appends.
struct Write<'a> {
    store: &'a EventStore,
    job_id: &'a str,
    actor: &'a str,
    now: DateTime<Utc>,
    retry: Retry,
    /// Whether an append may have been stored although it failed.
    outcome: Outcome,
}

impl Write<'_> {
    fn failed<E: std::error::Error + 'static>(&self, source: StoreError) -> ExecuteError<E> {
        ExecuteError::Store {
            job_id: self.job_id.to_owned(),
            source,
            outcome: self.outcome,
        }
    }

    /// The job read from the log. A job with no events keeps the identity of `known`
    /// (tenant, trace), which its first event's envelope needs.
    async fn load<E: std::error::Error + 'static>(
        &self,
        known: &Job,
    ) -> Result<Job, ExecuteError<E>> {
        let loaded = self
            .retry
            .transient(|| self.store.load(self.job_id), StoreError::is_transient)
            .await
            .map_err(|err| self.failed(err))?;
        Ok(match loaded.status {
            JobStatus::New => Job {
                id: self.job_id.to_owned(),
                tenant: known.tenant.clone(),
                traceparent: known.traceparent.clone(),
                ..loaded
            },
            _ => loaded,
        })
    }

    /// Appends `payloads` after `job`'s last event; the job with them applied, the
    /// payloads back, and whether JetStream recognised them as a repeat. The same bytes
    /// are sent on every try, so JetStream's message id recognises a repeat of one that
    /// landed. The payloads move into the events and back out (a submission's spec is
    /// the bulk of them: no copy on the submit path).
    async fn append(
        &mut self,
        job: &Job,
        payloads: Vec<Payload>,
    ) -> Result<(Job, Vec<Payload>, bool), StoreError> {
        let events: Vec<_> = payloads
            .into_iter()
            .map(|p| {
                let (tenant, trace) = (&job.tenant, &job.traceparent);
                new_event_at(self.job_id, tenant, self.actor, trace, p, self.now)
            })
            .collect();
        // Every transient failure is seen here: the append was sent and may be stored.
        let unconfirmed = AtomicBool::new(false);
        let appended = self
            .retry
            .transient(
                || self.store.append(job.last_sequence, &events),
                |err: &StoreError| {
                    let transient = err.is_transient();
                    unconfirmed.fetch_or(transient, Ordering::Relaxed);
                    transient
                },
            )
            .await;
        if unconfirmed.into_inner() {
            self.outcome = Outcome::Unknown;
        }
        let appended = appended?;
        let (job, payloads) = recorded(job.clone(), events, appended);
        Ok((job, payloads, appended.duplicate))
    }
}

/// The job with `events` applied, the last one stored at `appended.sequence`, and the
/// events' payloads.
fn recorded(
    job: Job,
    events: Vec<jetcrawl_proto::v1::Event>,
    appended: Appended,
) -> (Job, Vec<Payload>) {
    let first = appended.sequence + 1 - events.len() as u64;
    let mut payloads = Vec::with_capacity(events.len());
    let job = events
        .into_iter()
        .zip(first..)
        .fold(job, |job, (event, sequence)| {
            let recorded = RecordedEvent { sequence, event };
            let job = evolve(job, &recorded);
            payloads.extend(recorded.event.payload);
            job
        });
    (job, payloads)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    /// Gateway handlers and worker tasks are spawned: the write must be `Send`.
    #[allow(dead_code)]
    fn execute_is_send(store: EventStore) {
        assert_send(store.execute(
            "job",
            Basis::Load,
            "actor",
            Command::Cancel {
                reason: String::new(),
            },
            Utc::now(),
            Retry::CONFLICTS_ONLY,
        ));
    }
}
