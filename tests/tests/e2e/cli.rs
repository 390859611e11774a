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
    let status = exited(&mut up, Duration::from_secs(120)).await;
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

/// Waits for `up` to exit on its own, for at most `within`.
async fn exited(up: &mut ServiceProcess, within: Duration) -> std::process::ExitStatus {
    eventually(within, || {
        let status = up.exit_status();
        async move { status.ok_or_else(|| anyhow::anyhow!("still running")) }
    })
    .await
    .expect("jetcrawl up exits")
}

/// `jetcrawl up` flags for a run on free ports in `data`.
fn up_args(data: &std::path::Path) -> (Vec<String>, String) {
    let port = || free_port().expect("free port").to_string();
    let http = format!("127.0.0.1:{}", port());
    let args = vec![
        "up".to_owned(),
        "--data-dir".to_owned(),
        data.display().to_string(),
        "--grpc-addr".to_owned(),
        format!("127.0.0.1:{}", port()),
        "--http-addr".to_owned(),
        http.clone(),
        "--nats-port".to_owned(),
        port(),
    ];
    (args, format!("http://{http}"))
}

/// Bug: under `up` the gateway was built from code defaults, so `JETCRAWL_QUOTA_*` and
/// `JETCRAWL_ALLOW_PRIVATE_TARGETS` did nothing there while they worked on the gateway
/// run alone. Every service under `up` reads the same variables as when run alone.
#[tokio::test]
async fn up_runs_every_service_with_its_settings_from_the_environment() {
    let data = tempfile::tempdir().expect("temp dir");
    let (mut args, base) = up_args(data.path());
    args.push("--allow-private-targets".to_owned());
    let env = [
        ("JETCRAWL_LOG_FORMAT", "json"),
        ("JETCRAWL_QUOTA_SUBMITS_PER_SEC", "1"),
        ("JETCRAWL_QUOTA_SUBMIT_BURST", "1"),
    ];
    let mut up = ServiceProcess::spawn("jetcrawl", args, env).expect("jetcrawl up starts");
    let key_file = data.path().join("dev-client.key");
    eventually(Duration::from_secs(120), || {
        let ready = key_file.exists();
        let running = up.is_running();
        async move {
            match (running, ready) {
                (false, _) => Err(anyhow::anyhow!("jetcrawl up exited")),
                (true, true) => Ok(()),
                (true, false) => bail!("not up yet"),
            }
        }
    })
    .await
    .unwrap_or_else(|err| panic!("{err:#}:\n{}", up.log()));
    let key = std::fs::read_to_string(&key_file).expect("dev key");
    let http = jetcrawl_tests::http_client().expect("client");
    let submit = |n: u32| {
        let request = http
            .post(format!("{base}/v1/jobs"))
            .bearer_auth(key.trim())
            .json(&serde_json::json!({
                // Loopback: refused unless --allow-private-targets reaches the gateway.
                "spec": {"urls": [format!("http://127.0.0.1:9/page-{n}")], "render": "http"}
            }));
        async move { request.send().await.expect("POST /v1/jobs") }
    };

    let first = submit(1).await;
    let status = first.status();
    let body = first.text().await.unwrap_or_default();
    assert_eq!(
        status, 202,
        "a loopback target is accepted when --allow-private-targets says so: {body}"
    );
    let log = up.log();
    assert!(
        log.contains(&format!("export JETCRAWL_HTTP_URL={base}")),
        "it prints the export lines for its non-default ports:\n{log}"
    );
    assert!(
        !log.contains("\"level\":\"INFO\""),
        "INFO logs stay hidden without -v:\n{log}"
    );
    // Sent together, they reach admission within moments: a burst of 1 at 1 a second
    // lets at most a few through, whatever the machine's load.
    let burst: Vec<_> = (2..8).map(submit).collect();
    let answers = futures::future::join_all(burst).await;
    let refused: Vec<_> = answers
        .iter()
        .filter(|answer| answer.status() == 429)
        .collect();
    assert!(
        !refused.is_empty(),
        "a burst of 1 submit from the environment is enforced: {:?}",
        answers.iter().map(|a| a.status()).collect::<Vec<_>>()
    );
    assert!(
        refused[0].headers().contains_key("retry-after"),
        "a refusal says when to retry"
    );
    up.stop().await;
}

/// Bug: with its HTTP port taken, `up` reached the other process with its readiness
/// probe, printed "jetcrawl is up" and exited 0. It now refuses before starting
/// anything, naming the address and the flag that moves it.
#[tokio::test]
async fn up_refuses_a_taken_port_before_starting_anything() {
    let data = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to hold");
    let addr = taken.local_addr().expect("its address");
    let (mut args, _) = up_args(data.path());
    let at = args.iter().position(|a| a == "--http-addr").expect("flag") + 1;
    args[at] = addr.to_string();
    let mut up = ServiceProcess::spawn("jetcrawl", args, [("JETCRAWL_LOG_FORMAT", "json")])
        .expect("jetcrawl up starts");
    let status = exited(&mut up, Duration::from_secs(30)).await;
    let log = up.log();
    assert!(!status.success(), "{log}");
    assert!(
        log.contains(&addr.to_string()) && log.contains("--http-addr"),
        "the error names the address and the flag:\n{log}"
    );
    assert!(!log.contains("jetcrawl is up"), "{log}");
    assert!(!data.path().join("nats").exists(), "nothing was started");
}

/// A bad value in the environment stops `up` before it starts anything, naming the
/// service whose setting it is.
#[tokio::test]
async fn up_refuses_a_bad_setting_before_starting_anything() {
    let data = tempfile::tempdir().expect("temp dir");
    let (args, _) = up_args(data.path());
    let mut up = ServiceProcess::spawn(
        "jetcrawl",
        args,
        [("JETCRAWL_QUOTA_SUBMITS_PER_SEC", "lots")],
    )
    .expect("jetcrawl up starts");
    let status = exited(&mut up, Duration::from_secs(30)).await;
    let log = up.log();
    assert!(!status.success(), "{log}");
    assert!(
        log.contains("jetcrawl-gateway settings") && log.contains("lots"),
        "the error names the service and the value:\n{log}"
    );
    assert!(
        !data.path().join("nats").exists() && !data.path().join("postgres").exists(),
        "nothing was started"
    );
}
