//! Whether a table or column another part of the platform adds exists yet, so a report
//! still generates (with a note) against an older schema.

use sqlx::PgPool;

use crate::error::ReportError;

/// True when `table` exists in the current schema.
pub async fn has_table(pool: &PgPool, table: &str) -> Result<bool, ReportError> {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(table)
        .fetch_one(pool)
        .await
        .map_err(ReportError::db("looking up a table"))
}

/// True when `table.column` exists in the current schema.
pub async fn has_column(pool: &PgPool, table: &str, column: &str) -> Result<bool, ReportError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2)",
    )
    .bind(table)
    .bind(column)
    .fetch_one(pool)
    .await
    .map_err(ReportError::db("looking up a column"))
}
