//! Effects in the merchant's own database transaction (SQL stores): the
//! change is decided, the effect runs, and the change is recorded as
//! applied, all in one transaction on the store's pool. A crash anywhere
//! rolls all of it back, so the change is neither lost nor applied twice,
//! and no lease is involved.

use super::Processor;
use super::claim::{self, Claim, OrderRecord};
use super::outcome::{Effect, ProcessError, Processed, Reconciled};
use super::sql::{Dialect, SqlStore, store_error};
use super::state::{OrderState, Transition};
use super::store::{RecordKind, Write};
use crate::OrderStatus;
use crate::callback::VerifiedCallback;
use crate::operation::{ListedOrder, Paginated};
use crate::reconcile::ChangedOrders;

impl<D: Dialect> Processor<SqlStore<D>> {
    /// [`apply`](Processor::apply) with the effect inside the store's
    /// transaction: `effect` gets the transaction's connection and runs its
    /// statements on it; they commit together with the record that the
    /// change was applied, or not at all. A change another caller holds
    /// under a lease is [`Processed::InProgress`]; so is one another
    /// transaction applied first (this one is rolled back).
    ///
    /// ```
    /// use aurpay_api::OrderStatus;
    /// use aurpay_api::processor::{Processed, Processor, SqliteStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = aurpay_api::Client::builder().build()?;
    /// let store = SqliteStore::open_in_memory().await?;
    /// sqlx::query("CREATE TABLE carts (id TEXT PRIMARY KEY, paid INTEGER NOT NULL)")
    ///     .execute(store.pool())
    ///     .await?;
    /// sqlx::query("INSERT INTO carts VALUES ('cart-1', 0)").execute(store.pool()).await?;
    /// let processor = Processor::new(client, store);
    /// let outcome = processor
    ///     .apply_in_transaction(
    ///         "20250207040935220628",
    ///         Some("cart-1"),
    ///         &OrderStatus::Success,
    ///         |connection, change| {
    ///             Box::pin(async move {
    ///                 sqlx::query("UPDATE carts SET paid = 1 WHERE id = $1")
    ///                     .bind(change.reference)
    ///                     .execute(&mut *connection)
    ///                     .await?;
    ///                 Ok::<(), sqlx::Error>(())
    ///             })
    ///         },
    ///     )
    ///     .await?;
    /// assert!(matches!(outcome, Processed::Applied(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn apply_in_transaction<F, E>(
        &self,
        order_id: &str,
        reference: Option<&str>,
        status: &OrderStatus,
        effect: F,
    ) -> Result<Processed, ProcessError>
    where
        F: for<'c> FnOnce(&'c mut D::Connection, Transition) -> Effect<'c, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let Some(to) = OrderState::of(status) else {
            return Ok(Processed::Ignored {
                order_id: order_id.to_owned(),
                status: status.clone(),
            });
        };
        let now = self.lease_now().await?;
        let mut transaction = D::records_begin(self.store.pool()).await?;
        let current =
            match D::records_get(&mut transaction, RecordKind::OrderState, order_id).await? {
                None => None,
                Some(stored) => Some((
                    serde_json::from_str::<OrderRecord>(&stored.value)
                        .map_err(super::store::StoreError::new)?,
                    stored.version,
                )),
            };
        let (decision, _) = claim::decide(
            current.as_ref().map(|(row, _)| row),
            &to,
            &now,
            self.lease,
            0,
        );
        let previous = match decision {
            Claim::AlreadyApplied { current } => {
                return Ok(Processed::AlreadyApplied {
                    order_id: order_id.to_owned(),
                    state: current,
                });
            }
            Claim::InProgress => {
                return Ok(Processed::InProgress {
                    order_id: order_id.to_owned(),
                });
            }
            Claim::Claimed { previous, .. } => previous,
        };
        let transition = Transition {
            order_id: order_id.to_owned(),
            reference: reference.map(str::to_owned),
            from: previous.clone(),
            to: to.clone(),
        };
        if let Err(error) = effect(&mut transaction, transition.clone()).await {
            // Dropping the transaction rolls the effect back.
            return Err(ProcessError::Effect(error.into()));
        }
        let applied = OrderRecord {
            state: to,
            done: true,
            lease_until: 0,
            token: crate::random::next_u64(),
            from: previous,
        };
        let value = serde_json::to_string(&applied).map_err(super::store::StoreError::new)?;
        let written = D::records_put(
            &mut transaction,
            RecordKind::OrderState,
            order_id,
            Write::new(current.map(|(_, version)| version), false, &value),
        )
        .await?;
        if !written {
            // Another caller changed the order meanwhile: this one's effect
            // is rolled back with the transaction.
            return Ok(Processed::InProgress {
                order_id: order_id.to_owned(),
            });
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(Processed::Applied(transition))
    }

    /// [`process_callback`](Processor::process_callback) with the effect
    /// in the store's transaction ([`apply_in_transaction`](Self::apply_in_transaction)).
    pub async fn process_callback_in_transaction<F, E>(
        &self,
        callback: &VerifiedCallback,
        effect: F,
    ) -> Result<Processed, ProcessError>
    where
        F: for<'c> FnOnce(&'c mut D::Connection, Transition) -> Effect<'c, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (order_id, reference, status) = self.look_up(callback).await?;
        self.apply_in_transaction(&order_id, reference.as_deref(), &status, effect)
            .await
    }

    /// [`reconcile`](Processor::reconcile) with each change's effect in
    /// the store's transaction ([`apply_in_transaction`](Self::apply_in_transaction)).
    pub async fn reconcile_in_transaction<B, F, E>(
        &self,
        pass: ChangedOrders<'_, B>,
        effect: F,
    ) -> Result<Reconciled, ProcessError>
    where
        B: Paginated,
        B::Item: ListedOrder,
        F: for<'c> Fn(&'c mut D::Connection, Transition) -> Effect<'c, E> + Sync,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let effect = &effect;
        self.reconcile_with(pass, &|order_id, reference, status| {
            Box::pin(async move {
                self.apply_in_transaction(&order_id, reference.as_deref(), &status, effect)
                    .await
            })
        })
        .await
    }
}
