//! Every stage of a crypto payment through the example shop, each produced
//! by the sandbox's HTTP controls (`spec/sandbox.yaml`), as a team in any
//! language would produce it, with time moved on the sandbox's manual
//! clock (`POST /__sandbox/clock/advance`), never slept through.
//!
//! Each scenario checks what the shop shows after the deliveries are over
//! and two more reconciliation passes went by: the right state, fulfilled
//! exactly once for what ends paid and never for what does not, and every
//! refund sent once.

use std::time::Duration;

use aurpay_api::clock::{Clock, ManualClock, SystemClock};
use aurpay_api::sandbox::Sandbox;
use aurpay_api::{Amount, Operation};
use rust_decimal::Decimal;
use serde_json::{Value, json};

mod support;
use support::shop::*;

/// An order expires 30 minutes after it was created (the sandbox's rule,
/// INFERRED for Aurpay); a minute more is well past it.
const PAST_EXPIRY_SECONDS: u64 = 31 * 60;

/// A sandbox whose clock moves only when a control says so, starting
/// `behind` seconds behind the real time. The shop, another process,
/// checks each callback's `Date` against its system clock, as a merchant's
/// server checks Aurpay's; so a test that moves the clock past an order's
/// expiry starts it [`PAST_EXPIRY_SECONDS`] behind, and moving it brings
/// it to the shop's own time.
async fn sandbox(behind: u64) -> Sandbox {
    let behind = SystemClock.now().earlier_by(Duration::from_secs(behind));
    Sandbox::builder()
        .manual_clock(ManualClock::starting_at(behind))
        .start()
        .await
        .unwrap()
}

/// `POST /__sandbox/{path}` over HTTP: the control's envelope.
async fn control_answer(sandbox: &Sandbox, path: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{}/__sandbox/{path}", sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The status a control answers with (`data.status`), after checking it
/// was not refused.
async fn control(sandbox: &Sandbox, path: &str) -> String {
    let answer = control_answer(sandbox, path).await;
    assert_eq!(answer["code"], 0, "{path}: {answer}");
    answer["data"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The shop's order, after the deliveries are over and two more passes.
async fn after_quiet(sandbox: &Sandbox, shop: &ShopProcess, id: &str) -> Value {
    quiet(sandbox, shop, &[]).await;
    order(shop, id).await
}

fn state(seen: &Value) -> (&str, i64) {
    (
        seen["status"].as_str().unwrap_or_default(),
        seen["fulfilled"].as_i64().unwrap_or(-1),
    )
}

/// A payment seen on chain but waiting for confirmations keeps the order
/// PENDING (the shop waits, fulfils nothing); confirmed, it is paid once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_still_confirming_then_confirmed() {
    let sandbox = sandbox(0).await;
    let shop = start_shop(&sandbox, &sqlite_url("confirming"), None).await;
    let created = create(&shop, direct("25")).await;
    let (id, aurpay) = (created["id"].as_str().unwrap(), aurpay_id(&created));

    let status = control(&sandbox, &format!("pay/{aurpay}?confirmations=waiting")).await;
    assert_eq!(status, "PENDING");
    assert_eq!(
        state(&after_quiet(&sandbox, &shop, id).await),
        ("awaiting_payment", 0)
    );

    assert_eq!(
        control(&sandbox, &format!("confirm/{aurpay}")).await,
        "SUCCESS"
    );
    settled(&sandbox, &shop, id, "paid", 1).await;
}

/// Underpaid (PARTIAL), then timed out (`expire`: OVERDUE, the shop sees
/// it expired and fulfils nothing), then the merchant accepts the
/// underpayment (RESOLVED): paid, once. (Expiry by moving the clock is in
/// [`paid_after_expiry`]; here the sandbox keeps the shop's time, so the
/// partial payment, which no callback announces, is found by the shop's
/// reconciliation, whose window allows a minute of skew.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn underpaid_then_expired_then_resolved() {
    let sandbox = sandbox(0).await;
    let shop = start_shop(&sandbox, &sqlite_url("underpaid"), None).await;
    let created = create(&shop, direct("26")).await;
    let (id, aurpay) = (created["id"].as_str().unwrap(), aurpay_id(&created));

    let half = Amount::from(due(&sandbox, &aurpay).await.decimal() / Decimal::TWO);
    let status = control(
        &sandbox,
        &format!("pay/{aurpay}?payment=partial&amount={half}"),
    )
    .await;
    assert_eq!(status, "PARTIAL");
    settled(&sandbox, &shop, id, "partially_paid", 0).await;

    assert_eq!(
        control(&sandbox, &format!("expire/{aurpay}")).await,
        "OVERDUE"
    );
    settled(&sandbox, &shop, id, "expired", 0).await;

    assert_eq!(
        control(&sandbox, &format!("resolve/{aurpay}")).await,
        "RESOLVED"
    );
    settled(&sandbox, &shop, id, "paid", 1).await;
}

/// The clock moved past the order's expiry (OVERDUE and the timeout
/// callback, on the sandbox's clock), then paid in full: it stays OVERDUE (the payment is
/// recorded), so the shop does not fulfil it on its own; the merchant
/// resolves it and it is paid, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_after_expiry() {
    let sandbox = sandbox(PAST_EXPIRY_SECONDS).await;
    let shop = start_shop(&sandbox, &sqlite_url("late"), None).await;
    let created = create(&shop, direct("27")).await;
    let (id, aurpay) = (created["id"].as_str().unwrap(), aurpay_id(&created));

    control(
        &sandbox,
        &format!("clock/advance?seconds={PAST_EXPIRY_SECONDS}"),
    )
    .await;
    settled(&sandbox, &shop, id, "expired", 0).await;

    assert_eq!(control(&sandbox, &format!("pay/{aurpay}")).await, "OVERDUE");
    assert_eq!(
        state(&after_quiet(&sandbox, &shop, id).await),
        ("expired", 0)
    );

    assert_eq!(
        control(&sandbox, &format!("resolve/{aurpay}")).await,
        "RESOLVED"
    );
    settled(&sandbox, &shop, id, "paid", 1).await;
}

