//! The sandbox's controls over HTTP, as `spec/sandbox.yaml` describes them
//! for other languages: each does what the Rust method does, answers an
//! envelope, and refuses what it does not understand.

use std::time::Duration;

use aurpay_api::callback::CallbackUrls;
use aurpay_api::sandbox::{Sandbox, codes};
use aurpay_api::{Amount, OrderStatus, types};
use serde_json::Value;

use crate::support;

async fn control(sandbox: &Sandbox, method: reqwest::Method, path_and_query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path_and_query}", sandbox.base_url()))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("an envelope"))
}

async fn post(sandbox: &Sandbox, path_and_query: &str) -> Value {
    let (status, envelope) = control(sandbox, reqwest::Method::POST, path_and_query).await;
    assert_eq!(status, 200, "{path_and_query}: {envelope}");
    envelope
}

/// The envelope code of a POST to `path_and_query`.
async fn post_code(sandbox: &Sandbox, path_and_query: &str) -> i64 {
    code(&post(sandbox, path_and_query).await)
}

/// Asserts each POST is refused as a bad request.
async fn assert_bad_requests(sandbox: &Sandbox, paths: &[String]) {
    for bad in paths {
        assert_eq!(post_code(sandbox, bad).await, codes::BAD_REQUEST, "{bad}");
    }
}

fn code(envelope: &Value) -> i64 {
    envelope["code"].as_i64().expect("code")
}

/// A direct order of 40 USD without callbacks: its id.
async fn order(sandbox: &Sandbox) -> String {
    support::direct_order(&sandbox.client().unwrap(), 40).await
}

#[tokio::test]
async fn pay_and_expire_over_http() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let id = order(&sandbox).await;
    let partial = post(
        &sandbox,
        &format!("/__sandbox/pay/{id}?payment=partial&amount=10"),
    )
    .await;
    assert_eq!(
        (code(&partial), partial["data"]["status"].as_str()),
        (0, Some("PARTIAL"))
    );
    let too_much = post(
        &sandbox,
        &format!("/__sandbox/pay/{id}?payment=partial&amount=30"),
    )
    .await;
    assert_eq!(code(&too_much), codes::AMOUNT_OUT_OF_RANGE, "{too_much}");
    let full = post(&sandbox, &format!("/__sandbox/pay/{id}")).await;
    assert_eq!(full["data"]["status"], "SUCCESS");
    let again = post(&sandbox, &format!("/__sandbox/expire/{id}")).await;
    assert_eq!(code(&again), codes::INVALID_STATE, "{again}");
    let unknown = post_code(&sandbox, "/__sandbox/pay/00000000000000000000").await;
    assert_eq!(unknown, codes::ORDER_NOT_FOUND);
    assert_bad_requests(
        &sandbox,
        &[
            format!("/__sandbox/pay/{id}?payment=partial"),
            format!("/__sandbox/pay/{id}?payment=sideways&amount=1"),
            format!("/__sandbox/pay/{id}?amount=ten"),
            format!("/__sandbox/pay/{id}?tip=1"),
        ],
    )
    .await;

    let late = order(&sandbox).await;
    let expired = post(&sandbox, &format!("/__sandbox/expire/{late}")).await;
    assert_eq!(expired["data"]["status"], "OVERDUE");
    let details = support::details(&sandbox.client().unwrap(), &late).await;
    assert_eq!(details.status, OrderStatus::Overdue);
}

