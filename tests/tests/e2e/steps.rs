//! Browser steps and failures, followed live through WatchJob.

use futures::StreamExt;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    Click, JobState, RenderMode, Screenshot, Step, TypeText, WaitForSelector, WatchJobRequest,
};

use crate::e2e::support::{Platform, first_page, spec, text};

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
            progress: false,
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

#[tokio::test]
async fn watch_with_progress_shows_the_page_and_step_numbers_between_events() {
    let platform = Platform::start().await.expect("platform starts");
    // Two pages, the first slow to load so the watch has caught up before its steps run.
    let mut job = spec(
        platform.stack.site.url("/slow?ms=1500"),
        RenderMode::Browser,
        vec![text("title", "h1")],
    );
    job.urls.push(platform.stack.site.url("/form"));
    let shot = |name: &str| {
        step(Kind::Screenshot(Screenshot {
            name: name.into(),
            full_page: false,
        }))
    };
    let wait_body = || {
        step(Kind::WaitFor(WaitForSelector {
            selector: "body".into(),
        }))
    };
    job.steps = vec![wait_body(), shot("first"), wait_body(), shot("second")];
    let job_id = platform.submit(job).await.expect("submit");

    let mut items = platform
        .jobs()
        .await
        .expect("client")
        .watch_job(WatchJobRequest {
            job_id: job_id.clone(),
            progress: true,
        })
        .await
        .expect("watch")
        .into_inner();
    // (event type or "progress", page, steps done)
    let mut seen: Vec<(String, u32, u32)> = Vec::new();
    while let Some(item) = items.next().await {
        let item = item.expect("item");
        match (&item.event, &item.progress) {
            (Some(event), None) => seen.push((event.event_type.clone(), 0, 0)),
            (None, Some(progress)) => {
                assert_eq!(
                    (progress.attempt, progress.pages, progress.steps),
                    (1, 2, 4)
                );
                assert_eq!(item.state, JobState::Running as i32, "{item:?}");
                seen.push(("progress".into(), progress.page, progress.steps_done));
            }
            other => panic!("an item is an event or a progress report: {other:?}"),
        }
    }
    let events: Vec<&str> = seen
        .iter()
        .map(|(kind, _, _)| kind.as_str())
        .filter(|kind| *kind != "progress")
        .collect();
    assert_eq!(
        events,
        ["JobSubmitted", "JobStarted", "JobSucceeded"],
        "{seen:?}"
    );
    let started = seen.iter().position(|(k, _, _)| k == "JobStarted");
    let progress: Vec<(u32, u32)> = seen
        .iter()
        .skip(started.expect("started") + 1)
        .take_while(|(k, _, _)| k == "progress")
        .map(|(_, page, done)| (*page, *done))
        .collect();
    assert_eq!(
        progress.len(),
        seen.len() - 3,
        "progress comes between JobStarted and the end: {seen:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1]),
        "pages and steps only move forward: {progress:?}"
    );
    for done in 1..=4 {
        assert!(
            progress.contains(&(1, done)),
            "the slow first page reports each step boundary ({done}/4): {progress:?}"
        );
    }
}
