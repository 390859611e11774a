//! Postgres starts, accepts connections to the `jetcrawl` database, and keeps a
//! persistent data directory across restarts.

use jetcrawl_local::{Postgres, PostgresOptions};
use sqlx::Connection as _;

#[tokio::test]
async fn starts_accepts_connections_and_stops() {
    let mut pg = Postgres::start(PostgresOptions::for_tests()).await.unwrap();
    assert_eq!(
        pg.url(),
        format!("postgres://postgres@127.0.0.1:{}/jetcrawl", pg.port())
    );
    let mut conn = sqlx::PgConnection::connect(&pg.url()).await.unwrap();
    let (db, fsync): (String, String) =
        sqlx::query_as("SELECT current_database(), current_setting('fsync')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!((db.as_str(), fsync.as_str()), ("jetcrawl", "off"));
    conn.close().await.unwrap();

    pg.stop().await.unwrap();
    assert!(!pg.is_running());
    assert!(sqlx::PgConnection::connect(&pg.url()).await.is_err());
}

#[tokio::test]
async fn a_persistent_data_dir_keeps_its_tables() {
    let dir = tempfile::tempdir().unwrap();
    let opts = PostgresOptions {
        data_dir: Some(dir.path().join("pg")),
        ..PostgresOptions::for_tests()
    };
    if jetcrawl_local::user::is_root() {
        // The postgres user must be able to reach the data dir.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut pg = Postgres::start(opts.clone()).await.unwrap();
    let mut conn = sqlx::PgConnection::connect(&pg.url()).await.unwrap();
    sqlx::query("CREATE TABLE kept (id int)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    pg.stop().await.unwrap();

    let pg = Postgres::start(opts).await.unwrap();
    let mut conn = sqlx::PgConnection::connect(&pg.url()).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}
