//! Browser steps and failures, followed live through WatchJob.

use futures::StreamExt;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    Click, JobState, RenderMode, Screenshot, Step, TypeText, WaitForSelector, WatchJobRequest,
};

use crate::support::{Platform, first_page, spec, text};

fn step(kind: Kind) -> Step {
    Step {
        kind: Some(kind),
        timeout_ms: 5_000,
    }
}

#[tokio::test]
async fn steps_drive_the_page_and_watch_follows_the_job_to_its_end() {
    let platform = Platform::start().await.expect("platform starts");
    let mut form = spec(
        platform.stack.site.url("/form"),
        RenderMode::Browser,
        vec![text("echo", "#echo")],
    );
    form.steps = vec![
        step(Kind::WaitFor(WaitForSelector {
            selector: "#q".into(),
        })),
        step(Kind::Type(TypeText {
            selector: "#q".into(),
            text: "hello jetcrawl".into(),
        })),
        step(Kind::Click(Click {
            selector: "#go".into(),
        })),
        step(Kind::Screenshot(Screenshot {
            name: "after-click".into(),
            full_page: false,
        })),
    ];
    let job_id = platform.submit(form).await.expect("submit");

    let mut events = platform
        .jobs()
        .await
        .expect("client")
        .watch_job(WatchJobRequest {
            job_id: job_id.clone(),
        })
        .await
        .expect("watch")
        .into_inner();
    let mut seen = Vec::new();
    while let Some(event) = events.next().await {
        let event = event.expect("event");
        seen.push((event.event.expect("envelope").event_type, event.state));
    }
    let types: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["JobSubmitted", "JobStarted", "JobSucceeded"],
        "watch ends at the terminal event"
    );
    assert_eq!(
        seen.last().map(|(_, s)| *s),
        Some(JobState::Succeeded as i32)
    );

    let job = platform.finished(&job_id).await.expect("job ends");
    let result = platform.result(&job).await.expect("result");
    assert_eq!(
        first_page(&result)["data"]["echo"],
        "hello jetcrawl",
        "typed then clicked: {result}"
    );
    let artifact = job
        .result
        .as_ref()
        .expect("succeeded")
        .artifacts
        .first()
        .cloned()
        .expect("screenshot artifact");
    let png = platform
        .object(&artifact.key)
        .await
        .expect("screenshot stored");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
    assert_eq!(png.len() as u64, artifact.size);
}

#[tokio::test]
async fn a_missing_page_fails_at_once_and_says_why() {
    let platform = Platform::start().await.expect("platform starts");
    let job_id = platform
        .submit(spec(
            platform.stack.site.url("/error/404"),
            RenderMode::Http,
            vec![text("title", "h1")],
        ))
        .await
        .expect("submit");
    let job = platform.finished(&job_id).await.expect("job ends");
    assert_eq!(job.state, JobState::Failed as i32);
    assert_eq!(job.attempts, 1, "a 404 is not retried");
    let failure = job.failure.expect("failure recorded");
    assert!(
        failure.message.contains("404"),
        "the error names the status: {}",
        failure.message
    );
    let types: Vec<String> = platform
        .history(&job_id)
        .await
        .expect("history")
        .into_iter()
        .map(|e| e.event.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "JobSubmitted",
            "JobStarted",
            "JobAttemptFailed",
            "JobDeadLettered",
            "JobFailed"
        ]
    );
}
