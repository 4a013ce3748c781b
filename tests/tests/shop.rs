//! The example shop (`aurpay-api/examples/shop/`) as a black box: real
//! processes (the `shop` binary of this crate, built from the example),
//! real databases, the sandbox as Aurpay. Every scenario ends with
//! `fulfilled` at most 1 (exactly 1 for the paid ones), checked after the
//! deliveries are over and two more reconciliation passes went by: waits
//! are woken by events (a delivery recorded, a pass done), never a fixed
//! sleep.
//!
//! SQLite scenarios always run; two replicas on one PostgreSQL database
//! are `#[ignore]`d unless a server is there.

use std::time::Duration;

use aurpay_api::callback::CallbackEvent;
use aurpay_api::sandbox::{CallbackFault, Fault, Payment, Release, Repeat, Sandbox};
use aurpay_api::{Amount, Operation};
use serde_json::{Value, json};

mod support;
use support::shop::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_partial_overpaid_and_expired_orders() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("payments"), None).await;

    let hosted = create(
        &shop,
        json!({"price": "20.00", "currency": "USD", "method": "hosted"}),
    )
    .await;
    assert_eq!(hosted["status"], "awaiting_payment");
    assert!(hosted["pay_url"].as_str().unwrap().contains("/#/cashier/"));
    sandbox.pay(&aurpay_id(&hosted), Payment::Full).unwrap();

    let partial = create(&shop, direct("30.00")).await;
    let half = Amount::from(
        due(&sandbox, &aurpay_id(&partial)).await.decimal() / rust_decimal::Decimal::TWO,
    );
    sandbox
        .pay(&aurpay_id(&partial), Payment::Partial(half))
        .unwrap();

    let over = create(&shop, direct("40.00")).await;
    sandbox
        .pay(
            &aurpay_id(&over),
            Payment::Overpaid(Amount::from(
                due(&sandbox, &aurpay_id(&over)).await.decimal() * rust_decimal::Decimal::TWO,
            )),
        )
        .unwrap();

    let lightning = create(
        &shop,
        json!({"price": "5", "currency": "USD", "method": "lightning"}),
    )
    .await;
    sandbox.pay(&aurpay_id(&lightning), Payment::Full).unwrap();

    let expired = create(&shop, direct("50.00")).await;
    sandbox.expire(&aurpay_id(&expired)).unwrap();

    settled(&sandbox, &shop, hosted["id"].as_str().unwrap(), "paid", 1).await;
    settled(
        &sandbox,
        &shop,
        partial["id"].as_str().unwrap(),
        "partially_paid",
        0,
    )
    .await;
    settled(&sandbox, &shop, over["id"].as_str().unwrap(), "paid", 1).await;
    settled(
        &sandbox,
        &shop,
        lightning["id"].as_str().unwrap(),
        "paid",
        1,
    )
    .await;
    settled(
        &sandbox,
        &shop,
        expired["id"].as_str().unwrap(),
        "expired",
        0,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_reordered_dropped_and_delayed_callbacks() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("callbacks"), None).await;

    let duplicated = create(&shop, direct("11")).await;
    sandbox.inject_callback_fault(CallbackFault::Duplicate, Repeat::Once);
    sandbox.pay(&aurpay_id(&duplicated), Payment::Full).unwrap();
    settled(
        &sandbox,
        &shop,
        duplicated["id"].as_str().unwrap(),
        "paid",
        1,
    )
    .await;
    sandbox
        .redeliver(&aurpay_id(&duplicated), CallbackEvent::Paid)
        .unwrap();

    // Reordered: a partial payment's and the full payment's callbacks
    // released newest first.
    let reordered = create(&shop, direct("12")).await;
    let due_now = due(&sandbox, &aurpay_id(&reordered)).await;
    sandbox.hold_callbacks();
    sandbox
        .pay(
            &aurpay_id(&reordered),
            Payment::Partial(Amount::from(due_now.decimal() / rust_decimal::Decimal::TEN)),
        )
        .unwrap();
    sandbox.pay(&aurpay_id(&reordered), Payment::Full).unwrap();
    sandbox.release_callbacks(Release::Reversed);

    // Dropped: only reconciliation can see it.
    let dropped = create(&shop, direct("13")).await;
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::Once);
    sandbox.pay(&aurpay_id(&dropped), Payment::Full).unwrap();

    let delayed = create(&shop, direct("14")).await;
    sandbox.inject_callback_fault(
        CallbackFault::Delay(Duration::from_millis(1500)),
        Repeat::Once,
    );
    sandbox.pay(&aurpay_id(&delayed), Payment::Full).unwrap();

    // The delayed callback is waited for: its attempt, then the checks.
    quiet(&sandbox, &shop, &[(aurpay_id(&delayed).as_str(), 1)]).await;
    for created in [&reordered, &dropped, &delayed, &duplicated] {
        settled(&sandbox, &shop, created["id"].as_str().unwrap(), "paid", 1).await;
    }
}

