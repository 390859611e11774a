//! The `jetcrawl` client commands against a running platform, as a user with gateway
//! access only: NATS is out of reach, so everything goes through the gateway. Exit
//! codes tell failures apart, `--output json` writes one document, tables have headers,
//! and a closed pipe is no crash.

use std::process::{Command, Output};
use std::time::Duration;

use jetcrawl_tests::eventually;
use serde_json::Value;

use crate::e2e::support::Platform;

/// Runs `jetcrawl args` with `key` against the platform's gateway, and a NATS URL
/// where nothing listens.
pub(crate) fn cli(p: &Platform, key: &str, args: &[&str]) -> Output {
    command(p, key, args).output().expect("jetcrawl runs")
}

pub(crate) fn command(p: &Platform, key: &str, args: &[&str]) -> Command {
    let bin = jetcrawl_tests::target_dir::binary_path("jetcrawl").expect("jetcrawl is built");
    let mut command = Command::new(bin);
    command
        .args(args)
        .env("JETCRAWL_GATEWAY", &p.gateway.grpc_url)
        .env("JETCRAWL_HTTP_URL", &p.gateway.http_url)
        .env("JETCRAWL_NATS_URL", "nats://127.0.0.1:9")
        .env("JETCRAWL_API_KEY", key)
        .env("RUST_BACKTRACE", "1");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Stdout as exactly one JSON document.
pub(crate) fn document(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not one JSON document ({err}): {}",
            text(&output.stdout)
        )
    })
}

#[tokio::test]
async fn the_cli_submits_waits_lists_downloads_and_fails_with_meaningful_codes() {
    let p = Platform::start().await.expect("platform");
    let key = p.gateway.api_key.clone();
    let page = p.stack.site.url("/static");

    // submit --wait, JSON: one document with the job and its result, read through the
    // gateway's signed URL.
    let out = cli(
        &p,
        &key,
        &[
            "submit",
            &page,
            "--render",
            "http",
            "--extract",
            "title=h1",
            "--extract",
            "price=.price@data-currency",
            "--label",
            "team=pricing",
            "--wait",
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let done = document(&out);
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    let job_id = done["job"]["job_id"].as_str().expect("job id").to_owned();
    let first = &done["result"]["pages"][0]["data"];
    assert_eq!(first["title"], "Static Title", "{done}");
    assert_eq!(first["price"], "EUR", "an attribute rule: {done}");

    // list: a table with a header, the job in it. `--wait` follows the event log and
    // `list` reads the projection, which applies the job's end a batch later.
    let listed = eventually(Duration::from_secs(10), || async {
        let out = cli(&p, &key, &["list", "--state", "succeeded"]);
        anyhow::ensure!(out.status.success(), "{}", text(&out.stderr));
        let listed = text(&out.stdout);
        anyhow::ensure!(listed.contains(&job_id), "the job is not listed: {listed}");
        Ok(listed)
    })
    .await
    .expect("the succeeded job is listed");
    let header = listed.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("JOB") && header.contains("STATE"),
        "{listed}"
    );
    let out = cli(&p, &key, &["list", "--state", "cancelled"]);
    assert_eq!(text(&out.stdout).trim(), "none", "an empty list says so");

    // result: files on disk, checked against the recorded sha256.
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("out");
    let out = cli(
        &p,
        &key,
        &["result", &job_id, "--dir", target.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let saved: Value = serde_json::from_slice(
        &std::fs::read(target.join("result.json")).expect("result.json written"),
    )
    .expect("JSON");
    assert_eq!(saved["pages"][0]["data"]["title"], "Static Title");

    // On a terminal (a pseudo-terminal from util-linux `script`), watch draws a live
    // line and ends with a coloured one-line summary instead of one line per event.
    let bin = jetcrawl_tests::target_dir::binary_path("jetcrawl").expect("jetcrawl is built");
    let out = Command::new("script")
        .args([
            "-qec",
            &format!("{} watch {job_id}", bin.display()),
            "/dev/null",
        ])
        .env("JETCRAWL_GATEWAY", &p.gateway.grpc_url)
        .env("JETCRAWL_API_KEY", &key)
        .env("TERM", "xterm-256color")
        .output()
        .expect("script runs");
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains(&format!("job {job_id} \u{1b}[32msucceeded\u{1b}[0m after")),
        "a green summary: {screen:?}"
    );
    assert!(
        !screen.contains(" -> "),
        "no per-event lines on a terminal: {screen:?}"
    );

    // A job that fails: exit 6, and in JSON one document with the error and the job.
    let missing = p.stack.site.url("/error/404");
    let out = cli(
        &p,
        &key,
        &[
            "submit", &missing, "--render", "http", "--wait", "--output", "json",
        ],
    );
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let failed = document(&out);
    assert_eq!(failed["error"]["kind"], "job_failed", "{failed}");
    assert_eq!(failed["job"]["state"], "failed", "{failed}");
    let message = failed["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("404") && !message.contains("will retry"),
        "{message}"
    );

    // Not found (3), no key (4), cancelling an ended job (1), a bad flag (2): each its
    // own code, said in one line without a backtrace.
    let unknown = "0190f1a2-0000-7000-8000-000000000000".to_owned();
    let cases: [(&str, Vec<&str>, i32); 4] = [
        (key.as_str(), vec!["get", &unknown], 3),
        ("", vec!["list"], 4),
        (key.as_str(), vec!["cancel", &job_id], 1),
        (key.as_str(), vec!["submit", &page, "--extract", "title"], 2),
    ];
    for (key, args, code) in cases {
        let out = cli(&p, key, &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("stack backtrace") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }

    // A spec file with a typo names its path; nothing is submitted.
    let spec = dir.path().join("job.yaml");
    std::fs::write(
        &spec,
        format!("urls: [{page}]\nextract:\n  - {{name: t, selectr: h1}}\n"),
    )
    .expect("spec written");
    let out = cli(
        &p,
        &key,
        &["submit", "--spec", spec.to_str().expect("utf-8")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("extract[0]") && stderr.contains("selectr"),
        "{stderr}"
    );

    // Output into a closed pipe ends quietly.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = command(&p, &key, &["list"])
        .stdout(writer)
        .output()
        .expect("jetcrawl runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}
