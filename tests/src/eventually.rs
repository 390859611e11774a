//! Polling until a condition holds, for effects that happen in other processes.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often [`eventually`] retries.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

/// Calls `check` every 100 ms until it returns `Ok`, and returns that value; fails with
/// the last error once `timeout` has passed.
///
/// ```no_run
/// # async fn demo(site: jetcrawl_tests::FixtureSite) -> anyhow::Result<()> {
/// use std::time::Duration;
/// jetcrawl_tests::eventually(Duration::from_secs(5), || async {
///     anyhow::ensure!(site.count("/static") > 0, "/static not fetched yet");
///     Ok(())
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn eventually<T, F, Fut>(timeout: Duration, check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    eventually_every(timeout, DEFAULT_INTERVAL, check).await
}

/// [`eventually`] with a chosen polling interval.
pub async fn eventually_every<T, F, Fut>(
    timeout: Duration,
    interval: Duration,
    mut check: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        // An attempt that hangs must not outlive the deadline.
        let remaining = deadline.saturating_duration_since(Instant::now());
        let error = match tokio::time::timeout(remaining, check()).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => e,
            Err(_) => anyhow::anyhow!("the last attempt was still running"),
        };
        if Instant::now() >= deadline {
            return Err(error.context(format!("condition not met within {timeout:?}")));
        }
        tokio::time::sleep(interval.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}
