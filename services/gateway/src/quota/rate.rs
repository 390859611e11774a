//! Submits per second per tenant: one token bucket per tenant (governor's keyed GCRA).
//! The key is the authenticated tenant, never a client-supplied header or address, so a
//! forged `X-Forwarded-For` changes nothing.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Per-tenant submit rate.
pub struct SubmitRate {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl SubmitRate {
    /// `per_second` submits per second with bursts of `burst`; 0 per second disables it.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// Takes one token of `tenant`; `Err(wait)` when its bucket is empty.
    pub fn check(&self, tenant: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check_key(&tenant.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets tenants whose buckets are full again, bounding memory.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tenant_running_dry_leaves_the_others_alone() {
        let rate = SubmitRate::new(1, 2);
        assert!(rate.check("a").is_ok());
        assert!(rate.check("a").is_ok());
        let wait = rate.check("a").expect_err("bucket empty");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(rate.check("b").is_ok());
        assert!(SubmitRate::new(0, 0).check("a").is_ok());
    }
}
