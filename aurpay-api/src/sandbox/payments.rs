//! The stages of a crypto payment, as Aurpay's statuses describe them
//! (spec `OrderStatus`): what a buyer, the chain, the clock or the merchant
//! does to an order.
//!
//! | stage | status | documented? |
//! |---|---|---|
//! | payment seen, waiting for confirmations | `PENDING` (with a `tx_hash`) | CONFIRMED meaning ("awaiting confirmations"); how it shows is INFERRED |
//! | confirmed in full (or more) | `SUCCESS`, paid callback | CONFIRMED |
//! | confirmed in part | `PARTIAL`, no callback | CONFIRMED status; no callback INFERRED |
//! | not paid in time, or underpaid when time ran out | `OVERDUE`, timeout callback | CONFIRMED |
//! | paid after it expired | stays `OVERDUE`, the payment recorded, no callback | INFERRED |
//! | an underpayment (or late payment) the merchant accepts | `RESOLVED`, paid callback | status CONFIRMED; the callback INFERRED |
//! | ended by Aurpay or the merchant | `TERMINATED`, timeout callback | status CONFIRMED; the callback INFERRED |
//! | refunded (all of it) | `REFUNDED` | CONFIRMED |
//!
//! Orders time out [`SandboxConfig::order_lifetime`](super::SandboxConfig::order_lifetime)
//! after they were created (30 minutes, as Aurpay's guide says), on the
//! sandbox's clock: with a [`ManualClock`](crate::clock::ManualClock), a
//! test moves time and the order expires.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::errors::SandboxError;
use super::model::{Order, OrderKind, Shared, State};
use crate::OrderStatus;

/// How a customer pays an order in [`Sandbox::pay`](super::Sandbox::pay).
/// Amounts are in the order's crypto currency (the SDK's one money type,
/// [`Amount`](crate::Amount)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payment {
    /// Exactly the amount due: `SUCCESS`.
    Full,
    /// Less than due (more than zero, less than what is still due):
    /// `PARTIAL` (no callback).
    Partial(crate::Amount),
    /// More than due (the whole sum paid, which must exceed what is still
    /// due): `SUCCESS`, with the sum recorded as obtained.
    Overpaid(crate::Amount),
}

/// Whether a payment is confirmed at once or seen first, waiting for
/// confirmations ([`Sandbox::confirm`](super::Sandbox::confirm)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Confirmations {
    /// Confirmed at once.
    Confirmed,
    /// Seen on chain, not yet confirmed: the order stays `PENDING`.
    Waiting,
}

/// Which callback an order's change produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Produces {
    Paid,
    Timeout,
    Nothing,
}

fn find<'s>(state: &'s mut State, order_id: &str) -> Result<&'s mut Order, SandboxError> {
    state
        .orders
        .get_mut(order_id)
        .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))
}

fn invalid_state(order: &Order) -> SandboxError {
    SandboxError::InvalidState {
        order_id: order.order_id.clone(),
        status: order.status.clone(),
    }
}

impl Shared {
    /// Runs `change` on the order under the lock, mirrors the status on its
    /// transaction, credits the merchant when it becomes paid, and sends
    /// the callback it produces.
    fn change(
        self: &Arc<Self>,
        order_id: &str,
        change: impl FnOnce(&mut Order, &Shared) -> Result<Produces, SandboxError>,
    ) -> Result<OrderStatus, SandboxError> {
        self.expire_due();
        let (order, produces) = {
            let mut state = self.lock();
            let order = find(&mut state, order_id)?;
            let was_paid = order.status.is_paid();
            let produces = change(order, self)?;
            order.update_time = self.now();
            let order = order.clone();
            if let Some(tx) = state
                .transactions
                .iter_mut()
                .find(|t| t.tx_id == order.tx_id)
            {
                tx.status = order.status.clone();
                tx.obtained = order.obtained;
                tx.tx_hash.clone_from(&order.tx_hash);
            }
            if order.status.is_paid() && !was_paid {
                credit(&mut state, &order);
            }
            (order, produces)
        };
        match produces {
            Produces::Paid => self.deliver(&order, true),
            Produces::Timeout => self.deliver(&order, false),
            Produces::Nothing => {}
        }
        Ok(order.status)
    }

