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
}
