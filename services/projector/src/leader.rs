//! One active projector per projection: a Postgres session-level advisory lock, held on a
//! dedicated connection for as long as the instance projects. Other instances wait as
//! hot standbys and take over when the holder's session ends (crash, shutdown, network).

use std::time::Duration;

use futures::future::Shared;
use jetcrawl_projections::DatabaseArgs;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tracing::{info, warn};

/// The advisory lock key name of a projection; Postgres hashes it with
/// `hashtextextended(name, 0)`, so every instance and tool derives the same key.
pub fn lock_name(projection: &str) -> String {
    format!("jetcrawl-projector:{projection}")
}

/// The held lock; dropping it closes the session, which releases the lock.
pub(crate) struct LeaderLock {
    conn: PgConnection,
}

impl LeaderLock {
    /// Waits until this instance holds the lock; `None` when `shutdown` comes first.
    pub(crate) async fn acquire<F>(
        database: &DatabaseArgs,
        projection: &str,
        retry: Duration,
        shutdown: Shared<F>,
    ) -> anyhow::Result<Option<Self>>
    where
        F: Future<Output = ()>,
    {
        let name = lock_name(projection);
        let options = database.connect_options()?;
        let mut standing_by = false;
        let mut session: Option<PgConnection> = None;
        loop {
            match try_lock(&mut session, &options, &name).await {
                Ok(true) => {
                    if let Some(conn) = session.take() {
                        info!(projection, lock = %name, "leader lock taken; this instance projects");
                        return Ok(Some(Self { conn }));
                    }
                }
                Ok(false) if !standing_by => {
                    standing_by = true;
                    info!(projection, lock = %name, "another projector holds the lock; standing by as hot standby");
                }
                Ok(false) => {}
                Err(err) => {
                    session = None;
                    warn!(projection, error = %err, "cannot check the leader lock; retrying");
                }
            }
            tokio::select! {
                () = shutdown.clone() => return Ok(None),
                () = tokio::time::sleep(retry) => {}
            }
        }
    }

    /// True while the lock's session is alive (a dead session has released the lock).
    pub(crate) async fn is_held(&mut self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&mut self.conn);
        matches!(
            tokio::time::timeout(Duration::from_secs(5), ping).await,
            Ok(Ok(_))
        )
    }

    /// Releases the lock at once rather than when the session ends.
    pub(crate) async fn release(mut self) {
        let _ = sqlx::query("SELECT pg_advisory_unlock_all()")
            .execute(&mut self.conn)
            .await;
        let _ = self.conn.close().await;
    }
}

/// Tries the lock on the session (opened if needed); true when it is now held.
async fn try_lock(
    session: &mut Option<PgConnection>,
    options: &PgConnectOptions,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let conn = match session {
        Some(conn) => conn,
        None => session.insert(PgConnection::connect_with(options).await?),
    };
    sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtextextended($1, 0))")
        .bind(name)
        .fetch_one(conn)
        .await
}
