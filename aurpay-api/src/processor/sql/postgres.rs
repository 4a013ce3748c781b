//! [`PostgresStore`](super::PostgresStore): PostgreSQL (feature
//! `postgres`), for several replicas sharing one database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::super::store::{RecordKind, StoreError, Stored, Write};
use super::sealed::{Boxed, Queries};
use super::{Dialect, SCHEMA, SqlStore, sql_queries, store_error};

/// The advisory lock key under which replicas create the table one at a
/// time (`CREATE TABLE IF NOT EXISTS` races with itself in PostgreSQL).
const SCHEMA_LOCK: i64 = 0x6175_7270_6179; // "aurpay"

impl Dialect for sqlx::Postgres {}

impl Queries for sqlx::Postgres {
    fn records_schema(pool: &sqlx::Pool<Self>) -> Boxed<'_, ()> {
        Box::pin(create_table(pool))
    }

    fn records_begin(pool: &sqlx::Pool<Self>) -> Boxed<'_, sqlx::Transaction<'static, Self>> {
        // Read committed: a compare-and-set on a row another transaction
        // changed waits for it, then finds the version gone.
        Box::pin(async move { pool.begin().await.map_err(store_error) })
    }

    fn records_now(connection: &mut sqlx::PgConnection) -> Boxed<'_, Option<crate::Timestamp>> {
        Box::pin(async move {
            let (micros,): (i64,) =
                sqlx::query_as("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT")
                    .fetch_one(&mut *connection)
                    .await
                    .map_err(store_error)?;
            Ok(Some(crate::Timestamp::from_unix_micros(micros)))
        })
    }

    sql_queries!(sqlx::Postgres);
}

/// One simple query: PostgreSQL runs its statements as one transaction,
/// which holds the advisory lock until the table exists.
async fn create_table(pool: &sqlx::PgPool) -> Result<(), StoreError> {
    let batch = format!("SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {SCHEMA}");
    sqlx::raw_sql(&batch)
        .execute(pool)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// How long a statement may run on the server (a lock wait included)
/// before it fails: a stuck database must not hold a callback forever.
const STATEMENT_TIMEOUT: &str = "30s";

impl SqlStore<sqlx::Postgres> {
    /// Connects to PostgreSQL at `url` (`postgres://...`) with a pool of
    /// its own, statements bounded to 30 s and connections to 10 s. To share
    /// your own pool (with TLS, say), use [`SqlStore::new`].
    ///
    /// ```no_run
    /// use aurpay_api::processor::PostgresStore;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = PostgresStore::connect("postgres://shop@127.0.0.1/shop").await?;
    /// # Ok(())
    /// # }
    /// ```
    /// (Not run here: it needs a PostgreSQL server; the crate's tests run it
    /// against one.)
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(store_error)?
            .options([("statement_timeout", STATEMENT_TIMEOUT)]);
        let pool = PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Self::new(pool).await
    }
}
