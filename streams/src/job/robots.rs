//! The rule of a robots.txt denial: the job ends before any attempt, not retryable, and
//! sits in the dead-letter queue (an admin may replay it after overriding robots.txt).

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobDeadLettered, JobFailed, RobotsDisallowed};

use super::attempt::{attempt_errors, reason};
use super::state::Job;

/// Error class of a job ended by robots.txt.
pub const ROBOTS_DISALLOWED_CLASS: &str = "robots_disallowed";

/// RobotsDisallowed, JobDeadLettered and JobFailed: one atomic batch, terminal last.
pub(super) fn refuse_robots(job: &Job, disallowed: RobotsDisallowed) -> Vec<Payload> {
    let message = format!(
        "robots.txt of {} disallows URL #{} (on {}) for user-agent {} (rule `{}` of group `{}`); \
         Jetcrawl obeys robots.txt: pick another URL, or ask an admin to turn the robots \
         check off for your tenant and replay the job",
        disallowed.domain,
        disallowed.url_index + 1,
        disallowed.url,
        disallowed.product_token,
        disallowed.rule,
        disallowed.user_agent_group,
    );
    let class = ROBOTS_DISALLOWED_CLASS.to_owned();
    vec![
        Payload::RobotsDisallowed(disallowed),
        Payload::JobDeadLettered(JobDeadLettered {
            reason: reason::NON_RETRYABLE.to_owned(),
            attempts: attempt_errors(job),
            error_class: class.clone(),
            message: message.clone(),
        }),
        Payload::JobFailed(JobFailed {
            attempts: job.attempts,
            error_class: class,
            message,
        }),
    ]
}

#[cfg(test)]
mod tests {
    use jetcrawl_proto::v1::JobDeferred;
    use jetcrawl_proto::v1::event::Payload;

    use super::super::tests::{attempt_failed, given, started, submitted};
    use super::super::{Command, JobStatus, decide};
    use super::*;

    fn denial() -> RobotsDisallowed {
        RobotsDisallowed {
            url: "https://example.com".into(),
            robots_url: "https://example.com/robots.txt".into(),
            rule: "Disallow: /private".into(),
            user_agent_group: "*".into(),
            product_token: "jetcrawl".into(),
            domain: "example.com".into(),
            url_index: 0,
        }
    }

    #[test]
    fn given_queued_when_robots_refuse_then_the_job_fails_dead_lettered_without_an_attempt() {
        let job = given(vec![submitted()]);
        let events = decide(&job, Command::RefuseRobots(denial())).expect("decided");
        assert!(
            matches!(&events[0], Payload::RobotsDisallowed(d) if d.rule == "Disallow: /private")
        );
        let Payload::JobDeadLettered(dead) = &events[1] else {
            panic!("expected JobDeadLettered, got {events:?}");
        };
        assert_eq!(dead.reason, reason::NON_RETRYABLE);
        assert_eq!(dead.error_class, ROBOTS_DISALLOWED_CLASS);
        assert!(
            dead.message.contains("Disallow: /private"),
            "{}",
            dead.message
        );
        let mut after = job.clone();
        for payload in &events {
            after = given_after(after, payload.clone());
        }
        assert_eq!(after.status, JobStatus::Failed);
        assert_eq!(after.attempts, 0);
        assert!(after.dead_lettered);
    }

    #[test]
    fn given_a_retried_job_when_robots_refuse_then_earlier_attempts_stay_in_the_dead_letter() {
        let job = given(vec![submitted(), started(1), attempt_failed(1, true)]);
        let events = decide(&job, Command::RefuseRobots(denial())).expect("decided");
        let Payload::JobFailed(failed) = &events[2] else {
            panic!("expected JobFailed last, got {events:?}");
        };
        assert_eq!(failed.attempts, 1);
        assert!(matches!(&events[1], Payload::JobDeadLettered(d) if d.attempts.len() == 1));
    }

    #[test]
    fn given_queued_when_a_politeness_wait_then_the_deferral_and_its_slot_are_kept() {
        let job = given(vec![submitted()]);
        let wait = JobDeferred {
            domain: "example.com".into(),
            cause: "crawl_delay".into(),
            slot_reserved: true,
            ..Default::default()
        };
        let events = decide(&job, Command::Wait(wait.clone())).expect("decided");
        assert_eq!(events, vec![Payload::JobDeferred(wait.clone())]);
        let after = given_after(job, events[0].clone());
        assert_eq!(after.deferral, Some(wait));
        assert_eq!(after.attempts, 0);
        let restarted = given_after(after, started(1));
        assert_eq!(restarted.deferral, None);
    }

    fn given_after(job: Job, payload: Payload) -> Job {
        let sequence = job.last_sequence + 1;
        let recorded = crate::envelope::RecordedEvent {
            sequence,
            event: crate::new_event(&job.id, &job.tenant, "test", "", payload),
        };
        super::super::evolve(job, &recorded)
    }
}
