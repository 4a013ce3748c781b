//! Every store keeps the same rules: the memory store, SQLite (a file, and
//! in memory) and PostgreSQL (`#[ignore]`d: it needs a server).
//!
//! * The [`Store`] contract itself: compare-and-set, versions, kinds kept
//!   apart, open records paged once each, concurrent writers.
//! * The rules the processor writes over it: links both ways, states only
//!   forward, one claim at a time, a failed effect released, a late
//!   claimer unable to undo the claim that took over.
//! * Leases never shorter than asked: for leases of 1 s (the least),
//!   1.25 s, 2.5 s and 30 s, claimed at 0, 0.1, 0.9 and 0.999999 s into a
//!   second, a second claim 1 µs before the lease ends waits, and at its
//!   end takes over. Time is a [`ManualClock`]: nothing sleeps.

mod support;

use std::sync::Arc;
use std::time::Duration;

use aurpay_api::clock::{Clock, ManualClock};
use aurpay_api::processor::{
    MemoryStore, OrderState, PostgresStore, Processed, Processor, RecordKind, SqliteStore, Store,
    Transition, Write,
};
use aurpay_api::{Client, OrderStatus};
use tokio::sync::oneshot;

/// The statuses that make each state.
fn status(state: &OrderState) -> OrderStatus {
    match state {
        OrderState::AwaitingPayment => OrderStatus::Pending,
        OrderState::PartiallyPaid => OrderStatus::Partial,
        OrderState::Paid => OrderStatus::Success,
        OrderState::Expired => OrderStatus::Overdue,
        OrderState::Refunded => OrderStatus::Refunded,
        other => panic!("no status for {other:?}"),
    }
}

/// A processor over `store` on a manual clock (no server: `apply` needs
/// none).
fn processor<S: Store>(store: S, clock: &Arc<ManualClock>) -> Arc<Processor<S>> {
    let client = Client::builder()
        .clock(Arc::clone(clock) as Arc<dyn Clock>)
        .build()
        .unwrap();
    Arc::new(Processor::new(client, store))
}

fn clock() -> Arc<ManualClock> {
    ManualClock::starting_at("2030-01-01T00:00:00Z".parse().unwrap())
}

/// A claim whose effect is running and waits to be told how to end.
struct Held {
    finish: oneshot::Sender<bool>,
    done: tokio::task::JoinHandle<Result<Processed, String>>,
}

impl Held {
    /// Ends the effect (`ok`: it succeeded) and answers what apply did.
    async fn end(self, ok: bool) -> Result<Processed, String> {
        self.finish.send(ok).unwrap();
        self.done.await.unwrap()
    }
}

/// Starts applying `to` to `order_id` with an effect that holds the claim
/// until told; returns once the effect runs.
async fn hold<S: Store + 'static>(
    processor: &Arc<Processor<S>>,
    order_id: &str,
    to: OrderState,
) -> Held {
    let (started_tx, started) = oneshot::channel();
    let (finish, finished) = oneshot::channel::<bool>();
    let processor = Arc::clone(processor);
    let order_id = order_id.to_owned();
    let done = tokio::spawn(async move {
        processor
            .apply(&order_id, Some("ref"), &status(&to), move |_| async move {
                started_tx.send(()).unwrap();
                match finished.await {
                    Ok(true) => Ok(()),
                    _ => Err(std::io::Error::other("the effect failed")),
                }
            })
            .await
            .map_err(|e| e.to_string())
    });
    started.await.expect("the effect started");
    Held { finish, done }
}

/// Applies `to` with an effect that succeeds at once.
async fn apply<S: Store>(processor: &Processor<S>, order_id: &str, to: OrderState) -> Processed {
    processor
        .apply(order_id, Some("ref"), &status(&to), |_: Transition| async {
            Ok::<(), std::io::Error>(())
        })
        .await
        .unwrap()
}

fn in_progress(processed: &Processed) -> bool {
    matches!(processed, Processed::InProgress { .. })
}

fn applied_from(processed: &Processed) -> Option<Option<OrderState>> {
    match processed {
        Processed::Applied(transition) => Some(transition.from.clone()),
        _ => None,
    }
}

