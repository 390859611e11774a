//! Given/when/then tests of starting an attempt: the work message, deferrals, the crawl
//! controller's answer (politeness, robots.txt) and what a start turns into.

use chrono::Duration;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobCancelRequested, JobDeferred, JobStarted, RobotsDisallowed};

use crate::decide::would_start;
use crate::tests::{MAX, attempt_failed, given, now, started, submitted, then, when};
use crate::{Admission, Command, DecideError, JobStatus, ROBOTS_DISALLOWED_CLASS, reason};

fn start(work_sequence: u64, admission: Admission) -> Command {
    Command::Start {
        worker_id: "w1".into(),
        max_attempts: MAX,
        work_sequence,
        admission,
        proxy: "http://proxy-a:3128".into(),
    }
}

fn denial() -> RobotsDisallowed {
    RobotsDisallowed {
        url: "https://example.com/private".into(),
        robots_url: "https://example.com/robots.txt".into(),
        rule: "Disallow: /private".into(),
        user_agent_group: "*".into(),
        product_token: "jetcrawl".into(),
        domain: "example.com".into(),
        url_index: 0,
    }
}

fn deferred_until(seconds_from_now: i64) -> Payload {
    Payload::JobDeferred(JobDeferred {
        not_before: Some(crate::to_timestamp(
            now() + Duration::seconds(seconds_from_now),
        )),
        reason: "crawl-delay".into(),
        ..Default::default()
    })
}

#[test]
fn given_submitted_when_its_work_message_starts_ready_then_attempt_one_with_its_proxy() {
    let job = given(vec![submitted()]);
    let events = when(&job, start(1, Admission::Ready)).expect("started");
    assert_eq!(
        events,
        vec![Payload::JobStarted(JobStarted {
            attempt: 1,
            worker_id: "w1".into(),
            proxy: "http://proxy-a:3128".into(),
        })]
    );
    assert_eq!(then(job, &events).status, JobStatus::Running);
}

#[test]
fn given_a_deferral_when_the_old_work_message_arrives_then_refused_as_stale() {
    let job = given(vec![submitted(), deferred_until(-1)]);
    assert_eq!(
        when(&job, start(1, Admission::Ready)),
        Err(DecideError::StaleWork {
            work_sequence: 1,
            current: 2
        })
    );
    assert!(when(&job, start(2, Admission::Ready)).is_ok());
}

#[test]
fn given_a_deferral_not_over_when_started_then_refused_until_it_is() {
    let job = given(vec![submitted(), deferred_until(30)]);
    assert_eq!(
        when(&job, start(2, Admission::Ready)),
        Err(DecideError::NotYet {
            until: now() + Duration::seconds(30)
        })
    );
    let over = given(vec![submitted(), deferred_until(0)]);
    assert!(matches!(
        when(&over, start(2, Admission::Ready)).as_deref(),
        Ok([Payload::JobStarted(_)])
    ));
}

#[test]
fn given_queued_when_politeness_says_wait_then_deferred_without_using_an_attempt() {
    let job = given(vec![submitted()]);
    let not_before = now() + Duration::seconds(5);
    let admission = Admission::Wait {
        not_before,
        reason: "crawl-delay of example.com".into(),
    };
    let events = when(&job, start(1, admission)).expect("deferred");
    assert!(
        matches!(events.as_slice(), [Payload::JobDeferred(d)] if d.reason.contains("crawl-delay"))
    );
    let after = then(job, &events);
    assert_eq!(after.attempts, 0);
    assert_eq!(after.not_before, Some(not_before));
    assert_eq!(
        after.work_sequence, after.last_sequence,
        "the deferral is the work message"
    );
}

#[test]
fn given_queued_when_politeness_defers_with_a_reserved_slot_then_the_deferral_is_kept() {
    let job = given(vec![submitted()]);
    let wait = JobDeferred {
        domain: "example.com".into(),
        cause: "crawl_delay".into(),
        slot_reserved: true,
        ..Default::default()
    };
    let events = when(&job, start(1, Admission::Defer(wait.clone()))).expect("deferred");
    assert_eq!(events, vec![Payload::JobDeferred(wait.clone())]);
    let after = then(job, &events);
    assert_eq!(after.deferral, Some(wait));
    assert_eq!(after.attempts, 0);
    let restarted = then(after, &[started(1)]);
    assert_eq!(restarted.deferral, None);
}

#[test]
fn given_queued_when_robots_refuse_then_the_job_fails_dead_lettered_without_an_attempt() {
    let job = given(vec![submitted()]);
    let events = when(&job, start(1, Admission::Refuse(denial()))).expect("decided");
    let [
        Payload::RobotsDisallowed(refused),
        Payload::JobDeadLettered(dead),
        Payload::JobFailed(_),
    ] = events.as_slice()
    else {
        panic!("expected RobotsDisallowed, JobDeadLettered, JobFailed; got {events:?}");
    };
    assert_eq!(refused.rule, "Disallow: /private");
    assert_eq!(dead.reason, reason::NON_RETRYABLE);
    assert_eq!(dead.error_class, ROBOTS_DISALLOWED_CLASS);
    assert!(
        dead.message.contains("Disallow: /private"),
        "{}",
        dead.message
    );
    let after = then(job, &events);
    assert_eq!(after.status, JobStatus::Failed);
    assert_eq!(after.attempts, 0);
    assert!(after.dead_lettered);
}

#[test]
fn given_a_retried_job_when_robots_refuse_then_earlier_attempts_stay_in_the_dead_letter() {
    let job = given(vec![submitted(), started(1), attempt_failed(1, true)]);
    let events = when(&job, start(1, Admission::Refuse(denial()))).expect("decided");
    assert!(matches!(&events[1], Payload::JobDeadLettered(d) if d.attempts.len() == 1));
    assert!(matches!(&events[2], Payload::JobFailed(f) if f.attempts == 1));
}

#[test]
fn given_a_cancel_request_when_redelivered_then_cancelled_whatever_the_admission() {
    let job = given(vec![
        submitted(),
        started(1),
        Payload::JobCancelRequested(JobCancelRequested {
            reason: "not needed".into(),
            by: "client:acme".into(),
        }),
    ]);
    for admission in [Admission::Ready, Admission::Refuse(denial())] {
        let events = when(&job, start(1, admission)).expect("decided");
        assert!(
            matches!(events.as_slice(), [Payload::JobCancelled(c)] if c.reason.contains("client:acme"))
        );
    }
}

#[test]
fn the_crawl_controller_is_asked_only_when_an_attempt_would_start() {
    let queued = given(vec![submitted()]);
    assert!(would_start(&queued, MAX, 1, now()));
    assert!(!would_start(&queued, MAX, 7, now()), "stale message");
    let lost_all = given(vec![
        submitted(),
        started(1),
        started(2),
        started(3),
        started(4),
    ]);
    assert!(!would_start(&lost_all, MAX, 1, now()), "attempts used up");
    let waiting = given(vec![submitted(), deferred_until(30)]);
    assert!(!would_start(&waiting, MAX, 2, now()), "deferred");
    assert!(!would_start(&given(vec![]), MAX, 0, now()), "no such job");
}
