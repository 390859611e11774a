//! When to try a failed delivery again: exponential backoff with jitter, never sooner
//! than the endpoint's `Retry-After`.

use std::time::Duration;

use rand::Rng as _;

/// The backoff policy.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Wait after the first failed attempt.
    pub base: Duration,
    /// Longest computed wait.
    pub cap: Duration,
}

impl Backoff {
    /// The wait after failed attempt `attempt` (from 1): `base * 2^(attempt-1)` capped,
    /// with "equal jitter" (between half and all of it), and at least `retry_after`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1u32 << exp).min(self.cap);
        let half = full / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
        let delay = half + Duration::from_millis(jitter);
        retry_after.map_or(delay, |asked| delay.max(asked))
    }
}

/// Parses a `Retry-After` value in seconds (HTTP dates are treated as absent).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
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
        for (attempt, full) in [(1, 100), (2, 200), (3, 400), (4, 800), (9, 1_000)] {
            let d = backoff.delay(attempt, None).as_millis() as u64;
            assert!((full / 2..=full).contains(&d), "attempt {attempt}: {d} ms");
        }
        let asked = backoff.delay(1, Some(Duration::from_secs(7)));
        assert_eq!(asked, Duration::from_secs(7));
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
