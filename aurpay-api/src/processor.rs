//! Applying each change of an order's state once, however many times, in
//! whatever order and on however many replicas Aurpay's callbacks arrive.
//!
//! A [`Processor`] takes a verified callback, binds it to the order through
//! the signed merchant reference (the [`Store`] keeps reference to order
//! id), asks Aurpay for the order (its status is authoritative; a callback
//! only says "look now"), maps the status to an [`OrderState`], and claims
//! the move to that state in the store. Only the caller that wins the claim
//! runs the merchant's effect; when it finishes, the claim is completed;
//! when it fails, the claim is released and the answer tells Aurpay to retry.
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
//! * One change of an order at a time: while a claim is held (its lease
//!   running), every other delivery of that order, by any thread or
//!   replica sharing the store, sees [`Processed::InProgress`] and is
//!   answered 503, so Aurpay retries. A change's effect starts at most once
//!   while its claim is held.
//! * A change is never lost: it is claimed before the effect and completed
//!   after it; an effect that fails gives the claim up (the change stays
//!   unapplied and the next delivery or reconciliation claims it at once).
//!   Each claim has a token, so a claimer that outlived its lease cannot
//!   complete or give up the claim that took over.
//! * If the process dies between claim and completion (or the future is
//!   dropped), the effect's outcome is unknown: after the lease (default
//!   60 s, at least 1 s; PostgreSQL leases run on the database's clock) the
//!   next delivery or reconciliation claims the change again and runs the
//!   effect again. Make effects idempotent by [`Transition::key`] (order id
//!   and state) where a second run would do harm, or perform them in the
//!   same database transaction as your own records.
//! * States only move forward: awaiting payment, partially paid, expired,
//!   paid (an expired, underpaid order the merchant resolves is paid after
//!   all), refunded. The state Aurpay reports is the one applied; states it
//!   went through in between are not replayed. An unknown Aurpay status is
//!   reported as [`Processed::Ignored`], never applied.
//! * Which store: [`MemoryStore`] in tests (lost with the process);
//!   `SqliteStore` (feature `sqlite`) for processes on one machine;
//!   `PostgresStore` (feature `postgres`) for replicas sharing a
//!   database. A store is only as durable as its database: a claim
//!   recorded in a database that is then lost is forgotten.
//! * Callbacks and reconciliation ([`Processor::reconcile`]) go through the
//!   same claims, so a change is applied once whichever sees it first. A
//!   callback whose reference the store does not know yet (a create call
//!   whose outcome is still unresolved) is answered 404, so Aurpay retries
//!   it; [`Processor::resolve_unknown`] links the reference when it finds
//!   the order.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::callback::{Rejection, VerifiedCallback};
use crate::reconcile::{self, ChangedOrders, Stop};
use crate::{Client, Error, OrderStatus};

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// What an order's status means to a shop.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderState {
    /// Not paid yet (`PENDING`).
    AwaitingPayment,
    /// Part of the amount arrived (`PARTIAL`).
    PartiallyPaid,
    /// Paid (`SUCCESS`, or `RESOLVED`: an underpayment the merchant accepted).
    Paid,
    /// Not paid in time, or ended without payment (`OVERDUE`, `TERMINATED`).
    Expired,
    /// Refunded to the buyer (`REFUNDED`).
    Refunded,
}

impl OrderState {
    /// The state an Aurpay status means; `None` for a status this SDK does
    /// not know (never guessed).
    pub fn of(status: &OrderStatus) -> Option<OrderState> {
        Some(match status {
            OrderStatus::Pending => OrderState::AwaitingPayment,
            OrderStatus::Partial => OrderState::PartiallyPaid,
            OrderStatus::Success | OrderStatus::Resolved => OrderState::Paid,
            OrderStatus::Overdue | OrderStatus::Terminated => OrderState::Expired,
            OrderStatus::Refunded => OrderState::Refunded,
            OrderStatus::Unknown(_) => return None,
        })
    }

