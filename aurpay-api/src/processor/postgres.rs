//! [`PostgresStore`]: the processor's store in PostgreSQL (feature
//! `postgres`), for several replicas sharing one database.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio_postgres::{Client, GenericClient, NoTls};

use super::{Claim, OrderState, Recorded, Store, StoreError, decide, new_token, sql};
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
    done        BOOLEAN NOT NULL,
    claimed_at  BIGINT NOT NULL,
    claim_token BIGINT NOT NULL,
    from_state  TEXT
);
";

/// The advisory lock key under which replicas create the tables one at a
/// time (`CREATE TABLE IF NOT EXISTS` races with itself in PostgreSQL).
const SCHEMA_LOCK: i64 = 0x6175_7270_6179; // "aurpay"

/// The processor's store in PostgreSQL: every replica of a service may
/// share one database. Each claim is decided in a transaction holding a
/// transaction-scoped advisory lock on the order id, so two replicas
/// handling the same order's callbacks at once serialize on it, and exactly
/// one wins the claim; different orders do not wait for each other (except
/// on a hash collision of their ids, which only serializes them).
///
/// One connection per store, used by one statement at a time: enough for a
/// callback endpoint (each callback is a handful of short statements). A
/// connection that broke is opened again on the next call, and the failed
/// call is a [`StoreError`], which the processor answers with 503 so Aurpay
/// retries.
///
/// [`connect`](PostgresStore::connect) uses no TLS, for a database on the
/// same host or private network; to reach one over TLS, connect with your
/// own TLS connector and hand the client to
/// [`from_client`](PostgresStore::from_client) (it is not reopened).
///
/// ```no_run
/// use aurpay_api::processor::{PostgresStore, Store};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://shop@127.0.0.1/shop").await?;
/// store.link("cart-1", "20240806071926377966").await?;
/// # Ok(())
/// # }
/// ```
/// (Not run here: it needs a PostgreSQL server; the crate's tests run it
/// against one.)
pub struct PostgresStore {
    url: Option<SecretString>,
    client: Mutex<Option<Client>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never shown.
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

/// Opens a connection without TLS and drives it on the runtime.
/// How long a statement may run on the server (an advisory-lock wait
/// included) before it fails: a stuck database must not hold a callback
/// forever.
const STATEMENT_TIMEOUT: &str = "30s";

/// Opens a connection without TLS and drives it on the runtime. Time is
/// bounded unless the settings say otherwise: 10 s to connect, and TCP
/// keepalives and a user timeout so a server that vanished is noticed in
/// about a minute instead of hours.
async fn open(url: &str) -> Result<Client, StoreError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(store_error)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .keepalives_interval(Duration::from_secs(10))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(60));
    let (client, connection) = config.connect(NoTls).await.map_err(store_error)?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "aurpay processor: PostgreSQL connection ended");
        }
    });
    bound_statements(&client).await?;
    Ok(client)
}

/// Sets the session's statement timeout ([`STATEMENT_TIMEOUT`]).
async fn bound_statements(client: &Client) -> Result<(), StoreError> {
    client
        .batch_execute(&format!("SET statement_timeout = '{STATEMENT_TIMEOUT}'"))
        .await
        .map_err(store_error)
}

async fn create_schema(client: &mut Client) -> Result<(), StoreError> {
    let transaction = client.transaction().await.map_err(store_error)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(store_error)?;
    transaction
        .batch_execute(SCHEMA)
        .await
        .map_err(store_error)?;
    transaction.commit().await.map_err(store_error)
}

/// Locks `order_id` until the end of the transaction.
async fn lock_order(client: &impl GenericClient, order_id: &str) -> Result<(), StoreError> {
    client
        .execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&order_id],
        )
        .await
        .map(drop)
        .map_err(store_error)
}

async fn read_row(
    client: &impl GenericClient,
    order_id: &str,
) -> Result<Option<Recorded>, StoreError> {
    let row = client
        .query_opt(sql::READ_STATE, &[&order_id])
        .await
        .map_err(store_error)?;
    row.map(|row| {
        Ok(sql::recorded(
            row.try_get::<_, &str>(0).map_err(store_error)?,
            row.try_get(1).map_err(store_error)?,
            row.try_get(2).map_err(store_error)?,
            row.try_get(3).map_err(store_error)?,
            row.try_get::<_, Option<&str>>(4).map_err(store_error)?,
        ))
    })
    .transpose()
}

