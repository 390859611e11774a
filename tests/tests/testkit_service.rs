//! ServiceProcess: clear errors, captured logs, stop and kill; and the polling helper.

use std::path::Path;
use std::time::Duration;

use jetcrawl_tests::readiness::wait_http_ok;
use jetcrawl_tests::{ServiceProcess, eventually};

#[test]
fn a_binary_that_is_not_built_gives_a_clear_error() {
    let err = ServiceProcess::spawn("jetcrawl-does-not-exist", ["--help"], [("A", "b")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "binary jetcrawl-does-not-exist not built: run `cargo build --workspace --bins` first"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn output_is_logged_and_stop_is_graceful() {
    let script = r#"echo "hello $GREETING"; echo oops >&2; trap 'echo bye; exit 0' TERM; while :; do sleep 0.1; done"#;
    let mut process =
        ServiceProcess::spawn_path(Path::new("/bin/sh"), ["-c", script], [("GREETING", "kit")])
            .unwrap();
    assert_eq!(process.name(), "sh");
    eventually(Duration::from_secs(5), || async {
        let log = process.log();
        anyhow::ensure!(
            log.contains("hello kit") && log.contains("oops"),
            "log: {log}"
        );
        Ok(())
    })
    .await
    .unwrap();
    assert!(process.is_running());
    let status = process.stop().await.unwrap();
    assert!(status.success());
    assert!(process.log().contains("bye"));
    assert!(!process.is_running());
    assert!(process.log_path().exists());
}

#[tokio::test]
async fn kill_is_immediate() {
    let mut process =
        ServiceProcess::spawn_path(Path::new("/bin/sleep"), ["300"], [("A", "b")]).unwrap();
    assert!(process.is_running());
    process.kill();
    assert!(!process.is_running());
    assert_eq!(process.exit_status().and_then(|s| s.code()), None);
}

#[tokio::test]
async fn readiness_fails_fast_with_the_log_when_the_process_exits() {
    let mut process = ServiceProcess::spawn_path(
        Path::new("/bin/sh"),
        ["-c", "echo cannot bind; exit 1"],
        [("A", "b")],
    )
    .unwrap();
    let port = jetcrawl_tests::free_port().unwrap();
    let err = wait_http_ok(
        &mut process,
        &format!("http://127.0.0.1:{port}/healthz"),
        Duration::from_secs(30),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("sh exited") && err.contains("cannot bind"),
        "{err}"
    );
}

#[tokio::test]
async fn eventually_returns_the_value_or_the_last_error() {
    let mut calls = 0;
    let value = eventually(Duration::from_secs(5), || {
        calls += 1;
        let n = calls;
        async move {
            anyhow::ensure!(n >= 3, "only {n} calls");
            Ok(n)
        }
    })
    .await
    .unwrap();
    assert_eq!(value, 3);

    let err = eventually(Duration::from_millis(300), || async {
        anyhow::bail!("never") as anyhow::Result<()>
    })
    .await
    .unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("not met within 300ms") && message.contains("never"),
        "{message}"
    );
}