/// The [`Store`] contract, on its own.
async fn contract(store: &impl Store) {
    let write = |expected, open, value| Write::new(expected, open, value);
    assert_eq!(store.get(RecordKind::Intent, "k").await.unwrap(), None);
    assert!(
        store
            .put(RecordKind::Intent, "k", write(None, true, "1"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .put(RecordKind::Intent, "k", write(None, true, "x"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .put(RecordKind::Intent, "k", write(Some(2), true, "x"))
            .await
            .unwrap()
    );
    let stored = store.get(RecordKind::Intent, "k").await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.open, stored.value.as_str()),
        (1, true, "1")
    );
    assert!(
        store
            .put(RecordKind::Intent, "k", write(Some(1), false, "2"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .put(RecordKind::Intent, "k", write(Some(1), false, "x"))
            .await
            .unwrap()
    );
    let stored = store.get(RecordKind::Intent, "k").await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.open, stored.value.as_str()),
        (2, false, "2")
    );
    // Kinds are kept apart.
    assert_eq!(store.get(RecordKind::Evidence, "k").await.unwrap(), None);
    // Values and keys are kept as they are: quotes, unicode, 64 KiB.
    let key = "ключ-🔑-'\"-".repeat(8);
    let value = format!("{{\"v\":\"{}\",\"q\":\"'\\\"\"}}", "é".repeat(32 * 1024));
    assert!(
        store
            .put(RecordKind::Reference, &key, write(None, false, &value))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get(RecordKind::Reference, &key)
            .await
            .unwrap()
            .unwrap()
            .value,
        value
    );

    // Open records, paged: each open one once, closed ones never.
    let mut expected_open = std::collections::BTreeSet::new();
    for n in 0..23 {
        let key = format!("open-{n:02}");
        let open = n % 3 != 0;
        assert!(
            store
                .put(RecordKind::Intent, &key, write(None, open, "{}"))
                .await
                .unwrap()
        );
        if open {
            expected_open.insert(key);
        }
    }
    // Closing one that was open, opening one that was closed.
    assert!(
        store
            .put(RecordKind::Intent, "open-01", write(Some(1), false, "{}"))
            .await
            .unwrap()
    );
    expected_open.remove("open-01");
    assert!(
        store
            .put(RecordKind::Intent, "open-00", write(Some(1), true, "{}"))
            .await
            .unwrap()
    );
    expected_open.insert("open-00".to_owned());
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let page = store
            .open_records(RecordKind::Intent, after.as_deref(), 4)
            .await
            .unwrap();
        assert!(page.len() <= 4);
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        seen.extend(page.into_iter().map(|(key, stored)| {
            assert!(stored.open);
            key
        }));
    }
    assert_eq!(seen.len(), expected_open.len(), "each once: {seen:?}");
    assert_eq!(
        seen.into_iter().collect::<std::collections::BTreeSet<_>>(),
        expected_open
    );
    assert!(
        store
            .open_records(RecordKind::Evidence, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Of many writers expecting the same version, one wins.
async fn one_writer_wins<S: Store + 'static>(store: Arc<S>) {
    assert!(
        store
            .put(RecordKind::OrderState, "race", Write::new(None, false, "0"))
            .await
            .unwrap()
    );
    for round in 1..=3u64 {
        let writers = (0..16).map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let value = format!("{round}-{n}");
                store
                    .put(
                        RecordKind::OrderState,
                        "race",
                        Write::new(Some(round), false, &value),
                    )
                    .await
                    .unwrap()
            })
        });
        let won = futures_util::future::join_all(writers)
            .await
            .into_iter()
            .filter(|w| *w.as_ref().unwrap())
            .count();
        assert_eq!(won, 1, "round {round}");
        let stored = store
            .get(RecordKind::OrderState, "race")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, round + 1);
    }
}

