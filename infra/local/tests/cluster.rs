//! A 3-node JetStream cluster keeps accepting and serving an R3 stream through a node
//! crash, a hung node and a rejoin, refuses writes without quorum; and the power-cut
//! simulation drops exactly what was not fsynced.

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, Context, message::PublishMessage, stream};
use jetcrawl_local::{ClusterOptions, NatsCluster, NatsOptions, NatsServer, PowerCutDisk};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const STREAM: &str = "T";

/// Bound for anything that waits on an election or a catch-up.
const ELECTION: Duration = Duration::from_secs(30);

/// A follower waits 4 to 9 s for a lost leader before it campaigns
/// (`minElectionTimeoutDefault` in nats-server's raft.go), so an ack sooner than this
/// did not wait for an election.
const NO_ELECTION: Duration = Duration::from_secs(4);

/// Retries `check` every 100 ms until it returns `Some`, failing after `within`.
async fn eventually<T>(
    what: &str,
    within: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A JetStream context on a client that talks to the node at `url` only, with a short
/// request timeout so a publish without quorum fails fast.
async fn node_js(url: &str) -> Context {
    let client = async_nats::ConnectOptions::new()
        .ignore_discovered_servers()
        .connect(url)
        .await
        .unwrap();
    jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(2))
        .build(client)
}

/// Creates the R3 stream through node `via`, then publishes message 1 (`t.1`, "one")
/// through node `via + 1`: right after creation a node may not know the stream's
/// subjects yet and answer "no stream found", so that first publish is retried.
/// Returns the stream leader once every replica holds message 1: until then a busy
/// node may not have joined the group, and losing another would cost the quorum.
async fn create_r3_stream(cluster: &mut NatsCluster, via: usize) -> usize {
    let js = node_js(&cluster.url(via)).await;
    let config = stream::Config {
        name: STREAM.into(),
        subjects: vec!["t.>".into()],
        num_replicas: 3,
        // Lets each replica answer reads, so a read through a node shows its own copy.
        allow_direct: true,
        ..Default::default()
    };
    // On a busy machine the meta leader may answer after the 2 s timeout; creating the
    // same stream again is a no-op.
    eventually("the R3 stream is created", ELECTION, async || {
        let created = js.create_stream(config.clone()).await;
        created
            .inspect_err(|e| eprintln!("creating {STREAM}: {e}"))
            .ok()
    })
    .await;
    let js = node_js(&cluster.url((via + 1) % cluster.len())).await;
    assert_eq!(publish_acked(&js, "t.1", "one", ELECTION).await, 1);
    for i in 0..cluster.len() {
        caught_up(cluster, i, 1).await;
    }
    eventually("a stream leader", ELECTION, async || {
        cluster.stream_leader(STREAM).await
    })
    .await
}

/// Publishes and waits for the ack, returning the sequence. The subject doubles as the
/// message id, so retrying after an unknown outcome (a timeout) cannot store it twice.
async fn publish(js: &Context, subject: &str, payload: &'static str) -> Result<u64, String> {
    let message = PublishMessage::build()
        .message_id(subject)
        .payload(payload.into());
    let ack = js.send_publish(subject.to_owned(), message).await;
    let ack = ack.map_err(|e| e.to_string())?.await;
    ack.map(|ack| ack.sequence).map_err(|e| e.to_string())
}

/// Publishes until acked, as a client does: during an election a node answers "no
/// stream found" (no responder) or the ack times out. Fails after `within`.
async fn publish_acked(
    js: &Context,
    subject: &str,
    payload: &'static str,
    within: Duration,
) -> u64 {
    let what = format!("an ack for {subject}");
    eventually(&what, within, async || {
        publish(js, subject, payload).await.ok()
    })
    .await
}

/// Waits until node `i`'s own replica holds `messages` messages.
async fn caught_up(cluster: &mut NatsCluster, i: usize, messages: u64) {
    let what = format!("node {i} holds {messages} messages");
    eventually(&what, ELECTION, async || {
        (cluster.stream_messages(i, STREAM).await == Some(messages)).then_some(())
    })
    .await;
}

/// Message `seq` as the replica on the node at `url` serves it.
async fn read_on_node(url: &str, seq: u64) -> Option<String> {
    let js = node_js(url).await;
    let stream = js.get_stream_no_info(STREAM).await.ok()?;
    let message = stream.direct_get(seq).await.ok()?;
    Some(String::from_utf8_lossy(&message.payload).into_owned())
}

