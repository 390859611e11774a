//! Done means 1: a page that fails twice then succeeds ends Succeeded after 3 attempts,
//! and the gaps between attempts follow the exponential backoff within its jitter,
//! measured from the events' timestamps.

use std::time::Duration;

use jetcrawl_proto::v1::JobState;
use jetcrawl_proto::v1::event::Payload;

use crate::lifecycle::support::{Platform, at, http_spec, starts, types};

const BASE_MS: i64 = 400;

#[tokio::test]
async fn a_page_failing_twice_succeeds_on_the_third_attempt_after_backoff() {
    let platform = Platform::start().await.expect("platform starts");
    let _worker = platform
        .worker(&[("JETCRAWL_BACKOFF_BASE_MS", "400")])
        .await
        .expect("worker starts");
    let url = platform.stack.site.url("/flaky?key=retry&fail=2");
    let job_id = platform.submit(http_spec(vec![url])).await.expect("submit");

    let job = platform
        .until_state(&job_id, JobState::Succeeded, Duration::from_secs(30))
        .await
        .expect("the job succeeds");
    assert_eq!(job.attempts, 3, "three attempts: two failures, one success");
    assert_eq!(
        platform.stack.site.count("/flaky"),
        3,
        "one request per attempt"
    );

    let history = platform.history(&job_id).await.expect("history");
    assert_eq!(
        types(&history),
        [
            "JobSubmitted",
            "JobStarted",
            "JobAttemptFailed",
            "JobStarted",
            "JobAttemptFailed",
            "JobStarted",
            "JobSucceeded"
        ]
    );
    let started = starts(&history);
    for (n, failed_event) in history
        .iter()
        .filter(|e| matches!(e.payload(), Some(Payload::JobAttemptFailed(_))))
        .enumerate()
    {
        let Some(Payload::JobAttemptFailed(failed)) = failed_event.payload() else {
            unreachable!("filtered")
        };
        let attempt = n as u32 + 1;
        assert_eq!(failed.attempt, attempt);
        assert_eq!(failed.error_class, "http_5xx");
        assert!(failed.retryable, "a 503 is retryable");
        // The backoff ceiling after attempt n is base * 2^(n-1); equal jitter draws the
        // delay from [ceiling/2, ceiling].
        let ceiling = BASE_MS << (attempt - 1);
        let failed_at = failed_event.occurred_at();
        let due = at(failed.next_attempt_at.as_ref());
        let planned = (due - failed_at).num_milliseconds();
        assert!(
            (ceiling / 2 - 20..=ceiling).contains(&planned),
            "attempt {attempt}: next attempt planned {planned} ms after the failure, outside [{}, {ceiling}]",
            ceiling / 2
        );
        let next_start = started[n + 1].0.occurred_at();
        let gap = (next_start - failed_at).num_milliseconds();
        assert!(
            next_start >= due - chrono::Duration::milliseconds(20),
            "attempt {} started at {next_start}, before its due time {due}",
            attempt + 1
        );
        assert!(
            (ceiling / 2 - 20..=ceiling + 1_500).contains(&gap),
            "attempt {attempt}: gap {gap} ms to the next start is not the backoff (ceiling {ceiling} ms)"
        );
    }
}