/// The processor's rules over the store.
async fn rules<S: Store + 'static>(store: S) {
    let clock = clock();
    let processor = processor(store, &clock);

    // Links: a reference names one order, an order has one reference.
    assert!(processor.link("ref-1", "order-1").await.unwrap());
    assert!(
        processor.link("ref-1", "order-1").await.unwrap(),
        "the same link again"
    );
    assert!(!processor.link("ref-1", "order-9").await.unwrap());
    assert!(!processor.link("ref-2", "order-1").await.unwrap());
    assert_eq!(
        processor.order_of("ref-1").await.unwrap().as_deref(),
        Some("order-1")
    );
    assert_eq!(processor.order_of("ref-2").await.unwrap(), None);
    assert_eq!(
        processor.reference_of("order-1").await.unwrap().as_deref(),
        Some("ref-1")
    );
    assert_eq!(processor.reference_of("order-9").await.unwrap(), None);

    // One change at a time: while a claim is held, the same change and a
    // later one wait.
    let held = hold(&processor, "order-1", OrderState::PartiallyPaid).await;
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::PartiallyPaid, false))
    );
    for to in [OrderState::PartiallyPaid, OrderState::Paid] {
        assert!(
            in_progress(&apply(&processor, "order-1", to.clone()).await),
            "{to:?}"
        );
    }
    assert!(applied_from(&held.end(true).await.unwrap()).is_some());
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::PartiallyPaid, true))
    );

    // A failed effect: released, still unapplied, claimable again at once,
    // what was applied before kept.
    let held = hold(&processor, "order-1", OrderState::Paid).await;
    assert!(held.end(false).await.is_err());
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::Paid, false))
    );
    assert_eq!(
        applied_from(&apply(&processor, "order-1", OrderState::Paid).await),
        Some(Some(OrderState::PartiallyPaid))
    );
    // States only move forward.
    for backwards in [
        OrderState::Paid,
        OrderState::PartiallyPaid,
        OrderState::AwaitingPayment,
        OrderState::Expired,
    ] {
        assert_eq!(
            apply(&processor, "order-1", backwards.clone()).await,
            Processed::AlreadyApplied {
                order_id: "order-1".into(),
                state: OrderState::Paid
            },
            "{backwards:?}"
        );
    }
    assert_eq!(
        applied_from(&apply(&processor, "order-1", OrderState::Refunded).await),
        Some(Some(OrderState::Paid))
    );
    // Expired, then paid (an underpayment the merchant resolved).
    apply(&processor, "order-2", OrderState::Expired).await;
    assert_eq!(
        applied_from(&apply(&processor, "order-2", OrderState::Paid).await),
        Some(Some(OrderState::Expired))
    );
    // An unknown status is ignored, never applied.
    let ignored = processor
        .apply(
            "order-3",
            None,
            &OrderStatus::from("CONFIRMING"),
            |_| async { Ok::<(), std::io::Error>(()) },
        )
        .await
        .unwrap();
    assert!(matches!(ignored, Processed::Ignored { .. }));
    assert_eq!(processor.state_of("order-3").await.unwrap(), None);

    // A claimer slower than its lease cannot undo the claim that took over.
    let slow = hold(&processor, "order-4", OrderState::Paid).await;
    clock.advance(Duration::from_secs(61)); // the default lease is 60 s
    assert!(applied_from(&apply(&processor, "order-4", OrderState::Paid).await).is_some());
    assert_eq!(
        processor.state_of("order-4").await.unwrap(),
        Some((OrderState::Paid, true))
    );
    let _ = slow.end(false).await; // its release is not the current claim's
    assert_eq!(
        processor.state_of("order-4").await.unwrap(),
        Some((OrderState::Paid, true))
    );
    assert!(matches!(
        apply(&processor, "order-4", OrderState::Paid).await,
        Processed::AlreadyApplied { .. }
    ));
}

/// Leases never shorter than asked, on the processor's clock.
async fn leases<S: Store + 'static>(store: S) {
    let clock = clock();
    let mut processor = Arc::new(Processor::new(
        Client::builder()
            .clock(Arc::clone(&clock) as Arc<dyn Clock>)
            .build()
            .unwrap(),
        store,
    ));
    let micros = Duration::from_micros;
    let leases = [
        (Duration::from_millis(300), Duration::from_secs(1)), // raised to the least
        (Duration::from_secs(1), Duration::from_secs(1)),
        (Duration::from_millis(1_250), Duration::from_millis(1_250)),
        (Duration::from_millis(2_500), Duration::from_millis(2_500)),
        (Duration::from_secs(30), Duration::from_secs(30)),
        // Nanoseconds round up: never shorter.
        (Duration::new(1, 1), micros(1_000_001)),
    ];
    let offsets = [micros(0), micros(100_000), micros(900_000), micros(999_999)];
    let mut case = 0;
    for (asked, effective) in leases {
        let owned = Arc::try_unwrap(processor).map_err(|_| "shared").unwrap();
        processor = Arc::new(owned.lease(asked));
        for offset in offsets {
            case += 1;
            // To the next whole second, then into it by `offset`.
            let now = clock.now();
            let into_second = now
                .duration_since(&"2030-01-01T00:00:00Z".parse().unwrap())
                .unwrap();
            let to_next = Duration::from_secs(into_second.as_secs() + 5) - into_second;
            clock.advance(to_next + offset);
            let order_id = format!("lease-{case}");
            let first = hold(&processor, &order_id, OrderState::Paid).await;
            clock.advance(effective - micros(1));
            assert!(
                in_progress(&apply(&processor, &order_id, OrderState::Paid).await),
                "lease {asked:?} claimed {offset:?} into a second: taken over 1 µs early"
            );
            clock.advance(micros(1));
            assert!(
                applied_from(&apply(&processor, &order_id, OrderState::Paid).await).is_some(),
                "lease {asked:?} claimed {offset:?} into a second: not taken over at its end"
            );
            let _ = first.end(true).await;
            assert_eq!(
                processor.state_of(&order_id).await.unwrap(),
                Some((OrderState::Paid, true))
            );
        }
    }
}

