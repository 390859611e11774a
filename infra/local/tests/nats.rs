//! nats-server starts with JetStream, and keeps its port and data across a crash.

use std::time::Duration;

use jetcrawl_local::{NatsOptions, NatsServer};

async fn stream_messages(url: &str) -> u64 {
    let client = async_nats::connect(url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream("T").await.unwrap();
    stream.info().await.unwrap().state.messages
}

#[tokio::test]
async fn jetstream_data_survives_a_kill_and_restart_on_the_same_port() {
    let opts = NatsOptions {
        sync_always: true,
        ..NatsOptions::default()
    };
    let mut nats = NatsServer::start(opts).await.unwrap();
    let (port, url) = (nats.port(), nats.url());
    assert_eq!(url, format!("nats://127.0.0.1:{port}"));
    assert_ne!(nats.monitor_port, port);

    let client = async_nats::connect(&url).await.unwrap();
    let js = async_nats::jetstream::new(client.clone());
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "T".into(),
        subjects: vec!["t.>".into()],
        ..Default::default()
    })
    .await
    .expect("JetStream is enabled");
    js.publish("t.one", "hello".into())
        .await
        .unwrap()
        .await
        .unwrap();
    drop(client);

    nats.kill();
    assert!(!nats.is_running());
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );

    nats.restart().await.unwrap();
    assert_eq!(nats.port(), port);
    assert_eq!(stream_messages(&url).await, 1);
    assert!(nats.store_dir().is_dir());
    let config = std::fs::read_to_string(nats.data_dir().join("nats-server.conf")).unwrap();
    assert!(config.contains("sync_interval: always"), "{config}");

    nats.stop().await.unwrap();
    assert!(!nats.is_running());
}

#[tokio::test]
async fn a_persistent_data_dir_is_reused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let opts = NatsOptions {
        data_dir: Some(dir.path().join("nats")),
        ..NatsOptions::default()
    };
    let nats = NatsServer::start(opts.clone()).await.unwrap();
    let js = async_nats::jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "T".into(),
        subjects: vec!["t.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    js.publish("t.x", "x".into()).await.unwrap().await.unwrap();
    drop(js);
    drop(nats);
    assert!(dir.path().join("nats/jetstream").is_dir());

    let nats = NatsServer::start(opts).await.unwrap();
    assert_eq!(stream_messages(&nats.url()).await, 1);
}

#[tokio::test]
async fn a_missing_binary_override_is_a_clear_error() {
    // Only this test in this binary reads the variable after setting it.
    let err = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "nats::missing_binary_child",
            "--nocapture",
            "--include-ignored",
        ])
        .env("JETCRAWL_NATS_SERVER", "/nonexistent/nats-server")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&err.stdout);
    assert!(
        out.contains("JETCRAWL_NATS_SERVER=/nonexistent/nats-server is not an executable"),
        "{out}"
    );
}

#[tokio::test]
#[ignore = "run by a_missing_binary_override_is_a_clear_error in a child process"]
async fn missing_binary_child() {
    let err = NatsServer::start(NatsOptions::default()).await.unwrap_err();
    println!("{err:#}");
    tokio::time::sleep(Duration::from_millis(1)).await;
}
