//! The subject key store against a real nats-server: both ways of getting a key agree on
//! one key per subject, and an erased subject starts afresh.

use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_privacy::{Subject, SubjectKeys};

async fn keys() -> (NatsServer, SubjectKeys) {
    let nats = NatsServer::start(NatsOptions::default())
        .await
        .expect("nats-server starts");
    let (_client, js) = jetcrawl_streams::connect(&nats.url(), "privacy-test")
        .await
        .expect("connects");
    jetcrawl_streams::Topology::default()
        .apply(&js)
        .await
        .expect("topology applies");
    let keys = SubjectKeys::open(&js).await.expect("bucket opens");
    (nats, keys)
}

#[tokio::test]
async fn create_first_and_read_first_agree_on_one_key_per_subject() {
    let (_nats, keys) = keys().await;
    let job = keys
        .reference("acme", &Subject::of_job("", "job-1"))
        .await
        .expect("reference");
    let created = keys.create_or_get("acme", &job).await.expect("created");
    let again = keys.create_or_get("acme", &job).await.expect("found");
    let read = keys.get_or_create("acme", &job).await.expect("read");
    let digest = |key: &jetcrawl_privacy::DataKey| key.digest(b"probe");
    assert_eq!(
        digest(&created),
        digest(&again),
        "a second create finds the first key"
    );
    assert_eq!(
        digest(&created),
        digest(&read),
        "a read finds the created key"
    );

    let other = keys
        .reference("acme", &Subject::of_job("", "job-2"))
        .await
        .expect("reference");
    let other_key = keys.create_or_get("acme", &other).await.expect("created");
    assert_ne!(digest(&created), digest(&other_key), "one key per subject");

    assert!(keys.erase("acme", &job).await.expect("erased"));
    assert!(keys.get("acme", &job).await.expect("read").is_none());
    let fresh = keys.create_or_get("acme", &job).await.expect("recreated");
    assert_ne!(
        digest(&created),
        digest(&fresh),
        "an erased subject starts with a new key; the old one stays gone"
    );
}

#[tokio::test]
async fn a_lost_key_is_never_taken_for_an_erasure() {
    use jetcrawl_privacy::{DataKey, KeyLookup, PrivacyError, seal_spec};
    let (_nats, keys) = keys().await;
    let spec = jetcrawl_proto::v1::JobSpec {
        urls: vec!["https://a.example/p?who=alice".into()],
        ..Default::default()
    };

    let erased = keys
        .reference("acme", &Subject::of_job("", "job-erased"))
        .await
        .expect("reference");
    let key = keys.get_or_create("acme", &erased).await.expect("key");
    let sealed = seal_spec(&spec, &key, "acme", &erased).expect("sealed");
    keys.erase("acme", &erased).await.expect("erase");
    assert!(matches!(
        keys.lookup("acme", &erased).await.expect("lookup"),
        KeyLookup::Erased
    ));
    let opened = keys.open_spec("acme", &sealed).await.expect("opens");
    assert!(opened.erased, "an erasure on record reads as erased");

    // A key sealed with and then lost (a bucket that lost its tail) leaves no marker.
    let lost = keys
        .reference("acme", &Subject::of_job("", "job-lost"))
        .await
        .expect("reference");
    let sealed = seal_spec(&spec, &DataKey::generate(), "acme", &lost).expect("sealed");
    assert!(matches!(
        keys.lookup("acme", &lost).await.expect("lookup"),
        KeyLookup::Missing
    ));
    let err = keys
        .open_spec("acme", &sealed)
        .await
        .expect_err("a lost key is an error, never an erasure");
    assert!(matches!(err, PrivacyError::KeyMissing { .. }), "{err}");
    assert!(err.to_string().contains("no erasure"), "{err}");
}
