//! Done means 2 and 4: a page that always answers 503 is dead-lettered after exactly 4
//! attempts, listed by ListDeadLetters (admin), and succeeds after a replay once fixed;
//! a worker killed on the final attempt still dead-letters the job, through the
//! MAX_DELIVERIES advisory captured while no dead-letter component was running.

use std::time::Duration;

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    DeadLetter, DeadLetterFilter, JobState, ListDeadLettersRequest, ReplayDeadLetterRequest,
};
use jetcrawl_streams::subjects::ADVISORIES_STREAM;
use jetcrawl_tests::{JobsApiClient, ServiceProcess, eventually};
use tonic::Code;

use crate::lifecycle::support::{Platform, http_spec, starts, types};

async fn dead_letters(
    client: &mut JobsApiClient,
    filter: DeadLetterFilter,
) -> anyhow::Result<Vec<DeadLetter>> {
    Ok(client
        .list_dead_letters(ListDeadLettersRequest {
            page_size: 0,
            page_token: String::new(),
            filter: Some(filter),
        })
        .await?
        .into_inner()
        .dead_letters)
}

fn last_two(history: &[jetcrawl_streams::RecordedEvent]) -> (&Payload, &Payload) {
    let n = history.len();
    (
        history[n - 2].payload().expect("payload"),
        history[n - 1].payload().expect("payload"),
    )
}