#[tokio::test]
async fn faults_over_http() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let injected = post(
        &sandbox,
        "/__sandbox/faults/get_bln_balance?fault=html_error&status=503&times=5",
    )
    .await;
    assert_eq!(injected["data"]["operation_id"], "get_bln_balance");
    let error = client.get_bln_balance().call().await.unwrap_err();
    assert_eq!(error.http_status(), Some(503));
    post(&sandbox, "/__sandbox/faults/clear").await;
    client.get_bln_balance().call().await.unwrap();
    assert_bad_requests(
        &sandbox,
        &[
            "/__sandbox/faults/get_bln_balanse?fault=garbled".into(),
            "/__sandbox/faults/get_bln_balance?fault=meteor".into(),
            "/__sandbox/faults/get_bln_balance?fault=html_error".into(),
            "/__sandbox/faults/get_bln_balance?fault=latency&delay_ms=-1".into(),
        ],
    )
    .await;
    let (status, envelope) = control(&sandbox, reqwest::Method::POST, "/__sandbox/pya/1").await;
    assert_eq!((status, code(&envelope)), (404, codes::NOT_FOUND));
    let (status, _) = control(&sandbox, reqwest::Method::GET, "/__sandbox/faults/clear").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn callbacks_over_http() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    // Nothing listens there: every attempt fails, and is logged.
    let closed = format!("http://{}/cb", support::closed_port().await);
    let urls = CallbackUrls::new(&closed).unwrap();
    post(&sandbox, "/__sandbox/callbacks/fault?fault=drop&times=1").await;
    let id = support::direct_order_for(&sandbox.client().unwrap(), 40, &urls, "x").await;
    post(&sandbox, &format!("/__sandbox/pay/{id}")).await;
    let deliveries = deliveries_over_http(&sandbox).await;
    assert_eq!(deliveries[0]["error"], "dropped", "{deliveries:?}");
    assert_eq!(deliveries[0]["event"], "paid");

    post(&sandbox, "/__sandbox/callbacks/hold").await;
    let redelivered = post_code(
        &sandbox,
        &format!("/__sandbox/callbacks/redeliver/{id}?event=paid"),
    )
    .await;
    assert_eq!(redelivered, 0);
    let missing = post_code(
        &sandbox,
        &format!("/__sandbox/callbacks/redeliver/{id}?event=timeout"),
    )
    .await;
    assert_eq!(missing, codes::ORDER_NOT_FOUND);
    let released = post_code(&sandbox, "/__sandbox/callbacks/release?order=reversed").await;
    assert_eq!(released, 0);
    let sideways = post_code(&sandbox, "/__sandbox/callbacks/release?order=sideways").await;
    assert_eq!(sideways, codes::BAD_REQUEST);
    assert_eq!(post_code(&sandbox, "/__sandbox/callbacks/clear").await, 0);
    // The redelivery was sent (and failed: the receiver is down), and
    // logged: waited for as an attempt, then seen over HTTP.
    support::attempt(&sandbox, "the failed redelivery", |d| {
        d.error.as_deref() != Some("dropped") && d.status.is_none()
    })
    .await;
    let deliveries = deliveries_over_http(&sandbox).await;
    assert!(
        deliveries
            .iter()
            .any(|d| d["error"] != "dropped" && d["status"].is_null()),
        "{deliveries:?}"
    );
}

async fn deliveries_over_http(sandbox: &Sandbox) -> Vec<Value> {
    let (status, envelope) = control(sandbox, reqwest::Method::GET, "/__sandbox/deliveries").await;
    assert_eq!(status, 200);
    envelope["data"].as_array().expect("a list").clone()
}

/// Control parameters outside spec/sandbox.yaml's bounds are refused.
#[tokio::test]
async fn control_parameters_are_bounded() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let id = order(&sandbox).await;
    assert_bad_requests(
        &sandbox,
        &[
            "/__sandbox/faults/get_wallets_list?fault=http_status&status=777".into(),
            "/__sandbox/faults/get_wallets_list?fault=html_error&status=101".into(),
            "/__sandbox/faults/get_wallets_list?fault=html_error&status=302".into(),
            "/__sandbox/faults/get_wallets_list?fault=latency&delay_ms=18446744073709551615".into(),
            "/__sandbox/faults/get_wallets_list?fault=garbled&times=3000000000".into(),
            "/__sandbox/faults/get_wallets_list?fault=code&code=0".into(),
            "/__sandbox/callbacks/fault?fault=delay&delay_ms=60001".into(),
            format!("/__sandbox/pay/{id}?amount=0.00000001"),
            format!("/__sandbox/pay/{id}?payment=partial&amount=1e-5"),
            format!("/__sandbox/pay/{id}?payment=partial&amount=.5"),
        ],
    )
    .await;
}

