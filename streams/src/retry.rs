//! The one retry policy of writes to the event log, and of the submit path's other
//! dependencies: a concurrent change is re-read and decided again a bounded number of
//! times; a transient failure is either handed back at once (the caller's message is
//! redelivered anyway) or tried again with a doubling pause until the caller's deadline
//! drops the future.

use std::future::Future;
use std::time::Duration;

/// How a write reacts to conflicts and transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Decisions tried before a job that keeps changing is reported as contended.
    pub decisions: u32,
    /// Whether transient failures (a stream electing a leader, a lost connection) are
    /// tried again. Only with a deadline around the call: the pauses never end by
    /// themselves.
    pub transient: bool,
}

impl Retry {
    /// First pause after a transient failure; it doubles up to [`Self::MAX_PAUSE`].
    pub const FIRST_PAUSE: Duration = Duration::from_millis(50);
    /// Longest pause between two tries.
    pub const MAX_PAUSE: Duration = Duration::from_millis(400);
    /// Decisions tried on a job that keeps changing under us.
    pub const DECISIONS: u32 = 8;

    /// Conflicts are decided again; a transient failure is returned at once. For
    /// callers whose work message is redelivered when they fail (worker, notifier).
    pub const CONFLICTS_ONLY: Self = Self {
        decisions: Self::DECISIONS,
        transient: false,
    };

    /// Conflicts are decided again and transient failures tried again until the
    /// caller's deadline (a `tokio::time::timeout` around the call) drops the future.
    /// For a client waiting on an answer (the gateway's submit budget).
    pub const UNTIL_DEADLINE: Self = Self {
        decisions: Self::DECISIONS,
        transient: true,
    };

    /// The pauses between tries: 50 ms, 100 ms, 200 ms, 400 ms, 400 ms, ...
    pub fn pauses() -> impl Iterator<Item = Duration> {
        std::iter::successors(Some(Self::FIRST_PAUSE), |pause| {
            Some((*pause * 2).min(Self::MAX_PAUSE))
        })
    }

    /// Runs `op` until it succeeds or fails for good: a failure `is_transient` says may
    /// pass is tried again after a pause when this policy retries transient failures.
    /// `is_transient` sees every failure, including the last one.
    pub async fn transient<T, E, Fut>(
        self,
        mut op: impl FnMut() -> Fut,
        is_transient: impl Fn(&E) -> bool,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let mut pauses = Self::pauses();
        loop {
            match op().await {
                Err(err) if is_transient(&err) && self.transient => {
                    let pause = pauses.next().unwrap_or(Self::MAX_PAUSE);
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap() {
        let pauses: Vec<u64> = Retry::pauses()
            .take(6)
            .map(|p| p.as_millis() as u64)
            .collect();
        assert_eq!(pauses, [50, 100, 200, 400, 400, 400]);
    }

    #[tokio::test]
    async fn a_transient_failure_is_tried_again_only_when_the_policy_says_so() {
        let mut calls = 0;
        let once = Retry::CONFLICTS_ONLY
            .transient(
                || {
                    calls += 1;
                    std::future::ready(Err::<(), _>("down"))
                },
                |_| true,
            )
            .await;
        assert_eq!((once, calls), (Err("down"), 1));
        let mut calls = 0;
        let retried = Retry::UNTIL_DEADLINE
            .transient(
                || {
                    calls += 1;
                    std::future::ready(if calls < 3 { Err("down") } else { Ok(calls) })
                },
                |_| true,
            )
            .await;
        assert_eq!(retried, Ok(3));
        let permanent = Retry::UNTIL_DEADLINE
            .transient(|| std::future::ready(Err::<(), _>("bug")), |_| false)
            .await;
        assert_eq!(permanent, Err("bug"));
    }
}