/// A create call whose answer is lost: `creation_uncertain`, then
/// reconciliation finds the order, and its payment is applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_is_reconciled() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("lost"), None).await;
    sandbox.inject(Operation::GET_PAYMENT_INFO, Fault::Reset, Repeat::Once);
    let created = create(&shop, direct("77.70")).await;
    assert_eq!(created["status"], "creation_uncertain", "{created}");
    assert!(created["aurpay_order_id"].is_null());
    let id = created["id"].as_str().unwrap().to_owned();
    let resolved = wait_for(&sandbox, &shop, &id, |o| o["aurpay_order_id"].is_string()).await;
    assert_eq!(resolved["status"], "awaiting_payment");
    let aurpay_order_id = resolved["aurpay_order_id"].as_str().unwrap().to_owned();
    sandbox.pay(&aurpay_order_id, Payment::Full).unwrap();
    settled(&sandbox, &shop, &id, "paid", 1).await;
}

/// A shop killed while callbacks are in flight and started again on the
/// same database: nothing lost, nothing applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_shop_restarts_without_losing_or_repeating() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let database = sqlite_url("restart");
    let first = start_shop(&sandbox, &database, None).await;
    let public = first.url.clone();
    let mut created = Vec::new();
    for price in ["21", "22", "23", "24"] {
        created.push(create(&first, direct(price)).await);
    }
    for order in &created {
        sandbox.pay(&aurpay_id(order), Payment::Full).unwrap();
    }
    // Killed at once, mid-delivery; the sandbox keeps retrying.
    drop(first);
    // Same address, so the callback URLs Aurpay holds still reach it (the
    // port was just freed: the shop binds it again).
    let addr = public.trim_start_matches("http://").to_owned();
    let second = start_on(&sandbox, &database, &addr, None).await;
    assert_eq!(second.url, public);
    for order in &created {
        settled(&sandbox, &second, order["id"].as_str().unwrap(), "paid", 1).await;
    }
}