/// The HTTP status of `GET path` on a monitoring URL (`http://127.0.0.1:PORT`).
async fn http_status(monitor_url: &str, path: &str) -> Option<u16> {
    let addr = monitor_url.strip_prefix("http://")?;
    let mut tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.0\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn an_r3_stream_survives_its_leader_crashing_and_the_node_rejoins() {
    let mut cluster = NatsCluster::start(ClusterOptions::default()).await.unwrap();
    let urls = cluster.urls();
    assert_eq!(urls.split(',').count(), 3, "{urls}");
    // async-nats takes a list of URLs, not one comma-separated string.
    assert!(async_nats::connect(urls.as_str()).await.is_err());
    let any = async_nats::connect(urls.split(',').collect::<Vec<_>>()).await;
    drop(any.expect("a list of the three URLs connects"));

    let leader = create_r3_stream(&mut cluster, 0).await;
    for i in 0..3 {
        let url = cluster.url(i);
        let read = eventually("node reads message 1", ELECTION, async || {
            read_on_node(&url, 1).await
        });
        assert_eq!(read.await, "one", "node {i}");
    }

    cluster.kill(leader);
    let js = node_js(&cluster.url((leader + 1) % 3)).await;
    let crashed = Instant::now();
    let seq = publish_acked(&js, "t.2", "two", ELECTION).await;
    eprintln!(
        "publishes resumed {:?} after the leader crashed",
        crashed.elapsed()
    );
    assert_eq!(seq, 2);
    let new_leader = eventually("a new stream leader", ELECTION, async || {
        cluster.stream_leader(STREAM).await
    });
    assert_ne!(new_leader.await, leader);

    cluster.restart(leader).await.unwrap();
    let monitor = cluster.monitor_url(leader);
    let health = http_status(&monitor, "/healthz?js-enabled-only=true").await;
    assert_eq!(health, Some(200));
    let rejoined = Instant::now();
    caught_up(&mut cluster, leader, 2).await;
    let url = cluster.url(leader);
    let read = eventually(
        "the restarted node serves message 2",
        ELECTION,
        async || read_on_node(&url, 2).await,
    );
    assert_eq!(read.await, "two");
    eprintln!("the restarted node caught up in {:?}", rejoined.elapsed());
}

#[tokio::test]
async fn a_paused_node_does_not_stop_publishes_through_the_others() {
    let mut cluster = NatsCluster::start(ClusterOptions::default()).await.unwrap();
    let leader = create_r3_stream(&mut cluster, 0).await;
    let (follower, other) = ((leader + 1) % 3, (leader + 2) % 3);

    // A hung follower: the leader and the other follower are a quorum, so publishes
    // go on without an election.
    cluster.pause(follower).unwrap();
    assert!(cluster.is_running(follower));
    let js = node_js(&cluster.url(other)).await;
    assert_eq!(publish_acked(&js, "t.2", "two", NO_ELECTION).await, 2);

    // A hung leader: the two others elect a new one. A resumed node may campaign as
    // soon as its expired election timer fires, so ask for the leader again once the
    // follower has caught up.
    cluster.resume(follower).unwrap();
    caught_up(&mut cluster, follower, 2).await;
    let leader = eventually("a stream leader", ELECTION, async || {
        cluster.stream_leader(STREAM).await
    })
    .await;
    let js = node_js(&cluster.url((leader + 1) % 3)).await;
    cluster.pause(leader).unwrap();
    let paused = Instant::now();
    let seq = publish_acked(&js, "t.3", "three", ELECTION).await;
    eprintln!(
        "publishes resumed {:?} after pausing the leader",
        paused.elapsed()
    );
    assert_eq!(seq, 3);

    cluster.resume(leader).unwrap();
    caught_up(&mut cluster, leader, 3).await;
    let js = node_js(&cluster.url(leader)).await;
    assert_eq!(publish_acked(&js, "t.4", "four", ELECTION).await, 4);
}

#[tokio::test]
async fn without_a_quorum_publishes_fail_until_the_nodes_return() {
    let mut cluster = NatsCluster::start(ClusterOptions::default()).await.unwrap();
    create_r3_stream(&mut cluster, 0).await;
    let js = node_js(&cluster.url(0)).await;
    cluster.kill(1);
    cluster.kill(2);
    assert_eq!((cluster.pid(1), cluster.pid(2)), (None, None));
    let refused = publish(&js, "t.2", "two").await;
    assert!(
        refused.is_err(),
        "one node of three acked alone: {refused:?}"
    );

    cluster.restart(1).await.unwrap();
    cluster.restart(2).await.unwrap();
    cluster.wait_for_meta_leader(ELECTION).await.unwrap();
    // A timeout is an unknown outcome, not a refusal: when node 0 leads the stream it
    // keeps the proposal and commits it once the quorum is back. The retry with the
    // same message id is acked either way, and stored once.
    assert_eq!(publish_acked(&js, "t.2", "two", ELECTION).await, 2);
    assert_eq!(publish_acked(&js, "t.3", "three", ELECTION).await, 3);
}

#[tokio::test]
async fn acked_publishes_survive_a_power_cut_with_sync_always() {
    if !PowerCutDisk::supported() {
        eprintln!("skipped: power cuts need root, /dev/loop-control and mkfs.ext4");
        return;
    }
    let opts = NatsOptions {
        power_cut_disk: true,
        sync_always: true,
        ..NatsOptions::default()
    };
    let mut nats = NatsServer::start(opts).await.unwrap();
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    js.create_stream(stream::Config {
        name: STREAM.into(),
        subjects: vec!["t.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    for i in 1..=200 {
        assert_eq!(publish(&js, &format!("t.{i}"), "payload").await, Ok(i));
    }
    drop(js);

    nats.power_cut().unwrap();
    assert!(!nats.is_running());
    nats.restart().await.unwrap();
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let mut stream = js.get_stream(STREAM).await.unwrap();
    let state = stream.info().await.unwrap().state.clone();
    assert_eq!((state.messages, state.last_sequence), (200, 200));
    let last = stream.get_raw_message(200).await.unwrap();
    assert_eq!(last.payload.as_ref(), b"payload");
}

#[tokio::test]
async fn a_power_cut_drops_unsynced_writes_and_keeps_synced_ones() {
    use std::io::Write as _;
    if !PowerCutDisk::supported() {
        eprintln!("skipped: power cuts need root, /dev/loop-control and mkfs.ext4");
        return;
    }
    let opts = NatsOptions {
        power_cut_disk: true,
        ..NatsOptions::default()
    };
    let mut nats = NatsServer::start(opts).await.unwrap();
    let (synced, unsynced) = (
        nats.store_dir().join("synced"),
        nats.store_dir().join("unsynced"),
    );
    let data = vec![b'x'; 64 * 1024];

    let mut file = std::fs::File::create(&synced).unwrap();
    file.write_all(&data).unwrap();
    file.sync_all().unwrap();
    std::fs::File::open(nats.store_dir())
        .unwrap()
        .sync_all()
        .unwrap();
    // Written after the fsyncs, so they do not carry it to the disk along the way.
    std::fs::write(&unsynced, &data).unwrap();

    nats.power_cut().unwrap();
    nats.restart().await.unwrap();
    assert_eq!(std::fs::read(&synced).unwrap(), data);
    // ext4 may have committed the file's creation in its journal (every 5 s), never
    // its unsynced data: the file is either gone or empty.
    let after = std::fs::read(&unsynced).unwrap_or_default();
    assert!(after.is_empty(), "{} unsynced bytes survived", after.len());
}

#[tokio::test]
async fn a_node_that_lost_power_catches_up_from_its_peers() {
    if !PowerCutDisk::supported() {
        eprintln!("skipped: power cuts need root, /dev/loop-control and mkfs.ext4");
        return;
    }
    // The default sync interval: the replicas, not fsync, make an ack durable.
    let opts = ClusterOptions {
        power_cut_disk: true,
        ..ClusterOptions::default()
    };
    let mut cluster = NatsCluster::start(opts).await.unwrap();
    let leader = create_r3_stream(&mut cluster, 0).await;
    let js = node_js(&cluster.url((leader + 1) % 3)).await;
    for i in 2..=50 {
        assert_eq!(
            publish_acked(&js, &format!("t.{i}"), "before", ELECTION).await,
            i
        );
    }

    cluster.power_cut(leader).unwrap();
    assert!(!cluster.is_running(leader));
    assert_eq!(publish_acked(&js, "t.51", "after", ELECTION).await, 51);

    cluster.restart(leader).await.unwrap();
    caught_up(&mut cluster, leader, 51).await;
    let url = cluster.url(leader);
    let read = eventually(
        "it serves a message acked before the cut",
        ELECTION,
        async || read_on_node(&url, 50).await,
    );
    assert_eq!(read.await, "before");
}