/// An unpaid order ended by Aurpay (TERMINATED): expired, never fulfilled,
/// and a payment attempt after it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated() {
    let sandbox = sandbox(0).await;
    let shop = start_shop(&sandbox, &sqlite_url("terminated"), None).await;
    let created = create(&shop, direct("28")).await;
    let (id, aurpay) = (created["id"].as_str().unwrap(), aurpay_id(&created));

    assert_eq!(
        control(&sandbox, &format!("terminate/{aurpay}")).await,
        "TERMINATED"
    );
    settled(&sandbox, &shop, id, "expired", 0).await;

    let refused = control_answer(&sandbox, &format!("pay/{aurpay}")).await;
    assert_ne!(refused["code"], 0, "{refused}");
    assert_eq!(
        state(&after_quiet(&sandbox, &shop, id).await),
        ("expired", 0)
    );
}

/// Paid, then refunded in part (the order stays paid, the refund applied
/// once) and then the rest (REFUNDED): fulfilled once all along, each
/// refund sent once however often the shop is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunded_partly_then_fully() {
    let sandbox = sandbox(0).await;
    let shop = start_shop(&sandbox, &sqlite_url("refunds"), None).await;
    let created = create(&shop, direct("29")).await;
    let (id, aurpay) = (created["id"].as_str().unwrap(), aurpay_id(&created));
    let paid = due(&sandbox, &aurpay).await;
    assert_eq!(control(&sandbox, &format!("pay/{aurpay}")).await, "SUCCESS");
    settled(&sandbox, &shop, id, "paid", 1).await;

    let refunds_before = sandbox.calls(Operation::ORDERS_REFUND);
    let http = reqwest::Client::new();
    let refund = |refund_id: &'static str, amount: Option<Amount>| {
        let mut body =
            json!({"refund_id": refund_id, "address": "TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy"});
        if let Some(amount) = amount {
            body["amount"] = json!(amount.to_string());
        }
        let (http, url) = (http.clone(), format!("{}/orders/{id}/refunds", shop.url));
        async move {
            let answer: Value = http
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer
        }
    };

    let part = Amount::from(paid.decimal() / Decimal::from(4));
    for _ in 0..2 {
        let answer = refund("refund-part", Some(part)).await;
        assert_eq!(answer["status"], "refunded", "{answer}");
    }
    assert_eq!(sandbox.calls(Operation::ORDERS_REFUND), refunds_before + 1);
    assert_eq!(state(&after_quiet(&sandbox, &shop, id).await), ("paid", 1));

    for _ in 0..2 {
        let answer = refund("refund-rest", None).await;
        assert_eq!(answer["status"], "refunded", "{answer}");
    }
    assert_eq!(sandbox.calls(Operation::ORDERS_REFUND), refunds_before + 2);
    settled(&sandbox, &shop, id, "refunded", 1).await;
    let details = sandbox
        .client()
        .unwrap()
        .get_orders_details()
        .order_id(aurpay.as_str())
        .call()
        .await
        .unwrap();
    assert_eq!(details.status, aurpay_api::OrderStatus::Refunded);
}