    /// How far along the order is; a change is applied only forward.
    ///
    /// Expired comes before paid: an order that timed out underpaid can
    /// still be resolved (`RESOLVED`, paid) by the merchant; a paid order
    /// never expires.
    fn rank(&self) -> u8 {
        match self {
            OrderState::AwaitingPayment => 0,
            OrderState::PartiallyPaid => 1,
            OrderState::Expired => 2,
            OrderState::Paid => 3,
            OrderState::Refunded => 4,
        }
    }

    /// `awaiting_payment`, `partially_paid`, `paid`, `expired`, `refunded`:
    /// how stores write it.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "awaiting_payment",
            OrderState::PartiallyPaid => "partially_paid",
            OrderState::Paid => "paid",
            OrderState::Expired => "expired",
            OrderState::Refunded => "refunded",
        }
    }

    /// The state [`as_str`](OrderState::as_str) wrote.
    pub fn parse(text: &str) -> Option<OrderState> {
        [
            OrderState::AwaitingPayment,
            OrderState::PartiallyPaid,
            OrderState::Paid,
            OrderState::Expired,
            OrderState::Refunded,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// One state change of one order, claimed for its effect.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// Aurpay's order id.
    pub order_id: String,
    /// The merchant's reference (from the signed callback URL), when known.
    pub reference: Option<String>,
    /// The state recorded before, if any.
    pub from: Option<OrderState>,
    /// The new state.
    pub to: OrderState,
}

impl Transition {
    /// `"{order_id}:{state}"`: a key for making an effect idempotent.
    pub fn key(&self) -> String {
        format!("{}:{}", self.order_id, self.to.as_str())
    }
}

/// What a store decided about a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Claimed: run the effect, then [`Store::complete`] (or
    /// [`Store::release`] if it failed).
    Claimed {
        /// The state the order was at before this change (the last one
        /// applied), if any.
        previous: Option<OrderState>,
        /// This claim's token: [`Store::complete`] and [`Store::release`]
        /// act only on the claim that holds it, so a slow claimer whose
        /// lease ran out cannot complete or undo the claim that took over.
        token: u64,
    },
    /// The order is already at this state or past it.
    AlreadyApplied {
        /// The state recorded.
        current: OrderState,
    },
    /// A change of this order is claimed by another caller and its lease
    /// has not run out (whatever state it moves to: one change of an order
    /// at a time).
    InProgress,
}

