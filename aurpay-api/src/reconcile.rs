//! Finding what callbacks missed.
//!
//! Aurpay publishes no "orders changed since" query and no way to store
//! the merchant's own id on an order: the order list is the only source.
//! It is paged, **newest first** (by creation), and pages shift while they
//! are read (a new order pushes every other one a place down).
//! [`changed_since`] walks it from the newest order and yields each order
//! updated at or after a timestamp, **each order at most once per pass**
//! (an order seen again on a shifted page is skipped), and stops at the
//! first order created before `since - horizon` (older orders are assumed
//! to no longer change), at the end of the list, or after
//! [`ChangedOrders::max_orders`] orders.
//!
//! Feed a pass into the [`Processor`](crate::processor::Processor)
//! ([`Processor::reconcile`](crate::processor::Processor::reconcile)), so a
//! change a callback missed is applied exactly once too, and every money
//! call whose answer was lost is settled from Aurpay's state.
//!
//! **Limits.** Times are Aurpay's (`create_time`, `update_time`, zoneless,
//! read as UTC): leave a margin for clock skew (start the next pass from
//! the previous pass's start minus a minute, as
//! [`ChangedOrders::next_since`] does). An order whose times are missing is
//! yielded (never silently dropped) and does not stop the walk. That the
//! list is ordered by creation, newest first, is what the docs say ("newest
//! first"); a list that is not ends the walk early at the cutoff, so keep
//! `horizon` generous. Whether every kind of order (Lightning ones
//! included) appears in the list is UNKNOWN.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::{Stream, StreamExt};

use crate::operation::sealed::Token;
use crate::operation::{ListedOrder, Paginated};
use crate::{Error, Timestamp};

/// Orders per page asked for (Aurpay's documented maximum page size is not
/// published; 50 is accepted by every known caller).
const PAGE_SIZE: u64 = 50;

/// How far before `since` orders are still looked at by default: orders are
/// payable for 30 minutes, callbacks are retried "in a short time", and a
/// refund may come days later, so a day.
pub const DEFAULT_HORIZON: Duration = Duration::from_secs(24 * 60 * 60);

/// The most orders one pass reads by default (bounding time and memory).
pub const DEFAULT_MAX_ORDERS: usize = 10_000;

/// The margin [`ChangedOrders::next_since`] leaves for clock skew and for
/// orders that changed while the pass ran.
pub const SKEW_MARGIN: Duration = Duration::from_secs(60);

/// Why a pass stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stop {
    /// Still walking.
    NotYet,
    /// Reached an order created before the cutoff (`since - horizon`).
    Cutoff,
    /// Reached the end of the list.
    End,
    /// Read [`ChangedOrders::max_orders`] orders: older changes may remain.
    Limit,
    /// A call failed (the error was returned).
    Failed,
}

/// The walk over the list's pages, boxed so the pass can be named.
type OrderStream<'a, B> =
    std::pin::Pin<Box<dyn Stream<Item = Result<<B as Paginated>::Item, Error>> + Send + 'a>>;

/// One pass over the orders changed since a timestamp; see
/// [`changed_since`].
pub struct ChangedOrders<'a, B: Paginated> {
    /// The list to walk, until the walk starts.
    list: Option<B>,
    page_size: u64,
    stream: Option<OrderStream<'a, B>>,
    since: Timestamp,
    cutoff: Timestamp,
    started_at: Timestamp,
    seen: HashSet<String>,
    read: usize,
    max_orders: usize,
    stop: Stop,
}

impl<B: Paginated> std::fmt::Debug for ChangedOrders<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangedOrders")
            .field("since", &self.since)
            .field("cutoff", &self.cutoff)
            .field("read", &self.read)
            .field("stop", &self.stop)
            .finish_non_exhaustive()
    }
}