/// A checkout redirect target that is not a valid header value (control or
/// non-ASCII characters) shows the order's page instead of an empty answer.
#[tokio::test]
async fn the_checkout_page_never_answers_empty() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for target in [
        "http://x/\r\nSet-Cookie: a=b",
        "https://shop.example/caf\u{e9}",
        "HTTP://SHOP.EXAMPLE/ok",
    ] {
        let pay_url = sandbox
            .client()
            .unwrap()
            .get_payment_url()
            .body(
                types::PaymentUrlRequest::builder()
                    .price(Amount::from(10))
                    .currency("USD")
                    .succeed_url(target),
            )
            .call()
            .await
            .unwrap()
            .pay_url;
        let id = pay_url.rsplit('/').next().unwrap().to_owned();
        let answer = client
            .post(format!(
                "{}/__sandbox/checkout/{id}/pay",
                sandbox.base_url()
            ))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("payment=full")
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let location = answer
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap_or_default().to_owned());
        let body = answer.text().await.unwrap();
        if target.starts_with("HTTP://") {
            assert_eq!(
                (status, location.as_deref()),
                (303, Some(target)),
                "{target:?}"
            );
        } else {
            assert_eq!(status, 200, "{target:?}");
            assert!(
                location.is_none() && body.contains("SUCCESS"),
                "{target:?}: {body}"
            );
        }
    }
}

/// `report`: an unknown status and a long amount, as Aurpay might send them;
/// the SDK keeps both exactly, in the order and in its transaction.
#[tokio::test]
async fn report_an_unknown_status_and_a_long_amount_over_http() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let id = order(&sandbox).await;
    let long = "0.1234567890123456789012345";
    let reported = post(
        &sandbox,
        &format!("/__sandbox/report/{id}?status=CONFIRMING&amount={long}"),
    )
    .await;
    assert_eq!(code(&reported), 0, "{reported}");
    let order = support::details(&client, &id).await;
    assert_eq!(order.status, OrderStatus::Unknown("CONFIRMING".into()));
    assert_eq!(order.amount, long.parse::<Amount>().unwrap());
    assert_eq!(order.amount.to_string(), long);
    // The list too (it is read back from the detail: never through f64).
    let listed = client.get_orders().call().await.unwrap();
    let summary = listed.data.iter().find(|o| o.order_id == id).unwrap();
    assert_eq!(summary.amount.to_string(), long);
    assert_eq!(summary.status, OrderStatus::Unknown("CONFIRMING".into()));
    // On the wire: a JSON number with every digit.
    let raw = crate::wire_text(&sandbox, &format!("/api/v2/order/detail/{id}")).await;
    assert!(raw.contains(&format!("\"amount\":{long}")), "{raw}");
    // Refusals: neither parameter, a lower-case status, no such order.
    for (query, expected) in [
        (format!("/__sandbox/report/{id}"), codes::BAD_REQUEST),
        (
            format!("/__sandbox/report/{id}?status=paid"),
            codes::BAD_REQUEST,
        ),
        (
            format!("/__sandbox/report/{id}?amount=1e5"),
            codes::BAD_REQUEST,
        ),
        (
            "/__sandbox/report/00000000000000000000?status=NEW".to_owned(),
            codes::ORDER_NOT_FOUND,
        ),
    ] {
        let (_, envelope) = control(&sandbox, reqwest::Method::POST, &query).await;
        assert_eq!(code(&envelope), expected, "{query}: {envelope}");
    }
}
