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
        let mut outcome = Outcome::NotRecorded;
        let failed = |source, outcome| ExecuteError::Store {
            job_id: job_id.to_owned(),
            source,
            outcome,
        };
        let identity = Job {
            id: job_id.to_owned(),
            ..Job::default()
        };
        let (mut job, mut guessed) = match basis {
            Basis::Guess(job) => (*job, true),
            Basis::Load => {
                let loaded = self.load_retrying(&identity, retry).await;
                (loaded.map_err(|err| failed(err, outcome))?, false)
            }
        };
        for _ in 0..retry.decisions {
            let command = intent
                .command(&job, now)
                .await
                .map_err(ExecuteError::Intent)?;
            let decided = decide(&job, command, now);
            let payloads = match decided {
                Ok(payloads) if !payloads.is_empty() => payloads,
                _ if std::mem::take(&mut guessed) => {
                    let loaded = self.load_retrying(&job, retry).await;
                    job = loaded.map_err(|err| failed(err, outcome))?;
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
                    return Err(ExecuteError::Refused {
                        job: Box::new(job),
                        error,
                    });
                }
            };
            let events: Vec<_> = payloads
                .iter()
                .map(|p| new_event_at(job_id, &job.tenant, actor, &job.traceparent, p.clone(), now))
                .collect();
            match self
                .append_retrying(job.last_sequence, &events, retry, &mut outcome)
                .await
            {
                Ok(appended) => {
                    return Ok(Executed {
                        job: recorded(job, events, appended),
                        payloads,
                        duplicate: appended.duplicate,
                    });
                }
                Err(StoreError::Conflict { .. }) => {
                    guessed = false;
                    let loaded = self.load_retrying(&job, retry).await;
                    job = loaded.map_err(|err| failed(err, outcome))?;
                }
                Err(err) => return Err(failed(err, outcome)),
            }
        }
        Err(ExecuteError::Contended {
            job_id: job_id.to_owned(),
            decisions: retry.decisions,
        })
    }

    /// The job read from the log. A job with no events keeps the identity of `known`
    /// (id, tenant, trace), which its first event's envelope needs.
    async fn load_retrying(&self, known: &Job, retry: Retry) -> Result<Job, StoreError> {
        let loaded = retry
            .transient(|| self.load(&known.id), StoreError::is_transient)
            .await?;
        Ok(match loaded.status {
            JobStatus::New => Job {
                id: known.id.clone(),
                tenant: known.tenant.clone(),
                traceparent: known.traceparent.clone(),
                ..loaded
            },
            _ => loaded,
        })
    }

    /// Appends the same events (same bytes, so JetStream's message id recognises a
    /// repeat) until stored or refused for good.
    async fn append_retrying(
        &self,
        expected_last: u64,
        events: &[jetcrawl_proto::v1::Event],
        retry: Retry,
        outcome: &mut Outcome,
    ) -> Result<Appended, StoreError> {
        // Every transient failure is seen here: the append was sent and may be stored.
        let unconfirmed = AtomicBool::new(false);
        let appended = retry
            .transient(
                || self.append(expected_last, events),
                |err: &StoreError| {
                    let transient = err.is_transient();
                    unconfirmed.fetch_or(transient, Ordering::Relaxed);
                    transient
                },
            )
            .await;
        if unconfirmed.into_inner() {
            *outcome = Outcome::Unknown;
        }
        appended
    }
}

/// The job with `events` applied, the last one stored at `appended.sequence`.
fn recorded(job: Job, events: Vec<jetcrawl_proto::v1::Event>, appended: Appended) -> Job {
    let first = appended.sequence + 1 - events.len() as u64;
    events
        .into_iter()
        .zip(first..)
        .fold(job, |job, (event, sequence)| {
            evolve(job, &RecordedEvent { sequence, event })
        })
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
