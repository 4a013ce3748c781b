//! The processor's stores in SQL databases, on sqlx and the merchant's own
//! pool: one table, one text of queries for SQLite and PostgreSQL, and the
//! same transaction for the store's write and the merchant's effect
//! ([`Processor::apply_in_transaction`](super::Processor::apply_in_transaction)).

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;

use super::store::{RecordKind, Store, StoreError, Stored, Write};

/// The one table every record goes in (both databases read these types
/// the same way: SQLite by affinity).
pub(crate) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS aurpay_records (
    record_kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    open BOOLEAN NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (record_kind, record_key)
);
CREATE INDEX IF NOT EXISTS aurpay_records_open ON aurpay_records (record_kind, open, record_key)";

/// `$n` placeholders: PostgreSQL reads them by position, SQLite (through
/// sqlx) too, so one text serves both.
pub(crate) const GET: &str =
    "SELECT version, open, value FROM aurpay_records WHERE record_kind = $1 AND record_key = $2";

pub(crate) const INSERT: &str =
    "INSERT INTO aurpay_records (record_kind, record_key, version, open, value)
     VALUES ($1, $2, 1, $3, $4) ON CONFLICT DO NOTHING";

/// The compare-and-set: only the version it read is replaced.
pub(crate) const UPDATE: &str =
    "UPDATE aurpay_records SET version = version + 1, open = $3, value = $4
     WHERE record_kind = $1 AND record_key = $2 AND version = $5";

pub(crate) const OPEN: &str = "SELECT record_key, version, open, value FROM aurpay_records
     WHERE record_kind = $1 AND open AND record_key > $2 ORDER BY record_key LIMIT $3";

/// A database the SQL store runs on: sqlx's `Sqlite` (feature `sqlite`)
/// or `Postgres` (feature `postgres`). Sealed.
pub trait Dialect: sqlx::Database + sealed::Queries {}

pub(crate) mod sealed {
    use std::future::Future;
    use std::pin::Pin;

    use super::super::store::{RecordKind, StoreError, Stored, Write};

    pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

    /// The store's statements, on one connection of the database (the
    /// same text for every database; see `sql_queries!`).
    pub trait Queries: sqlx::Database {
        fn records_schema(pool: &sqlx::Pool<Self>) -> Boxed<'_, ()>;

        /// Begins a transaction that holds what it reads until it ends:
        /// SQLite takes the write lock at once (`BEGIN IMMEDIATE`).
        fn records_begin(pool: &sqlx::Pool<Self>) -> Boxed<'_, sqlx::Transaction<'static, Self>>;

        fn records_get<'a>(
            connection: &'a mut Self::Connection,
            kind: RecordKind,
            key: &'a str,
        ) -> Boxed<'a, Option<Stored>>;

        fn records_put<'a>(
            connection: &'a mut Self::Connection,
            kind: RecordKind,
            key: &'a str,
            write: Write<'a>,
        ) -> Boxed<'a, bool>;

        fn records_open<'a>(
            connection: &'a mut Self::Connection,
            kind: RecordKind,
            after: &'a str,
            limit: i64,
        ) -> Boxed<'a, Vec<(String, Stored)>>;

        /// The database server's clock, for leases (`None`: it has none
        /// shared by every user).
        fn records_now(connection: &mut Self::Connection) -> Boxed<'_, Option<crate::Timestamp>>;
    }
}

/// A database error as a [`StoreError`].
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}