/// Why a store failed.
#[derive(Debug)]
pub struct StoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Durable memory of which reference is which order, and which state
/// changes were applied. Every method must be atomic with respect to other
/// callers of the same store (other threads, other processes sharing it).
pub trait Store: Send + Sync {
    /// Records that `reference` is Aurpay order `order_id`. A reference
    /// names one order and an order has one reference: linking either again
    /// (to anything) is a no-op; read [`order_of`](Store::order_of) to see
    /// which link holds.
    fn link(
        &self,
        reference: &str,
        order_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The order id recorded for `reference`.
    fn order_of(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The reference recorded for `order_id` (the first one linked): how a
    /// reconciled order, which carries no reference, finds the merchant's.
    fn reference_of(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The state recorded for `order_id`, if any, and whether its effect
    /// completed.
    fn state_of(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Option<(OrderState, bool)>, StoreError>> + Send;

    /// Claims the change of `order_id` to `to`: granted when it moves the
    /// order forward, or when an earlier claim of the same change was never
    /// completed and is older than `lease`.
    fn claim(
        &self,
        order_id: &str,
        to: &OrderState,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Marks the change claimed with `token` done (nothing, if another
    /// claim has taken over).
    fn complete(
        &self,
        order_id: &str,
        to: &OrderState,
        token: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up the claim with `token` after its effect failed: the change
    /// stays unapplied and its lease ends now, so the next delivery claims
    /// it again at once (nothing, if another claim has taken over).
    fn release(
        &self,
        order_id: &str,
        to: &OrderState,
        token: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A recorded state: what a store keeps per order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recorded {
    pub(crate) state: OrderState,
    pub(crate) done: bool,
    /// Seconds since the Unix epoch when it was claimed (0: released).
    pub(crate) claimed_at: u64,
    /// The claim's token.
    pub(crate) token: u64,
    /// The last state applied before this one.
    pub(crate) from: Option<OrderState>,
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token no other claim has: the time, the process and a counter, mixed.
pub(crate) fn new_token() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // splitmix64: spreads the bits so tokens differ everywhere.
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 31)).max(1)
}

/// A lease in whole seconds, rounded up, at least one (a shorter one would
/// let concurrent deliveries all win).
pub(crate) fn lease_secs(lease: Duration) -> u64 {
    (lease.as_secs() + u64::from(lease.subsec_nanos() > 0)).max(1)
}

/// The one decision every store makes, under its own lock or transaction:
/// the claim's result, and the row to write when it is granted.
///
/// * One change of an order at a time: while a claim is unfinished and its
///   lease runs, every other claim of the order waits (`InProgress`).
/// * An unfinished claim whose lease ran out (its claimer died, or its
///   effect failed and released it) is taken over by a claim of the same
///   state or a later one; its `from` is kept.
/// * A finished state is followed only by a later one.
pub(crate) fn decide(
    recorded: Option<&Recorded>,
    to: &OrderState,
    now: u64,
    lease: Duration,
    token: u64,
) -> (Claim, Option<Recorded>) {
    let claim = |from: Option<OrderState>| {
        (
            Claim::Claimed {
                previous: from.clone(),
                token,
            },
            Some(Recorded {
                state: to.clone(),
                done: false,
                claimed_at: now,
                token,
                from,
            }),
        )
    };
    match recorded {
        None => claim(None),
        Some(row) if !row.done => {
            let live = now.saturating_sub(row.claimed_at) < lease_secs(lease);
            if live || to.rank() < row.state.rank() {
                // Someone is on it; or this report is older than the
                // unfinished change (a stale page): retry later.
                (Claim::InProgress, None)
            } else {
                claim(row.from.clone())
            }
        }
        Some(row) if to.rank() > row.state.rank() => claim(Some(row.state.clone())),
        Some(row) => (
            Claim::AlreadyApplied {
                current: row.state.clone(),
            },
            None,
        ),
    }
}

/// A store in memory, for tests and single-process demos: everything is
/// lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    orders: HashMap<String, Recorded>,
    references: HashMap<String, String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store for MemoryStore {
    async fn link(&self, reference: &str, order_id: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let order_taken = inner.references.values().any(|order| order == order_id);
        if !order_taken {
            inner
                .references
                .entry(reference.to_owned())
                .or_insert_with(|| order_id.to_owned());
        }
        Ok(())
    }

    async fn order_of(&self, reference: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().references.get(reference).cloned())
    }

    async fn reference_of(&self, order_id: &str) -> Result<Option<String>, StoreError> {
        let inner = self.lock();
        // The first linked: the smallest reference, like the SQL stores'
        // ORDER BY, so every store answers the same.
        Ok(inner
            .references
            .iter()
            .filter(|(_, order)| order.as_str() == order_id)
            .map(|(reference, _)| reference)
            .min()
            .cloned())
    }

    async fn state_of(&self, order_id: &str) -> Result<Option<(OrderState, bool)>, StoreError> {
        Ok(self
            .lock()
            .orders
            .get(order_id)
            .map(|row| (row.state.clone(), row.done)))
    }

    async fn claim(
        &self,
        order_id: &str,
        to: &OrderState,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let mut inner = self.lock();
        let (claim, write) = decide(
            inner.orders.get(order_id),
            to,
            now_secs(),
            lease,
            new_token(),
        );
        if let Some(row) = write {
            inner.orders.insert(order_id.to_owned(), row);
        }
        Ok(claim)
    }

    async fn complete(
        &self,
        order_id: &str,
        to: &OrderState,
        token: u64,
    ) -> Result<(), StoreError> {
        if let Some(row) = self.lock().orders.get_mut(order_id)
            && row.state == *to
            && row.token == token
        {
            row.done = true;
        }
        Ok(())
    }

    async fn release(&self, order_id: &str, to: &OrderState, token: u64) -> Result<(), StoreError> {
        if let Some(row) = self.lock().orders.get_mut(order_id)
            && row.state == *to
            && row.token == token
            && !row.done
        {
            row.claimed_at = 0;
        }
        Ok(())
    }
}

/// What processing a callback (or a reconciled order) did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Processed {
    /// This call applied the change: the effect ran and completed.
    Applied(Transition),
    /// The order was already at this state or past it: nothing ran.
    AlreadyApplied {
        /// Aurpay's order id.
        order_id: String,
        /// The state recorded.
        state: OrderState,
    },
    /// Another delivery is applying this change right now.
    InProgress {
        /// Aurpay's order id.
        order_id: String,
    },
    /// Aurpay reported a status this SDK does not know; nothing was applied.
    Ignored {
        /// Aurpay's order id.
        order_id: String,
        /// The status.
        status: OrderStatus,
    },
}

impl Processed {
    /// The HTTP status to answer Aurpay with: 200 when there is nothing
    /// left to do, 503 while another delivery is applying the change (so
    /// Aurpay tries again).
    pub fn http_status(&self) -> u16 {
        match self {
            Processed::InProgress { .. } => 503,
            _ => 200,
        }
    }
}

/// Why processing failed; each says what to answer Aurpay.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProcessError {
    /// The callback cannot be bound to an order (it names another order,
    /// or no order is known for its reference).
    Rejected(Rejection),
    /// Aurpay could not be asked for the order.
    Aurpay(Error),
    /// The store failed.
    Store(StoreError),
    /// The merchant's effect failed; the change was released.
    Effect(Box<dyn std::error::Error + Send + Sync>),
}

impl ProcessError {
    /// The HTTP status to answer Aurpay with: the rejection's own status,
    /// or 503 for a failure worth a retry.
    pub fn http_status(&self) -> u16 {
        match self {
            ProcessError::Rejected(rejection) => rejection.http_status(),
            ProcessError::Aurpay(_) | ProcessError::Store(_) | ProcessError::Effect(_) => 503,
        }
    }
}

impl std::fmt::Display for ProcessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProcessError::Rejected(r) => write!(f, "callback rejected: {r}"),
            ProcessError::Aurpay(e) => write!(f, "order lookup failed: {e}"),
            ProcessError::Store(e) => write!(f, "{e}"),
            ProcessError::Effect(e) => write!(f, "effect failed (will be retried): {e}"),
        }
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProcessError::Rejected(r) => Some(r),
            ProcessError::Aurpay(e) => Some(e),
            ProcessError::Store(e) => Some(e),
            ProcessError::Effect(e) => Some(&**e),
        }
    }
}

