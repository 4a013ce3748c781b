//! [`SqliteStore`]: the processor's store in an SQLite file (feature
//! `sqlite`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Claim, OrderState, Recorded, Store, StoreError, decide, new_token, now_secs, sql};
use sql::store_error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS aurpay_references (
    reference TEXT PRIMARY KEY,
    order_id  TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS aurpay_references_order ON aurpay_references (order_id);
CREATE TABLE IF NOT EXISTS aurpay_order_states (
    order_id   TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    done        INTEGER NOT NULL,
    claimed_at  INTEGER NOT NULL,
    claim_token INTEGER NOT NULL,
    from_state  TEXT
);
";

/// The processor's store in SQLite: durable across restarts, and safe for
/// several connections (or processes) on one file, because every claim is
/// decided inside an `IMMEDIATE` transaction (SQLite's write lock). For
/// replicas on several machines, use `PostgresStore`
/// (feature `postgres`).
///
/// ```
/// use aurpay_api::processor::{OrderState, SqliteStore, Store};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::open_in_memory()?;
/// store.link("cart-1", "20240806071926377966").await?;
/// assert_eq!(store.order_of("cart-1").await?.as_deref(), Some("20240806071926377966"));
/// assert_eq!(store.reference_of("20240806071926377966").await?.as_deref(), Some("cart-1"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, in WAL mode,
    /// waiting up to 5 s for another writer's lock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(store_error)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(store_error)?;
        Self::with_connection(connection)
    }

    /// A private in-memory database (tests, demos).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::with_connection(Connection::open_in_memory().map_err(store_error)?)
    }

    fn with_connection(connection: Connection) -> Result<Self, StoreError> {
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(store_error)?;
        connection.execute_batch(SCHEMA).map_err(store_error)?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `job` on the connection off the async runtime's threads.
    async fn with<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(|p| p.into_inner());
            job(&mut connection)
        })
        .await
        .map_err(store_error)?
        .map_err(store_error)
    }

    /// The one string-valued lookup `order_of` and `reference_of` share.
    async fn lookup(&self, query: &'static str, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.with(move |c| {
            c.query_row(query, params![key], |row| row.get(0))
                .optional()
        })
        .await
    }
}

fn read_row(connection: &Connection, order_id: &str) -> rusqlite::Result<Option<Recorded>> {
    connection
        .query_row(sql::READ_STATE, params![order_id], |row| {
            let state: String = row.get(0)?;
            let from: Option<String> = row.get(4)?;
            Ok(sql::recorded(
                &state,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                from.as_deref(),
            ))
        })
        .optional()
}

fn write_row(connection: &Connection, order_id: &str, row: &Recorded) -> rusqlite::Result<usize> {
    connection.execute(
        sql::WRITE_STATE,
        params![
            order_id,
            row.state.as_str(),
            row.done,
            sql::claimed_at(row),
            sql::token(row.token),
            row.from.as_ref().map(OrderState::as_str)
        ],
    )
}

impl Store for SqliteStore {
    async fn link(&self, reference: &str, order_id: &str) -> Result<(), StoreError> {
        let (reference, order_id) = (reference.to_owned(), order_id.to_owned());
        self.with(move |c| c.execute(sql::LINK, params![reference, order_id]).map(drop))
            .await
    }

    async fn order_of(&self, reference: &str) -> Result<Option<String>, StoreError> {
        self.lookup(sql::ORDER_OF, reference).await
    }

    async fn reference_of(&self, order_id: &str) -> Result<Option<String>, StoreError> {
        self.lookup(sql::REFERENCE_OF, order_id).await
    }

    async fn state_of(&self, order_id: &str) -> Result<Option<(OrderState, bool)>, StoreError> {
        let order_id = order_id.to_owned();
        self.with(move |c| read_row(c, &order_id))
            .await
            .map(|row| row.map(|row| (row.state, row.done)))
    }

    async fn claim(
        &self,
        order_id: &str,
        to: &OrderState,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let (order_id, to) = (order_id.to_owned(), to.clone());
        self.with(move |c| {
            let transaction = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let recorded = read_row(&transaction, &order_id)?;
            let (claim, write) = decide(recorded.as_ref(), &to, now_secs(), lease, new_token());
            if let Some(row) = write {
                write_row(&transaction, &order_id, &row)?;
            }
            transaction.commit()?;
            Ok(claim)
        })
        .await
    }

    async fn complete(
        &self,
        order_id: &str,
        to: &OrderState,
        token: u64,
    ) -> Result<(), StoreError> {
        let (order_id, to) = (order_id.to_owned(), to.as_str());
        self.with(move |c| {
            c.execute(sql::COMPLETE, params![order_id, to, sql::token(token)])
                .map(drop)
        })
        .await
    }

    async fn release(&self, order_id: &str, to: &OrderState, token: u64) -> Result<(), StoreError> {
        let (order_id, to) = (order_id.to_owned(), to.as_str());
        self.with(move |c| {
            c.execute(sql::RELEASE, params![order_id, to, sql::token(token)])
                .map(drop)
        })
        .await
    }
}
