//! What an event adds to the usage and per-domain counters. Pure, so the mapping is
//! tested without Postgres; event types that are not compiled in yet (e.g.
//! `RobotsDisallowed`) are matched by their type name.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::RecordedEvent;

/// Type name of the robots.txt denial event.
pub const ROBOTS_DISALLOWED: &str = "RobotsDisallowed";

/// Counter increments, in the column order of `tenant_usage_daily`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// JobSubmitted.
    pub submitted: i64,
    /// JobStarted.
    pub attempts: i64,
    /// JobStarted with attempt > 1.
    pub retries: i64,
    /// JobSucceeded.
    pub succeeded: i64,
    /// JobFailed.
    pub failed: i64,
    /// JobCancelled.
    pub cancelled: i64,
    /// JobDeadLettered.
    pub dead_lettered: i64,
    /// JobReplayed.
    pub replayed: i64,
    /// JobDeferred.
    pub deferrals: i64,
    /// RobotsDisallowed.
    pub robots_denials: i64,
    /// Result bytes of JobSucceeded.
    pub result_bytes: i64,
    /// WebhookDelivered.
    pub webhooks_delivered: i64,
    /// WebhookFailed.
    pub webhooks_failed: i64,
    /// JobAttemptFailed (per-domain `errors`).
    pub attempt_errors: i64,
    /// AgentTurn: an agent job's model replies.
    pub agent_turns: i64,
    /// Prompt tokens of AgentTurn.
    pub prompt_tokens: i64,
    /// Completion tokens of AgentTurn.
    pub completion_tokens: i64,
}

impl Counts {
    /// What `recorded` adds.
    pub fn of(recorded: &RecordedEvent) -> Self {
        let mut c = Self::default();
        match recorded.payload() {
            Some(Payload::JobSubmitted(_)) => c.submitted = 1,
            Some(Payload::JobStarted(s)) => {
                c.attempts = 1;
                c.retries = i64::from(s.attempt > 1);
            }
            Some(Payload::JobSucceeded(s)) => {
                c.succeeded = 1;
                c.result_bytes = i64::try_from(s.result_size).unwrap_or(i64::MAX);
            }
            Some(Payload::JobAttemptFailed(_)) => c.attempt_errors = 1,
            Some(Payload::JobFailed(_)) => c.failed = 1,
            Some(Payload::JobCancelled(_)) => c.cancelled = 1,
            Some(Payload::JobDeadLettered(_)) => c.dead_lettered = 1,
            Some(Payload::JobReplayed(_)) => c.replayed = 1,
            Some(Payload::JobDeferred(_)) => c.deferrals = 1,
            Some(Payload::WebhookDelivered(_)) => c.webhooks_delivered = 1,
            Some(Payload::WebhookFailed(_)) => c.webhooks_failed = 1,
            Some(Payload::AgentTurn(turn)) => {
                c.agent_turns = 1;
                c.prompt_tokens = i64::try_from(turn.prompt_tokens).unwrap_or(i64::MAX);
                c.completion_tokens = i64::try_from(turn.completion_tokens).unwrap_or(i64::MAX);
            }
            _ if recorded.event.event_type == ROBOTS_DISALLOWED => c.robots_denials = 1,
            _ => {}
        }
        c
    }

    /// True when the event changes no counter.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Self) {
        self.submitted += other.submitted;
        self.attempts += other.attempts;
        self.retries += other.retries;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.cancelled += other.cancelled;
        self.dead_lettered += other.dead_lettered;
        self.replayed += other.replayed;
        self.deferrals += other.deferrals;
        self.robots_denials += other.robots_denials;
        self.result_bytes += other.result_bytes;
        self.webhooks_delivered += other.webhooks_delivered;
        self.webhooks_failed += other.webhooks_failed;
        self.attempt_errors += other.attempt_errors;
        self.agent_turns += other.agent_turns;
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
    }
}