#[tokio::test]
async fn an_always_failing_page_is_dead_lettered_listed_and_replayed_once_fixed() {
    let platform = Platform::start().await.expect("platform starts");
    let _worker = platform.worker(&[]).await.expect("worker");
    let url = platform.stack.site.url("/flaky?key=down&fail=1000000");
    let job_id = platform.submit(http_spec(vec![url])).await.expect("submit");

    let job = platform
        .until_state(&job_id, JobState::Failed, Duration::from_secs(30))
        .await
        .expect("the job fails");
    assert_eq!(job.attempts, 4, "1 attempt + 3 retries");
    assert!(job.dead_lettered);
    let history = platform.history(&job_id).await.expect("history");
    assert_eq!(
        starts(&history).len(),
        4,
        "exactly 4 attempts: {:?}",
        types(&history)
    );
    match last_two(&history) {
        (Payload::JobDeadLettered(dead), Payload::JobFailed(failed)) => {
            assert_eq!(dead.reason, "attempts_exhausted");
            let attempts: Vec<(u32, &str)> = dead
                .attempts
                .iter()
                .map(|e| (e.attempt, e.error_class.as_str()))
                .collect();
            assert_eq!(
                attempts,
                [
                    (1, "http_5xx"),
                    (2, "http_5xx"),
                    (3, "http_5xx"),
                    (4, "http_5xx")
                ]
            );
            assert_eq!(
                (failed.attempts, failed.error_class.as_str()),
                (4, "http_5xx")
            );
        }
        other => panic!("expected JobDeadLettered then JobFailed, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        platform.stack.site.count("/flaky"),
        4,
        "no attempt after the 4th"
    );

    let mut admin = platform.admin().await.expect("admin client");
    let listed = eventually(Duration::from_secs(20), || {
        let mut admin = admin.clone();
        let job_id = job_id.clone();
        async move {
            let all = dead_letters(&mut admin, DeadLetterFilter::default()).await?;
            all.into_iter()
                .find(|d| d.job_id == job_id)
                .ok_or_else(|| anyhow::anyhow!("not listed yet"))
        }
    })
    .await
    .expect("ListDeadLetters lists the job");
    assert_eq!(
        (
            listed.attempts,
            listed.error_class.as_str(),
            listed.reason.as_str(),
            listed.domain.as_str()
        ),
        (4, "http_5xx", "attempts_exhausted", "127.0.0.1")
    );
    assert_eq!(listed.attempt_errors.len(), 4);
    let filtered = |tenant: &str, domain: &str, class: &str| DeadLetterFilter {
        tenant: tenant.into(),
        domain: domain.into(),
        error_class: class.into(),
    };
    for (filter, expected) in [
        (filtered("e2e", "127.0.0.1", "http_5xx"), 1),
        (filtered("", "", "http_4xx"), 0),
        (filtered("", "example.com", ""), 0),
    ] {
        let found = dead_letters(&mut admin, filter.clone())
            .await
            .expect("list");
        assert_eq!(found.len(), expected, "{filter:?}: {found:?}");
    }
    let denied = dead_letters(&mut admin, filtered("other-tenant", "", ""))
        .await
        .expect_err("an admin lists only its own tenant's dead letters");
    let status = denied
        .downcast_ref::<tonic::Status>()
        .expect("a gRPC status");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    // An admin of another tenant neither sees nor replays this tenant's dead letters.
    let other_key = platform
        .stack
        .mint_api_key("other-tenant", jetcrawl_gateway::auth::Role::Admin)
        .await
        .expect("other tenant's admin key");
    let mut other = jetcrawl_tests::auth::jobs_client(&platform.gateway.grpc_url, &other_key)
        .await
        .expect("other admin client");
    let seen = dead_letters(&mut other, DeadLetterFilter::default())
        .await
        .expect("list own");
    assert!(
        seen.is_empty(),
        "another tenant's admin sees nothing: {seen:?}"
    );
    let replay = other
        .replay_dead_letter(ReplayDeadLetterRequest {
            job_id: job_id.clone(),
            ..Default::default()
        })
        .await
        .expect_err("another tenant's job does not exist for it");
    assert_eq!(replay.code(), Code::NotFound, "{replay:?}");

    let mut client = platform.jobs().await.expect("client");
    let refused = dead_letters(&mut client, DeadLetterFilter::default())
        .await
        .expect_err("clients may not list dead letters");
    let status = refused
        .downcast_ref::<tonic::Status>()
        .expect("a gRPC status");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    // Fix the page, then replay every http_5xx dead letter on 127.0.0.1 with the CLI.
    platform.stack.site.heal_flaky("down");
    let cli = cli_json(
        &platform,
        &[
            "dlq",
            "replay",
            "--filter",
            "domain=127.0.0.1",
            "--filter",
            "error_class=http_5xx",
            "--reason",
            "site fixed",
        ],
    )
    .await;
    assert_eq!(cli["replayed"][0]["job_id"], job_id.as_str(), "{cli}");

    let job = platform
        .until_state(&job_id, JobState::Succeeded, Duration::from_secs(30))
        .await
        .expect("the replayed job succeeds");
    assert_eq!(
        (job.attempts, job.replays),
        (1, 1),
        "a fresh round of attempts"
    );
    let history = platform.history(&job_id).await.expect("history");
    assert_eq!(starts(&history).len(), 5, "the history is kept");
    assert!(
        history.iter().any(
            |e| matches!(e.payload(), Some(Payload::JobReplayed(r)) if r.reason == "site fixed")
        )
    );

    eventually(Duration::from_secs(20), || {
        let mut admin = admin.clone();
        async move {
            let all = dead_letters(&mut admin, DeadLetterFilter::default()).await?;
            anyhow::ensure!(all.is_empty(), "still listed: {all:?}");
            Ok(())
        }
    })
    .await
    .expect("the replayed job leaves the queue");
    let again = admin
        .replay_dead_letter(ReplayDeadLetterRequest {
            job_id: job_id.clone(),
            ..Default::default()
        })
        .await
        .expect_err("a succeeded job is not replayable");
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert!(again.message().contains("succeeded"), "{}", again.message());
}

/// Runs `jetcrawl --output json <args>` as the admin and parses its output.
async fn cli_json(platform: &Platform, args: &[&str]) -> serde_json::Value {
    let mut all = vec![
        "--output",
        "json",
        "--gateway",
        platform.gateway.grpc_url.as_str(),
    ];
    all.extend_from_slice(args);
    let cli = ServiceProcess::spawn(
        jetcrawl_tests::stack::CLI_BIN,
        all,
        [("JETCRAWL_API_KEY", platform.admin_key.as_str())],
    )
    .expect("cli runs");
    let mut cli = cli;
    let status = eventually(Duration::from_secs(20), || {
        let status = cli.exit_status();
        async move { status.ok_or_else(|| anyhow::anyhow!("still running")) }
    })
    .await
    .expect("cli exits");
    let log = cli.log();
    assert!(status.success(), "jetcrawl {args:?} failed: {log}");
    let line = log
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON in {log}"));
    serde_json::from_str(line).expect("JSON output")
}

#[tokio::test]
async fn a_worker_killed_on_the_final_attempt_is_dead_lettered_through_the_advisory() {
    let platform = Platform::start().await.expect("platform starts");
    // Two attempts, two deliveries: the second delivery's loss is seen only through the
    // MAX_DELIVERIES advisory, never through a redelivery.
    platform
        .stack
        .apply_topology(&jetcrawl_streams::Topology {
            worker_ack_wait: Duration::from_millis(crate::lifecycle::support::ACK_WAIT_MS),
            worker_max_deliver: 2,
            ..jetcrawl_streams::Topology::default()
        })
        .await
        .expect("topology applies");
    let env = [
        ("JETCRAWL_MAX_ATTEMPTS", "2"),
        ("JETCRAWL_WORKER_MAX_DELIVER", "2"),
    ];
    let mut first = platform.worker(&env).await.expect("worker");
    let urls = vec![
        platform.stack.site.url("/flaky?key=final&fail=1"),
        platform.stack.site.url("/slow?ms=30000"),
    ];
    let job_id = platform.submit(http_spec(urls)).await.expect("submit");
    eventually(Duration::from_secs(20), || async {
        anyhow::ensure!(
            platform.stack.site.count("/slow") >= 1,
            "attempt 2 not there yet"
        );
        Ok(())
    })
    .await
    .expect("the second (final) attempt runs");
    first.process.kill();
    // JetStream notices the lost delivery only when the consumer next hands out work, so
    // a worker keeps pulling; its dead-letter component is off, so nobody acts on the
    // advisory: it must wait in the ADVISORIES stream.
    let mut without_dead_letters = vec![("JETCRAWL_DEAD_LETTERS", "false")];
    without_dead_letters.extend_from_slice(&env);
    let _puller = platform
        .worker(&without_dead_letters)
        .await
        .expect("puller");

    let (_client, js) = jetcrawl_streams::connect(&platform.stack.nats_url(), "advisories")
        .await
        .expect("connect");
    eventually(Duration::from_secs(20), || {
        let js = js.clone();
        async move {
            let mut stream = js.get_stream(ADVISORIES_STREAM).await?;
            let messages = stream.info().await?.state.messages;
            anyhow::ensure!(messages >= 1, "no advisory captured yet");
            Ok(())
        }
    })
    .await
    .expect("the MAX_DELIVERIES advisory is captured while no dead-letter component runs");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let job = platform.get(&job_id).await.expect("job");
    assert_eq!(
        job.state,
        JobState::Running as i32,
        "nobody has acted on it yet"
    );

    let second = platform.worker(&env).await.expect("second worker");
    let job = platform
        .until_state(&job_id, JobState::Failed, Duration::from_secs(20))
        .await
        .expect("the job is dead-lettered from the captured advisory");
    assert!(job.dead_lettered);
    let history = platform.history(&job_id).await.expect("history");
    assert_eq!(
        starts(&history).len(),
        2,
        "no third attempt: {:?}",
        types(&history)
    );
    let n = history.len();
    assert_eq!(
        history[n - 2].event.actor,
        format!("worker:{}", second.worker_id)
    );
    match last_two(&history) {
        (Payload::JobDeadLettered(dead), Payload::JobFailed(failed)) => {
            assert_eq!(dead.reason, "max_deliveries");
            let classes: Vec<&str> = dead
                .attempts
                .iter()
                .map(|e| e.error_class.as_str())
                .collect();
            assert_eq!(classes, ["http_5xx", "worker_lost"]);
            assert_eq!(failed.error_class, "worker_lost");
        }
        other => panic!("expected JobDeadLettered then JobFailed, got {other:?}"),
    }
    let admin = platform.admin().await.expect("admin");
    let listed = eventually(Duration::from_secs(20), || {
        let mut admin = admin.clone();
        async move {
            let all = dead_letters(&mut admin, DeadLetterFilter::default()).await?;
            all.into_iter()
                .next()
                .ok_or_else(|| anyhow::anyhow!("not listed yet"))
        }
    })
    .await
    .expect("listed");
    assert_eq!(
        (listed.job_id.as_str(), listed.reason.as_str()),
        (job_id.as_str(), "max_deliveries")
    );
}
