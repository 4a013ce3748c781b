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
//!
//! The contract is in `contract`, the rules and leases in `rules`; the
//! tests here run both on each store.

mod contract;
mod rules;

use std::sync::Arc;
use std::time::Duration;

use aurpay_api::clock::{Clock, ManualClock};
use aurpay_api::processor::{
    MemoryStore, OrderState, PostgresStore, Processed, Processor, SqliteStore, Store, Transition,
};
use aurpay_api::{Client, OrderStatus};
use tokio::sync::oneshot;

use crate::support;
use contract::{contract, one_writer_wins};
use rules::{leases, rules};

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

fn sqlite_path(name: &str) -> std::path::PathBuf {
    support::sqlite_path(&format!("stores-{name}"))
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
