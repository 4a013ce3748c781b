//! The callback processor applies each state change once: against the
//! sandbox, with duplicated, redelivered and reordered callbacks, concurrent
//! deliveries, an effect that fails once, and two replicas on one SQLite
//! file.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aurpay_api::OrderStatus;
use aurpay_api::callback::{CallbackEvent, CallbackUrls, VerifiedCallback};
use aurpay_api::processor::{MemoryStore, OrderState, ProcessError, Processed, Processor};
use aurpay_api::sandbox::{CallbackFault, Payment, Release, Repeat, Sandbox};
use axum::http::StatusCode;

use crate::support::receiver::{Arrival, Receiver};
use crate::support::{self};

/// A shop's effects: how many times each (reference, state) was applied.
#[derive(Default)]
struct Effects {
    applied: Mutex<Vec<(String, OrderState)>>,
}

impl Effects {
    fn count(&self, reference: &str, state: &OrderState) -> usize {
        self.applied
            .lock()
            .unwrap()
            .iter()
            .filter(|(r, s)| r == reference && s == state)
            .count()
    }
}

struct Shop {
    sandbox: Sandbox,
    urls: CallbackUrls,
    processor: Arc<Processor<MemoryStore>>,
    effects: Arc<Effects>,
    /// Records every callback and what it was answered.
    receiver: Receiver,
}

/// A receiver that verifies every callback and hands it to the processor;
/// the effect records what it applied.
async fn shop() -> Shop {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let processor = Arc::new(Processor::new(
        sandbox.client().unwrap(),
        MemoryStore::new(),
    ));
    let effects = Arc::new(Effects::default());
    let (p, e) = (Arc::clone(&processor), Arc::clone(&effects));
    let receiver = Receiver::serve(|base| {
        let urls = CallbackUrls::new(&format!("{base}/cb")).unwrap();
        let verifier = sandbox.callback_verifier().callback_urls(&urls);
        move |arrival: Arrival| {
            let (verifier, processor, effects) = (verifier.clone(), Arc::clone(&p), Arc::clone(&e));
            async move {
                let status = match verifier.verify(&arrival.callback()) {
                    Ok(callback) => process(&processor, &effects, &callback).await,
                    Err(rejection) => rejection.http_status(),
                };
                StatusCode::from_u16(status).unwrap()
            }
        }
    })
    .await;
    let urls = receiver.callback_urls("/cb");
    Shop {
        sandbox,
        urls,
        processor,
        effects,
        receiver,
    }
}

async fn process(
    processor: &Processor<MemoryStore>,
    effects: &Effects,
    callback: &VerifiedCallback,
) -> u16 {
    let outcome = processor
        .process_callback(callback, |change| async move {
            // real time: a slow effect widens the window for concurrent
            // deliveries.
            tokio::time::sleep(Duration::from_millis(30)).await;
            effects
                .applied
                .lock()
                .unwrap()
                .push((change.reference.unwrap_or_default(), change.to));
            Ok::<(), std::io::Error>(())
        })
        .await;
    match outcome {
        Ok(processed) => processed.http_status(),
        Err(error) => error.http_status(),
    }
}

impl Shop {
    /// A direct order whose callbacks carry `reference`, linked to it: its
    /// Aurpay order id.
    async fn order(&self, reference: &str) -> String {
        let client = self.sandbox.client().unwrap();
        let order_id = support::direct_order_for(&client, 40, &self.urls, reference).await;
        self.processor.link(reference, &order_id).await.unwrap();
        order_id
    }

    /// Waits until `done` holds of the effects, woken by each delivery.
    async fn wait_until(&self, what: &str, done: impl Fn(&Effects) -> bool) {
        support::delivered(&self.sandbox, what, |_| done(&self.effects).then_some(())).await;
    }