/// The four statements, written once, for each database's connection type.
macro_rules! sql_queries {
    ($db:ty) => {
        fn records_get<'a>(
            connection: &'a mut <$db as sqlx::Database>::Connection,
            kind: RecordKind,
            key: &'a str,
        ) -> Boxed<'a, Option<Stored>> {
            Box::pin(async move {
                let row: Option<(i64, bool, String)> = sqlx::query_as(crate::processor::sql::GET)
                    .bind(kind.as_str())
                    .bind(key)
                    .fetch_optional(&mut *connection)
                    .await
                    .map_err(crate::processor::sql::store_error)?;
                Ok(row.map(|(version, open, value)| {
                    Stored::new(u64::try_from(version).unwrap_or(0), open, value)
                }))
            })
        }

        fn records_put<'a>(
            connection: &'a mut <$db as sqlx::Database>::Connection,
            kind: RecordKind,
            key: &'a str,
            write: Write<'a>,
        ) -> Boxed<'a, bool> {
            Box::pin(async move {
                let done = match write.expected {
                    None => {
                        sqlx::query(crate::processor::sql::INSERT)
                            .bind(kind.as_str())
                            .bind(key)
                            .bind(write.open)
                            .bind(write.value)
                            .execute(&mut *connection)
                            .await
                    }
                    Some(version) => {
                        sqlx::query(crate::processor::sql::UPDATE)
                            .bind(kind.as_str())
                            .bind(key)
                            .bind(write.open)
                            .bind(write.value)
                            .bind(i64::try_from(version).unwrap_or(i64::MAX))
                            .execute(&mut *connection)
                            .await
                    }
                }
                .map_err(crate::processor::sql::store_error)?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn records_open<'a>(
            connection: &'a mut <$db as sqlx::Database>::Connection,
            kind: RecordKind,
            after: &'a str,
            limit: i64,
        ) -> Boxed<'a, Vec<(String, Stored)>> {
            Box::pin(async move {
                let rows: Vec<(String, i64, bool, String)> =
                    sqlx::query_as(crate::processor::sql::OPEN)
                        .bind(kind.as_str())
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&mut *connection)
                        .await
                        .map_err(crate::processor::sql::store_error)?;
                Ok(rows
                    .into_iter()
                    .map(|(key, version, open, value)| {
                        (
                            key,
                            Stored::new(u64::try_from(version).unwrap_or(0), open, value),
                        )
                    })
                    .collect())
            })
        }
    };
}
pub(crate) use sql_queries;

/// The processor's store in a SQL database, on the merchant's own sqlx
/// pool: [`SqliteStore`] or [`PostgresStore`].
pub struct SqlStore<D: Dialect> {
    pool: sqlx::Pool<D>,
    database_clock: bool,
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            database_clock: self.database_clock,
        }
    }
}

impl<D: Dialect> fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's options may carry a password: never shown.
        f.debug_struct("SqlStore")
            .field("database", &D::NAME)
            .finish_non_exhaustive()
    }
}

/// The processor's store in SQLite (feature `sqlite`).
#[cfg(feature = "sqlite")]
pub type SqliteStore = SqlStore<sqlx::Sqlite>;

/// The processor's store in PostgreSQL (feature `postgres`).
#[cfg(feature = "postgres")]
pub type PostgresStore = SqlStore<sqlx::Postgres>;

impl<D: Dialect> SqlStore<D> {
    /// A store in the database behind `pool` (the merchant's own): creates
    /// its table `aurpay_records` if needed. Several processes and replicas
    /// may share the database.
    pub async fn new(pool: sqlx::Pool<D>) -> Result<Self, StoreError> {
        D::records_schema(&pool).await?;
        Ok(SqlStore {
            pool,
            database_clock: true,
        })
    }

    /// Measures leases on the processor's clock instead of the database
    /// server's (for tests that move time with a
    /// [`ManualClock`](crate::clock::ManualClock)). SQLite has no server
    /// clock: its leases always run on the processor's clock.
    pub fn with_processor_clock(mut self) -> Self {
        self.database_clock = false;
        self
    }

    /// The pool.
    pub fn pool(&self) -> &sqlx::Pool<D> {
        &self.pool
    }

    pub(crate) async fn connection(&self) -> Result<sqlx::pool::PoolConnection<D>, StoreError> {
        self.pool.acquire().await.map_err(store_error)
    }
}

impl<D: Dialect> Store for SqlStore<D> {
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Stored>, StoreError> {
        let mut connection = self.connection().await?;
        D::records_get(&mut connection, kind, key).await
    }

    async fn put(&self, kind: RecordKind, key: &str, write: Write<'_>) -> Result<bool, StoreError> {
        let mut connection = self.connection().await?;
        D::records_put(&mut connection, kind, key, write).await
    }

    async fn open_records(
        &self,
        kind: RecordKind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Stored)>, StoreError> {
        let mut connection = self.connection().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        D::records_open(&mut connection, kind, after.unwrap_or(""), limit).await
    }

    async fn now(&self) -> Result<Option<crate::Timestamp>, StoreError> {
        if !self.database_clock {
            return Ok(None);
        }
        let mut connection = self.connection().await?;
        D::records_now(&mut connection).await
    }
}
