//! Done means 6: CancelJob on a queued job (it never starts), on a running job (the
//! worker stops at the next step boundary and records JobCancelled), and on a finished
//! job (FAILED_PRECONDITION naming its state).

use std::time::{Duration, Instant};

use jetcrawl_proto::v1::{CancelJobRequest, JobState};
use jetcrawl_tests::eventually;
use tonic::Code;

use crate::lifecycle::support::{Platform, http_spec, requests_with, types};

fn cancel(job_id: &str) -> CancelJobRequest {
    CancelJobRequest {
        job_id: job_id.to_owned(),
        reason: "no longer needed".into(),
    }
}

#[tokio::test]
async fn cancel_works_when_queued_running_and_finished() {
    let platform = Platform::start().await.expect("platform starts");
    let mut jobs = platform.jobs().await.expect("client");

    // Queued: no worker runs yet.
    let site = &platform.stack.site;
    let queued = platform
        .submit(http_spec(vec![site.url("/static?q=queued")]))
        .await
        .expect("submit");
    let answer = jobs
        .cancel_job(cancel(&queued))
        .await
        .expect("cancelled")
        .into_inner();
    assert_eq!(answer.state, JobState::Cancelled as i32);

    let _worker = platform.worker(&[]).await.expect("worker");
    let after = platform
        .submit(http_spec(vec![site.url("/static?q=after")]))
        .await
        .expect("submit");
    platform
        .until_state(&after, JobState::Succeeded, Duration::from_secs(30))
        .await
        .expect("a later job runs, so the queue was consumed");
    assert_eq!(
        types(&platform.history(&queued).await.expect("history")),
        ["JobSubmitted", "JobCancelled"],
        "the cancelled job never started"
    );
    assert_eq!(requests_with(&platform, "q=queued"), 0, "never fetched");

    // Running: four slow pages; cancel during the first.
    let urls = (1..=4)
        .map(|n| site.url(&format!("/slow?ms=1500&q=run{n}")))
        .collect();
    let running = platform.submit(http_spec(urls)).await.expect("submit");
    eventually(Duration::from_secs(20), || async {
        anyhow::ensure!(
            requests_with(&platform, "q=run1") == 1,
            "first page not fetched yet"
        );
        Ok(())
    })
    .await
    .expect("the job runs");
    let asked = Instant::now();
    let answer = jobs
        .cancel_job(cancel(&running))
        .await
        .expect("requested")
        .into_inner();
    assert_eq!(answer.state, JobState::Running as i32);
    assert!(answer.cancel_requested);
    let job = platform
        .until_state(&running, JobState::Cancelled, Duration::from_secs(20))
        .await
        .expect("the worker stops");
    assert!(job.cancel_requested);
    let stopped_in = asked.elapsed();
    let history = platform.history(&running).await.expect("history");
    assert_eq!(
        types(&history),
        [
            "JobSubmitted",
            "JobStarted",
            "JobCancelRequested",
            "JobCancelled"
        ]
    );
    assert!(
        history[3].event.actor.starts_with("worker:"),
        "the worker records it"
    );
    assert!(
        requests_with(&platform, "q=run3") + requests_with(&platform, "q=run4") == 0,
        "stopped at the next boundary, not after every page"
    );
    assert!(
        stopped_in < Duration::from_secs(4),
        "stopped {stopped_in:?} after the request"
    );

    // Finished.
    let refused = jobs.cancel_job(cancel(&after)).await.expect_err("finished");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("already succeeded"),
        "{}",
        refused.message()
    );
    let refused = jobs
        .cancel_job(cancel(&queued))
        .await
        .expect_err("finished");
    assert!(
        refused.message().contains("already cancelled"),
        "{}",
        refused.message()
    );
}
