//! When to try again: exponential backoff with "equal jitter", never sooner than the
//! other side's `Retry-After`.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff: the delay after failed attempt `n` is drawn from `[d/2, d]`
/// where `d = min(cap, base * 2^(n-1))`, so failures that happened together do not
/// retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay ceiling after the first failed attempt.
    pub base: Duration,
    /// No computed delay exceeds this (a `Retry-After` may).
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

    /// The delay after failed attempt `attempt`, at least `retry_after`, drawn with `rng`.
    pub fn delay_with(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_millis()).unwrap_or(u64::MAX);
        let drawn = Duration::from_millis(rng.random_range(ceiling / 2..=ceiling));
        retry_after.map_or(drawn, |asked| drawn.max(asked))
    }

    /// [`Backoff::delay_with`] with the thread's random generator.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.delay_with(attempt, retry_after, &mut rand::rng())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn waits_double_within_jitter_and_honour_retry_after() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1_000),
        };
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (9, 1_000),
            (99, 1_000),
        ] {
            let d = backoff.delay(attempt, None).as_millis() as u64;
            assert!((full / 2..=full).contains(&d), "attempt {attempt}: {d} ms");
        }
        let asked = backoff.delay(1, Some(Duration::from_secs(7)));
        assert_eq!(
            asked,
            Duration::from_secs(7),
            "Retry-After beyond the cap wins"
        );
        let short = backoff.delay(4, Some(Duration::from_millis(1)));
        assert!(short >= Duration::from_millis(400), "{short:?}");
    }

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
                let delay = BACKOFF.delay_with(attempt, None, &mut rng);
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
            let delay = BACKOFF.delay_with(attempt, None, &mut rng);
            assert!(delay <= Duration::from_secs(300) && delay >= Duration::from_secs(150));
        }
    }

    #[test]
    fn jitter_spreads_delays() {
        let mut rng = StdRng::seed_from_u64(3);
        let delays: std::collections::HashSet<_> = (0..50)
            .map(|_| BACKOFF.delay_with(4, None, &mut rng))
            .collect();
        assert!(
            delays.len() > 10,
            "jitter should spread delays, got {delays:?}"
        );
    }
}
