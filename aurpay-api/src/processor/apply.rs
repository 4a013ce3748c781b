//! Applying an order's state: from a verified callback or a reconciliation
//! pass, with an effect anywhere (the change claimed under a lease first).

use std::future::Future;
use std::pin::Pin;

use super::Processor;
use super::claim::{self, Claim};
use super::outcome::{ProcessError, Processed, Reconciled};
use super::state::{OrderState, Transition};
use super::store::Store;
use crate::OrderStatus;
use crate::callback::VerifiedCallback;
use crate::operation::sealed::Token;
use crate::operation::{Call, ListedOrder, OrderLookup, Paginated};
use crate::reconcile::{ChangedOrders, Stop};

/// One change applied, however the caller applies its effect: what
/// [`Processor::reconcile`] and intent resolution share.
pub(crate) type Applying<'a> =
    Pin<Box<dyn Future<Output = Result<Processed, ProcessError>> + Send + 'a>>;

impl<S: Store> Processor<S> {
    /// The order a verified callback is about, bound through the reference
    /// in its signed URL and the order id linked to it (a callback without
    /// a reference, or with one not linked, is rejected: see
    /// [`VerifiedCallback::bind`]), and its status fetched from Aurpay.
    pub(crate) async fn look_up(
        &self,
        callback: &VerifiedCallback,
    ) -> Result<(String, Option<String>, OrderStatus), ProcessError> {
        let reference = callback.reference().map(str::to_owned);
        let stored = match &reference {
            Some(reference) => self.order_of(reference).await?,
            None => None,
        };
        let bound = callback
            .bind(stored.as_deref())
            .map_err(ProcessError::Rejected)?;
        let order = self
            .client
            .order_lookup(bound.order_id())
            .send_call(Token(()))
            .await
            .map_err(ProcessError::Aurpay)?;
        Ok((bound.order_id().to_owned(), reference, order.status))
    }