fn sqlite_path(name: &str) -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("stores-{name}-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_store_keeps_the_rules() {
    contract(&MemoryStore::new()).await;
    one_writer_wins(Arc::new(MemoryStore::new())).await;
    rules(MemoryStore::new()).await;
    leases(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_keeps_the_rules() {
    contract(&SqliteStore::open(sqlite_path("contract")).await.unwrap()).await;
    contract(&SqliteStore::open_in_memory().await.unwrap()).await;
    one_writer_wins(Arc::new(
        SqliteStore::open(sqlite_path("race")).await.unwrap(),
    ))
    .await;
    rules(SqliteStore::open(sqlite_path("rules")).await.unwrap()).await;
    rules(SqliteStore::open_in_memory().await.unwrap()).await;
    leases(SqliteStore::open(sqlite_path("leases")).await.unwrap()).await;
    leases(SqliteStore::open_in_memory().await.unwrap()).await;
}

#[tokio::test]
async fn the_sqlite_store_keeps_its_records_across_a_restart() {
    let path = sqlite_path("restart");
    let clock = clock();
    {
        let processor = processor(SqliteStore::open(&path).await.unwrap(), &clock);
        assert!(processor.link("ref-1", "order-1").await.unwrap());
        apply(&processor, "order-1", OrderState::Paid).await;
    }
    let processor = processor(SqliteStore::open(&path).await.unwrap(), &clock);
    assert_eq!(
        processor.order_of("ref-1").await.unwrap().as_deref(),
        Some("order-1")
    );
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::Paid, true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: AURPAY_TEST_POSTGRES=$(bash .ci/postgres.sh start | tail -n 1)"]
async fn the_postgres_store_keeps_the_rules() {
    let database = support::postgres::fresh_database("store_rules").await;
    let connect = || async { PostgresStore::connect(&database).await.unwrap() };
    contract(&connect().await).await;
    one_writer_wins(Arc::new(connect().await)).await;
    rules(connect().await.with_processor_clock()).await;
    leases(connect().await.with_processor_clock()).await;
    // Durable: a new pool (a restart) sees the same.
    let clock = clock();
    let again = processor(connect().await, &clock);
    assert_eq!(
        again.state_of("order-1").await.unwrap(),
        Some((OrderState::Refunded, true))
    );
    assert_eq!(
        again.order_of("ref-1").await.unwrap().as_deref(),
        Some("order-1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: AURPAY_TEST_POSTGRES=$(bash .ci/postgres.sh start | tail -n 1)"]
async fn postgres_leases_run_on_the_database_clock() {
    let database = support::postgres::fresh_database("store_clock").await;
    let store = PostgresStore::connect(&database).await.unwrap();
    let server_now = store.now().await.unwrap().expect("the server's clock");
    let system_now = aurpay_api::clock::SystemClock.now();
    let apart = server_now
        .duration_since(&system_now)
        .or_else(|| system_now.duration_since(&server_now))
        .unwrap();
    assert!(
        apart < Duration::from_secs(60),
        "{server_now} vs {system_now}"
    );
    // A replica whose clock runs an hour ahead does not take over a claim
    // whose lease (60 s, on the server's clock) still runs.
    let clock = clock();
    let processor = processor(store, &clock);
    let held = hold(&processor, "order-1", OrderState::Paid).await;
    clock.advance(Duration::from_secs(3_600));
    assert!(in_progress(
        &apply(&processor, "order-1", OrderState::Paid).await
    ));
    assert!(applied_from(&held.end(true).await.unwrap()).is_some());
}
