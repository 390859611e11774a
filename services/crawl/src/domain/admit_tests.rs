//! Given a domain state, when a job asks or finishes, then...

use super::admit::{Ask, Cause, Decision, Finish, Health, admit, confirm, finish};
use super::state::{BreakerState, DomainState};

fn ask(job_id: &str, now_ms: i64) -> Ask<'_> {
    Ask {
        job_id,
        now_ms,
        interval_ms: 0,
        quota: 0,
        window_ms: 60_000,
        concurrency: 0,
        lease_until_ms: now_ms + 60_000,
        reserved_slot_ms: None,
        not_before_ms: 0,
        recheck_ms: 1_000,
    }
}

fn paced<'a>(job_id: &'a str, now_ms: i64, reserved: Option<i64>) -> Ask<'a> {
    Ask {
        interval_ms: 1_000,
        reserved_slot_ms: reserved,
        ..ask(job_id, now_ms)
    }
}

fn done(job_id: &str, now_ms: i64, health: Health) -> Finish<'_> {
    Finish {
        job_id,
        now_ms,
        health,
        retry_after_ms: None,
        breaker_failures: 3,
        cooldown_ms: 5_000,
    }
}

fn waits(decision: Decision) -> (i64, Cause, bool) {
    match decision {
        Decision::Wait {
            until_ms,
            cause,
            reserved,
        } => (until_ms, cause, reserved),
        Decision::Grant { .. } => panic!("expected a wait, got {decision:?}"),
    }
}

fn granted(decision: Decision) -> bool {
    matches!(decision, Decision::Grant { .. })
}

#[test]
fn crawl_delay_reserves_one_slot_per_waiting_job_and_honours_it() {
    let mut state = DomainState::default();
    assert!(granted(admit(&mut state, &paced("a", 10_000, None))));
    assert_eq!(
        waits(admit(&mut state, &paced("b", 10_010, None))),
        (11_000, Cause::CrawlDelay, true)
    );
    assert_eq!(
        waits(admit(&mut state, &paced("c", 10_020, None))),
        (12_000, Cause::CrawlDelay, true)
    );
    // b comes back at its slot: it starts without queueing behind c.
    assert!(granted(admit(
        &mut state,
        &paced("b", 11_005, Some(11_000))
    )));
    // d arrives later than every reservation.
    assert_eq!(
        waits(admit(&mut state, &paced("d", 11_010, None))).0,
        13_000
    );
}

#[test]
fn a_reserved_slot_still_keeps_the_interval_after_a_late_start() {
    let mut state = DomainState::default();
    assert!(granted(admit(&mut state, &paced("a", 10_000, None))));
    assert_eq!(
        waits(admit(&mut state, &paced("b", 10_000, None))).0,
        11_000
    );
    assert_eq!(
        waits(admit(&mut state, &paced("c", 10_000, None))).0,
        12_000
    );
    // b started 400 ms late; c is on time, so it waits for the gap.
    assert!(granted(admit(
        &mut state,
        &paced("b", 11_400, Some(11_000))
    )));
    assert_eq!(
        waits(admit(&mut state, &paced("c", 12_000, Some(12_000)))),
        (12_400, Cause::CrawlDelay, true)
    );
    assert!(granted(admit(
        &mut state,
        &paced("c", 12_400, Some(12_000))
    )));
}

#[test]
fn a_stale_reservation_queues_again() {
    let mut state = DomainState::default();
    assert!(granted(admit(&mut state, &paced("a", 100_000, None))));
    let (until, ..) = waits(admit(&mut state, &paced("b", 100_000, None)));
    assert_eq!(until, 101_000);
    let mut late = paced("z", 100_500, None);
    late.not_before_ms = 0;
    assert_eq!(waits(admit(&mut state, &late)).0, 102_000);
    // b was away for minutes: its slot is gone, it gets a fresh one.
    assert!(granted(admit(
        &mut state,
        &paced("b", 300_000, Some(101_000))
    )));
}

#[test]
fn the_first_request_waits_one_interval_after_the_robots_fetch() {
    let mut state = DomainState::default();
    let mut first = paced("a", 10_050, None);
    first.not_before_ms = 10_000 + 1_000;
    assert_eq!(
        waits(admit(&mut state, &first)),
        (11_000, Cause::CrawlDelay, true)
    );
}

#[test]
fn the_quota_counts_starts_in_a_sliding_window() {
    let mut state = DomainState::default();
    let quota = |job, now| Ask {
        quota: 2,
        window_ms: 3_000,
        ..ask(job, now)
    };
    assert!(granted(admit(&mut state, &quota("a", 1_000))));
    assert!(granted(admit(&mut state, &quota("b", 1_500))));
    assert_eq!(
        waits(admit(&mut state, &quota("c", 2_000))),
        (4_000, Cause::Quota, false)
    );
    assert!(granted(admit(&mut state, &quota("c", 4_000))));
    assert_eq!(waits(admit(&mut state, &quota("d", 4_100))).0, 4_500);
    assert_eq!(state.starts_ms, vec![1_500, 4_000]);
}