    /// Binds a verified callback to its order, asks Aurpay for the order,
    /// and applies its state with [`apply`](Self::apply).
    ///
    /// Run it to completion (in its own task if the HTTP server may drop a
    /// request's future when the caller disconnects): a future dropped
    /// between claim and completion leaves the change to its lease.
    pub async fn process_callback<F, Fut, E>(
        &self,
        callback: &VerifiedCallback,
        effect: F,
    ) -> Result<Processed, ProcessError>
    where
        F: FnOnce(Transition) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (order_id, reference, status) = self.look_up(callback).await?;
        self.apply(&order_id, reference.as_deref(), &status, effect)
            .await
    }

    /// Applies an order's authoritative `status` (from Aurpay: a callback's
    /// lookup, or reconciliation): claims the change under the lease, runs
    /// `effect` if this call won, then completes the claim (or gives it up
    /// when the effect fails, so the next delivery claims it at once).
    ///
    /// ```
    /// use aurpay_api::OrderStatus;
    /// use aurpay_api::processor::{MemoryStore, OrderState, Processed, Processor};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = aurpay_api::Client::builder().build()?;
    /// let processor = Processor::new(client, MemoryStore::new());
    /// let pay = |change: aurpay_api::processor::Transition| async move {
    ///     assert_eq!(change.to, OrderState::Paid);
    ///     Ok::<(), std::io::Error>(())
    /// };
    /// let first = processor.apply("20250207040935220628", Some("cart-1"), &OrderStatus::Success, pay).await?;
    /// assert!(matches!(first, Processed::Applied(_)));
    /// let again = processor.apply("20250207040935220628", Some("cart-1"), &OrderStatus::Success, pay).await?;
    /// assert!(matches!(again, Processed::AlreadyApplied { .. }));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn apply<F, Fut, E>(
        &self,
        order_id: &str,
        reference: Option<&str>,
        status: &OrderStatus,
        effect: F,
    ) -> Result<Processed, ProcessError>
    where
        F: FnOnce(Transition) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let Some(to) = OrderState::of(status) else {
            return Ok(Processed::Ignored {
                order_id: order_id.to_owned(),
                status: status.clone(),
            });
        };
        let now = self.lease_now().await?;
        match claim::claim(&self.store, &now, order_id, &to, self.lease).await? {
            Claim::AlreadyApplied { current } => Ok(Processed::AlreadyApplied {
                order_id: order_id.to_owned(),
                state: current,
            }),
            Claim::InProgress => Ok(Processed::InProgress {
                order_id: order_id.to_owned(),
            }),
            Claim::Claimed { previous, token } => {
                let transition = Transition {
                    order_id: order_id.to_owned(),
                    reference: reference.map(str::to_owned),
                    from: previous,
                    to: to.clone(),
                };
                let outcome: Result<(), Box<dyn std::error::Error + Send + Sync>> =
                    effect(transition.clone()).await.map_err(Into::into);
                match outcome {
                    Ok(()) => {
                        claim::finish(&self.store, order_id, &to, token, true).await?;
                        Ok(Processed::Applied(transition))
                    }
                    Err(error) => {
                        claim::finish(&self.store, order_id, &to, token, false).await?;
                        Err(ProcessError::Effect(error))
                    }
                }
            }
        }
    }

    /// One reconciliation pass: settles the money calls whose outcome was
    /// unknown from Aurpay's own state (see
    /// [`submit`](Self::submit); a create found is linked and its current
    /// status applied), then applies the state of every order the pass
    /// yields ([`reconcile::changed_since`](crate::reconcile::changed_since))
    /// whose reference the store knows, through the same claims as
    /// callbacks, so a change is applied once whether a callback or a pass
    /// sees it first.
    ///
    /// ```
    /// use aurpay_api::processor::{MemoryStore, Processor};
    /// use aurpay_api::{reconcile, Timestamp};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = aurpay_api::sandbox::Sandbox::builder().examples().start().await?;
    /// let client = sandbox.client()?;
    /// let processor = Processor::new(client.clone(), MemoryStore::new());
    /// let since: Timestamp = "2024-08-01T00:00:00".parse()?;
    /// let report = processor
    ///     .reconcile(reconcile::changed_since(client.get_orders(), since), |change| async move {
    ///         println!("{} is now {}", change.order_id, change.to.as_str());
    ///         Ok::<(), std::io::Error>(())
    ///     })
    ///     .await?;
    /// // The examples' orders were not created through this store.
    /// assert!(report.applied.is_empty() && !report.unlinked.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn reconcile<B, F, Fut, E>(
        &self,
        pass: ChangedOrders<'_, B>,
        effect: F,
    ) -> Result<Reconciled, ProcessError>
    where
        B: Paginated,
        B::Item: ListedOrder,
        F: Fn(Transition) -> Fut + Sync,
        Fut: Future<Output = Result<(), E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let effect = &effect;
        self.reconcile_with(pass, &|order_id, reference, status| {
            Box::pin(async move {
                self.apply(&order_id, reference.as_deref(), &status, effect)
                    .await
            })
        })
        .await
    }

    /// [`reconcile`](Self::reconcile) with any way of applying a change.
    pub(crate) async fn reconcile_with<'a, B, A>(
        &'a self,
        mut pass: ChangedOrders<'_, B>,
        apply: &'a A,
    ) -> Result<Reconciled, ProcessError>
    where
        B: Paginated,
        B::Item: ListedOrder,
        A: Fn(String, Option<String>, OrderStatus) -> Applying<'a> + Sync,
    {
        let intents = self.resolve_intents(apply).await?;
        let mut report = Reconciled {
            applied: Vec::new(),
            already_applied: 0,
            in_progress: Vec::new(),
            unlinked: Vec::new(),
            ignored: Vec::new(),
            failed: Vec::new(),
            intents,
            stop: Stop::NotYet,
            next_since: pass.next_since(),
        };
        while let Some(order) = pass.next().await.map_err(ProcessError::Aurpay)? {
            let order_id = order.order_id().to_owned();
            let Some(reference) = self.reference_of(&order_id).await? else {
                report.unlinked.push(order_id);
                continue;
            };
            match apply(order_id.clone(), Some(reference), order.status().clone()).await {
                Ok(Processed::Applied(transition)) => report.applied.push(transition),
                Ok(Processed::AlreadyApplied { .. }) => report.already_applied += 1,
                Ok(Processed::InProgress { .. }) => report.in_progress.push(order_id),
                Ok(Processed::Ignored { .. }) => report.ignored.push(order_id),
                Err(error @ ProcessError::Effect(_)) => report.failed.push((order_id, error)),
                Err(error) => return Err(error),
            }
        }
        report.stop = pass.stopped();
        // Move on only when the pass saw everything and left nothing
        // unfinished; otherwise the next pass looks from the same point.
        let complete = matches!(report.stop, Stop::Cutoff | Stop::End);
        if !complete || !report.in_progress.is_empty() || !report.failed.is_empty() {
            report.next_since = pass.since().clone();
        }
        Ok(report)
    }
}
