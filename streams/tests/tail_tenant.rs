//! The example subscriber prints one tenant's events live and nothing of other tenants.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobStarted, JobSubmitted};
use jetcrawl_streams::{EventStore, Topology, connect, new_event};

fn example_binary() -> std::path::PathBuf {
    // target/debug/deps/<this test> -> target/debug/examples/tail_tenant
    let exe = std::env::current_exe().expect("test binary path");
    let debug = exe.parent().and_then(|p| p.parent()).expect("target dir");
    debug.join("examples").join("tail_tenant")
}

#[tokio::test]
async fn the_example_subscriber_prints_only_its_tenants_events() {
    let nats = NatsServer::start(NatsOptions::default())
        .await
        .expect("nats-server");
    let (_client, js) = connect(&nats.url(), "tail-test").await.expect("connect");
    Topology::default().apply(&js).await.expect("topology");
    let store = EventStore::open(js).await.expect("store");
    let submitted = |job: &str, tenant: &str| {
        new_event(
            job,
            tenant,
            "client",
            "",
            Payload::JobSubmitted(JobSubmitted::default()),
        )
    };
    let acme = store
        .append(0, &[submitted("job-acme", "acme")])
        .await
        .expect("acme")
        .sequence;
    store
        .append(0, &[submitted("job-globex", "globex")])
        .await
        .expect("globex");
    let started = new_event(
        "job-acme",
        "acme",
        "worker:w",
        "",
        Payload::JobStarted(JobStarted {
            attempt: 1,
            worker_id: "w".into(),
            ..Default::default()
        }),
    );
    store.append(acme, &[started]).await.expect("started");

    let binary = example_binary();
    assert!(
        binary.exists(),
        "{} not built: run `cargo build --workspace --examples` (scripts/test.sh does)",
        binary.display()
    );
    let mut child = Command::new(binary)
        .args([nats.url().as_str(), "acme", "--from-start"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("example starts");
    let stdout = child.stdout.take().expect("stdout");
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(2)
            .collect::<Result<Vec<_>, _>>()
    });
    let lines = tokio::time::timeout(Duration::from_secs(20), lines)
        .await
        .expect("two lines within 20 s")
        .expect("join")
        .expect("read");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines[0].contains("job-acme") && lines[0].contains("JobSubmitted"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("job-acme") && lines[1].contains("JobStarted"),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| !l.contains("globex")),
        "another tenant's events never show: {lines:?}"
    );
}