async fn write_row(
    client: &impl GenericClient,
    order_id: &str,
    row: &Recorded,
) -> Result<(), StoreError> {
    client
        .execute(
            sql::WRITE_STATE,
            &[
                &order_id,
                &row.state.as_str(),
                &row.done,
                &sql::claimed_at(row),
                &sql::token(row.token),
                &row.from.as_ref().map(OrderState::as_str),
            ],
        )
        .await
        .map(drop)
        .map_err(store_error)
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/db`, or the
    /// `key=value` form) without TLS, and creates the two tables if they do
    /// not exist. The URL is kept, as a secret, to reconnect.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut client = open(url).await?;
        create_schema(&mut client).await?;
        Ok(PostgresStore {
            url: Some(SecretString::from(url.to_owned())),
            client: Mutex::new(Some(client)),
        })
    }

    /// Uses a connection you opened (for example with a TLS connector),
    /// sets its session's `statement_timeout` to 30 s, and creates the two
    /// tables if they do not exist. It is not reopened if it breaks. Give
    /// it a connection of its own.
    pub async fn from_client(mut client: Client) -> Result<Self, StoreError> {
        bound_statements(&client).await?;
        create_schema(&mut client).await?;
        Ok(PostgresStore {
            url: None,
            client: Mutex::new(Some(client)),
        })
    }

    /// The connection, reopened first if it broke.
    async fn connection(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Client>>, StoreError> {
        let mut guard = self.client.lock().await;
        let broken = guard.as_ref().is_none_or(Client::is_closed);
        if broken {
            *guard = None;
            let Some(url) = &self.url else {
                return Err(StoreError("PostgreSQL connection closed".into()));
            };
            *guard = Some(open(url.expose_secret()).await?);
        }
        Ok(guard)
    }

    async fn lookup(&self, query: &str, key: &str) -> Result<Option<String>, StoreError> {
        let guard = self.connection().await?;
        let client = guard.as_ref().ok_or_else(closed)?;
        let row = client
            .query_opt(query, &[&key])
            .await
            .map_err(store_error)?;
        row.map(|row| row.try_get(0).map_err(store_error))
            .transpose()
    }
}

impl PostgresStore {
    /// `COMPLETE` or `RELEASE`: one statement on the claim's token.
    async fn execute(
        &self,
        statement: &str,
        order_id: &str,
        to: &OrderState,
        token: u64,
    ) -> Result<(), StoreError> {
        let guard = self.connection().await?;
        let client = guard.as_ref().ok_or_else(closed)?;
        client
            .execute(statement, &[&order_id, &to.as_str(), &sql::token(token)])
            .await
            .map(drop)
            .map_err(store_error)
    }
}

fn closed() -> StoreError {
    StoreError("PostgreSQL connection closed".into())
}

impl Store for PostgresStore {
    async fn link(&self, reference: &str, order_id: &str) -> Result<(), StoreError> {
        let guard = self.connection().await?;
        let client = guard.as_ref().ok_or_else(closed)?;
        client
            .execute(sql::LINK, &[&reference, &order_id])
            .await
            .map(drop)
            .map_err(store_error)
    }

    async fn order_of(&self, reference: &str) -> Result<Option<String>, StoreError> {
        self.lookup(sql::ORDER_OF, reference).await
    }

    async fn reference_of(&self, order_id: &str) -> Result<Option<String>, StoreError> {
        self.lookup(sql::REFERENCE_OF, order_id).await
    }

    async fn state_of(&self, order_id: &str) -> Result<Option<(OrderState, bool)>, StoreError> {
        let guard = self.connection().await?;
        let client = guard.as_ref().ok_or_else(closed)?;
        Ok(read_row(client, order_id)
            .await?
            .map(|row| (row.state, row.done)))
    }

    async fn claim(
        &self,
        order_id: &str,
        to: &OrderState,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let mut guard = self.connection().await?;
        let client = guard.as_mut().ok_or_else(closed)?;
        let transaction = client.transaction().await.map_err(store_error)?;
        lock_order(&transaction, order_id).await?;
        let recorded = read_row(&transaction, order_id).await?;
        // The database's clock, not this replica's: replicas whose clocks
        // differ must still agree on when a lease ends.
        let now: i64 = transaction
            .query_one("SELECT EXTRACT(EPOCH FROM clock_timestamp())::BIGINT", &[])
            .await
            .map_err(store_error)?
            .try_get(0)
            .map_err(store_error)?;
        let now = u64::try_from(now).unwrap_or(0);
        let (claim, write) = decide(recorded.as_ref(), to, now, lease, new_token());
        if let Some(row) = write {
            write_row(&transaction, order_id, &row).await?;
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(claim)
    }

    async fn complete(
        &self,
        order_id: &str,
        to: &OrderState,
        token: u64,
    ) -> Result<(), StoreError> {
        self.execute(sql::COMPLETE, order_id, to, token).await
    }

    async fn release(&self, order_id: &str, to: &OrderState, token: u64) -> Result<(), StoreError> {
        self.execute(sql::RELEASE, order_id, to, token).await
    }
}
