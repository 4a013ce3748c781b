//! The intent journal against the sandbox, for each of the six calls that
//! move money: a fault after Aurpay processed the call leaves an unknown
//! outcome that one reconciliation pass links to what Aurpay made, exactly
//! once; a fault before processing is settled "not applied" once its window
//! is well past (the clock moved, not slept); two calls that cannot be told
//! apart are `Ambiguous` until a person settles one. Every money request in
//! these tests is sent exactly once (`Sandbox::calls`).

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aurpay_api::clock::ManualClock;
use aurpay_api::processor::{IntentStatus, MemoryStore, OrderState, Processor, Settlement};
use aurpay_api::sandbox::{Fault, Repeat, Sandbox};
use aurpay_api::{
    Amount, Client, Credentials, ListedOrder, ListedTransaction, Operation, Timestamp, reconcile,
    types,
};
use futures_util::StreamExt;
use futures_util::TryStreamExt;

/// A client timeout far shorter than the slow faults, far longer than any
/// answer on loopback, even with [`AT_ONCE`] cases on two loaded cores.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(3);
/// The timeout of the reads the test and the processor make (listings,
/// reconciliation): no fault is injected into them, so only a loaded
/// machine makes them slow, and that must not fail the test.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the slow faults hold the answer (real time).
const SLOW: Duration = Duration::from_secs(30);
/// How many cases run at once: each has its own sandbox and clients, and
/// the slow ones spend [`CLIENT_TIMEOUT`] waiting.
const AT_ONCE: usize = 6;
/// Past every intent's window and its `settle_after` (default 15 min).
const WELL_PAST: Duration = Duration::from_secs(40 * 60);

#[derive(Clone, Copy, Debug)]
enum Money {
    PaymentUrl,
    PaymentInfo,
    LightningOrder,
    Refund,
    Withdraw,
    LightningWithdraw,
}

const ALL: [Money; 6] = [
    Money::PaymentUrl,
    Money::PaymentInfo,
    Money::LightningOrder,
    Money::Refund,
    Money::Withdraw,
    Money::LightningWithdraw,
];

impl Money {
    fn operation(self) -> &'static Operation {
        match self {
            Money::PaymentUrl => Operation::GET_PAYMENT_URL,
            Money::PaymentInfo => Operation::GET_PAYMENT_INFO,
            Money::LightningOrder => Operation::CREATE_BLN_ORDER,
            Money::Refund => Operation::ORDERS_REFUND,
            Money::Withdraw => Operation::WITHDRAW_BALANCE,
            Money::LightningWithdraw => Operation::CREATE_BLN_WITHDRAW,
        }
    }

    fn makes_orders(self) -> bool {
        matches!(
            self,
            Money::PaymentUrl | Money::PaymentInfo | Money::LightningOrder
        )
    }
}

/// Runs `cases`, [`AT_ONCE`] at a time.
async fn run_all(cases: impl IntoIterator<Item = impl std::future::Future<Output = ()>>) {
    futures_util::stream::iter(cases.into_iter().map(Box::pin))
        .buffer_unordered(AT_ONCE)
        .collect::<Vec<()>>()
        .await;
}

/// A sandbox on a manual clock, a client on it with a short timeout, a
/// processor over a memory store, and what the refunds need (a paid order).
struct World {
    sandbox: Sandbox,
    clock: Arc<ManualClock>,
    client: Client,
    /// The same account with [`READ_TIMEOUT`], for the reads.
    reader: Client,
    processor: Processor<MemoryStore>,
    paid_order: String,
    /// Calls of each money operation the set-up made.
    set_up_calls: Vec<u32>,
}

async fn world() -> World {
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
            // retry would wait for ever. A failed read fails the test instead.
            .retry_policy(aurpay_api::RetryPolicy::none())
            .build()
            .unwrap()
    };
    let client = client_with(CLIENT_TIMEOUT);
    let reader = client_with(READ_TIMEOUT);
    let paid_order = support::paid_order(&sandbox, 1_000).await;
    let processor = Processor::new(reader.clone(), MemoryStore::new());
    let set_up_calls = ALL.iter().map(|m| sandbox.calls(m.operation())).collect();
    World {
        sandbox,
        clock,
        client,
        reader,
        processor,
        paid_order,
        set_up_calls,
    }
}

