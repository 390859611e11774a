//! Given/when/then tests of the job state machine: given past events, when a command
//! arrives, then these events (or this refusal).

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    JobAttemptFailed, JobFailed, JobSpec, JobStarted, JobSubmitted, JobSucceeded,
};

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::Event;

use crate::{Admission, Command, DecideError, Job, JobStatus, RecordedEvent, decide, fold};

pub(super) const MAX: u32 = 4;

/// The time every command is decided at: after every deferral the tests record.
pub(super) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_000, 0).expect("valid time")
}

/// The job these events (stream sequences 1, 2, ...) fold into.
pub(super) fn given(payloads: Vec<Payload>) -> Job {
    let recorded: Vec<RecordedEvent> = payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| recorded(i as u64 + 1, p))
        .collect();
    fold(&recorded)
}

/// `payload` as job-1's event at stream sequence `sequence`.
pub(super) fn recorded(sequence: u64, payload: Payload) -> RecordedEvent {
    RecordedEvent {
        sequence,
        event: Event {
            job_id: "job-1".into(),
            tenant: "acme".into(),
            actor: "test".into(),
            occurred_at: Some(crate::to_timestamp(now())),
            payload: Some(payload),
            ..Default::default()
        },
    }
}

/// `command` decided on `job` now.
pub(super) fn when(job: &Job, command: Command) -> Result<Vec<Payload>, DecideError> {
    decide(job, command, now())
}

/// The job after `events` are recorded on top of it.
pub(super) fn then(job: Job, events: &[Payload]) -> Job {
    events.iter().fold(job, |job, payload| {
        let sequence = job.last_sequence + 1;
        crate::evolve(job, &recorded(sequence, payload.clone()))
    })
}

pub(super) fn submitted() -> Payload {
    Payload::JobSubmitted(JobSubmitted {
        spec: Some(JobSpec {
            urls: vec!["https://example.com/".into()],
            ..Default::default()
        }),
        idempotency_key: "k".into(),
        spec_sha256: "abc".into(),
        ..Default::default()
    })
}

pub(super) fn started(attempt: u32) -> Payload {
    Payload::JobStarted(JobStarted {
        attempt,
        worker_id: "w".into(),
        ..Default::default()
    })
}

pub(super) fn attempt_failed(attempt: u32, retryable: bool) -> Payload {
    Payload::JobAttemptFailed(failure(attempt, retryable))
}

pub(super) fn failure(attempt: u32, retryable: bool) -> JobAttemptFailed {
    JobAttemptFailed {
        attempt,
        error_class: "http_5xx".into(),
        message: "503 from https://example.com/".into(),
        retryable,
        next_attempt_at: Some(prost_types::Timestamp {
            seconds: 10,
            nanos: 0,
        }),
        duration_ms: 5,
        ..Default::default()
    }
}

pub(super) fn start() -> Command {
    Command::Start {
        worker_id: "w2".into(),
        max_attempts: MAX,
        work_sequence: 0,
        admission: Admission::Ready,
        proxy: String::new(),
    }
}

#[test]
fn given_nothing_when_submitted_then_job_submitted() {
    let job = given(vec![]);
    let cmd = Command::Submit {
        spec: Box::default(),
        idempotency_key: String::new(),
        spec_sha256: "x".into(),
        subject_ref: String::new(),
        domain: "example.com".into(),
    };
    let events = when(&job, cmd).expect("accepted");
    let [Payload::JobSubmitted(submitted)] = events.as_slice() else {
        panic!("expected JobSubmitted, got {events:?}");
    };
    assert_eq!(submitted.spec_sha256, "x");
    assert_eq!(
        submitted.domain, "example.com",
        "the domain rides on the event"
    );
    let after = then(job, &events);
    assert_eq!(after.status, JobStatus::Queued);
    assert_eq!(
        after.work_sequence, 1,
        "JobSubmitted is the first work message"
    );
}

#[test]
fn given_submitted_when_submitted_again_then_refused_with_original_sequence() {
    let job = given(vec![submitted()]);
    let cmd = Command::Submit {
        spec: Box::default(),
        idempotency_key: "k".into(),
        spec_sha256: "x".into(),
        subject_ref: String::new(),
        domain: "example.com".into(),
    };
    assert_eq!(
        when(&job, cmd),
        Err(DecideError::AlreadySubmitted { sequence: 1 })
    );
}

#[test]
fn given_submitted_when_started_then_attempt_one() {
    let job = given(vec![submitted()]);
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(when(&job, start()), Ok(vec![started(1).with_worker("w2")]));
}

#[test]
fn given_a_running_attempt_lost_when_started_again_then_the_next_attempt_counts_it() {
    let job = given(vec![submitted(), started(1)]);
    assert_eq!(when(&job, start()), Ok(vec![started(2).with_worker("w2")]));
}

#[test]
fn given_all_attempts_lost_when_started_then_the_job_fails() {
    let job = given(vec![
        submitted(),
        started(1),
        started(2),
        started(3),
        started(4),
    ]);
    let events = when(&job, start()).expect("decided");
    match events.as_slice() {
        [
            Payload::JobDeadLettered(dead),
            Payload::JobFailed(JobFailed {
                attempts: 4,
                error_class,
                ..
            }),
        ] => {
            assert_eq!(error_class, "worker_lost");
            assert_eq!(dead.reason, "worker_lost");
            assert_eq!(dead.attempts.len(), 4, "one error per lost attempt");
        }
        other => panic!("expected JobDeadLettered then JobFailed, got {other:?}"),
    }
}

