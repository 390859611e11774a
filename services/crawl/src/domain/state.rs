//! One domain's politeness state, as stored in the `DOMAINS` bucket and changed only by
//! compare-and-swap on its revision. Times are milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

/// A job holding a concurrency slot (or the half-open probe) until `until_ms`; a lease
/// of a worker that died expires on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The job.
    pub job_id: String,
    /// When the lease lapses if the job never releases it.
    pub until_ms: i64,
}

/// The circuit breaker's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Jobs run.
    #[default]
    Closed,
    /// Jobs are deferred until the cool-down ends.
    Open,
    /// One probe job runs; its outcome closes or re-opens the breaker.
    HalfOpen,
}

impl BreakerState {
    /// Label for metrics and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// Gauge value: 0 closed, 1 half-open, 2 open.
    pub fn gauge(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::HalfOpen => 1.0,
            Self::Open => 2.0,
        }
    }
}

/// The per-domain circuit breaker.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Breaker {
    /// Where it stands.
    #[serde(default)]
    pub state: BreakerState,
    /// Consecutive site failures seen.
    #[serde(default)]
    pub failures: u32,
    /// While open: when it half-opens.
    #[serde(default)]
    pub open_until_ms: i64,
    /// While half-open: the probe job.
    #[serde(default)]
    pub probe: Option<Lease>,
}

/// Everything the fleet shares about one domain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DomainState {
    /// The earliest start not yet reserved (crawl-delay pacing).
    #[serde(default)]
    pub next_slot_ms: i64,
    /// The latest start granted.
    #[serde(default)]
    pub last_start_ms: i64,
    /// The latest request actually sent (confirmed just before it left the worker).
    #[serde(default)]
    pub last_request_ms: i64,
    /// Starts within the quota window, oldest first (at most the quota).
    #[serde(default)]
    pub starts_ms: Vec<i64>,
    /// Jobs running now (only kept when a concurrency cap applies).
    #[serde(default)]
    pub leases: Vec<Lease>,
    /// A `Retry-After` pushed every start past this time.
    #[serde(default)]
    pub paused_until_ms: i64,
    /// The circuit breaker.
    #[serde(default)]
    pub breaker: Breaker,
    /// When this state was last written.
    #[serde(default)]
    pub updated_ms: i64,
}

impl DomainState {
    /// Drops lapsed leases (and a lapsed probe) and starts older than the window.
    pub fn prune(&mut self, now_ms: i64, window_ms: i64) {
        self.leases.retain(|lease| lease.until_ms > now_ms);
        if self
            .breaker
            .probe
            .as_ref()
            .is_some_and(|probe| probe.until_ms <= now_ms)
        {
            self.breaker.probe = None;
        }
        self.starts_ms.retain(|start| *start > now_ms - window_ms);
    }

    /// The breaker as seen at `now_ms`: an open breaker whose cool-down is over is
    /// half-open.
    pub fn breaker_at(&self, now_ms: i64) -> BreakerState {
        match self.breaker.state {
            BreakerState::Open if now_ms >= self.breaker.open_until_ms => BreakerState::HalfOpen,
            state => state,
        }
    }
}
