//! [`SqliteStore`](super::SqliteStore): SQLite (feature `sqlite`).

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use super::super::store::{RecordKind, StoreError, Stored, Write};
use super::sealed::{Boxed, Queries};
use super::{Dialect, SCHEMA, SqlStore, sql_queries, store_error};

impl Dialect for sqlx::Sqlite {}

impl Queries for sqlx::Sqlite {
    fn records_schema(pool: &sqlx::Pool<Self>) -> Boxed<'_, ()> {
        Box::pin(async move {
            sqlx::raw_sql(SCHEMA)
                .execute(pool)
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn records_begin(pool: &sqlx::Pool<Self>) -> Boxed<'_, sqlx::Transaction<'static, Self>> {
        // The write lock at once: two transactions deciding the same change
        // queue here instead of failing at their first write.
        Box::pin(async move {
            pool.begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(store_error)
        })
    }

    fn records_now(_: &mut sqlx::SqliteConnection) -> Boxed<'_, Option<crate::Timestamp>> {
        // A file on one machine: the processes sharing it share its clock.
        Box::pin(async { Ok(None) })
    }

    sql_queries!(sqlx::Sqlite);
}

/// How long a connection waits for another's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl SqlStore<sqlx::Sqlite> {
    /// Opens (creating if needed) the SQLite database file at `path`, in
    /// WAL mode, waiting up to 5 s for another writer's lock. To share your
    /// own pool, use [`SqlStore::new`].
    ///
    /// ```
    /// use aurpay_api::processor::{Processor, SqliteStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("aurpay-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(dir.join("shop.sqlite")).await?;
    /// # let client = aurpay_api::Client::builder().build()?;
    /// let processor = Processor::new(client, store);
    /// # drop(processor); std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .acquire_timeout(BUSY_TIMEOUT * 2)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Self::new(pool).await
    }

    /// A private in-memory database (tests, demos): one connection, kept
    /// open as long as the store lives.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Self::new(pool).await
    }
}