#[test]
fn given_running_when_succeeded_then_job_succeeded() {
    let job = given(vec![submitted(), started(1)]);
    let result = JobSucceeded {
        attempt: 1,
        result_key: "job-1/result.json".into(),
        ..Default::default()
    };
    let events = when(&job, Command::Succeed(result.clone())).expect("accepted");
    assert_eq!(events, vec![Payload::JobSucceeded(result)]);
}

#[test]
fn given_a_newer_attempt_when_a_stale_attempt_succeeds_then_refused() {
    let job = given(vec![submitted(), started(1), started(2)]);
    let result = JobSucceeded {
        attempt: 1,
        ..Default::default()
    };
    let err = when(&job, Command::Succeed(result)).expect_err("stale");
    assert!(
        err.to_string()
            .contains("attempt 1 is stale, attempt 2 is running"),
        "{err}"
    );
}

#[test]
fn given_running_when_a_retryable_attempt_fails_then_queued_for_the_next() {
    let job = given(vec![submitted(), started(1)]);
    let cmd = Command::FailAttempt {
        failure: failure(1, true),
        max_attempts: MAX,
    };
    let events = when(&job, cmd).expect("accepted");
    assert_eq!(events, vec![attempt_failed(1, true)]);
    let after = given(vec![submitted(), started(1), attempt_failed(1, true)]);
    assert_eq!(after.status, JobStatus::Queued);
    assert_eq!(
        when(&after, start()),
        Ok(vec![started(2).with_worker("w2")])
    );
}

#[test]
fn given_the_last_attempt_when_it_fails_then_attempt_failed_and_job_failed_together() {
    let job = given(vec![
        submitted(),
        started(1),
        attempt_failed(1, true),
        started(2),
        attempt_failed(2, true),
        started(3),
        attempt_failed(3, true),
        started(4),
    ]);
    let cmd = Command::FailAttempt {
        failure: failure(4, true),
        max_attempts: MAX,
    };
    let events = when(&job, cmd).expect("accepted");
    match events.as_slice() {
        [
            Payload::JobAttemptFailed(last),
            Payload::JobDeadLettered(dead),
            Payload::JobFailed(failed),
        ] => {
            assert!(!last.retryable, "the last attempt is never retryable");
            assert_eq!(last.next_attempt_at, None);
            assert_eq!(failed.attempts, 4);
            assert_eq!(dead.reason, "attempts_exhausted");
            let attempts: Vec<u32> = dead.attempts.iter().map(|e| e.attempt).collect();
            assert_eq!(attempts, [1, 2, 3, 4], "every attempt's error");
            assert!(dead.attempts.iter().all(|e| e.error_class == "http_5xx"));
        }
        other => panic!("expected attempt failure, dead letter, job failure, got {other:?}"),
    }
}

#[test]
fn given_running_when_a_non_retryable_error_then_the_job_fails_at_once() {
    let job = given(vec![submitted(), started(1)]);
    let cmd = Command::FailAttempt {
        failure: failure(1, false),
        max_attempts: MAX,
    };
    let events = when(&job, cmd).expect("accepted");
    assert!(matches!(
        events.as_slice(),
        [
            Payload::JobAttemptFailed(_),
            Payload::JobDeadLettered(_),
            Payload::JobFailed(JobFailed { attempts: 1, .. })
        ]
    ));
}

#[test]
fn given_succeeded_when_started_then_refused_as_terminal() {
    let job = given(vec![
        submitted(),
        started(1),
        Payload::JobSucceeded(JobSucceeded {
            attempt: 1,
            ..Default::default()
        }),
    ]);
    assert_eq!(job.status, JobStatus::Succeeded);
    let err = when(&job, start()).expect_err("terminal");
    assert_eq!(
        err,
        DecideError::Terminal {
            status: JobStatus::Succeeded
        }
    );
    assert_eq!(err.to_string(), "job is already succeeded");
}

#[test]
fn given_nothing_when_started_then_not_found() {
    assert_eq!(when(&given(vec![]), start()), Err(DecideError::NotFound));
}

#[test]
fn given_queued_when_cancelled_then_job_cancelled() {
    let job = given(vec![submitted()]);
    let events = when(
        &job,
        Command::Cancel {
            reason: "client".into(),
        },
    )
    .expect("accepted");
    assert!(matches!(events.as_slice(), [Payload::JobCancelled(_)]));
}

#[test]
fn the_fold_tracks_sequences_attempts_and_errors() {
    let job = given(vec![
        submitted(),
        started(1),
        attempt_failed(1, true),
        started(2),
    ]);
    assert_eq!(job.last_sequence, 4);
    assert_eq!(job.submitted_sequence, 1);
    assert_eq!(job.attempts, 2);
    assert_eq!(job.running_attempt, Some(2));
    assert_eq!(job.tenant, "acme");
    assert_eq!(job.last_error.as_ref().map(|e| e.attempt), Some(1));
}

trait WithWorker {
    fn with_worker(self, worker: &str) -> Self;
}

impl WithWorker for Payload {
    fn with_worker(self, worker: &str) -> Self {
        match self {
            Payload::JobStarted(s) => Payload::JobStarted(JobStarted {
                worker_id: worker.into(),
                ..s
            }),
            other => other,
        }
    }
}