impl From<StoreError> for ProcessError {
    fn from(error: StoreError) -> Self {
        ProcessError::Store(error)
    }
}

/// Applies order state changes once; see the [module docs](self).
#[derive(Debug)]
pub struct Processor<S> {
    client: Client,
    store: S,
    lease: Duration,
}

impl<S: Store> Processor<S> {
    /// A processor asking `client` for orders and recording in `store`.
    pub fn new(client: Client, store: S) -> Self {
        Processor {
            client,
            store,
            lease: Duration::from_secs(60),
        }
    }

    /// How long a claimed change may stay incomplete before another
    /// delivery runs it again (default 60 s; longer than your slowest
    /// effect).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Records `reference` for a created order, so its callbacks bind.
    pub async fn link(&self, reference: &str, order_id: &str) -> Result<(), StoreError> {
        self.store.link(reference, order_id).await
    }

    /// Binds a verified callback to its order through the reference in its
    /// signed URL and the order id the store recorded for it (a callback
    /// without a reference, or with one the store does not know, is
    /// rejected: see [`VerifiedCallback::bind`]), asks Aurpay for the
    /// order, and applies its state with [`apply`](Self::apply).
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
        let reference = callback.reference().map(str::to_owned);
        let stored = match &reference {
            Some(reference) => self.store.order_of(reference).await?,
            None => None,
        };
        let bound = callback
            .bind(stored.as_deref())
            .map_err(ProcessError::Rejected)?;
        let order = bound
            .fetch_order(&self.client)
            .await
            .map_err(ProcessError::Aurpay)?;
        self.apply(
            bound.order_id(),
            reference.as_deref(),
            &order.status,
            effect,
        )
        .await
    }

    /// Applies an order's authoritative `status` (from Aurpay: a callback's
    /// lookup, or reconciliation): claims the change, runs `effect` if this
    /// call won, then completes or releases the claim.
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
        match self.store.claim(order_id, &to, self.lease).await? {
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
                match effect(transition.clone()).await {
                    Ok(()) => {
                        self.store.complete(order_id, &to, token).await?;
                        Ok(Processed::Applied(transition))
                    }
                    Err(error) => {
                        self.store.release(order_id, &to, token).await?;
                        Err(ProcessError::Effect(error.into()))
                    }
                }
            }
        }
    }
}

