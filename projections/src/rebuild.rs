//! Rebuilding the read models: a fresh copy of their tables in a staging schema is
//! filled by replaying the stream (the live tables keep serving meanwhile), then one
//! transaction swaps the copies in and moves the old tables to [`PREVIOUS_SCHEMA`].
//!
//! The swap takes `projection_checkpoints` exclusively first, so a running projector
//! waits at the start of its next batch; once the swap commits, that batch resolves the
//! table names again, finds the rebuilt checkpoint and skips what the rebuild applied.
//! The audit log is not a read model and is never rebuilt.

use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::error::ProjectionError;
use crate::projection::Projection;

/// Where a rebuild fills its copies.
pub const STAGING_SCHEMA: &str = "jetcrawl_rebuild";
/// Where the replaced tables go after a swap (dropped by the next rebuild).
pub const PREVIOUS_SCHEMA: &str = "jetcrawl_previous";
/// The tables a rebuild replaces: every read model's, and `job_domains`, which several
/// of them fill.
pub const REBUILD_TABLES: [&str; 8] = [
    "job_events",
    "jobs",
    "job_attempts",
    "dead_letters",
    "tenant_usage_daily",
    "tenant_usage_monthly",
    "domain_stats",
    "job_domains",
];

/// The schema the live tables are in (the connection's current schema).
pub async fn live_schema(pool: &PgPool) -> Result<String, ProjectionError> {
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(pool)
        .await
        .map_err(ProjectionError::db("reading the current schema"))?;
    let simple = schema
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !simple || schema.is_empty() {
        return Err(ProjectionError::BadData(format!(
            "the read models live in schema {schema:?}; a rebuild needs a plain lower-case name (set search_path)"
        )));
    }
    Ok(schema)
}

/// Creates an empty staging schema with a copy of every rebuilt table (columns,
/// defaults, checks, keys and indexes under their own names) and of
/// `projection_checkpoints`.
pub async fn prepare_staging(pool: &PgPool, live: &str) -> Result<(), ProjectionError> {
    let mut tx = pool
        .begin()
        .await
        .map_err(ProjectionError::db("starting the staging schema"))?;
    exec(
        &mut tx,
        format!("DROP SCHEMA IF EXISTS {STAGING_SCHEMA} CASCADE"),
    )
    .await?;
    exec(&mut tx, format!("CREATE SCHEMA {STAGING_SCHEMA}")).await?;
    for table in REBUILD_TABLES.iter().chain(&["projection_checkpoints"]) {
        copy_table(&mut tx, live, table).await?;
    }
    tx.commit()
        .await
        .map_err(ProjectionError::db("committing the staging schema"))
}

async fn copy_table(
    conn: &mut PgConnection,
    live: &str,
    table: &str,
) -> Result<(), ProjectionError> {
    exec(
        conn,
        format!(
            "CREATE TABLE {STAGING_SCHEMA}.{table} (LIKE {live}.{table} INCLUDING DEFAULTS \
             INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE)"
        ),
    )
    .await?;
    let qualified = format!("{live}.{table}");
    let constraints: Vec<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname",
    )
    .bind(&qualified)
    .fetch_all(&mut *conn)
    .await
    .map_err(ProjectionError::db("reading table constraints"))?;
    for (name, definition) in &constraints {
        exec(
            conn,
            format!("ALTER TABLE {STAGING_SCHEMA}.{table} ADD CONSTRAINT {name} {definition}"),
        )
        .await?;
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexname::text, i.indexdef FROM pg_indexes i
         WHERE i.schemaname = $1 AND i.tablename = $2
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                           WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
         ORDER BY i.indexname",
    )
    .bind(live)
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(ProjectionError::db("reading table indexes"))?;
    for (name, definition) in &indexes {
        let on_live = format!(" ON {live}.{table} ");
        if !definition.contains(&on_live) {
            return Err(ProjectionError::BadData(format!(
                "index {name} of {qualified} has an unexpected definition: {definition}"
            )));
        }
        let on_staging = format!(" ON {STAGING_SCHEMA}.{table} ");
        exec(conn, definition.replacen(&on_live, &on_staging, 1)).await?;
    }
    Ok(())
}

/// Locks the live checkpoints (a running projector waits at its next batch) and
/// returns them for the read models, in [`Projection::READ_MODELS`] order.
pub async fn freeze_live(
    tx: &mut Transaction<'_, Postgres>,
    live: &str,
) -> Result<Vec<u64>, ProjectionError> {
    exec(tx, "SET LOCAL lock_timeout = '60s'".to_owned()).await?;
    exec(
        tx,
        format!("LOCK TABLE {live}.projection_checkpoints IN ACCESS EXCLUSIVE MODE"),
    )
    .await?;
    let mut out = Vec::new();
    for projection in Projection::READ_MODELS {
        let last: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT last_seq FROM {live}.projection_checkpoints WHERE name = $1"
        )))
        .bind(projection.name())
        .fetch_optional(&mut **tx)
        .await
        .map_err(ProjectionError::db("reading the live checkpoints"))?;
        out.push(last.and_then(|l| u64::try_from(l).ok()).unwrap_or(0));
    }
    Ok(out)
}

/// In the transaction of [`freeze_live`]: moves the live tables to [`PREVIOUS_SCHEMA`],
/// the staging ones in their place, and the staging checkpoints into the live ones.
pub async fn swap(tx: &mut Transaction<'_, Postgres>, live: &str) -> Result<(), ProjectionError> {
    exec(
        tx,
        format!("DROP SCHEMA IF EXISTS {PREVIOUS_SCHEMA} CASCADE"),
    )
    .await?;
    exec(tx, format!("CREATE SCHEMA {PREVIOUS_SCHEMA}")).await?;
    for table in REBUILD_TABLES {
        exec(
            tx,
            format!("ALTER TABLE {live}.{table} SET SCHEMA {PREVIOUS_SCHEMA}"),
        )
        .await?;
        exec(
            tx,
            format!("ALTER TABLE {STAGING_SCHEMA}.{table} SET SCHEMA {live}"),
        )
        .await?;
    }
    let names: Vec<&str> = Projection::READ_MODELS.iter().map(|p| p.name()).collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {live}.projection_checkpoints (name, last_seq, updated_at)
         SELECT name, last_seq, now() FROM {STAGING_SCHEMA}.projection_checkpoints
         WHERE name = ANY($1)
         ON CONFLICT (name) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()"
    )))
    .bind(&names)
    .execute(&mut **tx)
    .await
    .map_err(ProjectionError::db("moving the rebuilt checkpoints"))?;
    exec(tx, format!("DROP SCHEMA {STAGING_SCHEMA} CASCADE")).await?;
    Ok(())
}

/// The staging checkpoints of the read models, in [`Projection::READ_MODELS`] order.
pub async fn staging_checkpoints(pool: &PgPool) -> Result<Vec<u64>, ProjectionError> {
    let mut out = Vec::new();
    for projection in Projection::READ_MODELS {
        let last: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT last_seq FROM {STAGING_SCHEMA}.projection_checkpoints WHERE name = $1"
        )))
        .bind(projection.name())
        .fetch_optional(pool)
        .await
        .map_err(ProjectionError::db("reading the staging checkpoints"))?;
        out.push(last.and_then(|l| u64::try_from(l).ok()).unwrap_or(0));
    }
    Ok(out)
}

async fn exec(conn: &mut PgConnection, sql: String) -> Result<(), ProjectionError> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map_err(ProjectionError::db("rebuilding the read models (DDL)"))?;
    Ok(())
}
