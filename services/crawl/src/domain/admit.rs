//! The pure rules on a [`DomainState`]: may a job start now (and what it takes), and
//! what a finished job changes. No I/O and no clock: the caller passes `now`.

use super::state::{BreakerState, DomainState, Lease};

/// A deferred job whose reserved crawl-delay slot is older than this lost it.
pub const RESERVATION_VALID_MS: i64 = 60_000;

/// What a job asks of its domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask<'a> {
    /// The job.
    pub job_id: &'a str,
    /// Now.
    pub now_ms: i64,
    /// Between two starts, margin included (0: no pacing).
    pub interval_ms: i64,
    /// Starts per window (0: no quota).
    pub quota: u32,
    /// The quota window, margin included.
    pub window_ms: i64,
    /// Running jobs at once (0: no cap).
    pub concurrency: u32,
    /// When the job's lease lapses if it is never released.
    pub lease_until_ms: i64,
    /// A crawl-delay slot this job reserved earlier.
    pub reserved_slot_ms: Option<i64>,
    /// No start before this (e.g. one interval after the robots.txt fetch).
    pub not_before_ms: i64,
    /// When a concurrency slot or the probe is busy: ask again after this long.
    pub recheck_ms: i64,
}

/// Why a job must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The interval between starts (floor or robots `Crawl-delay`).
    CrawlDelay,
    /// The requests-per-window quota is used up.
    Quota,
    /// The concurrency cap is reached.
    Concurrency,
    /// The circuit breaker is open (or half-open with its probe running).
    Breaker,
    /// The site sent `Retry-After`.
    RetryAfter,
    /// robots.txt could not be fetched: everything is disallowed until it can.
    RobotsUnreachable,
}

impl Cause {
    /// Label for metrics and `JobDeferred.cause`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrawlDelay => "crawl_delay",
            Self::Quota => "quota",
            Self::Concurrency => "concurrency",
            Self::Breaker => "breaker",
            Self::RetryAfter => "retry_after",
            Self::RobotsUnreachable => "robots_unreachable",
        }
    }
}

/// The answer for one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Start now.
    Grant {
        /// The job holds a concurrency lease to release.
        leased: bool,
        /// The job is the half-open breaker's probe.
        probe: bool,
    },
    /// Not before `until_ms`.
    Wait {
        /// When to ask again.
        until_ms: i64,
        /// Why.
        cause: Cause,
        /// A crawl-delay slot is held for the job at `until_ms` (or at the slot it
        /// brought): it must come back with it.
        reserved: bool,
    },
}

/// Decides whether `ask.job_id` may start now, updating `state` with what it takes: a
/// reserved slot, a start in the quota window, a lease, the probe.
pub fn admit(state: &mut DomainState, ask: &Ask<'_>) -> Decision {
    let now = ask.now_ms;
    state.prune(now, ask.window_ms);
    if let Some(wait) = blocked(state, ask) {
        return wait;
    }
    if ask.interval_ms > 0 {
        let after_last = state.last_start_ms + ask.interval_ms;
        let reserved = ask
            .reserved_slot_ms
            .filter(|slot| *slot <= now && now - *slot <= RESERVATION_VALID_MS);
        if reserved.is_some() {
            if after_last > now {
                return wait(after_last, Cause::CrawlDelay, true);
            }
        } else {
            let slot = now
                .max(state.next_slot_ms)
                .max(after_last)
                .max(ask.not_before_ms);
            state.next_slot_ms = slot + ask.interval_ms;
            if slot > now {
                return wait(slot, Cause::CrawlDelay, true);
            }
        }
    }
    grant(state, ask)
}

/// Breaker, Retry-After, concurrency and quota: waits that hold no reservation.
fn blocked(state: &DomainState, ask: &Ask<'_>) -> Option<Decision> {
    let now = ask.now_ms;
    match state.breaker_at(now) {
        BreakerState::Open => {
            return Some(wait(state.breaker.open_until_ms, Cause::Breaker, false));
        }
        BreakerState::HalfOpen => {
            if let Some(probe) = state.breaker.probe.as_ref()
                && probe.job_id != ask.job_id
            {
                let until = probe.until_ms.min(now + ask.recheck_ms);
                return Some(wait(until, Cause::Breaker, false));
            }
        }
        BreakerState::Closed => {}
    }
    if state.paused_until_ms > now {
        return Some(wait(state.paused_until_ms, Cause::RetryAfter, false));
    }
    if ask.concurrency > 0 {
        let others = state.leases.iter().filter(|l| l.job_id != ask.job_id);
        if others.clone().count() >= ask.concurrency as usize {
            let first_free = others.map(|l| l.until_ms).min().unwrap_or(now);
            let until = first_free.min(now + ask.recheck_ms);
            return Some(wait(until, Cause::Concurrency, false));
        }
    }
    let quota = ask.quota as usize;
    if quota > 0 && state.starts_ms.len() >= quota {
        let frees_at = state.starts_ms[state.starts_ms.len() - quota] + ask.window_ms;
        if frees_at > now {
            return Some(wait(frees_at, Cause::Quota, false));
        }
    }
    None
}

