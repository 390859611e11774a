//! The `jetcrawl` command line, as a newcomer runs it.

use std::time::Duration;

use anyhow::bail;
use jetcrawl_tests::{ServiceProcess, eventually, free_port};

/// `jetcrawl up --demo` brings nats-server, Postgres and every service up, renders the
/// demo page in Chromium and prints what its JavaScript inserted.
#[tokio::test]
async fn up_with_demo_runs_a_browser_job_end_to_end() {
    let data = tempfile::tempdir().expect("temp dir");
    let port = || free_port().expect("free port").to_string();
    let (grpc, http, nats) = (port(), port(), port());
    let args = [
        "up".to_owned(),
        "--data-dir".to_owned(),
        data.path().display().to_string(),
        "--grpc-addr".to_owned(),
        format!("127.0.0.1:{grpc}"),
        "--http-addr".to_owned(),
        format!("127.0.0.1:{http}"),
        "--nats-port".to_owned(),
        nats,
        "--demo".to_owned(),
        "--exit-after-demo".to_owned(),
    ];
    let mut up = ServiceProcess::spawn("jetcrawl", args, [("JETCRAWL_LOG_FORMAT", "json")])
        .expect("jetcrawl up starts");
    let status = eventually(Duration::from_secs(120), || {
        let status = up.exit_status();
        async move {
            match status {
                Some(status) => Ok(status),
                None => bail!("still running"),
            }
        }
    })
    .await
    .expect("jetcrawl up --exit-after-demo exits");
    let log = up.log();
    assert!(status.success(), "exit {status:?}:\n{log}");
    assert!(
        log.contains("\"title\": \"Hello from JavaScript\""),
        "the demo prints the rendered title:\n{log}"
    );
    assert!(log.contains("state     succeeded"), "{log}");
    assert!(
        log.contains(&format!("grpc http://127.0.0.1:{grpc}")),
        "it says where the gateway listens:\n{log}"
    );
    assert!(log.contains("stopped."), "it stops cleanly:\n{log}");
}
