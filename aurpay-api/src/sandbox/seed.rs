//! Seeding the spec's examples: every request example of the spec then
//! succeeds against the sandbox.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::model::{OrderKind, Shared};
use super::orders::{NewOrder, create_order};
use super::payments::{Confirmations, Payment};
use crate::generated_operations::EXAMPLE_ORDER_IDS;

/// Seeds what the spec's examples need: each example order id as an order
/// paid in full (in BTC, for 1000 USD, so a documented partial refund
/// fits), and every wallet funded.
pub(crate) fn seed_examples(shared: &Arc<Shared>) {
    for id in EXAMPLE_ORDER_IDS {
        let Ok(order) = create_order(
            shared,
            NewOrder {
                kind: OrderKind::Direct,
                chain: "BTC".into(),
                currency: "BTC".into(),
                vs_price: Decimal::from(1000),
                vs_currency: "USD".into(),
                callback_url: None,
                timeout_callback: None,
                succeed_url: None,
                timeout_url: None,
                post_callback: false,
            },
        ) else {
            continue;
        };
        {
            let mut state = shared.lock();
            if let Some(mut seeded) = state.orders.remove(&order.order_id) {
                (*id).clone_into(&mut seeded.order_id);
                state.orders.insert((*id).to_owned(), seeded);
            }
        }
        // The order was just created open, so paying it cannot fail.
        let _ = shared.pay(id, Payment::Full, Confirmations::Confirmed);
    }
    let mut state = shared.lock();
    for (_, balance) in state.wallets.values_mut() {
        *balance = (*balance).max(Decimal::from(super::EXAMPLE_WALLET_BALANCE));
    }
}
