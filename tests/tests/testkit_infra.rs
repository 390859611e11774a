//! The stack's nats-server and Postgres start with the topology and schema applied (as
//! `jetcrawl admin apply` does), answer, and stop.

use jetcrawl_tests::{Stack, init_test_tracing};
use sqlx::Connection as _;

#[tokio::test]
async fn stack_starts_nats_with_jetstream_and_postgres() {
    init_test_tracing();
    let mut stack = Stack::start().await.unwrap();

    let client = stack.nats_client().await.unwrap();
    let js = async_nats::jetstream::new(client);
    let account = js.query_account().await.expect("JetStream is enabled");
    let topology = jetcrawl_streams::Topology::default();
    assert_eq!(
        account.streams,
        topology.resources().len(),
        "every stream and bucket of the topology, nothing else"
    );
    topology.verify(&js).await.expect("services accept it");

    let pool = stack.pg_pool().await.unwrap();
    let (db,): (String,) = sqlx::query_as("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(db, "jetcrawl");
    jetcrawl_projections::verify_schema(&pool)
        .await
        .expect("the migrations are applied");
    pool.close().await;

    let env = stack.common_env();
    assert!(env.contains(&("JETCRAWL_NATS_URL".into(), stack.nats_url())));
    assert!(env.contains(&("JETCRAWL_LOG_FORMAT".into(), "json".into())));
    assert!(stack.database_url().ends_with("/jetcrawl"));

    stack.nats.stop().await.unwrap();
    stack.postgres.stop().await.unwrap();
    assert!(!stack.nats.is_running() && !stack.postgres.is_running());
    assert!(stack.nats_client().await.is_err());
    assert!(
        sqlx::PgConnection::connect(&stack.database_url())
            .await
            .is_err()
    );
}
