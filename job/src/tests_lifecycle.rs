//! Given/when/then tests of the lifecycle rules: dead letters, replays, cancellation and
//! politeness deferrals.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    JobCancelRequested, JobDeadLettered, JobDeferred, JobFailed, JobReplayed, JobStarted,
    JobSucceeded,
};

use crate::tests::{MAX, attempt_failed, failure, given, start, started, submitted, when};
use crate::{Admission, Command, DecideError, JobStatus};

fn ts(seconds: i64) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds, nanos: 0 }
}

fn deferred() -> Payload {
    Payload::JobDeferred(JobDeferred {
        not_before: Some(ts(100)),
        reason: "crawl-delay".into(),
        ..Default::default()
    })
}

fn dead_lettered_after_four() -> Vec<Payload> {
    let mut history = vec![submitted()];
    for n in 1..=3 {
        history.extend([started(n), attempt_failed(n, true)]);
    }
    history.push(started(4));
    history.extend(
        when(
            &given(history.clone()),
            Command::FailAttempt {
                failure: failure(4, true),
                max_attempts: MAX,
            },
        )
        .expect("last attempt fails"),
    );
    history
}

fn start_with(admission: Admission) -> Command {
    Command::Start {
        worker_id: "w2".into(),
        max_attempts: MAX,
        work_sequence: 0,
        admission,
        proxy: String::new(),
    }
}

fn replay() -> Command {
    Command::Replay {
        by: "admin:ops".into(),
        reason: "site fixed".into(),
    }
}

fn request_cancel() -> Command {
    Command::RequestCancel {
        reason: "not needed".into(),
        by: "client:acme".into(),
    }
}

#[test]
fn given_dead_lettered_when_replayed_then_a_fresh_round_of_attempts_keeps_the_history() {
    let mut history = dead_lettered_after_four();
    let job = given(history.clone());
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.dead_lettered);
    let events = when(&job, replay()).expect("replay accepted");
    assert!(
        matches!(events.as_slice(), [Payload::JobReplayed(JobReplayed { by, .. })] if by == "admin:ops")
    );
    history.extend(events);
    let replayed = given(history.clone());
    assert_eq!(replayed.status, JobStatus::Queued);
    assert_eq!(replayed.attempts, 0);
    assert!(!replayed.dead_lettered);
    assert_eq!(replayed.replays, 1);
    assert_eq!(
        replayed.work_sequence, replayed.last_sequence,
        "the JobReplayed message is the job's work message now"
    );
    assert_eq!(
        when(&replayed, start()),
        Ok(vec![Payload::JobStarted(JobStarted {
            attempt: 1,
            worker_id: "w2".into(),
            ..Default::default()
        })]),
        "attempts restart at 1"
    );
    assert!(history.len() > 10, "the history is kept");
}

#[test]
fn given_a_job_not_failed_when_replayed_then_refused_naming_its_state() {
    let succeeded = given(vec![
        submitted(),
        started(1),
        Payload::JobSucceeded(JobSucceeded {
            attempt: 1,
            ..Default::default()
        }),
    ]);
    let err = when(&succeeded, replay()).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "cannot replay a job that is succeeded; only a failed (dead-lettered) job can be replayed"
    );
    let running = given(vec![submitted(), started(1)]);
    assert!(when(&running, replay()).is_err());
    assert_eq!(when(&given(vec![]), replay()), Err(DecideError::NotFound));
}

#[test]
fn given_queued_when_a_cancel_is_requested_then_cancelled_at_once() {
    let job = given(vec![submitted()]);
    let events = when(&job, request_cancel()).expect("accepted");
    match events.as_slice() {
        [Payload::JobCancelled(c)] => assert!(c.reason.contains("client:acme"), "{}", c.reason),
        other => panic!("expected JobCancelled, got {other:?}"),
    }
}

#[test]
fn given_running_when_a_cancel_is_requested_then_the_worker_is_asked_to_stop() {
    let job = given(vec![submitted(), started(1)]);
    let events = when(&job, request_cancel()).expect("accepted");
    assert!(matches!(
        events.as_slice(),
        [Payload::JobCancelRequested(_)]
    ));
    let mut history = vec![submitted(), started(1)];
    history.extend(events);
    let asked = given(history.clone());
    assert_eq!(asked.status, JobStatus::Running);
    assert_eq!(
        when(&asked, request_cancel()),
        Ok(vec![]),
        "a second request adds nothing"
    );
    let stop = when(
        &asked,
        Command::Cancel {
            reason: "stopped at a step boundary".into(),
        },
    )
    .expect("the worker cancels");
    assert!(matches!(stop.as_slice(), [Payload::JobCancelled(_)]));
}

