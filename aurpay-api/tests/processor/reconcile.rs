//! Reconciliation against the sandbox: a pass over pages that shift while
//! it walks them, its cutoff and limit, a missed callback applied once
//! (with the effect anywhere, and in the store's transaction), and the
//! error helpers a merchant's loop decides by. (Money calls whose outcome
//! is unknown are settled by the same passes: `intents.rs`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aurpay_api::clock::{Clock, SystemClock};
use aurpay_api::processor::{OrderState, Processed, Processor, SqliteStore};
use aurpay_api::reconcile::{self, Stop};
use aurpay_api::sandbox::{CallbackFault, Fault, Payment, Repeat, Sandbox};
use aurpay_api::{ListedOrder, Operation, OrderStatus, Timestamp};

use crate::support::{self, direct_order as create_order};

/// The wall clock's time now.
fn now() -> Timestamp {
    SystemClock.now()
}

/// New orders created while a pass walks the pages push the others down:
/// the pass yields each order once and misses none.
#[tokio::test]
async fn a_pass_yields_each_order_once_while_pages_shift() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let since = now().earlier_by(Duration::from_secs(5));
    let mut created = Vec::new();
    for price in 1..=12 {
        created.push(create_order(&client, price).await);
    }
    let mut pass = reconcile::changed_since(client.get_orders(), since).page_size(5);
    let mut yielded = Vec::new();
    while let Some(order) = pass.next().await.unwrap() {
        yielded.push(order.order_id().to_owned());
        if yielded.len() == 1 {
            // Two new orders mid-pass shift every page by two.
            created.push(create_order(&client, 100).await);
            created.push(create_order(&client, 101).await);
        }
    }
    let mut distinct = yielded.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), yielded.len(), "yielded twice: {yielded:?}");
    for order in &created[..12] {
        assert!(yielded.contains(order), "missed {order}: {yielded:?}");
    }
    assert_eq!(pass.stopped(), Stop::End);
    assert!(pass.next_since() <= now());
}

/// A pass stops at its cutoff (orders created before `since - horizon`)
/// and at its limit, and yields nothing unchanged since `since`.
#[tokio::test]
async fn a_pass_stops_at_its_cutoff_and_its_limit() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    for price in 1..=6 {
        create_order(&client, price).await;
    }
    // Everything was created before a `since` an hour from now.
    let future = now().later_by(Duration::from_secs(3600));
    let mut pass = reconcile::changed_since(client.get_orders(), future.clone())
        .horizon(Duration::from_secs(60));
    assert!(pass.next().await.unwrap().is_none());
    assert_eq!(pass.stopped(), Stop::Cutoff);
    assert_eq!(pass.orders_read(), 0);
    // A wide horizon reads them all and yields none of them.
    let mut pass = reconcile::changed_since(client.get_orders(), future)
        .horizon(Duration::from_secs(7200))
        .page_size(2);
    assert!(pass.next().await.unwrap().is_none());
    assert_eq!((pass.stopped(), pass.orders_read()), (Stop::End, 6));
    // The limit.
    let since = now().earlier_by(Duration::from_secs(60));
    let mut pass = reconcile::changed_since(client.get_orders(), since)
        .max_orders(4)
        .page_size(3);
    let mut count = 0;
    while pass.next().await.unwrap().is_some() {
        count += 1;
    }
    assert_eq!((count, pass.stopped()), (4, Stop::Limit));
}

/// A paid callback that never arrived is applied by reconciliation, once;
/// a second pass and a late callback apply nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_applies_a_missed_callback_once() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let processor = Processor::new(client.clone(), SqliteStore::open_in_memory().await.unwrap());
    let since = now().earlier_by(Duration::from_secs(5));
    let order = create_order(&client, 30).await;
    processor.link("cart-r", &order).await.unwrap();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    sandbox.pay(&order, Payment::Full).unwrap();
    let applied = AtomicUsize::new(0);
    let effect = |change: aurpay_api::processor::Transition| {
        let applied = &applied;
        async move {
            assert_eq!(change.reference.as_deref(), Some("cart-r"));
            if change.to == OrderState::Paid {
                applied.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<(), std::io::Error>(())
        }
    };
    let report = processor
        .reconcile(
            reconcile::changed_since(client.get_orders(), since.clone()),
            effect,
        )
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert_eq!(report.applied[0].to, OrderState::Paid);
    let again = processor
        .reconcile(reconcile::changed_since(client.get_orders(), since), effect)
        .await
        .unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, 1);
    // The late callback: already applied.
    let late = processor
        .apply(&order, Some("cart-r"), &OrderStatus::Success, effect)
        .await
        .unwrap();
    assert!(matches!(late, Processed::AlreadyApplied { .. }));
    assert_eq!(applied.load(Ordering::SeqCst), 1);
}

/// The error helpers answer the decisions a merchant makes.
#[tokio::test]
async fn errors_say_retryable_not_found_and_authentication() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let missing = client
        .get_orders_details()
        .order_id("20990101000000000000")
        .call()
        .await
        .unwrap_err();
    assert!(missing.is_not_found() && !missing.is_retryable() && !missing.is_authentication());
    let wrong_key = sandbox
        .client_with(aurpay_api::Credentials::api_key("not-the-key").unwrap())
        .unwrap()
        .get_orders()
        .call()
        .await
        .unwrap_err();
    assert!(wrong_key.is_authentication() && !wrong_key.is_retryable());
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::HttpStatus(503),
        Repeat::UntilCleared,
    );
    let unavailable = client.get_orders().call().await.unwrap_err();
    assert!(unavailable.is_retryable() && !unavailable.is_not_found());
    sandbox.inject(
        Operation::GET_PAYMENT_INFO,
        Fault::HttpStatus(503),
        Repeat::Once,
    );
    let money = client
        .get_payment_info()
        .body(support::direct_request(5))
        .call()
        .await
        .unwrap_err();
    assert!(
        !money.is_retryable(),
        "a money call after a 5xx must be reconciled first"
    );
}

/// The same missed callback, its effect in the store's transaction: the
/// effect's row commits with the change, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_in_the_transaction_applies_a_missed_callback_once() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let store = SqliteStore::open_in_memory().await.unwrap();
    sqlx::raw_sql("CREATE TABLE paid (reference TEXT NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
    let processor = Processor::new(client.clone(), store);
    let since = now().earlier_by(Duration::from_secs(5));
    let order = create_order(&client, 31).await;
    processor.link("cart-t", &order).await.unwrap();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    sandbox.pay(&order, Payment::Full).unwrap();
    for _ in 0..3 {
        processor
            .reconcile_in_transaction(
                reconcile::changed_since(client.get_orders(), since.clone()),
                |connection, change| {
                    Box::pin(async move {
                        if change.to == OrderState::Paid {
                            sqlx::query("INSERT INTO paid VALUES ($1)")
                                .bind(change.reference)
                                .execute(&mut *connection)
                                .await?;
                        }
                        Ok::<(), sqlx::Error>(())
                    })
                },
            )
            .await
            .unwrap();
    }
    let rows: Vec<(String,)> = sqlx::query_as("SELECT reference FROM paid")
        .fetch_all(processor.store().pool())
        .await
        .unwrap();
    assert_eq!(rows, vec![("cart-t".to_owned(),)]);
    assert_eq!(
        processor.state_of(&order).await.unwrap(),
        Some((OrderState::Paid, true))
    );
}