    /// Pays an order as the customer would. An open order becomes
    /// `SUCCESS` or `PARTIAL` (or, while the payment waits for
    /// confirmations, stays `PENDING`); an expired one stays `OVERDUE`
    /// with the payment recorded (a late payment, for the merchant to
    /// resolve).
    pub fn pay(
        self: &Arc<Self>,
        order_id: &str,
        payment: Payment,
        confirmations: Confirmations,
    ) -> Result<OrderStatus, SandboxError> {
        let hash = self.hex(64);
        self.change(order_id, |order, _| {
            let late = order.status == OrderStatus::Overdue;
            if !order.is_open() && !late {
                return Err(invalid_state(order));
            }
            let already = order
                .obtained
                .unwrap_or_default()
                .checked_add(order.unconfirmed)
                .unwrap_or(Decimal::MAX);
            let due = order.amount.checked_sub(already).unwrap_or_default();
            let invalid = |reason: String| SandboxError::InvalidPayment {
                order_id: order.order_id.clone(),
                reason,
            };
            let received = match payment {
                Payment::Full => due,
                Payment::Partial(amount) => {
                    let amount = amount.decimal();
                    if amount <= Decimal::ZERO || amount >= due {
                        return Err(invalid(format!(
                            "a partial payment must be positive and less than the {due} due"
                        )));
                    }
                    amount
                }
                Payment::Overpaid(amount) => {
                    let amount = amount.decimal();
                    if amount <= due {
                        return Err(invalid(format!("an overpayment must exceed the {due} due")));
                    }
                    amount
                }
            };
            if received <= Decimal::ZERO {
                return Err(invalid("nothing is due".to_owned()));
            }
            order.tx_hash = Some(hash);
            match confirmations {
                Confirmations::Waiting => {
                    order.unconfirmed = order
                        .unconfirmed
                        .checked_add(received)
                        .ok_or_else(|| invalid("amount out of range".to_owned()))?;
                    Ok(Produces::Nothing)
                }
                Confirmations::Confirmed => {
                    let total = order
                        .obtained
                        .unwrap_or_default()
                        .checked_add(received)
                        .ok_or_else(|| invalid("amount out of range".to_owned()))?;
                    order.obtained = Some(total);
                    Ok(settle_payment(order, late))
                }
            }
        })
    }

    /// Confirms the payments an order has seen: it becomes `SUCCESS` or
    /// `PARTIAL` (or stays `OVERDUE` if it expired meanwhile).
    pub fn confirm(self: &Arc<Self>, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.change(order_id, |order, _| {
            if order.unconfirmed <= Decimal::ZERO {
                return Err(invalid_state(order));
            }
            let total = order
                .obtained
                .unwrap_or_default()
                .saturating_add(order.unconfirmed);
            order.obtained = Some(total);
            order.unconfirmed = Decimal::ZERO;
            let late = order.status == OrderStatus::Overdue;
            Ok(settle_payment(order, late))
        })
    }

    /// Lets an open order time out now (`OVERDUE`, timeout callback).
    pub fn expire(self: &Arc<Self>, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.change(order_id, |order, _| {
            if !order.is_open() {
                return Err(invalid_state(order));
            }
            order.status = OrderStatus::Overdue;
            Ok(Produces::Timeout)
        })
    }

    /// The merchant accepts an expired order's underpayment or late
    /// payment: `RESOLVED` (a paid order), paid callback.
    pub fn resolve(self: &Arc<Self>, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.change(order_id, |order, _| {
            let received = order.obtained.unwrap_or_default();
            if order.status != OrderStatus::Overdue || received <= Decimal::ZERO {
                return Err(invalid_state(order));
            }
            order.status = OrderStatus::Resolved;
            Ok(Produces::Paid)
        })
    }