#[test]
fn given_a_cancel_request_when_the_job_is_redelivered_or_fails_then_it_ends_cancelled() {
    let history = vec![
        submitted(),
        started(1),
        Payload::JobCancelRequested(JobCancelRequested {
            reason: "r".into(),
            by: "client:acme".into(),
        }),
    ];
    let job = given(history);
    assert!(matches!(
        when(&job, start()).expect("decided").as_slice(),
        [Payload::JobCancelled(_)]
    ));
    let failed = when(
        &job,
        Command::FailAttempt {
            failure: failure(1, true),
            max_attempts: MAX,
        },
    )
    .expect("decided");
    match failed.as_slice() {
        [Payload::JobAttemptFailed(f), Payload::JobCancelled(_)] => {
            assert!(!f.retryable, "no retry after a cancel request");
        }
        other => panic!("expected attempt failure then cancel, got {other:?}"),
    }
}

#[test]
fn given_finished_when_a_cancel_is_requested_then_refused_with_its_state() {
    let job = given(dead_lettered_after_four());
    let err = when(&job, request_cancel()).expect_err("finished");
    assert_eq!(
        err,
        DecideError::Terminal {
            status: JobStatus::Failed
        }
    );
    assert_eq!(err.to_string(), "job is already failed");
}

#[test]
fn given_many_deferrals_then_the_job_still_gets_all_its_attempts() {
    let mut history = vec![submitted()];
    for _ in 0..25 {
        history.push(deferred());
    }
    for n in 1..=3 {
        history.extend([deferred(), started(n), attempt_failed(n, true), deferred()]);
    }
    let job = given(history.clone());
    assert_eq!(job.attempts, 3, "deferrals never count as attempts");
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.not_before.map(|t| t.timestamp()), Some(100));
    assert_eq!(
        when(&job, start()),
        Ok(vec![Payload::JobStarted(JobStarted {
            attempt: 4,
            worker_id: "w2".into(),
            ..Default::default()
        })])
    );
}

#[test]
fn given_queued_when_deferred_then_job_deferred_and_the_deferral_is_the_work_message() {
    let job = given(vec![submitted()]);
    let wait = Admission::Wait {
        not_before: crate::to_datetime(&ts(2_000)),
        reason: "domain quota".into(),
    };
    let events = when(&job, start_with(wait.clone())).expect("accepted");
    assert!(matches!(events.as_slice(), [Payload::JobDeferred(_)]));
    let after = given(vec![submitted(), deferred()]);
    assert_eq!(after.work_sequence, 2);
    assert_eq!(
        when(&given(vec![]), start_with(wait)),
        Err(DecideError::NotFound)
    );
}

#[test]
fn given_a_lost_last_attempt_when_deliveries_run_out_then_dead_lettered_with_every_error() {
    let job = given(vec![
        submitted(),
        started(1),
        attempt_failed(1, true),
        started(2),
    ]);
    let events = when(
        &job,
        Command::DeadLetter {
            reason: "max_deliveries".into(),
            work_sequence: 1,
        },
    )
    .expect("accepted");
    match events.as_slice() {
        [
            Payload::JobDeadLettered(JobDeadLettered {
                reason, attempts, ..
            }),
            Payload::JobFailed(JobFailed {
                attempts: 2,
                error_class,
                ..
            }),
        ] => {
            assert_eq!(reason, "max_deliveries");
            let classes: Vec<&str> = attempts.iter().map(|e| e.error_class.as_str()).collect();
            assert_eq!(classes, ["http_5xx", "worker_lost"]);
            assert_eq!(error_class, "worker_lost");
        }
        other => panic!("expected dead letter then failure, got {other:?}"),
    }
}

#[test]
fn given_succeeded_when_anything_but_replay_then_refused_as_terminal() {
    let job = given(vec![
        submitted(),
        started(1),
        Payload::JobSucceeded(JobSucceeded {
            attempt: 1,
            ..Default::default()
        }),
    ]);
    for command in [
        start(),
        start_with(Admission::Wait {
            not_before: crate::to_datetime(&ts(1)),
            reason: String::new(),
        }),
        Command::DeadLetter {
            reason: "max_deliveries".into(),
            work_sequence: 0,
        },
        request_cancel(),
    ] {
        assert_eq!(
            when(&job, command),
            Err(DecideError::Terminal {
                status: JobStatus::Succeeded
            })
        );
    }
}

#[test]
fn given_a_newer_work_message_when_an_old_one_runs_out_of_deliveries_then_refused() {
    let job = given(vec![submitted(), deferred(), started(1)]);
    let err = when(
        &job,
        Command::DeadLetter {
            reason: "max_deliveries".into(),
            work_sequence: 1,
        },
    )
    .expect_err("stale");
    assert_eq!(
        err,
        DecideError::StaleWork {
            work_sequence: 1,
            current: 2
        }
    );
}