#[test]
fn the_concurrency_cap_frees_on_release_and_on_lease_expiry() {
    let mut state = DomainState::default();
    let capped = |job, now| Ask {
        concurrency: 2,
        lease_until_ms: now + 10_000,
        ..ask(job, now)
    };
    assert!(granted(admit(&mut state, &capped("a", 0))));
    assert!(granted(admit(&mut state, &capped("b", 0))));
    assert_eq!(
        waits(admit(&mut state, &capped("c", 100))),
        (1_100, Cause::Concurrency, false)
    );
    // A redelivered job keeps its own lease instead of counting against itself.
    assert!(granted(admit(&mut state, &capped("a", 200))));
    finish(&mut state, &done("a", 300, Health::Healthy));
    assert!(granted(admit(&mut state, &capped("c", 400))));
    // b's worker was killed: its lease lapses, it never blocks forever.
    assert!(waits(admit(&mut state, &capped("d", 5_000))).1 == Cause::Concurrency);
    assert!(granted(admit(&mut state, &capped("d", 10_001))));
}

#[test]
fn the_breaker_opens_half_opens_for_one_probe_and_closes_on_success() {
    let mut state = DomainState::default();
    for (i, job) in ["a", "b", "c"].into_iter().enumerate() {
        assert!(granted(admit(&mut state, &ask(job, i as i64))));
        finish(&mut state, &done(job, 10 + i as i64, Health::Failing));
    }
    assert_eq!(state.breaker.state, BreakerState::Open);
    assert_eq!(
        waits(admit(&mut state, &ask("d", 100))),
        (5_012, Cause::Breaker, false)
    );
    assert_eq!(state.breaker_at(5_012), BreakerState::HalfOpen);
    assert_eq!(
        admit(&mut state, &ask("d", 5_100)),
        Decision::Grant {
            leased: false,
            probe: true
        }
    );
    assert_eq!(
        waits(admit(&mut state, &ask("e", 5_200))),
        (6_200, Cause::Breaker, false)
    );
    finish(&mut state, &done("d", 5_300, Health::Healthy));
    assert_eq!(state.breaker.state, BreakerState::Closed);
    assert_eq!(state.breaker.failures, 0);
    assert!(granted(admit(&mut state, &ask("e", 5_400))));
}

#[test]
fn a_failed_probe_opens_the_breaker_again() {
    let mut state = DomainState::default();
    for job in ["a", "b", "c"] {
        finish(&mut state, &done(job, 0, Health::Failing));
    }
    assert!(granted(admit(&mut state, &ask("p", 6_000))));
    finish(&mut state, &done("p", 6_100, Health::Failing));
    assert_eq!(state.breaker.state, BreakerState::Open);
    assert_eq!(state.breaker.open_until_ms, 11_100);
    // A cancelled probe says nothing about the site: the next job probes.
    assert!(granted(admit(&mut state, &ask("q", 11_200))));
    finish(&mut state, &done("q", 11_300, Health::Unknown));
    assert_eq!(state.breaker_at(11_300), BreakerState::HalfOpen);
    assert!(granted(admit(&mut state, &ask("r", 11_400))));
}

#[test]
fn retry_after_pushes_every_start_out() {
    let mut state = DomainState::default();
    let mut throttled = done("a", 1_000, Health::Failing);
    throttled.retry_after_ms = Some(2_000);
    finish(&mut state, &throttled);
    assert_eq!(
        waits(admit(&mut state, &ask("b", 1_500))),
        (3_000, Cause::RetryAfter, false)
    );
    assert!(granted(admit(&mut state, &ask("b", 3_000))));
}

#[test]
fn a_late_start_waits_for_the_interval_after_the_request_that_went_first() {
    let mut state = DomainState::default();
    assert_eq!(confirm(&mut state, 11_000, 1_000, 10_900), None);
    // The job granted before it was slow to get going: it must not follow at 300 ms.
    assert_eq!(confirm(&mut state, 11_300, 1_000, 0), Some(12_000));
    assert_eq!(confirm(&mut state, 12_000, 1_000, 0), None);
    // Nor come sooner than one interval after robots.txt was fetched.
    assert_eq!(
        confirm(&mut DomainState::default(), 5_000, 1_000, 5_600),
        Some(5_600)
    );
    assert_eq!(state.last_request_ms, 12_000);
}
