//! `decide`: every rule about which events a command may produce. Pure: no I/O, no
//! clock (`now` is an input).

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::JobSubmitted;
use jetcrawl_proto::v1::event::Payload;

use crate::attempt::{dead_letter, fail_attempt, succeed};
use crate::command::{Admission, Command};
use crate::control::{cancel, replay, request_cancel};
use crate::crawl;
use crate::error::DecideError;
use crate::outputs::{expire_result, record_delivery, record_delivery_failure};
use crate::start::start;
use crate::state::{Job, JobStatus};

/// Decides which events `command` produces from `job` at time `now`. An empty list
/// means the command is already satisfied (e.g. a second cancel request, or a webhook
/// outcome recorded by an earlier try).
pub fn decide(
    job: &Job,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Vec<Payload>, DecideError> {
    match command {
        Command::Submit {
            spec,
            idempotency_key,
            spec_sha256,
            subject_ref,
            domain,
        } => {
            if job.status != JobStatus::New {
                return Err(DecideError::AlreadySubmitted {
                    sequence: job.submitted_sequence,
                });
            }
            Ok(vec![Payload::JobSubmitted(JobSubmitted {
                spec: Some(*spec),
                idempotency_key,
                spec_sha256,
                subject_ref,
                domain,
            })])
        }
        Command::Replay { by, reason } => replay(job, by, reason),
        // Facts about a job's outputs: recorded whatever its lifecycle status.
        Command::RecordDelivery(delivered) => record_delivery(job, delivered),
        Command::RecordDeliveryFailure(failed) => record_delivery_failure(job, failed),
        Command::ExpireResult(expired) => expire_result(job, expired),
        Command::Start {
            worker_id,
            max_attempts,
            work_sequence,
            admission,
            proxy,
        } => {
            live(job)?;
            current_work(job, work_sequence)?;
            if job.crawl.is_some() {
                return Err(DecideError::InvalidTransition {
                    action: "start",
                    status: job.status,
                    detail: "; a crawl runs as its page jobs (ADR 0047)".to_owned(),
                });
            }
            start(job, worker_id, max_attempts, admission, proxy, now)
        }
        Command::Succeed(succeeded) => live(job).and_then(|()| succeed(job, succeeded)),
        Command::FailAttempt {
            failure,
            max_attempts,
        } => live(job).and_then(|()| fail_attempt(job, failure, max_attempts)),
        Command::Cancel { reason } => live(job).map(|()| cancel(reason)),
        Command::RequestCancel { reason, by } => {
            live(job).map(|()| request_cancel(job, reason, by))
        }
        Command::RecordAgent(entry) => {
            live(job).and_then(|()| crate::journal::record_agent(job, entry))
        }
        Command::QueuePages {
            from_page,
            pages,
            skipped_scope,
            start_hosts,
        } => live(job)
            .and_then(|()| crawl::queue_pages(job, from_page, pages, skipped_scope, start_hosts)),
        Command::FinishPage(finished) => live(job).and_then(|()| crawl::finish_page(job, finished)),
        Command::EndCrawl(result) => live(job).and_then(|()| crawl::end_crawl(job, result)),
        Command::DeadLetter {
            reason,
            work_sequence,
        } => {
            live(job)?;
            current_work(job, work_sequence)?;
            Ok(dead_letter(job, reason))
        }
    }
}

/// Only a job that exists and has not ended takes lifecycle commands.
fn live(job: &Job) -> Result<(), DecideError> {
    match job.status {
        JobStatus::New => Err(DecideError::NotFound),
        status if status.is_terminal() => Err(DecideError::Terminal { status }),
        _ => Ok(()),
    }
}

/// Only the job's latest work message (JobSubmitted, JobReplayed or JobDeferred) may
/// act on it; 0 skips the check.
fn current_work(job: &Job, work_sequence: u64) -> Result<(), DecideError> {
    if work_sequence != 0 && work_sequence != job.work_sequence {
        return Err(DecideError::StaleWork {
            work_sequence,
            current: job.work_sequence,
        });
    }
    Ok(())
}

/// True when `decide` would start an attempt given a ready admission: the one case
/// where the crawl controller has to be asked (its answer leases a slot).
pub fn would_start(job: &Job, max_attempts: u32, work_sequence: u64, now: DateTime<Utc>) -> bool {
    let ready = Command::Start {
        worker_id: String::new(),
        max_attempts,
        work_sequence,
        admission: Admission::Ready,
        proxy: String::new(),
    };
    matches!(
        decide(job, ready, now).as_deref(),
        Ok([Payload::JobStarted(_)])
    )
}
