//! The shop's own table, in the database the processor's store uses: the
//! effects run in the processor's transaction, on its connection.
//!
//! One text per statement serves SQLite and PostgreSQL (`$n`
//! placeholders); `shop_queries!` writes the functions once for each
//! database's connection type. A shop on one database writes them plainly.

use aurpay_api::processor::{OrderState, Transition};

/// What the shop keeps per order.
macro_rules! schema {
    () => {
        "CREATE TABLE IF NOT EXISTS shop_orders (
            id TEXT PRIMARY KEY,
            price TEXT NOT NULL,
            currency TEXT NOT NULL,
            state TEXT,
            state_rank BIGINT NOT NULL DEFAULT -1,
            fulfilled BIGINT NOT NULL DEFAULT 0
        )"
    };
}

const INSERT: &str = "INSERT INTO shop_orders (id, price, currency) VALUES ($1, $2, $3)";

const SELECT: &str = "SELECT state, fulfilled FROM shop_orders WHERE id = $1";

/// A change applied: the state only moves forward, and a paid order is
/// fulfilled (the processor runs this once per change, in its own
/// transaction, so it needs no bookkeeping of its own).
const APPLY: &str = "UPDATE shop_orders SET state = $1, state_rank = $2,
    fulfilled = fulfilled + $3 WHERE id = $4 AND state_rank < $2";

/// The forward order of states, as the processor moves them.
fn rank(state: &OrderState) -> i64 {
    match state {
        OrderState::AwaitingPayment => 0,
        OrderState::PartiallyPaid => 1,
        OrderState::Expired => 2,
        OrderState::Paid => 3,
        _ => 4,
    }
}

/// The shop's statements on one database (SQLite or PostgreSQL).
pub trait ShopDb: aurpay_api::processor::Dialect {
    /// Creates the shop's table (once, whoever starts first).
    fn create(pool: &sqlx::Pool<Self>) -> impl Future<Output = sqlx::Result<()>> + Send;
    /// A new order.
    fn insert(
        pool: &sqlx::Pool<Self>,
        id: &str,
        price: &str,
        currency: &str,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;
    /// An order's state as effects left it, and how often it was fulfilled.
    fn get(
        pool: &sqlx::Pool<Self>,
        id: &str,
    ) -> impl Future<Output = sqlx::Result<Option<(Option<String>, i64)>>> + Send;
    /// The effect of one change, on the processor's transaction.
    fn apply<'c>(
        connection: &'c mut Self::Connection,
        change: &'c Transition,
    ) -> impl Future<Output = sqlx::Result<()>> + Send + 'c;
}

macro_rules! shop_queries {
    ($db:ty, $create:expr) => {
        impl ShopDb for $db {
            async fn create(pool: &sqlx::Pool<Self>) -> sqlx::Result<()> {
                sqlx::raw_sql($create).execute(pool).await.map(drop)
            }

            async fn insert(
                pool: &sqlx::Pool<Self>,
                id: &str,
                price: &str,
                currency: &str,
            ) -> sqlx::Result<()> {
                sqlx::query(INSERT)
                    .bind(id)
                    .bind(price)
                    .bind(currency)
                    .execute(pool)
                    .await
                    .map(drop)
            }

            async fn get(
                pool: &sqlx::Pool<Self>,
                id: &str,
            ) -> sqlx::Result<Option<(Option<String>, i64)>> {
                sqlx::query_as(SELECT).bind(id).fetch_optional(pool).await
            }

            async fn apply<'c>(
                connection: &'c mut Self::Connection,
                change: &'c Transition,
            ) -> sqlx::Result<()> {
                let Some(reference) = &change.reference else {
                    return Ok(()); // not one of the shop's orders
                };
                let fulfil = i64::from(change.to == OrderState::Paid);
                sqlx::query(APPLY)
                    .bind(change.to.as_str())
                    .bind(rank(&change.to))
                    .bind(fulfil)
                    .bind(reference.as_str())
                    .execute(&mut *connection)
                    .await
                    .map(drop)
            }
        }
    };
}

shop_queries!(sqlx::Sqlite, schema!());
// Replicas start together: one creates the table (an advisory lock held by
// the batch's implicit transaction).
shop_queries!(
    sqlx::Postgres,
    concat!("SELECT pg_advisory_xact_lock(4242); ", schema!())
);
