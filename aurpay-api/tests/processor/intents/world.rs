//! The world each intent case runs in (a sandbox on a manual clock, a
//! client, a processor over a memory store), and the six calls that move
//! money.

use std::collections::BTreeSet;
use std::sync::Arc;

use aurpay_api::clock::ManualClock;
use aurpay_api::processor::{IntentStatus, MemoryStore, Processor};
use aurpay_api::sandbox::{Fault, Repeat, Sandbox};
use aurpay_api::{
    Amount, Client, Credentials, ListedOrder, ListedTransaction, Operation, Timestamp, reconcile,
    types,
};
use futures_util::TryStreamExt;

use super::CLIENT_TIMEOUT;
use crate::support;

#[derive(Clone, Copy, Debug)]
pub(super) enum Money {
    PaymentUrl,
    PaymentInfo,
    LightningOrder,
    Refund,
    Withdraw,
    LightningWithdraw,
}

pub(super) const ALL: [Money; 6] = [
    Money::PaymentUrl,
    Money::PaymentInfo,
    Money::LightningOrder,
    Money::Refund,
    Money::Withdraw,
    Money::LightningWithdraw,
];

impl Money {
    pub(super) fn operation(self) -> &'static Operation {
        match self {
            Money::PaymentUrl => Operation::GET_PAYMENT_URL,
            Money::PaymentInfo => Operation::GET_PAYMENT_INFO,
            Money::LightningOrder => Operation::CREATE_BLN_ORDER,
            Money::Refund => Operation::ORDERS_REFUND,
            Money::Withdraw => Operation::WITHDRAW_BALANCE,
            Money::LightningWithdraw => Operation::CREATE_BLN_WITHDRAW,
        }
    }

    pub(super) fn makes_orders(self) -> bool {
        matches!(
            self,
            Money::PaymentUrl | Money::PaymentInfo | Money::LightningOrder
        )
    }
}

/// A sandbox on a manual clock, a client on it with a short timeout, a
/// processor over a memory store, and what the refunds need (a paid order).
pub(super) struct World {
    pub(super) sandbox: Sandbox,
    pub(super) clock: Arc<ManualClock>,
    /// For the money calls: times out after [`CLIENT_TIMEOUT`].
    pub(super) client: Client,
    /// For the reads: times out only after [`support::PATIENCE`].
    reads: Client,
    pub(super) processor: Processor<MemoryStore>,
    paid_order: String,
    /// Calls of each money operation the set-up made.
    set_up_calls: Vec<u32>,
}

pub(super) async fn world() -> World {
    let clock = ManualClock::starting_now();
    let sandbox = Sandbox::builder()
        .examples() // funds the wallets
        .manual_clock(Arc::clone(&clock))
        .start()
        .await
        .unwrap();
    let client_with = |timeout| {
        Client::builder()
            .base_url(sandbox.base_url())
            .credentials(Credentials::api_key(sandbox.config().api_key.as_str()).unwrap())
            .clock(sandbox.clock())
            .timeout(timeout)
            // Back-off sleeps on the clock, and only the test moves it: a
            // retry would wait for ever. A failed read fails the test
            // instead.
            .retry_policy(aurpay_api::RetryPolicy::none())
            .build()
            .unwrap()
    };
    // The money calls time out early (a slow fault is waited out in
    // CLIENT_TIMEOUT); the reads no fault touches (the test's listings, the
    // journal's reconciliation) wait as long as a loaded machine needs.
    let client = client_with(CLIENT_TIMEOUT);
    let reads = client_with(support::PATIENCE);
    let paid_order = support::paid_order(&sandbox, 1_000).await;
    let processor = Processor::new(reads.clone(), MemoryStore::new());
    let set_up_calls = ALL.iter().map(|m| sandbox.calls(m.operation())).collect();
    World {
        sandbox,
        clock,
        client,
        reads,
        processor,
        paid_order,
        set_up_calls,
    }
}