/// Two replicas on one PostgreSQL database behind one public URL: the same
/// signed callbacks delivered to both at once, repeatedly; each order is
/// fulfilled exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: AURPAY_TEST_POSTGRES=$(bash .ci/postgres.sh start | tail -n 1)"]
async fn two_replicas_on_one_postgres() {
    let database = aurpay_tests::postgres::fresh_database("shop").await;

    let sandbox = Sandbox::builder().start().await.unwrap();
    // Aurpay's callbacks are dropped: the test delivers them itself, to
    // both replicas, as a load balancer would spread Aurpay's retries.
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    let a = start_shop(&sandbox, &database, Some("https://shop.example")).await;
    let b = start_shop(&sandbox, &database, Some("https://shop.example")).await;
    let signer = sandbox.callback_signer();
    let urls =
        aurpay_api::callback::CallbackUrls::new("https://shop.example/aurpay/callback").unwrap();
    let mut created = Vec::new();
    for (n, price) in ["31", "32", "33", "34", "35", "36"].into_iter().enumerate() {
        let shop = if n % 2 == 0 { &a } else { &b };
        created.push(create(shop, direct(price)).await);
    }
    for order in &created {
        sandbox.pay(&aurpay_id(order), Payment::Full).unwrap();
    }
    let http = reqwest::Client::new();
    let mut deliveries = Vec::new();
    for order in &created {
        let signed = urls.paid(order["id"].as_str().unwrap()).unwrap();
        let path = signed
            .strip_prefix("https://shop.example")
            .unwrap()
            .to_owned();
        for replica in [&a, &b, &a, &b] {
            let (http, headers, target) = (
                http.clone(),
                signer.headers(
                    &signed,
                    &aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock),
                ),
                format!("{}{path}", replica.url),
            );
            deliveries.push(tokio::spawn(async move {
                // Like Aurpay: again until answered 200 (bounded).
                for _ in 0..100 {
                    let answer = http.get(&target).headers(headers.clone()).send().await;
                    if answer.is_ok_and(|r| r.status() == 200) {
                        return;
                    }
                    // real time: Aurpay's back-off; a replica that
                    // answered "in progress" announces nothing else.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                panic!("{target} never answered 200");
            }));
        }
    }
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    for order in &created {
        let id = order["id"].as_str().unwrap();
        settled(&sandbox, &a, id, "paid", 1).await;
        assert_eq!(self::order(&b, id).await["fulfilled"], 1);
    }
}

/// An underpaid order times out (OVERDUE), then the merchant accepts the
/// underpayment (RESOLVED): the shop sees it paid, once, through
/// reconciliation (Aurpay sends no callback for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_order_the_merchant_resolves_is_paid() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("resolved"), None).await;
    let created = create(&shop, direct("15")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    sandbox.expire(&aurpay_id(&created)).unwrap();
    settled(&sandbox, &shop, &id, "expired", 0).await;
    sandbox
        .report_status(&aurpay_id(&created), aurpay_api::OrderStatus::Resolved)
        .unwrap();
    settled(&sandbox, &shop, &id, "paid", 1).await;
}

/// A refund whose answer is lost: `uncertain`, then reconciliation finds
/// it among the transactions; asked again under the same refund id,
/// nothing more is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_is_sent_once_and_its_lost_answer_reconciled() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("refund"), None).await;
    let created = create(&shop, direct("60")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    sandbox.pay(&aurpay_id(&created), Payment::Full).unwrap();
    settled(&sandbox, &shop, &id, "paid", 1).await;
    let refunds_before = sandbox.calls(Operation::ORDERS_REFUND);
    sandbox.inject(
        Operation::ORDERS_REFUND,
        Fault::DropConnection,
        Repeat::Once,
    );
    let http = reqwest::Client::new();
    let refund = json!({"refund_id": "refund-1", "address": "TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy"});
    let mut answers = Vec::new();
    for _ in 0..3 {
        let answer: Value = http
            .post(format!("{}/orders/{id}/refunds", shop.url))
            .json(&refund)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answers.push(answer["status"].clone());
    }
    assert_eq!(answers, vec![json!("uncertain"); 3]);
    assert_eq!(
        sandbox.calls(Operation::ORDERS_REFUND),
        refunds_before + 1,
        "sent once"
    );
    let refunded = tokio::time::timeout(PATIENCE, async {
        loop {
            let seen: Value = reqwest::get(format!("{}/refunds/refund-1", shop.url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if seen["status"] != "uncertain" {
                return seen;
            }
            let mut passes = shop.passes.clone();
            passes.mark_unchanged();
            passes.changed().await.unwrap();
        }
    })
    .await
    .expect("the refund settled");
    assert_eq!(refunded["status"], "refunded", "{refunded}");
    assert!(refunded["transaction"].is_string(), "{refunded}");
    assert_eq!(
        sandbox.calls(Operation::ORDERS_REFUND),
        refunds_before + 1,
        "still once"
    );
}
