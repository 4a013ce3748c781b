//! What an order's status means to a shop, and one change of it.

use serde::{Deserialize, Serialize};

use crate::OrderStatus;

/// What an order's status means to a shop.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderState {
    /// Not paid yet (`PENDING`, which also covers a payment seen but still
    /// waiting for confirmations).
    AwaitingPayment,
    /// Part of the amount arrived (`PARTIAL`).
    PartiallyPaid,
    /// Paid (`SUCCESS`, or `RESOLVED`: an underpayment the merchant accepted).
    Paid,
    /// Not paid in time, underpaid, or ended without payment (`OVERDUE`,
    /// `TERMINATED`).
    Expired,
    /// Refunded to the buyer (`REFUNDED`).
    Refunded,
}

impl OrderState {
    /// The state an Aurpay status means; `None` for a status this SDK does
    /// not know (never guessed).
    ///
    /// ```
    /// use aurpay_api::{OrderStatus, processor::OrderState};
    /// assert_eq!(OrderState::of(&OrderStatus::Resolved), Some(OrderState::Paid));
    /// assert_eq!(OrderState::of(&OrderStatus::from("CONFIRMING")), None);
    /// ```
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
    pub(crate) fn rank(&self) -> u8 {
        match self {
            OrderState::AwaitingPayment => 0,
            OrderState::PartiallyPaid => 1,
            OrderState::Expired => 2,
            OrderState::Paid => 3,
            OrderState::Refunded => 4,
        }
    }

    /// `awaiting_payment`, `partially_paid`, `paid`, `expired`, `refunded`:
    /// how the store writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "awaiting_payment",
            OrderState::PartiallyPaid => "partially_paid",
            OrderState::Paid => "paid",
            OrderState::Expired => "expired",
            OrderState::Refunded => "refunded",
        }
    }
}

/// One state change of one order, claimed for its effect.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// Aurpay's order id.
    pub order_id: String,
    /// The merchant's reference (from the signed callback URL or the intent
    /// that created the order), when known.
    pub reference: Option<String>,
    /// The state recorded before, if any.
    pub from: Option<OrderState>,
    /// The new state.
    pub to: OrderState,
}

impl Transition {
    /// `"{order_id}:{state}"`: a key for making an effect outside the
    /// database idempotent.
    ///
    /// ```
    /// # use aurpay_api::processor::{OrderState, Transition};
    /// # fn show(change: &Transition) {
    /// // e.g. "20250207040935220628:paid"
    /// println!("{}", change.key());
    /// # }
    /// ```
    pub fn key(&self) -> String {
        format!("{}:{}", self.order_id, self.to.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_unknown_statuses_map_to_none() {
        for state in [
            OrderState::AwaitingPayment,
            OrderState::PartiallyPaid,
            OrderState::Paid,
            OrderState::Expired,
            OrderState::Refunded,
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(serde_json::from_str::<OrderState>(&json).unwrap(), state);
        }
        assert_eq!(OrderState::of(&OrderStatus::Unknown("NEW".into())), None);
        assert_eq!(
            OrderState::of(&OrderStatus::Terminated),
            Some(OrderState::Expired)
        );
    }
}
