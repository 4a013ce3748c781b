//! Exactly once: every payment, refund and withdrawal happens once, and
//! every change of an order is applied once, however many times, in
//! whatever order and on however many replicas Aurpay's callbacks arrive.
//!
//! A [`Processor`] does two jobs over one [`Store`]:
//!
//! * **Money calls as intents** ([`Processor::submit`]): a call that
//!   creates an order, refunds or withdraws is recorded under your own
//!   reference before it is sent, sent at most once, and when its outcome
//!   is unknown, [`Processor::reconcile`] later finds what Aurpay did from
//!   Aurpay's own state (the order list for creates, the transaction list
//!   for refunds and withdrawals), never by sending it again and never by
//!   guessing: when two things could be it, the intent is
//!   [`Ambiguous`](IntentStatus::Ambiguous) and waits for you
//!   ([`Processor::settle`]). A create links your reference to the order,
//!   so its callbacks bind.
//! * **Order changes applied once** ([`Processor::process_callback`],
//!   [`Processor::reconcile`]): a verified callback is bound to its order
//!   through the reference in its signed URL, the order is fetched from
//!   Aurpay (its status is authoritative; a callback only says "look
//!   now"), the status becomes an [`OrderState`], and the move to it is
//!   claimed before your effect runs.
//!
//! Effects come two ways. **In your database transaction**
//! (`Processor::process_callback_in_transaction`, with `SqliteStore` or
//! `PostgresStore`): your effect runs inside the transaction that records
//! the change as applied, so a crash can neither lose it nor repeat it, and
//! no lease is involved. **Anywhere else** ([`Processor::process_callback`]):
//! the change is claimed under a lease first, completed after the effect,
//! given up if it fails; if the process dies in between, the change is run
//! again after the lease, so make such an effect idempotent by
//! [`Transition::key`].
//!
//! ```
//! use aurpay_api::processor::{MemoryStore, OrderState, Processor};
//! # async fn handle(
//! #     processor: &Processor<MemoryStore>,
//! #     callback: &aurpay_api::callback::VerifiedCallback,
//! # ) -> u16 {
//! let outcome = processor
//!     .process_callback(callback, |change| async move {
//!         if change.to == OrderState::Paid {
//!             // ship the goods for change.reference
//!         }
//!         Ok::<(), std::io::Error>(())
//!     })
//!     .await;
//! // 200 when applied or already applied; 5xx makes Aurpay retry.
//! match outcome {
//!     Ok(processed) => processed.http_status(),
//!     Err(error) => error.http_status(),
//! }
//! # }
//! ```
//!
//! **Guarantees and limits.**
//!
//! * One change of an order at a time: while a claim is held, every other
//!   delivery of that order, by any thread or replica sharing the store,
//!   sees [`Processed::InProgress`] and is answered 503, so Aurpay retries.
//!   A lease is never shorter than asked (microseconds; at least
//!   [`MIN_LEASE`]) and runs on the database server's clock where there is
//!   one (PostgreSQL), else on the processor's.
//! * States only move forward: awaiting payment, partially paid, expired,
//!   paid (an expired, underpaid order the merchant resolves is paid after
//!   all), refunded. The state Aurpay reports is the one applied; states it
//!   went through in between are not replayed. An unknown Aurpay status is
//!   [`Processed::Ignored`], never applied.
//! * Which store: [`MemoryStore`] in tests (lost with the process);
//!   `SqliteStore` (feature `sqlite`) for processes on one machine;
//!   `PostgresStore` (feature `postgres`) for replicas sharing a database.
//!   A store is only as durable as its database.

pub(crate) mod apply;
pub(crate) mod claim;
mod memory;
mod outcome;
#[cfg(feature = "axum")]
mod responses;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod state;
mod store;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod transactional;

use std::sync::Arc;
use std::time::Duration;

pub use claim::MIN_LEASE;
pub use memory::MemoryStore;
pub use outcome::{Effect, ProcessError, Processed, Reconciled};
#[cfg(feature = "postgres")]
pub use sql::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sql::SqliteStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{Dialect, SqlStore};
pub use state::{OrderState, Transition};
pub use store::{RecordKind, Store, StoreError, Stored, Write};

pub use crate::intent::{Intent, IntentStatus, Settlement};

use crate::clock::Clock;
use crate::intent::IntentPolicy;
use crate::{Client, Timestamp};

/// Applies money calls and order changes exactly once; see the
/// [module docs](self).
#[derive(Debug)]
pub struct Processor<S> {
    pub(crate) client: Client,
    pub(crate) store: S,
    pub(crate) lease: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) intents: IntentPolicy,
}

impl<S: Store> Processor<S> {
    /// A processor calling Aurpay through `client` and recording in
    /// `store`. Its clock is the client's.
    ///
    /// ```
    /// use aurpay_api::processor::{MemoryStore, Processor};
    /// # fn build(client: aurpay_api::Client) {
    /// let processor = Processor::new(client, MemoryStore::new())
    ///     .lease(std::time::Duration::from_secs(30));
    /// # }
    /// ```
    pub fn new(client: Client, store: S) -> Self {
        let clock = client.transport.inner.clock();
        Processor {
            client,
            store,
            lease: Duration::from_secs(60),
            clock,
            intents: IntentPolicy::default(),
        }
    }

    /// How long a claimed change may stay incomplete before another
    /// delivery runs it again (default 60 s, at least [`MIN_LEASE`];
    /// longer than your slowest effect outside the database).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(MIN_LEASE);
        self
    }

    /// How long after a money call's window (its sending, plus Aurpay's
    /// clock skew) nothing found in Aurpay's state means it was never
    /// applied (default 15 minutes).
    pub fn settle_after(mut self, wait: Duration) -> Self {
        self.intents.settle_after = wait;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The time leases are measured by: the store's own clock where it
    /// has one, else the processor's.
    pub(crate) async fn lease_now(&self) -> Result<Timestamp, StoreError> {
        Ok(match self.store.now().await? {
            Some(now) => now,
            None => self.clock.now(),
        })
    }

    /// Records that `reference` is Aurpay order `order_id` (for an order
    /// made outside [`submit`](Self::submit)), so its callbacks bind. A
    /// reference names one order and an order has one reference: `false`
    /// when either is already linked to something else.
    pub async fn link(&self, reference: &str, order_id: &str) -> Result<bool, StoreError> {
        Ok(claim::link(&self.store, reference, order_id).await? == claim::Linked::Yes)
    }

    /// The Aurpay order `reference` names, if it is linked.
    pub async fn order_of(&self, reference: &str) -> Result<Option<String>, StoreError> {
        claim::order_of(&self.store, reference).await
    }

    /// The reference of Aurpay order `order_id`, if it is linked.
    pub async fn reference_of(&self, order_id: &str) -> Result<Option<String>, StoreError> {
        claim::reference_of(&self.store, order_id).await
    }

    /// The state recorded for `order_id`, and whether its effect completed.
    pub async fn state_of(&self, order_id: &str) -> Result<Option<(OrderState, bool)>, StoreError> {
        Ok(claim::order_record(&self.store, order_id)
            .await?
            .map(|(row, _)| (row.state, row.done)))
    }
}