fn grant(state: &mut DomainState, ask: &Ask<'_>) -> Decision {
    let now = ask.now_ms;
    state.last_start_ms = state.last_start_ms.max(now);
    if ask.quota > 0 {
        state.starts_ms.push(now);
        let excess = state.starts_ms.len().saturating_sub(ask.quota as usize);
        state.starts_ms.drain(..excess);
    }
    let lease = || Lease {
        job_id: ask.job_id.to_owned(),
        until_ms: ask.lease_until_ms,
    };
    let leased = ask.concurrency > 0;
    if leased {
        state.leases.retain(|l| l.job_id != ask.job_id);
        state.leases.push(lease());
    }
    let probe = state.breaker_at(now) == BreakerState::HalfOpen;
    if probe {
        state.breaker.state = BreakerState::HalfOpen;
        state.breaker.probe = Some(lease());
    }
    Decision::Grant { leased, probe }
}

fn wait(until_ms: i64, cause: Cause, reserved: bool) -> Decision {
    Decision::Wait {
        until_ms,
        cause,
        reserved,
    }
}

/// A granted job is about to send its request: `None` records it as the domain's
/// latest request; `Some(until)` when the previous request is less than `interval_ms`
/// ago (a job that reached this point late must not crowd one that was on time) or
/// before `not_before_ms` (one interval after the robots.txt fetch).
pub fn confirm(
    state: &mut DomainState,
    now_ms: i64,
    interval_ms: i64,
    not_before_ms: i64,
) -> Option<i64> {
    let after_last = (state.last_request_ms + interval_ms).max(not_before_ms);
    if after_last > now_ms {
        return Some(after_last);
    }
    state.last_request_ms = now_ms;
    None
}

/// How an attempt went, as far as the site's health is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The site answered (a result, a 404, a missing selector...).
    Healthy,
    /// The site failed: 5xx, 429, timeout, network error.
    Failing,
    /// Says nothing about the site (cancelled, storage error).
    Unknown,
}

/// A finished job's report on its domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finish<'a> {
    /// The job.
    pub job_id: &'a str,
    /// Now.
    pub now_ms: i64,
    /// What the attempt says about the site.
    pub health: Health,
    /// `Retry-After` the site sent, already capped.
    pub retry_after_ms: Option<i64>,
    /// Consecutive failures that open the breaker (0: never).
    pub breaker_failures: u32,
    /// How long an opened breaker stays open.
    pub cooldown_ms: i64,
}

/// Releases the job's lease and probe, and applies back-pressure and the breaker.
pub fn finish(state: &mut DomainState, done: &Finish<'_>) {
    let now = done.now_ms;
    state.leases.retain(|l| l.job_id != done.job_id);
    let was_probe = state
        .breaker
        .probe
        .as_ref()
        .is_some_and(|p| p.job_id == done.job_id);
    if was_probe {
        state.breaker.probe = None;
    }
    if let Some(retry_after) = done.retry_after_ms {
        state.paused_until_ms = state.paused_until_ms.max(now + retry_after);
    }
    let breaker = &mut state.breaker;
    match done.health {
        Health::Failing => {
            breaker.failures = breaker.failures.saturating_add(1);
            let probe_failed = was_probe && breaker.state == BreakerState::HalfOpen;
            let too_many = breaker.state == BreakerState::Closed
                && done.breaker_failures > 0
                && breaker.failures >= done.breaker_failures;
            if probe_failed || too_many {
                breaker.state = BreakerState::Open;
                breaker.open_until_ms = now + done.cooldown_ms;
            }
        }
        Health::Healthy => {
            breaker.failures = 0;
            breaker.state = BreakerState::Closed;
            breaker.open_until_ms = 0;
            breaker.probe = None;
        }
        Health::Unknown => {}
    }
}
