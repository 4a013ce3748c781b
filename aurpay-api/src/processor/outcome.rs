//! What processing did: [`Processed`], [`ProcessError`], [`Reconciled`].

use std::future::Future;
use std::pin::Pin;

use super::state::{OrderState, Transition};
use super::store::StoreError;
use crate::callback::Rejection;
use crate::reconcile::Stop;
use crate::{Error, OrderStatus};

/// The future of an effect that runs inside the store's transaction (see
/// `Processor::apply_in_transaction`, features `sqlite` and `postgres`):
/// `Box::pin(async move { ... })`.
pub type Effect<'c, E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'c>>;

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
    /// A call to Aurpay failed: the order lookup, or (for
    /// [`Processor::submit`](super::Processor::submit)) a request that was
    /// never sent (invalid, say).
    Aurpay(Error),
    /// The store failed.
    Store(StoreError),
    /// The merchant's effect failed; the change was released (or, in a
    /// transaction, rolled back).
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
            ProcessError::Aurpay(e) => write!(f, "call to Aurpay failed: {e}"),
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

/// What one reconciliation pass did ([`Processor::reconcile`](super::Processor::reconcile)).
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
    /// Money calls this pass settled (found in Aurpay's state, or found
    /// never to have been applied), and those it found ambiguous (each
    /// waits for [`Processor::settle`](super::Processor::settle)).
    pub intents: Vec<crate::intent::Intent>,
    /// Why the pass over the order list stopped.
    pub stop: Stop,
    /// Where the next pass should start: this pass's
    /// [`next_since`](crate::reconcile::ChangedOrders::next_since) when it saw everything and
    /// left nothing in progress or failed, else its own `since` again.
    pub next_since: crate::Timestamp,
}