    /// Waits until the deliveries are over: each callback (order, paid or
    /// timeout) attempted at least as often as `least` says and last
    /// answered 200, so no retry is pending, and every answer is in. What
    /// is checked after this is that nothing more was applied.
    async fn settled(&self, least: &[(&str, bool, usize)]) {
        support::delivered(&self.sandbox, "the deliveries are over", |all| {
            let callbacks: std::collections::BTreeSet<(&str, bool)> =
                all.iter().map(|d| (d.order_id.as_str(), d.paid)).collect();
            let over = callbacks.iter().all(|(order, paid)| {
                let tries: Vec<_> = all
                    .iter()
                    .filter(|d| d.order_id == *order && d.paid == *paid)
                    .collect();
                let wanted = least
                    .iter()
                    .find(|(o, p, _)| o == order && p == paid)
                    .map_or(1, |(_, _, n)| *n);
                tries.len() >= wanted && tries.last().is_some_and(|d| d.status == Some(200))
            });
            let answers = all.iter().filter(|d| d.status.is_some()).count();
            (over
                && least.iter().all(|(o, p, _)| callbacks.contains(&(*o, *p)))
                && self.receiver.seen().len() >= answers)
                .then_some(())
        })
        .await;
    }

    /// What the receiver answered, in order.
    fn answered(&self) -> Vec<u16> {
        self.receiver.seen().iter().map(|s| s.status).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_change_is_applied_once_whatever_the_deliveries() {
    let shop = shop().await;
    let sandbox = &shop.sandbox;

    // Duplicated callback.
    let a = shop.order("cart-a").await;
    sandbox.inject_callback_fault(CallbackFault::Duplicate, Repeat::Once);
    sandbox.pay(&a, Payment::Full).unwrap();
    // Redelivered, twice.
    let b = shop.order("cart-b").await;
    sandbox.pay(&b, Payment::Full).unwrap();
    shop.settled(&[(b.as_str(), true, 1)]).await;
    sandbox.redeliver(&b, CallbackEvent::Paid).unwrap();
    sandbox.redeliver(&b, CallbackEvent::Paid).unwrap();
    // Held and released in reverse: the paid callback after the timeout
    // callback of another order.
    sandbox.hold_callbacks();
    let c = shop.order("cart-c").await;
    let d = shop.order("cart-d").await;
    sandbox.pay(&c, Payment::Full).unwrap();
    sandbox.expire(&d).unwrap();
    sandbox.release_callbacks(Release::Reversed);
    shop.wait_until("every order's change", |effects| {
        ["cart-a", "cart-b", "cart-c"]
            .iter()
            .all(|reference| effects.count(reference, &OrderState::Paid) >= 1)
            && effects.count("cart-d", &OrderState::Expired) >= 1
    })
    .await;
    shop.settled(&[
        (a.as_str(), true, 2),
        (b.as_str(), true, 3),
        (c.as_str(), true, 1),
        (d.as_str(), false, 1),
    ])
    .await;

    let effects = &shop.effects;
    for reference in ["cart-a", "cart-b", "cart-c"] {
        assert_eq!(
            effects.count(reference, &OrderState::Paid),
            1,
            "{reference}"
        );
    }
    assert_eq!(effects.count("cart-d", &OrderState::Expired), 1);
    assert_eq!(effects.count("cart-d", &OrderState::Paid), 0);
    let answered = shop.answered();
    assert!(
        answered.iter().all(|s| *s == 200 || *s == 503),
        "{answered:?}"
    );
}

/// Many deliveries of one callback at once: one applies, the others are
/// told to come back (503) or see it applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deliveries_apply_once() {
    let shop = shop().await;
    let order_id = shop.order("cart-x").await;
    shop.sandbox.pay(&order_id, Payment::Full).unwrap();
    shop.settled(&[(order_id.as_str(), true, 1)]).await;
    let before = shop.effects.count("cart-x", &OrderState::Paid);
    assert_eq!(before, 1);
    // Eight concurrent redeliveries of an already applied change.
    for _ in 0..8 {
        shop.sandbox
            .redeliver(&order_id, CallbackEvent::Paid)
            .unwrap();
    }
    shop.settled(&[(order_id.as_str(), true, 9)]).await;
    assert_eq!(shop.effects.count("cart-x", &OrderState::Paid), 1);

    // Eight concurrent applications of a fresh change, straight to the
    // processor.
    let refund_order = shop.order("cart-y").await;
    shop.sandbox.pay(&refund_order, Payment::Full).unwrap();
    shop.wait_until("cart-y paid", |effects| {
        effects.count("cart-y", &OrderState::Paid) == 1
    })
    .await;
    shop.settled(&[(refund_order.as_str(), true, 1)]).await;
    let applied = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (processor, applied, order) = (
                Arc::clone(&shop.processor),
                Arc::clone(&applied),
                refund_order.clone(),
            );
            tokio::spawn(async move {
                processor
                    .apply(&order, Some("cart-y"), &OrderStatus::Refunded, |_| async {
                        // real time: a slow effect keeps the claim held
                        // while the other seven arrive.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        applied.fetch_add(1, Ordering::SeqCst);
                        Ok::<(), std::io::Error>(())
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(applied.load(Ordering::SeqCst), 1, "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, Processed::Applied(_)))
            .count(),
        1
    );
    assert!(outcomes.iter().all(|o| matches!(
        o,
        Processed::Applied(_) | Processed::InProgress { .. } | Processed::AlreadyApplied { .. }
    )));
}

/// An effect that fails releases the change: the answer makes Aurpay retry,
/// and the retry applies it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_effect_is_retried_not_lost() {
    let shop = shop().await;
    let order_id = shop.order("cart-f").await;
    let order = support::details(&shop.sandbox.client().unwrap(), &order_id).await;
    assert_eq!(order.status, OrderStatus::Pending);
    let failed = shop
        .processor
        .apply(
            &order_id,
            Some("cart-f"),
            &OrderStatus::Success,
            |_| async { Err::<(), _>(std::io::Error::other("warehouse down")) },
        )
        .await
        .unwrap_err();
    assert!(matches!(failed, ProcessError::Effect(_)));
    assert_eq!(failed.http_status(), 503);
    let retried = shop
        .processor
        .apply(
            &order_id,
            Some("cart-f"),
            &OrderStatus::Success,
            |_| async { Ok::<(), std::io::Error>(()) },
        )
        .await
        .unwrap();
    assert!(matches!(retried, Processed::Applied(_)), "{retried:?}");
    // An unknown status is never applied.
    let unknown = shop
        .processor
        .apply(
            &order_id,
            None,
            &OrderStatus::Unknown("CONFIRMING".into()),
            |_| async { Ok::<(), std::io::Error>(()) },
        )
        .await
        .unwrap();
    assert!(matches!(unknown, Processed::Ignored { .. }));
}

/// Two "replicas" (two connections on one SQLite file) applying the same
/// changes concurrently: each change's effect runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_sqlite_file_apply_once() {
    use aurpay_api::processor::SqliteStore;
    let sandbox = Sandbox::builder().start().await.unwrap();
    let path = support::sqlite_path("replicas");
    let mut replicas: Vec<Arc<Processor<SqliteStore>>> = Vec::new();
    for _ in 0..2 {
        replicas.push(Arc::new(Processor::new(
            sandbox.client().unwrap(),
            SqliteStore::open(&path).await.unwrap(),
        )));
    }
    let applied = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for order in 0..10 {
        for status in [OrderStatus::Partial, OrderStatus::Success] {
            for replica in &replicas {
                for _ in 0..2 {
                    let (replica, applied, status) =
                        (Arc::clone(replica), Arc::clone(&applied), status.clone());
                    tasks.push(tokio::spawn(async move {
                        let order_id = format!("order-{order}");
                        // Told "in progress" (503), Aurpay delivers again:
                        // so does this (bounded). Nothing here can be
                        // waited on (the claim ends inside the other
                        // replica's effect), so a short back-off between
                        // these retries of our own call, as Aurpay's.
                        for _ in 0..500 {
                            let applied = Arc::clone(&applied);
                            let processed = replica
                                .apply(&order_id, None, &status, |change| async move {
                                    // real time: a slow effect overlaps the
                                    // other replica's claims.
                                    tokio::time::sleep(Duration::from_millis(5)).await;
                                    applied.lock().unwrap().push(change.key());
                                    Ok::<(), std::io::Error>(())
                                })
                                .await
                                .unwrap();
                            if !matches!(processed, Processed::InProgress { .. }) {
                                return;
                            }
                            // real time: Aurpay's back-off before a retry;
                            // "in progress" announces nothing else.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        panic!("{order_id} stayed in progress");
                    }));
                }
            }
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let applied = applied.lock().unwrap();
    let mut unique = applied.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        applied.len(),
        unique.len(),
        "a change applied twice: {applied:?}"
    );
    // Every order reached paid exactly once.
    for order in 0..10 {
        let key = format!("order-{order}:paid");
        assert_eq!(applied.iter().filter(|k| **k == key).count(), 1, "{key}");
    }
}