impl World {
    /// Submits `money` under `reference`; calls alike in `variant` cannot
    /// be told apart by what they make, calls of different variants can.
    async fn submit(
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
    async fn listed(&self, money: Money) -> BTreeSet<String> {
        if money.makes_orders() {
            let orders: Vec<_> = self
                .reader
                .get_orders()
                .items(50)
                .try_collect()
                .await
                .unwrap();
            orders.iter().map(|o| o.order_id().to_owned()).collect()
        } else {
            let txs: Vec<_> = self
                .reader
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
    async fn reconcile(&self) -> Vec<(String, IntentStatus, Option<String>)> {
        let since: Timestamp = "2024-01-01T00:00:00".parse().unwrap();
        let report = self
            .processor
            .reconcile(
                reconcile::changed_since(self.reader.get_orders(), since),
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

    /// The calls of `money` the test made (not the set-up).
    fn calls(&self, money: Money) -> u32 {
        let index = ALL
            .iter()
            .position(|m| m.operation() == money.operation())
            .unwrap();
        self.sandbox.calls(money.operation()) - self.set_up_calls[index]
    }
}

/// Faults that strike after Aurpay processed the call.
fn after_processing() -> Vec<Fault> {
    vec![
        Fault::DropConnection,
        Fault::Reset,
        Fault::Truncated,
        Fault::SlowBody(SLOW),
        Fault::Latency(SLOW),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_after_processing_is_linked_to_what_aurpay_made_once() {
    let cases = ALL.into_iter().flat_map(|money| {
        after_processing()
            .into_iter()
            .enumerate()
            .map(move |(n, fault)| linked_once(money, n, fault))
    });
    run_all(cases).await;
}

async fn linked_once(money: Money, n: usize, fault: Fault) {
    {
        {
            let world = world().await;
            let before = world.listed(money).await;
            world
                .sandbox
                .inject(money.operation(), fault.clone(), Repeat::Once);
            let reference = format!("ref-{money:?}-{n}");
            let (status, _) = world.submit(money, &reference, 0).await;
            assert_eq!(status, IntentStatus::Unknown, "{money:?} {fault:?}");
            assert_eq!(world.calls(money), 1, "{money:?} {fault:?}: sent once");

            let made: Vec<String> = world
                .listed(money)
                .await
                .difference(&before)
                .cloned()
                .collect();
            assert_eq!(
                made.len(),
                1,
                "{money:?} {fault:?}: Aurpay made one thing: {made:?}"
            );
            let settled = world.reconcile().await;
            assert_eq!(
                settled,
                vec![(
                    reference.clone(),
                    IntentStatus::Applied,
                    Some(made[0].clone())
                )],
                "{money:?} {fault:?}"
            );
            let intent = world.processor.intent(&reference).await.unwrap().unwrap();
            assert_eq!(intent.status, IntentStatus::Applied);
            if money.makes_orders() {
                assert_eq!(
                    world
                        .processor
                        .order_of(&reference)
                        .await
                        .unwrap()
                        .as_deref(),
                    Some(made[0].as_str()),
                    "{money:?}: the reference is linked, so the order's callbacks bind"
                );
                assert_eq!(
                    world.processor.state_of(&made[0]).await.unwrap(),
                    Some((OrderState::AwaitingPayment, true)),
                    "{money:?}: its current status was applied"
                );
            }
            // Linked once: later passes and a second submit change nothing
            // and send nothing.
            assert!(world.reconcile().await.is_empty(), "{money:?} {fault:?}");
            let (again, evidence) = world.submit(money, &reference, 0).await;
            assert_eq!(
                (again, evidence),
                (IntentStatus::Applied, Some(made[0].clone()))
            );
            assert_eq!(
                world.calls(money),
                1,
                "{money:?} {fault:?}: still sent once"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_before_processing_is_settled_not_applied_after_its_window() {
    let before_processing = [
        Fault::Stall(SLOW),
        Fault::HttpStatus(503),
        Fault::HtmlError(502),
    ];
    let cases = ALL.into_iter().flat_map(|money| {
        before_processing
            .iter()
            .cloned()
            .enumerate()
            .map(move |(n, fault)| not_applied(money, n, fault))
    });
    run_all(cases).await;
}

async fn not_applied(money: Money, n: usize, fault: Fault) {
    {
        {
            let world = world().await;
            let before = world.listed(money).await;
            world
                .sandbox
                .inject(money.operation(), fault.clone(), Repeat::Once);
            let reference = format!("ref-{money:?}-{n}");
            let (status, _) = world.submit(money, &reference, 0).await;
            assert!(
                matches!(
                    status,
                    IntentStatus::Unknown | IntentStatus::NotApplied { .. }
                ),
                "{money:?} {fault:?}: {status:?}"
            );
            if matches!(fault, Fault::Stall(_)) {
                // Timed out after sending: the client cannot know.
                assert_eq!(status, IntentStatus::Unknown, "{money:?}");
            }
            assert_eq!(world.calls(money), 1, "{money:?} {fault:?}");
            if status == IntentStatus::Unknown {
                // Nothing shows it yet, but it could still appear.
                assert!(world.reconcile().await.is_empty(), "{money:?} {fault:?}");
                assert_eq!(
                    world
                        .processor
                        .intent(&reference)
                        .await
                        .unwrap()
                        .unwrap()
                        .status,
                    IntentStatus::Unknown
                );
                world.sandbox.advance(WELL_PAST);
                let settled = world.reconcile().await;
                assert_eq!(settled.len(), 1, "{money:?} {fault:?}: {settled:?}");
                assert!(
                    matches!(settled[0].1, IntentStatus::NotApplied { .. }),
                    "{money:?} {fault:?}: {settled:?}"
                );
            }
            assert_eq!(
                world.listed(money).await,
                before,
                "{money:?} {fault:?}: nothing made"
            );
            assert_eq!(world.processor.order_of(&reference).await.unwrap(), None);
            assert_eq!(world.calls(money), 1, "{money:?} {fault:?}: sent once");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_calls_alike_are_ambiguous_until_a_person_settles_one() {
    run_all(ALL.into_iter().map(ambiguous_until_settled)).await;
}

async fn ambiguous_until_settled(money: Money) {
    {
        let world = world().await;
        let before = world.listed(money).await;
        // Two alike, one unlike: all three made, none answered.
        world
            .sandbox
            .inject(money.operation(), Fault::DropConnection, Repeat::Times(3));
        let (first, second, other) = ("alike-1", "alike-2", "unlike");
        for (reference, variant) in [(first, 0), (second, 0), (other, 1)] {
            let (status, _) = world.submit(money, reference, variant).await;
            assert_eq!(status, IntentStatus::Unknown, "{money:?} {reference}");
        }
        assert_eq!(world.calls(money), 3);
        let made: BTreeSet<String> = world
            .listed(money)
            .await
            .difference(&before)
            .cloned()
            .collect();
        assert_eq!(made.len(), 3, "{money:?}");

        let settled = world.reconcile().await;
        let status_of = |reference: &str| {
            settled
                .iter()
                .find(|(r, _, _)| r == reference)
                .map(|(_, s, e)| (s.clone(), e.clone()))
        };
        // The unlike one is found and linked; the alike ones are not
        // guessed at.
        let (other_status, other_made) = status_of(other).expect("the unlike call settled");
        assert_eq!(other_status, IntentStatus::Applied, "{money:?}");
        let other_made = other_made.unwrap();
        assert!(made.contains(&other_made));
        let alike: Vec<String> = made
            .iter()
            .filter(|id| **id != other_made)
            .cloned()
            .collect();
        for reference in [first, second] {
            assert_eq!(
                status_of(reference),
                Some((
                    IntentStatus::Ambiguous {
                        candidates: alike.clone()
                    },
                    None
                )),
                "{money:?} {reference}"
            );
        }
        // Reported once: the next pass finds nothing new.
        assert!(world.reconcile().await.is_empty(), "{money:?}");

        // A person decides the first; the second then has one candidate
        // left and no rival.
        let decided = world
            .processor
            .settle(
                first,
                Settlement::Applied {
                    evidence: alike[0].clone(),
                },
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(decided.status, IntentStatus::Applied);
        let settled = world.reconcile().await;
        assert_eq!(
            settled,
            vec![(
                second.to_owned(),
                IntentStatus::Applied,
                Some(alike[1].clone())
            )],
            "{money:?}"
        );
        if money.makes_orders() {
            assert_eq!(
                world
                    .processor
                    .reference_of(&alike[0])
                    .await
                    .unwrap()
                    .as_deref(),
                Some(first)
            );
            assert_eq!(
                world
                    .processor
                    .reference_of(&alike[1])
                    .await
                    .unwrap()
                    .as_deref(),
                Some(second)
            );
        }
        assert_eq!(world.calls(money), 3, "{money:?}: nothing sent again");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_call_is_recorded_and_never_sent_again() {
    run_all(ALL.into_iter().map(answered_once)).await;
}

async fn answered_once(money: Money) {
    {
        let world = world().await;
        let before = world.listed(money).await;
        let (status, evidence) = world.submit(money, "answered", 0).await;
        assert_eq!(status, IntentStatus::Applied, "{money:?}");
        let made: Vec<String> = world
            .listed(money)
            .await
            .difference(&before)
            .cloned()
            .collect();
        assert_eq!(made.len(), 1);
        match money {
            // Where the answer names what it made, the intent says so.
            Money::PaymentInfo | Money::LightningOrder | Money::Withdraw => {
                assert_eq!(evidence.as_deref(), Some(made[0].as_str()), "{money:?}");
            }
            _ => {}
        }
        // A call alike, answered or not, cannot take what this one made.
        world
            .sandbox
            .inject(money.operation(), Fault::Reset, Repeat::Once);
        let (lost, _) = world.submit(money, "lost", 0).await;
        assert_eq!(lost, IntentStatus::Unknown);
        let settled = world.reconcile().await;
        let lost_made: Vec<String> = world
            .listed(money)
            .await
            .difference(&before)
            .filter(|id| **id != made[0])
            .cloned()
            .collect();
        let lost_now = world.processor.intent("lost").await.unwrap().unwrap();
        if evidence.is_some() {
            assert_eq!(
                (lost_now.status, lost_now.evidence),
                (IntentStatus::Applied, Some(lost_made[0].clone())),
                "{money:?}: {settled:?}"
            );
        } else {
            // The answer did not name what it made (a refund, a Lightning
            // withdrawal): the two cannot be told apart, so the lost one
            // is not guessed at, and the answered one stays applied.
            let mut both = vec![made[0].clone(), lost_made[0].clone()];
            both.sort();
            assert_eq!(
                lost_now.status,
                IntentStatus::Ambiguous { candidates: both },
                "{money:?}: {settled:?}"
            );
            let answered = world.processor.intent("answered").await.unwrap().unwrap();
            assert_eq!(answered.status, IntentStatus::Applied, "{money:?}");
        }
        for _ in 0..3 {
            world.submit(money, "answered", 0).await;
        }
        assert_eq!(world.calls(money), 2, "{money:?}: each reference sent once");
    }
}

#[tokio::test]
async fn a_reference_is_checked_before_anything_is_sent() {
    let world = world().await;
    for reference in [String::new(), "x".repeat(129)] {
        let submitted = world
            .processor
            .submit(
                &reference,
                world.client.create_bln_order().body(
                    types::BlnOrderRequest::builder()
                        .price(Amount::from(5))
                        .currency("USD"),
                ),
            )
            .await;
        assert!(submitted.is_err(), "{}", reference.len());
    }
    assert_eq!(world.calls(Money::LightningOrder), 0);
    // ManualClock is the only clock here: nothing in the journal slept.
    let _ = &world.clock;
}
