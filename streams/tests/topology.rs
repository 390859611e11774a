//! The topology's one owner against a real nats-server: `apply` creates everything and
//! is idempotent; `verify` (what services run) changes nothing and refuses a different
//! topology, naming each difference and the command that fixes it.

use async_nats::jetstream::kv;
use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_streams::topology::APPLY_COMMAND;
use jetcrawl_streams::{Topology, TopologyError, connect};

async fn server() -> (NatsServer, async_nats::jetstream::Context) {
    let nats = NatsServer::start(NatsOptions::default())
        .await
        .expect("nats-server starts");
    let (_client, js) = connect(&nats.url(), "topology-test")
        .await
        .expect("connects");
    (nats, js)
}

#[tokio::test]
async fn a_service_refuses_an_empty_server_and_names_the_command_that_fixes_it() {
    let (_nats, js) = server().await;
    let err = Topology::default()
        .verify(&js)
        .await
        .expect_err("nothing applied yet");
    let message = err.to_string();
    assert!(matches!(err, TopologyError::Differs(_)), "{message}");
    assert!(
        message.contains("stream JOBS: existence: running"),
        "{message}"
    );
    assert!(message.contains("KV bucket SUBJECT_KEYS"), "{message}");
    assert!(message.contains(APPLY_COMMAND), "{message}");
    assert!(
        js.get_stream("JOBS").await.is_err(),
        "verify created nothing"
    );
}

#[tokio::test]
async fn apply_creates_every_stream_bucket_and_consumer_once() {
    let (_nats, js) = server().await;
    let topology = Topology::default();
    let created = topology.apply(&js).await.expect("applies");
    assert_eq!(
        created.len(),
        topology.resources().len() + topology.consumers().len(),
        "{created:?}"
    );
    topology.verify(&js).await.expect("a service accepts it");
    assert!(
        topology.apply(&js).await.expect("again").is_empty(),
        "a second apply changes nothing"
    );
}

#[tokio::test]
async fn a_bucket_with_other_durability_is_refused_then_repaired_by_apply() {
    let (_nats, js) = server().await;
    let topology = Topology::default();
    topology.apply(&js).await.expect("applies");
    // An older build created SUBJECT_KEYS with more history than the erasure allows.
    let mut stream = js.get_stream("KV_SUBJECT_KEYS").await.expect("bucket");
    let mut config = stream.info().await.expect("info").config.clone();
    config.max_messages_per_subject = 5;
    js.update_stream(&config).await.expect("operator change");

    let err = topology.verify(&js).await.expect_err("differs");
    assert!(
        err.to_string()
            .contains("KV bucket SUBJECT_KEYS: history: running 5, defined 1"),
        "{err}"
    );
    let changed = topology.apply(&js).await.expect("repairs");
    assert!(
        changed.iter().any(|c| c.starts_with("history")),
        "{changed:?}"
    );
    topology.verify(&js).await.expect("repaired");
    let keys: kv::Store = js.get_key_value("SUBJECT_KEYS").await.expect("bucket");
    assert_eq!(keys.status().await.expect("status").history(), 1);
}

#[tokio::test]
async fn storage_cannot_change_in_place_and_apply_says_so() {
    let (_nats, js) = server().await;
    Topology::default().apply(&js).await.expect("applies");
    let memory = Topology {
        storage: async_nats::jetstream::stream::StorageType::Memory,
        ..Topology::default()
    };
    let err = memory.apply(&js).await.expect_err("immutable");
    assert!(matches!(err, TopologyError::Immutable(_)), "{err}");
    assert!(err.to_string().contains("stream JOBS: storage"), "{err}");
}

#[tokio::test]
async fn a_service_started_before_its_server_waits_for_it_then_verifies() {
    let (mut nats, js) = server().await;
    Topology::default().apply(&js).await.expect("applies");
    nats.stop().await.expect("stops");
    let (client, _) = connect(&nats.url(), "topology-test-early")
        .await
        .expect("the client connects in the background");
    // Requests time out fast, so several fail as unavailable before the server is back.
    let mut js = async_nats::jetstream::new(client);
    js.set_timeout(std::time::Duration::from_millis(200));
    let waiting = tokio::spawn(async move {
        Topology::default()
            .verify_patiently(&js, std::time::Duration::from_secs(30))
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    assert!(!waiting.is_finished(), "it waits while the server is down");
    nats.restart().await.expect("restarts");
    waiting
        .await
        .expect("joins")
        .expect("verified once the server answers");
}

#[tokio::test]
async fn a_different_topology_is_refused_at_once_not_after_the_patience() {
    let (_nats, js) = server().await;
    let started = std::time::Instant::now();
    let err = Topology::default()
        .verify_patiently(&js, std::time::Duration::from_secs(60))
        .await
        .expect_err("nothing applied yet");
    assert!(matches!(err, TopologyError::Differs(_)), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "refused after {:?}",
        started.elapsed()
    );
}
