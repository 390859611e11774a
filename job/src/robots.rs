//! The rule of a robots.txt denial: the job ends before any attempt, not retryable, and
//! sits in the dead-letter queue (an admin may replay it after overriding robots.txt).

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobDeadLettered, JobFailed, RobotsDisallowed};

use crate::attempt::{attempt_errors, reason};
use crate::state::Job;

/// Error class of a job ended by robots.txt.
pub const ROBOTS_DISALLOWED_CLASS: &str = "robots_disallowed";

/// RobotsDisallowed, JobDeadLettered and JobFailed: one atomic batch, terminal last.
pub(crate) fn refuse_robots(job: &Job, disallowed: RobotsDisallowed) -> Vec<Payload> {
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