    /// Ends an order that is not paid: `TERMINATED`, timeout callback.
    pub fn terminate(self: &Arc<Self>, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.change(order_id, |order, _| {
            if !order.is_open() && order.status != OrderStatus::Overdue {
                return Err(invalid_state(order));
            }
            order.status = OrderStatus::Terminated;
            Ok(Produces::Timeout)
        })
    }

    /// Times out every open order whose time has come on the sandbox's
    /// clock. Run before every request and control, and by the sweeper.
    pub(crate) fn expire_due(self: &Arc<Self>) {
        let now = self.clock.now();
        let due: Vec<String> = self
            .lock()
            .orders
            .values()
            .filter(|o| o.is_open() && o.expires_at <= now)
            .map(|o| o.order_id.clone())
            .collect();
        for order_id in due {
            // Another caller may have expired or paid it meanwhile.
            let _ = self.change_without_sweep(&order_id);
        }
    }

    fn change_without_sweep(self: &Arc<Self>, order_id: &str) -> Result<(), SandboxError> {
        let order = {
            let mut state = self.lock();
            let now = self.now();
            let order = find(&mut state, order_id)?;
            if !order.is_open() {
                return Ok(());
            }
            order.status = OrderStatus::Overdue;
            order.update_time = now;
            let order = order.clone();
            if let Some(tx) = state
                .transactions
                .iter_mut()
                .find(|t| t.tx_id == order.tx_id)
            {
                tx.status = OrderStatus::Overdue;
            }
            order
        };
        self.deliver(&order, false);
        Ok(())
    }

    /// Makes the API report `status` and/or `amount` for the order from now
    /// on (its transaction too), with no callback: what Aurpay might send
    /// tomorrow, for forward-compatibility and exactness tests.
    pub fn report(
        &self,
        order_id: &str,
        status: Option<OrderStatus>,
        amount: Option<crate::Amount>,
    ) -> Result<(), SandboxError> {
        let now = self.now();
        let mut state = self.lock();
        let order = find(&mut state, order_id)?;
        if let Some(status) = &status {
            order.status = status.clone();
        }
        if let Some(amount) = &amount {
            order.amount = amount.decimal();
            order.amount_form = Some(amount.json_form());
        }
        order.update_time = now;
        let tx_id = order.tx_id.clone();
        if let Some(tx) = state.transactions.iter_mut().find(|t| t.tx_id == tx_id) {
            if let Some(status) = status {
                tx.status = status;
            }
            if let Some(amount) = amount {
                tx.amount = amount.decimal();
                tx.amount_form = Some(amount.json_form());
            }
        }
        Ok(())
    }
}

/// The status a confirmed payment leaves: paid in full (`SUCCESS`, paid
/// callback), in part (`PARTIAL`), or, for an order already expired, still
/// `OVERDUE` (no callback: the merchant resolves it).
fn settle_payment(order: &mut Order, late: bool) -> Produces {
    if late {
        return Produces::Nothing;
    }
    if order.obtained.unwrap_or_default() >= order.amount {
        order.status = OrderStatus::Success;
        Produces::Paid
    } else {
        order.status = OrderStatus::Partial;
        Produces::Nothing
    }
}

/// Credits what a newly paid order brought in: the Lightning balance, or
/// the wallet of its currency (less Aurpay's fee).
fn credit(state: &mut State, order: &Order) {
    let total = order.obtained.unwrap_or(order.amount);
    match order.kind {
        OrderKind::Lightning => state.bln_balance = state.bln_balance.saturating_add(total),
        _ => {
            let entry = state
                .wallets
                .entry(order.currency.clone())
                .or_insert_with(|| (order.chain.clone(), Decimal::ZERO));
            entry.1 = entry.1.saturating_add(total.saturating_sub(order.fee));
        }
    }
}
