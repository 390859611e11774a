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
    let keys = SubjectKeys::open(&js, 1).await.expect("bucket opens");
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