/// What one reconciliation pass did ([`Processor::reconcile`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct Reconciled {
    /// Changes this pass applied (callbacks had missed them).
    pub applied: Vec<Transition>,
    /// Orders already at their state (or past it).
    pub already_applied: usize,
    /// Orders another delivery was applying at that moment (the next pass
    /// looks again).
    pub in_progress: Vec<String>,
    /// Orders with no reference in the store (not created through it, or
    /// a create call whose outcome is still unresolved): nothing applied.
    pub unlinked: Vec<String>,
    /// Orders whose status this SDK does not know: nothing applied.
    pub ignored: Vec<String>,
    /// Orders whose effect failed (released; the next pass or callback
    /// tries again), with why.
    pub failed: Vec<(String, ProcessError)>,
    /// Why the pass stopped.
    pub stop: Stop,
    /// Where the next pass should start: this pass's
    /// [`next_since`](ChangedOrders::next_since) when it saw everything and
    /// left nothing in progress or failed, else its own `since` again.
    pub next_since: crate::Timestamp,
}

/// What [`Processor::resolve_unknown`] found for a create call whose
/// outcome was unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// The reference is linked to this order (now, or it already was).
    Linked {
        /// Aurpay's order id.
        order_id: String,
    },
    /// No order matches: the call most likely did not create one (see the
    /// limits on [`reconcile::candidates`]).
    NotFound,
    /// Several unlinked orders match; none was linked (deciding needs
    /// something the list does not show).
    Ambiguous {
        /// Their ids.
        order_ids: Vec<String>,
    },
}