impl World {
    /// Submits `money` under `reference`; calls alike in `variant` cannot
    /// be told apart by what they make, calls of different variants can.
    pub(super) async fn submit(
        &self,
        money: Money,
        reference: &str,
        variant: u32,
    ) -> (IntentStatus, Option<String>) {
        let p = &self.processor;
        let c = &self.client;
        let price = Amount::from(i64::from(10 + variant));
        // Refunds and withdrawals: a small amount, distinct per variant.
        let small: Amount = format!("0.0000{}", 10 + variant).parse().unwrap();
        macro_rules! submit {
            ($call:expr) => {{
                let intent = p.submit(reference, $call).await.expect("submit");
                (intent.status, intent.evidence)
            }};
        }
        match money {
            Money::PaymentUrl => submit!(
                c.get_payment_url().body(
                    types::PaymentUrlRequest::builder()
                        .price(price)
                        .currency("USD")
                )
            ),
            Money::PaymentInfo => submit!(
                c.get_payment_info().body(
                    types::PaymentInfoRequest::builder()
                        .chain("TRX")
                        .currency("USDT-TRC20")
                        .vs_currency("USD")
                        .vs_price(price)
                )
            ),
            Money::LightningOrder => submit!(
                c.create_bln_order().body(
                    types::BlnOrderRequest::builder()
                        .price(price)
                        .currency("USD")
                )
            ),
            Money::Refund => submit!(
                c.orders_refund().order_id(&self.paid_order).body(
                    types::RefundRequest::builder()
                        .address("bc1qrefundxyz0000000000000000000000000000")
                        .amount(small)
                )
            ),
            Money::Withdraw => submit!(
                c.withdraw_balance().body(
                    types::WithdrawRequest::builder()
                        .chain("TRX")
                        .currency("USDT-TRC20")
                        .amount(small)
                        .address("TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy")
                )
            ),
            Money::LightningWithdraw => submit!(
                c.create_bln_withdraw().body(
                    types::BlnWithdrawRequest::builder()
                        .ln_invoices(format!("lntb1invoice{variant}"))
                        .amount(small)
                )
            ),
        }
    }

    /// The ids of what `money` makes that Aurpay lists now.
    pub(super) async fn listed(&self, money: Money) -> BTreeSet<String> {
        if money.makes_orders() {
            let orders: Vec<_> = self
                .reads
                .get_orders()
                .items(50)
                .try_collect()
                .await
                .unwrap();
            orders.iter().map(|o| o.order_id().to_owned()).collect()
        } else {
            let txs: Vec<_> = self
                .reads
                .get_transaction()
                .items(50)
                .try_collect()
                .await
                .unwrap();
            txs.iter().map(|t| t.tx_id().to_owned()).collect()
        }
    }

    /// One reconciliation pass, with no effect of its own: the intents it
    /// settled.
    pub(super) async fn reconcile(&self) -> Vec<(String, IntentStatus, Option<String>)> {
        let since: Timestamp = "2024-01-01T00:00:00".parse().unwrap();
        let report = self
            .processor
            .reconcile(
                reconcile::changed_since(self.reads.get_orders(), since),
                |_| async { Ok::<(), std::io::Error>(()) },
            )
            .await
            .expect("a reconciliation pass");
        report
            .intents
            .into_iter()
            .map(|i| (i.reference, i.status, i.evidence))
            .collect()
    }

    /// What `money` made that Aurpay lists now and did not list `before`.
    pub(super) async fn made_since(&self, money: Money, before: &BTreeSet<String>) -> Vec<String> {
        let now = self.listed(money).await;
        now.difference(before).cloned().collect()
    }

    /// Submits `money` (variant 0) under `reference` with `fault` injected
    /// for its one request: the intent's status.
    pub(super) async fn submit_through(
        &self,
        money: Money,
        reference: &str,
        fault: Fault,
    ) -> IntentStatus {
        self.sandbox.inject(money.operation(), fault, Repeat::Once);
        self.submit(money, reference, 0).await.0
    }

    /// The intent recorded under `reference`.
    pub(super) async fn intent(&self, reference: &str) -> aurpay_api::processor::Intent {
        self.processor
            .intent(reference)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no intent {reference}"))
    }

    /// The calls of `money` the test made (not the set-up).
    pub(super) fn calls(&self, money: Money) -> u32 {
        let index = ALL
            .iter()
            .position(|m| m.operation() == money.operation())
            .unwrap();
        self.sandbox.calls(money.operation()) - self.set_up_calls[index]
    }
}
