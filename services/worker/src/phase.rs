//! Where a job's time goes: `jetcrawl_worker_phase_seconds{phase}`, one histogram per
//! step of handling a message, so an operator (and the bench) can tell the event log's
//! share from the page's.

use tokio::time::Instant;

/// One step of handling a work message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the job's history and appending JobStarted (the gate's own share is
    /// `jetcrawl_gate_seconds`).
    Begin,
    /// Subscribing to the job's events and checking nothing changed meanwhile.
    Watch,
    /// Running the spec: the page itself.
    Execute,
    /// Writing the result to the result store.
    Store,
    /// Telling the crawl controller the attempt ended.
    Release,
    /// Appending the outcome and settling the message.
    Conclude,
}

impl Phase {
    /// Metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Begin => "begin",
            Self::Watch => "watch",
            Self::Execute => "execute",
            Self::Store => "store",
            Self::Release => "release",
            Self::Conclude => "conclude",
        }
    }

    /// Records the time since `since` under this phase, and returns now (the next
    /// phase's start).
    pub fn done(self, since: Instant) -> Instant {
        let now = Instant::now();
        metrics::histogram!("jetcrawl_worker_phase_seconds", "phase" => self.as_str())
            .record((now - since).as_secs_f64());
        now
    }
}
