//! WatchJob: the job's events with their states, ending after the terminal one.

use crate::common;

use std::time::Duration;

use crate::common::{request, spec};
use futures::StreamExt;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobStarted, JobState, JobSucceeded, WatchJobRequest};
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::new_event;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_follows_the_job_and_ends_at_its_terminal_state() {
    let mut gw = common::start(|_| {}).await;
    let mut client = gw.grpc().await;
    let submitted = client
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .expect("submit")
        .into_inner();
    let job_id = submitted.job_id.clone();
    let mut events = client
        .watch_job(WatchJobRequest {
            job_id: job_id.clone(),
            progress: false,
        })
        .await
        .expect("watch")
        .into_inner();

    let first = tokio::time::timeout(WAIT, events.next())
        .await
        .expect("first event")
        .expect("open")
        .expect("ok");
    assert_eq!(
        (first.sequence, first.state),
        (submitted.stream_sequence, JobState::Queued as i32)
    );
    assert_eq!(first.event.expect("event").event_type, "JobSubmitted");

    // A worker's events, appended while the client watches.
    let started = new_event(
        &job_id,
        "default",
        "worker:w1",
        &new_traceparent(),
        Payload::JobStarted(JobStarted {
            attempt: 1,
            worker_id: "w1".into(),
            ..Default::default()
        }),
    );
    let at = gw
        .store
        .append(submitted.stream_sequence, &[started])
        .await
        .expect("started appended");
    let succeeded = Payload::JobSucceeded(JobSucceeded {
        attempt: 1,
        result_key: format!("{job_id}/result.json"),
        result_size: 42,
        ..Default::default()
    });
    let done = gw
        .store
        .append(
            at.sequence,
            &[new_event(
                &job_id,
                "default",
                "worker:w1",
                &new_traceparent(),
                succeeded,
            )],
        )
        .await
        .expect("succeeded appended");

    let mut seen = Vec::new();
    while let Some(event) = tokio::time::timeout(WAIT, events.next())
        .await
        .expect("the watch must end on its own")
    {
        let event = event.expect("event");
        seen.push((
            event.sequence,
            event.state,
            event.event.expect("event").event_type,
        ));
    }
    assert_eq!(
        seen,
        [
            (
                at.sequence,
                JobState::Running as i32,
                "JobStarted".to_owned()
            ),
            (
                done.sequence,
                JobState::Succeeded as i32,
                "JobSucceeded".to_owned()
            ),
        ]
    );

    // A finished job replays its whole history and ends.
    let replay: Vec<_> = client
        .watch_job(WatchJobRequest {
            job_id: job_id.clone(),
            progress: false,
        })
        .await
        .expect("watch")
        .into_inner()
        .collect()
        .await;
    assert_eq!(replay.len(), 3);

    let missing = client
        .watch_job(WatchJobRequest {
            job_id: "0190c0de-0000-7000-8000-00000000dead".into(),
            progress: false,
        })
        .await
        .expect_err("unknown");
    assert_eq!(missing.code(), Code::NotFound);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_watches_instead_of_waiting_for_them() {
    let mut gw = common::start(|_| {}).await;
    let mut client = gw.grpc().await;
    let submitted = client
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .expect("submit")
        .into_inner();
    let mut events = client
        .watch_job(WatchJobRequest {
            job_id: submitted.job_id,
            progress: false,
        })
        .await
        .expect("watch")
        .into_inner();
    tokio::time::timeout(WAIT, events.next())
        .await
        .expect("first event")
        .expect("open")
        .expect("ok");
    gw.shutdown().await;
    let end = tokio::time::timeout(WAIT, events.next())
        .await
        .expect("the watch ends at shutdown");
    assert!(
        end.as_ref().is_none_or(|item| item.is_err()),
        "no more events after shutdown: {end:?}"
    );
}
