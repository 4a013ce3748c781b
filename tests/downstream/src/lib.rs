//! A merchant's crate: its own sqlx pools (SQLite and PostgreSQL, sqlx's
//! default features on) shared with the SDK's stores, and a `query!`-free
//! effect in the store's transaction. It only has to build.

use aurpay_api::OrderStatus;
use aurpay_api::processor::{PostgresStore, Processed, Processor, SqliteStore};

/// The merchant's SQLite pool, shared with the SDK's store.
pub async fn sqlite(
    pool: sqlx::SqlitePool,
) -> Result<SqliteStore, aurpay_api::processor::StoreError> {
    SqliteStore::new(pool).await
}

/// The merchant's PostgreSQL pool, shared with the SDK's store.
pub async fn postgres(
    pool: sqlx::PgPool,
) -> Result<PostgresStore, aurpay_api::processor::StoreError> {
    PostgresStore::new(pool).await
}

/// An effect in the store's transaction, on the merchant's own table.
pub async fn mark_paid(processor: &Processor<PostgresStore>, order_id: &str) -> bool {
    let outcome = processor
        .apply_in_transaction(
            order_id,
            Some("cart"),
            &OrderStatus::Success,
            |connection, change| {
                Box::pin(async move {
                    sqlx::query("UPDATE carts SET paid = true WHERE id = $1")
                        .bind(change.reference)
                        .execute(&mut *connection)
                        .await?;
                    Ok::<(), sqlx::Error>(())
                })
            },
        )
        .await;
    matches!(outcome, Ok(Processed::Applied(_)))
}