impl<S: Store> Processor<S> {
    /// Applies the state of every order a reconciliation pass yields
    /// ([`reconcile::changed_since`]) whose reference the store knows,
    /// through the same claims as callbacks, so a change is applied once
    /// whether a callback or a pass sees it first. The listed status comes
    /// from Aurpay's API, so no second lookup is made.
    ///
    /// ```
    /// use aurpay_api::processor::{MemoryStore, Processor};
    /// use aurpay_api::{reconcile, Timestamp};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = aurpay_api::sandbox::Sandbox::start_with_examples().await?;
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
        mut pass: ChangedOrders<'_, B>,
        effect: F,
    ) -> Result<Reconciled, ProcessError>
    where
        B: crate::operation::Paginated,
        B::Item: crate::operation::ListedOrder + Send,
        F: Fn(Transition) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        use crate::operation::ListedOrder;
        let mut report = Reconciled {
            applied: Vec::new(),
            already_applied: 0,
            in_progress: Vec::new(),
            unlinked: Vec::new(),
            ignored: Vec::new(),
            failed: Vec::new(),
            stop: Stop::NotYet,
            next_since: pass.next_since(),
        };
        while let Some(order) = pass.next().await.map_err(ProcessError::Aurpay)? {
            let order_id = order.order_id().to_owned();
            let Some(reference) = self.store.reference_of(&order_id).await? else {
                report.unlinked.push(order_id);
                continue;
            };
            match self
                .apply(&order_id, Some(&reference), order.status(), &effect)
                .await
            {
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

    /// After a create call for `reference` whose outcome was
    /// [`Unknown`](crate::Outcome::Unknown) (sent at `sent_at`, for
    /// `fiat_price` in `fiat_currency`): finds the order it may have made
    /// ([`reconcile::candidates`] within `skew`, leaving out orders linked to
    /// another reference) and links it when exactly one matches. Run it
    /// again later when it answers [`Resolution::NotFound`]; decide by hand
    /// (or cancel and create anew) when it answers
    /// [`Resolution::Ambiguous`].
    ///
    /// Call it only once the create call has returned, and not while
    /// another creation of the same price and currency in the window is
    /// unresolved (in flight, or itself unknown): the order that one made is
    /// not linked yet and would look like this one's (the shop example
    /// waits in both cases).
    pub async fn resolve_unknown<B>(
        &self,
        reference: &str,
        list: B,
        fiat_price: &crate::Amount,
        fiat_currency: &str,
        sent_at: &crate::Timestamp,
        skew: Duration,
    ) -> Result<Resolution, ProcessError>
    where
        B: crate::operation::Paginated,
        B::Item: crate::operation::ListedOrder + Send,
    {
        use crate::operation::ListedOrder;
        if let Some(order_id) = self.store.order_of(reference).await? {
            return Ok(Resolution::Linked { order_id });
        }
        let found = reconcile::candidates(list, fiat_price, fiat_currency, sent_at, skew)
            .await
            .map_err(ProcessError::Aurpay)?;
        let mut free = Vec::new();
        for order in &found.orders {
            if self.store.reference_of(order.order_id()).await?.is_none() {
                free.push(order.order_id().to_owned());
            }
        }
        if !found.complete {
            // Not every order of the window was read: a match is not
            // proof of the only one, and no match is not proof of none.
            return Ok(Resolution::Ambiguous { order_ids: free });
        }
        match free.as_slice() {
            [] => Ok(Resolution::NotFound),
            [order_id] => {
                self.store.link(reference, order_id).await?;
                // Another resolver may have linked it first: report what
                // holds.
                match self.store.order_of(reference).await? {
                    Some(order_id) => Ok(Resolution::Linked { order_id }),
                    None => Ok(Resolution::Ambiguous { order_ids: free }),
                }
            }
            _ => Ok(Resolution::Ambiguous { order_ids: free }),
        }
    }
}

#[cfg(feature = "axum")]
mod axum_responses {
    //! What to answer Aurpay, as axum responses.

    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    use super::{ProcessError, Processed};

    fn answer(status: u16, text: &'static str) -> Response {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        (status, text).into_response()
    }

    /// 200 `ok`, or 503 while another delivery applies the change.
    impl IntoResponse for Processed {
        fn into_response(self) -> Response {
            match self.http_status() {
                200 => answer(200, "ok\n"),
                status => answer(status, "in progress, retry later\n"),
            }
        }
    }

    /// The rejection's status (400, 401, 404) or 503 (retry later). The
    /// body says only which: details belong in your logs, not in an
    /// answer to whoever called.
    impl IntoResponse for ProcessError {
        fn into_response(self) -> Response {
            match &self {
                ProcessError::Rejected(rejection) => {
                    crate::callback::CallbackRejection(rejection.clone()).into_response()
                }
                _ => answer(self.http_status(), "not applied, retry later\n"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);

    fn row(state: OrderState, done: bool, claimed_at: u64) -> Recorded {
        Recorded {
            state,
            done,
            claimed_at,
            token: 7,
            from: None,
        }
    }

    #[test]
    fn claims_move_forward_once() {
        let paid = row(OrderState::Paid, true, 100);
        assert_eq!(
            decide(None, &OrderState::Paid, 100, LEASE, 1).0,
            Claim::Claimed {
                previous: None,
                token: 1
            }
        );
        assert_eq!(
            decide(Some(&paid), &OrderState::Paid, 100, LEASE, 1).0,
            Claim::AlreadyApplied {
                current: OrderState::Paid
            }
        );
        // Backwards and sideways moves are not applied.
        for to in [
            OrderState::AwaitingPayment,
            OrderState::PartiallyPaid,
            OrderState::Expired,
        ] {
            assert!(matches!(
                decide(Some(&paid), &to, 100, LEASE, 1).0,
                Claim::AlreadyApplied { .. }
            ));
        }
        assert_eq!(
            decide(Some(&paid), &OrderState::Refunded, 100, LEASE, 1).0,
            Claim::Claimed {
                previous: Some(OrderState::Paid),
                token: 1
            }
        );
    }

    /// An underpaid order that timed out and was then resolved by the
    /// merchant (OVERDUE, then RESOLVED) is paid after all.
    #[test]
    fn an_expired_order_can_still_be_paid() {
        let expired = row(OrderState::Expired, true, 100);
        assert!(matches!(
            decide(Some(&expired), &OrderState::Paid, 100, LEASE, 1).0,
            Claim::Claimed {
                previous: Some(OrderState::Expired),
                ..
            }
        ));
        let paid = row(OrderState::Paid, true, 100);
        assert!(matches!(
            decide(Some(&paid), &OrderState::Expired, 100, LEASE, 1).0,
            Claim::AlreadyApplied { .. }
        ));
    }

    /// One change of an order at a time: an unfinished claim blocks every
    /// other claim of the order, a later state included, until its lease
    /// ends; then a claim of the same or a later state takes over, keeping
    /// what was applied before.
    #[test]
    fn an_unfinished_claim_blocks_the_order_until_its_lease_ends() {
        let mut partial = row(OrderState::PartiallyPaid, false, 1_000);
        partial.from = Some(OrderState::AwaitingPayment);
        for to in [
            OrderState::PartiallyPaid,
            OrderState::Paid,
            OrderState::Refunded,
        ] {
            assert_eq!(
                decide(Some(&partial), &to, 1_059, LEASE, 1).0,
                Claim::InProgress,
                "{to:?}"
            );
        }
        let (claim, write) = decide(Some(&partial), &OrderState::Paid, 1_060, LEASE, 9);
        assert_eq!(
            claim,
            Claim::Claimed {
                previous: Some(OrderState::AwaitingPayment),
                token: 9
            }
        );
        assert_eq!(write.unwrap().from, Some(OrderState::AwaitingPayment));
        // A stale, earlier report does not take over a later change.
        assert_eq!(
            decide(
                Some(&partial),
                &OrderState::AwaitingPayment,
                1_060,
                LEASE,
                1
            )
            .0,
            Claim::InProgress
        );
        // A released claim (claimed_at 0) is taken over at once.
        let released = row(OrderState::Paid, false, 0);
        assert!(matches!(
            decide(Some(&released), &OrderState::Paid, 1_700_000_000, LEASE, 1).0,
            Claim::Claimed { .. }
        ));
    }

    #[test]
    fn leases_are_whole_seconds_rounded_up_and_at_least_one() {
        assert_eq!(lease_secs(Duration::ZERO), 1);
        assert_eq!(lease_secs(Duration::from_millis(500)), 1);
        assert_eq!(lease_secs(Duration::from_millis(1_500)), 2);
        assert_eq!(lease_secs(Duration::from_secs(60)), 60);
        let claimed = row(OrderState::Paid, false, 1_000);
        assert_eq!(
            decide(Some(&claimed), &OrderState::Paid, 1_000, Duration::ZERO, 1).0,
            Claim::InProgress
        );
    }

    #[test]
    fn tokens_differ() {
        let tokens: std::collections::HashSet<u64> = (0..10_000).map(|_| new_token()).collect();
        assert_eq!(tokens.len(), 10_000);
    }

    #[test]
    fn states_round_trip_and_unknown_statuses_map_to_none() {
        for state in [
            OrderState::AwaitingPayment,
            OrderState::PartiallyPaid,
            OrderState::Paid,
            OrderState::Expired,
            OrderState::Refunded,
        ] {
            assert_eq!(OrderState::parse(state.as_str()), Some(state));
        }
        assert_eq!(OrderState::of(&OrderStatus::Unknown("NEW".into())), None);
        assert_eq!(
            OrderState::of(&OrderStatus::Resolved),
            Some(OrderState::Paid)
        );
    }
}