/// The orders of `list` (the order list's request builder, as
/// `client.get_orders()`) updated at or after `since`, newest first, each
/// once; see the [module docs](self) for where it stops.
///
/// ```
/// use aurpay_api::{reconcile, Timestamp};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = aurpay_api::sandbox::Sandbox::builder().examples().start().await?;
/// # let client = sandbox.client()?;
/// let since: Timestamp = "2024-08-01T00:00:00".parse()?;
/// let mut pass = reconcile::changed_since(client.get_orders(), since);
/// while let Some(order) = pass.next().await? {
///     use aurpay_api::operation::ListedOrder;
///     println!("{} is {}", order.order_id(), order.status());
/// }
/// println!("stopped: {:?}; next pass from {}", pass.stopped(), pass.next_since());
/// # Ok(())
/// # }
/// ```
pub fn changed_since<'a, B>(list: B, since: Timestamp) -> ChangedOrders<'a, B>
where
    B: Paginated + 'a,
    B::Item: ListedOrder + Send + 'a,
{
    let started_at = list.clock(Token(())).now();
    ChangedOrders {
        list: Some(list),
        page_size: PAGE_SIZE,
        stream: None,
        cutoff: since.earlier_by(DEFAULT_HORIZON),
        since,
        started_at,
        seen: HashSet::new(),
        read: 0,
        max_orders: DEFAULT_MAX_ORDERS,
        stop: Stop::NotYet,
    }
}

impl<'a, B> ChangedOrders<'a, B>
where
    B: Paginated + 'a,
    B::Item: ListedOrder + Send + 'a,
{
    /// Orders per page asked for (default 50; at least 1).
    pub fn page_size(mut self, page_size: u64) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Looks at orders created up to `horizon` before `since` (default
    /// [`DEFAULT_HORIZON`]); older ones end the pass.
    pub fn horizon(mut self, horizon: Duration) -> Self {
        self.cutoff = self.since.earlier_by(horizon);
        self
    }

    /// Reads at most this many orders (default [`DEFAULT_MAX_ORDERS`]);
    /// the pass then stops with [`Stop::Limit`].
    pub fn max_orders(mut self, max_orders: usize) -> Self {
        self.max_orders = max_orders;
        self
    }

    /// The next order changed since `since`, or `None` when the pass is
    /// over ([`stopped`](Self::stopped) says why). An error ends the pass.
    pub async fn next(&mut self) -> Result<Option<B::Item>, Error> {
        while self.stop == Stop::NotYet {
            if self.read >= self.max_orders {
                self.stop = Stop::Limit;
                break;
            }
            if self.stream.is_none()
                && let Some(list) = self.list.take()
            {
                self.stream = Some(Box::pin(crate::call::items(list, self.page_size)));
            }
            let Some(stream) = self.stream.as_mut() else {
                self.stop = Stop::End;
                break;
            };
            let order = match stream.next().await {
                None => {
                    self.stop = Stop::End;
                    break;
                }
                Some(Err(error)) => {
                    self.stop = Stop::Failed;
                    return Err(error);
                }
                Some(Ok(order)) => order,
            };
            if order.created_at().is_some_and(|at| *at < self.cutoff) {
                self.stop = Stop::Cutoff;
                break;
            }
            // Seen on an earlier page that has since shifted: not again.
            if !self.seen.insert(order.order_id().to_owned()) {
                continue;
            }
            self.read += 1;
            let changed = match (order.updated_at(), order.created_at()) {
                (Some(updated), _) => *updated >= self.since,
                (None, Some(created)) => *created >= self.since,
                // No times at all: yielded rather than silently missed.
                (None, None) => true,
            };
            if changed {
                return Ok(Some(order));
            }
        }
        Ok(None)
    }

    /// The timestamp the pass looks for changes since.
    pub fn since(&self) -> &Timestamp {
        &self.since
    }

    /// Why the pass stopped ([`Stop::NotYet`] while it runs).
    pub fn stopped(&self) -> Stop {
        self.stop
    }

    /// Distinct orders read so far (changed or not).
    pub fn orders_read(&self) -> usize {
        self.read
    }

    /// Where the next pass may start, if this one saw everything (it
    /// stopped at the cutoff or the end, not at the limit or an error):
    /// when this one started, less [`SKEW_MARGIN`] (so nothing that changed
    /// while it ran, or under a skewed clock, falls between two passes).
    /// [`Processor::reconcile`](crate::processor::Processor::reconcile)
    /// also keeps `since` while a change it saw is still in progress.
    pub fn next_since(&self) -> Timestamp {
        self.started_at.earlier_by(SKEW_MARGIN)
    }

    /// The pass as a [`Stream`] (ends after the first error).
    pub fn into_stream(self) -> impl Stream<Item = Result<B::Item, Error>> + 'a {
        futures_util::stream::unfold(Some(self), |pass| async move {
            let mut pass = pass?;
            match pass.next().await {
                Ok(Some(order)) => Some((Ok(order), Some(pass))),
                Ok(None) => None,
                Err(error) => Some((Err(error), None)),
            }
        })
    }
}
