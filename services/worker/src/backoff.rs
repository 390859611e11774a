//! Retry delays: exponential growth from a base, capped, with jitter so that jobs that
//! failed together do not retry together.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with "equal jitter": the delay of attempt `n` is drawn from
/// `[d/2, d]` where `d = min(cap, base * 2^(n-1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay ceiling of the first retry.
    pub base: Duration,
    /// No delay exceeds this.
    pub cap: Duration,
}

impl Backoff {
    /// The ceiling (before jitter) after failed attempt `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        let factor = 1u64 << doublings;
        let base_ms = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let cap_ms = u64::try_from(self.cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(base_ms.saturating_mul(factor).min(cap_ms))
    }

    /// The delay before the attempt after `attempt`, drawn with `rng`.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_millis()).unwrap_or(u64::MAX);
        let floor = ceiling / 2;
        Duration::from_millis(rng.random_range(floor..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(300),
    };

    #[test]
    fn delays_double_per_attempt_within_the_jitter_band() {
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=7 {
            let ceiling = Duration::from_secs(2 << (attempt - 1));
            for _ in 0..200 {
                let delay = BACKOFF.delay(attempt, &mut rng);
                assert!(
                    delay <= ceiling,
                    "attempt {attempt}: {delay:?} above {ceiling:?}"
                );
                assert!(
                    delay >= ceiling / 2,
                    "attempt {attempt}: {delay:?} below half of {ceiling:?}"
                );
            }
        }
    }

    #[test]
    fn delays_never_exceed_the_cap() {
        let mut rng = StdRng::seed_from_u64(11);
        for attempt in [9, 10, 20, 64, u32::MAX] {
            assert_eq!(BACKOFF.ceiling(attempt), Duration::from_secs(300));
            let delay = BACKOFF.delay(attempt, &mut rng);
            assert!(delay <= Duration::from_secs(300) && delay >= Duration::from_secs(150));
        }
    }

    #[test]
    fn jitter_spreads_delays() {
        let mut rng = StdRng::seed_from_u64(3);
        let delays: std::collections::HashSet<_> =
            (0..50).map(|_| BACKOFF.delay(4, &mut rng)).collect();
        assert!(
            delays.len() > 10,
            "jitter should spread delays, got {delays:?}"
        );
    }
}
