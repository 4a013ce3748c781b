//! The sandbox: every operation with each auth scheme, auth failures, each
//! control, GET and POST callbacks with retries after a 500, and each fault.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aurpay_api::callback::{CallbackEvent, CallbackRequest, CallbackUrls};
use aurpay_api::sandbox::{
    CallbackFault, Fault, Payment, Release, Repeat, Sandbox, SandboxConfig, SandboxError,
};
use aurpay_api::{
    Amount, Client, Credentials, ErrorKind, Operation, OrderStatus, Outcome, RetryPolicy,
    SignatureAlgorithm, types,
};
use rust_decimal::Decimal;

async fn direct_order(client: &Client, callback: Option<String>, post: bool) -> types::PaymentInfo {
    client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("TRX")
                .currency("USDT-TRC20")
                .vs_currency("USD")
                .vs_price(Amount::from(40))
                .callback_url(callback.clone())
                .timeout_callback(callback.map(|c| {
                    c.replace("/paid", "/timeout")
                        .replace("event=paid", "event=timeout")
                }))
                .enable_post_callback(Some(post)),
        )
        .call()
        .await
        .unwrap()
}

/// All 16 operations succeed with API key, HMAC-SHA256 and HMAC-SHA3_256.
#[tokio::test]
async fn every_operation_with_each_scheme() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let clients = [
        sandbox.client().unwrap(),
        sandbox
            .signature_client(SignatureAlgorithm::HmacSha256)
            .unwrap(),
        sandbox
            .signature_client(SignatureAlgorithm::HmacSha3_256)
            .unwrap(),
    ];
    for client in &clients {
        let hosted = client
            .get_payment_url()
            .body(
                types::PaymentUrlRequest::builder()
                    .currency("USD")
                    .price(Amount::from(25)),
            )
            .call()
            .await
            .unwrap();
        assert!(hosted.pay_url.contains("/#/cashier/"));

        let order = direct_order(client, None, false).await;
        assert_eq!(order.order_id.len(), 20);
        assert!(order.order_id.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(order.amount.to_string(), "40");
        assert_eq!(
            sandbox.pay(&order.order_id, Payment::Full).unwrap(),
            OrderStatus::Success
        );

        let page = client
            .get_orders()
            .page(1u64)
            .size(50u64)
            .call()
            .await
            .unwrap();
        assert!(page.data.iter().any(|o| o.order_id == order.order_id));
        let details = client
            .get_orders_details()
            .order_id(order.order_id.as_str())
            .call()
            .await
            .unwrap();
        assert_eq!(details.status, OrderStatus::Success);
        let user_id = details.user_id.as_deref().unwrap_or_default();
        assert!(user_id.starts_with("mct-") && user_id.len() == 16);
        let info = client
            .get_orders_refund_info()
            .order_id(order.order_id.as_str())
            .call()
            .await
            .unwrap();
        assert_eq!(info.amount.decimal(), Decimal::from(40));
        let refund = client
            .orders_refund()
            .order_id(order.order_id.as_str())
            .body(types::RefundRequest::builder().address("TPYmHEhy5n8TCEfYGqW2rPxsghSfzghPDn"))
            .call()
            .await
            .unwrap();
        assert_eq!(refund.refund_status, "SUCCESS");
        let transactions = client.get_transaction().call().await.unwrap();
        assert!(transactions.total >= 2);
        assert!(
            !client
                .get_support_crypto_currency_list()
                .call()
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            client
                .get_support_real_currency_list()
                .call()
                .await
                .unwrap()
                .contains(&aurpay_api::FiatCurrency::Usd)
        );
        assert!(!client.get_wallets_list().call().await.unwrap().is_empty());
        assert!(
            !client
                .get_self_custody_wallets()
                .call()
                .await
                .unwrap()
                .is_empty()
        );

        let second = direct_order(client, None, false).await;
        sandbox.pay(&second.order_id, Payment::Full).unwrap();
        let withdraw = client
            .withdraw_balance()
            .body(
                types::WithdrawRequest::builder()
                    .chain("TRX")
                    .currency("USDT-TRC20")
                    .amount(Amount::from(10))
                    .address("TPYmHEhy5n8TCEfYGqW2rPxsghSfzghPDn"),
            )
            .call()
            .await
            .unwrap();
        assert_eq!(withdraw.status.as_deref(), Some("SUCCESS"));

        let before = client
            .get_bln_balance()
            .call()
            .await
            .unwrap()
            .balance
            .decimal();
        let bln = client
            .create_bln_order()
            .body(
                types::BlnOrderRequest::builder()
                    .price(Amount::from(20))
                    .currency("USD"),
            )
            .call()
            .await
            .unwrap();
        assert!(
            bln.payment_request
                .as_deref()
                .unwrap_or_default()
                .starts_with("lntb")
        );
        let paid_out = client
            .create_bln_withdraw()
            .body(
                types::BlnWithdrawRequest::builder()
                    .ln_invoices("lntb1invoice")
                    .amount(Some(Amount::from(Decimal::new(1, 4)))),
            )
            .call()
            .await
            .unwrap();
        assert_eq!(
            paid_out.get("status").and_then(|s| s.as_str()),
            Some("SUCCESS")
        );
        let after = client
            .get_bln_balance()
            .call()
            .await
            .unwrap()
            .balance
            .decimal();
        assert_eq!(before - after, Decimal::new(1, 4));
    }
    let anonymous = Client::builder()
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let config = sandbox.config();
    let key = anonymous
        .get_api_key()
        .body(
            types::ApiKeyRequest::builder()
                .username(config.username.clone())
                .password(config.password.clone()),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(key.access_token, config.api_key);
}

#[tokio::test]
async fn authentication_failures_answer_code_401() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let wrong_key = sandbox
        .client_with(Credentials::api_key("not-the-key").unwrap())
        .unwrap();
    let wrong_secret = sandbox
        .client_with(
            Credentials::signature(
                sandbox.config().api_token.as_str(),
                "wrong",
                SignatureAlgorithm::HmacSha256,
            )
            .unwrap(),
        )
        .unwrap();
    let wrong_token = sandbox
        .client_with(
            Credentials::signature(
                "WRONGTOKEN",
                sandbox.config().api_secret.as_str(),
                SignatureAlgorithm::HmacSha3_256,
            )
            .unwrap(),
        )
        .unwrap();
    for client in [wrong_key, wrong_secret, wrong_token] {
        let error = client.get_orders().call().await.unwrap_err();
        assert!(
            matches!(
                error.kind(),
                ErrorKind::Authentication {
                    code: Some(401),
                    status: 200,
                    ..
                }
            ),
            "{error:?}"
        );
    }
    // No credentials at all, straight over HTTP.
    let raw: serde_json::Value = reqwest::get(format!("{}/api/v2/order/", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["code"], 401);
    // Wrong login.
    let anonymous = Client::builder()
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let error = anonymous
        .get_api_key()
        .body(
            types::ApiKeyRequest::builder()
                .username("x@example.com")
                .password("nope"),
        )
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Api { code: 1006, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn controls_pay_partially_overpay_and_expire() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();

    let order = direct_order(&client, None, false).await;
    assert_eq!(
        sandbox
            .pay(&order.order_id, Payment::Partial(Amount::from(15)))
            .unwrap(),
        OrderStatus::Partial
    );
    assert_eq!(
        sandbox.pay(&order.order_id, Payment::Full).unwrap(),
        OrderStatus::Success
    );
    let details = client
        .get_orders_details()
        .order_id(order.order_id.as_str())
        .call()
        .await
        .unwrap();
    assert_eq!(
        details.obtained.map(|a| a.decimal()),
        Some(Decimal::from(40))
    );

    let over = direct_order(&client, None, false).await;
    assert_eq!(
        sandbox
            .pay(&over.order_id, Payment::Overpaid(Amount::from(45)))
            .unwrap(),
        OrderStatus::Success
    );
    let details = client
        .get_orders_details()
        .order_id(over.order_id.as_str())
        .call()
        .await
        .unwrap();
    assert_eq!(
        details.obtained.map(|a| a.decimal()),
        Some(Decimal::from(45))
    );

    let late = direct_order(&client, None, false).await;
    sandbox.expire(&late.order_id).unwrap();
    let details = client
        .get_orders_details()
        .order_id(late.order_id.as_str())
        .call()
        .await
        .unwrap();
    assert_eq!(details.status, OrderStatus::Overdue);
    // Paid after it expired: the payment is recorded, the order stays
    // OVERDUE until the merchant resolves it.
    assert_eq!(
        sandbox.pay(&late.order_id, Payment::Full).unwrap(),
        OrderStatus::Overdue
    );
    assert_eq!(
        sandbox.resolve(&late.order_id).unwrap(),
        OrderStatus::Resolved
    );
    assert!(matches!(
        sandbox.pay(&late.order_id, Payment::Full),
        Err(SandboxError::InvalidState { .. })
    ));
    assert!(matches!(
        sandbox.expire("00000000000000000000"),
        Err(SandboxError::UnknownOrder(_))
    ));

    let unknown = client
        .get_orders_details()
        .order_id("00000000000000000000")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(
            unknown.kind(),
            ErrorKind::Api {
                code: aurpay_api::sandbox::codes::ORDER_NOT_FOUND,
                ..
            }
        ),
        "{unknown:?}"
    );
    // Refunding an unpaid order is refused.
    let pending = direct_order(&client, None, false).await;
    let error = client
        .orders_refund()
        .order_id(pending.order_id.as_str())
        .body(types::RefundRequest::builder().address("T"))
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Api { code: 1002, .. }),
        "{error:?}"
    );
    assert!(sandbox.wallet_balance("USDT-TRC20") > Amount::from(0));
}

/// (method, path and query, body, headers) of one request a receiver got.
type Seen = (String, String, Vec<u8>, axum::http::HeaderMap);

/// A receiver that answers 500 to the first request of each path, then 200,
/// and records what it got.
async fn flaky_receiver() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = Arc::clone(&seen);
    let handler = move |request: axum::extract::Request| {
        let record = Arc::clone(&record);
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap().to_vec();
            let uri = parts.uri.to_string();
            let mut seen = record.lock().unwrap();
            let first = !seen.iter().any(|(_, u, _, _)| *u == uri);
            seen.push((parts.method.to_string(), uri, body, parts.headers));
            if first {
                axum::http::StatusCode::INTERNAL_SERVER_ERROR
            } else {
                axum::http::StatusCode::OK
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(handler))
            .await
            .ok()
    });
    (base, seen)
}

#[tokio::test]
async fn get_and_post_callbacks_are_signed_and_retried_after_a_500() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (receiver, seen) = flaky_receiver().await;
    let urls = CallbackUrls::new(&format!("{receiver}/aurpay/callback")).unwrap();

    let get_order = direct_order(&client, Some(urls.paid("get-1").unwrap()), false).await;
    let post_order = direct_order(&client, Some(urls.paid("post-1").unwrap()), true).await;
    let timeout_order = direct_order(&client, Some(urls.paid("timeout-1").unwrap()), false).await;
    sandbox.pay(&get_order.order_id, Payment::Full).unwrap();
    sandbox.pay(&post_order.order_id, Payment::Full).unwrap();
    sandbox.expire(&timeout_order.order_id).unwrap();
    for order in [&get_order, &post_order, &timeout_order] {
        let delivered = sandbox
            .wait_for_attempt(Duration::from_secs(10), |d| {
                d.order_id == order.order_id && d.status == Some(200)
            })
            .await;
        assert!(
            delivered.is_some(),
            "{} not delivered: {:?}",
            order.order_id,
            sandbox.deliveries()
        );
    }
    let deliveries = sandbox.deliveries();
    for order in [&get_order, &post_order, &timeout_order] {
        let attempts: Vec<Option<u16>> = deliveries
            .iter()
            .filter(|d| d.order_id == order.order_id)
            .map(|d| d.status)
            .collect();
        assert_eq!(
            attempts,
            [Some(500), Some(200)],
            "retried once after the 500"
        );
    }

    let verifier = sandbox.callback_verifier().callback_urls(&urls);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6);
    for (method, uri, body, headers) in &seen {
        let url = format!("{receiver}{uri}");
        let callback = verifier
            .verify(&CallbackRequest::new(method, &url, headers, body))
            .unwrap_or_else(|r| panic!("{method} {uri}: {r}"));
        assert_eq!(headers["api-key"], sandbox.config().api_key.as_str());
        if uri.contains("post-1") {
            assert_eq!(method, "POST");
            let unsigned = callback.unsigned_body().unwrap();
            assert_eq!(unsigned.order_id, post_order.order_id);
            assert_eq!(
                unsigned.order.as_ref().map(|o| o.status.clone()),
                Some(OrderStatus::Success)
            );
            let bound = callback.bind(Some(&post_order.order_id)).unwrap();
            assert_eq!(bound.order_id(), post_order.order_id);
        } else if uri.contains("timeout-1") {
            assert_eq!(
                (method.as_str(), callback.event(), callback.reference()),
                ("GET", CallbackEvent::TimedOut, Some("timeout-1"))
            );
        } else {
            assert_eq!(
                (method.as_str(), callback.event(), callback.reference()),
                ("GET", CallbackEvent::Paid, Some("get-1"))
            );
        }
    }
}

/// A timeout no healthy loopback exchange comes near, even on a loaded CI
/// machine that stalls for a moment: a test that expects an answer or a
/// fault's own error never sees a timeout instead.
const STEADY_TIMEOUT: Duration = Duration::from_secs(5);

/// Two attempts, quick backoff, and the given timeout: faults meant to time
/// out are many times longer than it.
fn quick_client(sandbox: &Sandbox, timeout: Duration) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .credentials(Credentials::api_key(sandbox.config().api_key.as_str()).unwrap())
        .timeout(timeout)
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_attempts(2),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn fault_latency() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    sandbox.inject(
        Operation::GET_BLN_BALANCE,
        Fault::Latency(Duration::from_millis(150)),
        Repeat::UntilCleared,
    );
    let started = std::time::Instant::now();
    client.get_bln_balance().call().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    sandbox.inject(
        Operation::GET_BLN_BALANCE,
        Fault::Latency(Duration::from_secs(3)),
        Repeat::UntilCleared,
    );
    let impatient = quick_client(&sandbox, Duration::from_millis(300));
    let error = impatient.get_bln_balance().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Timeout { attempts: 2, .. }),
        "{error:?}"
    );
    sandbox.clear_faults();
    client.get_bln_balance().call().await.unwrap();
}

#[tokio::test]
async fn fault_http_status_and_error_code() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::HttpStatus(503),
        Repeat::UntilCleared,
    );
    let error = client.get_orders().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Api { status: 503, .. }),
        "{error:?}"
    );
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::Code(1234, "maintenance".into()),
        Repeat::UntilCleared,
    );
    let error = client.get_orders().call().await.unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Api { status: 200, code: 1234, message, .. } if message == "maintenance"),
        "{error:?}"
    );
}

/// A dropped connection on a payment leaves its outcome unknown; the order
/// did get created, and listing orders finds it (the documented
/// reconciliation).
#[tokio::test]
async fn fault_dropped_connection() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    sandbox.inject(
        Operation::GET_PAYMENT_INFO,
        Fault::DropConnection,
        Repeat::UntilCleared,
    );
    let body = types::PaymentInfoRequest::builder()
        .chain("ETH")
        .currency("USDT-ERC20")
        .vs_currency("USD")
        .vs_price(Amount::from(5));
    let error = client
        .get_payment_info()
        .body(body)
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost { attempts: 1 })
            && error.outcome() == Outcome::Unknown
            && !support::safe_to_retry(&error),
        "{error:?}"
    );
    let orders = client.get_orders().call().await.unwrap();
    assert_eq!(
        orders.total, 1,
        "the request was processed once, and can be found"
    );

    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::DropConnection,
        Repeat::UntilCleared,
    );
    let error = client.get_orders().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost { attempts: 2 }),
        "{error:?}"
    );
}

fn small_order() -> types::builder::PaymentInfoRequest {
    types::PaymentInfoRequest::builder()
        .chain("ETH")
        .currency("USDT-ERC20")
        .vs_currency("USD")
        .vs_price(Amount::from(5))
}

/// Each fault that strikes after the request was processed leaves a money
/// call's outcome unknown, and the order exists; each that strikes before
/// leaves nothing behind. A read hit by a one-off fault is retried and
/// succeeds.
#[tokio::test]
async fn faults_before_and_after_processing() {
    let after = [
        Fault::Reset,
        Fault::DropConnection,
        Fault::Truncated,
        Fault::Garbled,
        Fault::SlowBody(Duration::from_secs(8)),
    ];
    for fault in after {
        let sandbox = Sandbox::builder().start().await.unwrap();
        // The slow body must outlast the timeout; the order is made before
        // its first half is sent, well within even this shorter timeout.
        let timeout = match fault {
            Fault::SlowBody(_) => Duration::from_secs(2),
            _ => STEADY_TIMEOUT,
        };
        let client = quick_client(&sandbox, timeout);
        sandbox.inject(Operation::GET_PAYMENT_INFO, fault.clone(), Repeat::Once);
        let error = client
            .get_payment_info()
            .body(small_order())
            .call()
            .await
            .unwrap_err();
        assert_eq!(error.outcome(), Outcome::Unknown, "{fault:?}: {error:?}");
        assert!(!support::safe_to_retry(&error), "{fault:?}");
        let orders = client.get_orders().call().await.unwrap();
        assert_eq!(orders.total, 1, "{fault:?}: processed once, findable");
        // Once means once: the next call is answered normally.
        client
            .get_payment_info()
            .body(small_order())
            .call()
            .await
            .unwrap();
    }
    for fault in [Fault::HtmlError(502), Fault::HttpStatus(503)] {
        let sandbox = Sandbox::builder().start().await.unwrap();
        let client = quick_client(&sandbox, STEADY_TIMEOUT);
        sandbox.inject(Operation::GET_PAYMENT_INFO, fault.clone(), Repeat::Once);
        let error = client
            .get_payment_info()
            .body(small_order())
            .call()
            .await
            .unwrap_err();
        // The client cannot know the gateway did not forward the request.
        assert_eq!(error.outcome(), Outcome::Unknown, "{fault:?}: {error:?}");
        let orders = client.get_orders().call().await.unwrap();
        assert_eq!(orders.total, 0, "{fault:?}: not processed");
    }
}

#[tokio::test]
async fn fault_html_error_page_and_repeat_counts() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    // Once: the read is retried (quick_client makes 2 attempts) and succeeds.
    sandbox.inject(Operation::GET_ORDERS, Fault::HtmlError(502), Repeat::Once);
    client.get_orders().call().await.unwrap();
    // Twice: both attempts fail, with the page's status; then it is over.
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::HtmlError(503),
        Repeat::Times(2),
    );
    let error = client.get_orders().call().await.unwrap_err();
    assert_eq!(error.http_status(), Some(503), "{error:?}");
    assert_eq!(error.outcome(), Outcome::Unknown);
    client.get_orders().call().await.unwrap();
    // Until cleared.
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::HtmlError(504),
        Repeat::UntilCleared,
    );
    for _ in 0..3 {
        assert!(client.get_orders().call().await.is_err());
    }
    sandbox.clear_faults();
    client.get_orders().call().await.unwrap();
    // Times(0) injects nothing; faults are per operation.
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::HtmlError(500),
        Repeat::Times(0),
    );
    sandbox.inject(
        Operation::GET_TRANSACTION,
        Fault::HtmlError(500),
        Repeat::UntilCleared,
    );
    client.get_orders().call().await.unwrap();

    // What the client got is an HTML page, as from a CDN.
    let page = reqwest::Client::new()
        .get(format!("{}/api/v2/tx", sandbox.base_url()))
        .header("API-Key", sandbox.config().api_key.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 500);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<h1>500 Internal Server Error</h1>")
    );
}

/// A slow body within the client's timeout arrives whole.
#[tokio::test]
async fn fault_slow_body_within_the_timeout() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    sandbox.inject(
        Operation::GET_BLN_BALANCE,
        Fault::SlowBody(Duration::from_millis(100)),
        Repeat::Once,
    );
    let started = std::time::Instant::now();
    client.get_bln_balance().call().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
}

/// Payments are in the order's crypto currency and must fit it: a partial
/// payment below what is due, an overpayment above it, both positive.
#[tokio::test]
async fn payments_that_do_not_fit_the_order_are_refused() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    // 40 USD in USDT-TRC20: 40 due.
    let order = direct_order(&client, None, false).await;
    for payment in [
        Payment::Partial(Amount::from(40)),
        Payment::Partial(Amount::from(400)),
        Payment::Partial(Amount::from(0)),
        Payment::Partial(Amount::from(-1)),
        Payment::Overpaid(Amount::from(40)),
        Payment::Overpaid(Amount::from(-1)),
    ] {
        assert!(
            matches!(
                sandbox.pay(&order.order_id, payment),
                Err(SandboxError::InvalidPayment { .. })
            ),
            "{payment:?}"
        );
    }
    let details = client
        .get_orders_details()
        .order_id(order.order_id.as_str())
        .call()
        .await
        .unwrap();
    assert_eq!(details.status, OrderStatus::Pending, "nothing was applied");
    assert_eq!(
        sandbox
            .pay(&order.order_id, Payment::Partial(Amount::from(10)))
            .unwrap(),
        OrderStatus::Partial
    );
    // 30 left: a partial payment of 30 would complete it, so it is refused.
    assert!(
        sandbox
            .pay(&order.order_id, Payment::Partial(Amount::from(30)))
            .is_err()
    );
}

/// A partial refund leaves the rest refundable, and Get Orders Refund Info
/// shows what is left; the order is REFUNDED when nothing is.
#[tokio::test]
async fn partial_refunds_leave_the_rest_refundable() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let order = direct_order(&client, None, false).await;
    sandbox.pay(&order.order_id, Payment::Full).unwrap();
    let refund = |amount: Option<i64>| {
        client
            .orders_refund()
            .order_id(order.order_id.as_str())
            .body(
                types::RefundRequest::builder()
                    .address("TPYmHEhy5n8TCEfYGqW2rPxsghSfzghPDn")
                    .amount(amount.map(Amount::from)),
            )
            .call()
    };
    let left = || async {
        client
            .get_orders_refund_info()
            .order_id(order.order_id.as_str())
            .call()
            .await
            .unwrap()
            .amount
            .decimal()
    };
    let status = || async {
        client
            .get_orders_details()
            .order_id(order.order_id.as_str())
            .call()
            .await
            .unwrap()
            .status
    };
    assert_eq!(left().await, Decimal::from(40));
    refund(Some(10)).await.unwrap();
    assert_eq!(left().await, Decimal::from(30));
    assert_eq!(status().await, OrderStatus::Success, "still refundable");
    let too_much = refund(Some(31)).await.unwrap_err();
    assert_eq!(too_much.outcome(), Outcome::Refused, "{too_much:?}");
    // No amount: the rest.
    let rest = refund(None).await.unwrap();
    assert_eq!(
        rest.refund_amount.map(|a| a.decimal()),
        Some(Decimal::from(30))
    );
    assert_eq!(left().await, Decimal::ZERO);
    assert_eq!(status().await, OrderStatus::Refunded);
    let again = refund(Some(1)).await.unwrap_err();
    assert!(
        matches!(
            again.kind(),
            ErrorKind::Api {
                code: aurpay_api::sandbox::codes::NOT_REFUNDABLE,
                ..
            }
        ),
        "{again:?}"
    );
}

/// A receiver that answers 200 to everything and records the path and
/// query of each request, in arrival order.
async fn recording_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = Arc::clone(&seen);
    let handler = move |request: axum::extract::Request| {
        let record = Arc::clone(&record);
        async move {
            record.lock().unwrap().push(request.uri().to_string());
            axum::http::StatusCode::OK
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(handler))
            .await
            .ok()
    });
    (base, seen)
}

async fn wait_until(what: &str, timeout: Duration, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Callbacks can be redelivered, duplicated, dropped, delayed and
/// reordered, which is what a receiver must survive.
#[tokio::test]
async fn callbacks_can_be_made_to_misbehave() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (receiver, seen) = recording_receiver().await;
    let urls = CallbackUrls::new(&format!("{receiver}/cb")).unwrap();
    let order_for = |reference: &'static str| {
        let url = urls.paid(reference).unwrap();
        let client = &client;
        async move { direct_order(client, Some(url), false).await }
    };
    let count = |needle: &str| {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|u| u.contains(needle))
            .count()
    };

    // Redeliver: the same callback again.
    let first = order_for("redeliver").await;
    sandbox.pay(&first.order_id, Payment::Full).unwrap();
    wait_until("the first delivery", Duration::from_secs(5), || {
        count("ref=redeliver") == 1
    })
    .await;
    sandbox
        .redeliver(&first.order_id, CallbackEvent::Paid)
        .unwrap();
    wait_until("the redelivery", Duration::from_secs(5), || {
        count("ref=redeliver") == 2
    })
    .await;
    assert!(matches!(
        sandbox.redeliver(&first.order_id, CallbackEvent::TimedOut),
        Err(SandboxError::NoSuchCallback(_))
    ));

    // Duplicate: two deliveries of one callback.
    sandbox.inject_callback_fault(CallbackFault::Duplicate, Repeat::Once);
    let twice = order_for("twice").await;
    sandbox.pay(&twice.order_id, Payment::Full).unwrap();
    wait_until("both copies", Duration::from_secs(5), || {
        count("ref=twice") == 2
    })
    .await;

    // Drop: never sent, but recorded.
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::Once);
    let lost = order_for("lost").await;
    sandbox.pay(&lost.order_id, Payment::Full).unwrap();
    let dropped = sandbox
        .wait_for_attempt(Duration::from_secs(5), |d| d.order_id == lost.order_id)
        .await
        .expect("the dropped attempt is recorded");
    assert_eq!(
        (dropped.status, dropped.error.as_deref()),
        (None, Some("dropped"))
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count("ref=lost"), 0);

    // Delay: sent late.
    sandbox.inject_callback_fault(
        CallbackFault::Delay(Duration::from_millis(300)),
        Repeat::Once,
    );
    let late = order_for("late").await;
    let paid_at = std::time::Instant::now();
    sandbox.pay(&late.order_id, Payment::Full).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(count("ref=late"), 0, "not yet");
    wait_until("the late callback", Duration::from_secs(5), || {
        count("ref=late") == 1
    })
    .await;
    assert!(paid_at.elapsed() >= Duration::from_millis(300));

    // Reorder: held, then released newest first.
    sandbox.hold_callbacks();
    let a = order_for("order-a").await;
    let b = order_for("order-b").await;
    sandbox.pay(&a.order_id, Payment::Full).unwrap();
    sandbox.pay(&b.order_id, Payment::Full).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(count("ref=order-"), 0, "held");
    sandbox.release_callbacks(Release::Reversed);
    wait_until("the released callbacks", Duration::from_secs(5), || {
        count("ref=order-") == 2
    })
    .await;
    let arrivals: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|u| u.contains("ref=order-"))
        .cloned()
        .collect();
    assert!(
        arrivals[0].contains("order-b") && arrivals[1].contains("order-a"),
        "{arrivals:?}"
    );
}

/// Failed attempts can be waited for too (here the receiver is down), and
/// the sandbox's own signer signs exactly as its callbacks are signed.
#[tokio::test]
async fn failed_attempts_and_the_callback_signer() {
    let mut config = SandboxConfig::default();
    config.callback_attempts = 2;
    config.callback_backoff = Duration::from_millis(10);
    let sandbox = Sandbox::builder().config(config).start().await.unwrap();
    let client = sandbox.client().unwrap();
    // Nothing listens on this port once the listener is dropped.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/cb", listener.local_addr().unwrap())
    };
    let urls = CallbackUrls::new(&closed).unwrap();
    let order = direct_order(&client, Some(urls.paid("down").unwrap()), false).await;
    sandbox.pay(&order.order_id, Payment::Full).unwrap();
    let second = sandbox
        .wait_for_attempt(Duration::from_secs(5), |d| {
            d.order_id == order.order_id && d.attempt == 2
        })
        .await
        .expect("both attempts are recorded");
    assert!(
        second.status.is_none() && second.error.is_some(),
        "{second:?}"
    );

    let url = urls.paid("forged").unwrap();
    let headers = sandbox.callback_signer().headers(
        &url,
        &aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock),
    );
    let verified = sandbox
        .callback_verifier()
        .callback_urls(&urls)
        .verify(&CallbackRequest::new("GET", &url, &headers, b""))
        .expect("the sandbox's signer signs as its callbacks are signed");
    assert_eq!(verified.reference(), Some("forged"));
    assert_eq!(headers["api-key"], sandbox.config().api_key.as_str());
}

/// A callback fault applies to held callbacks when they are released, as
/// to any other (regression: released callbacks skipped it).
#[tokio::test]
async fn callback_faults_apply_to_released_callbacks() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (receiver, seen) = recording_receiver().await;
    let urls = CallbackUrls::new(&format!("{receiver}/cb")).unwrap();
    sandbox.hold_callbacks();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::Once);
    let first = direct_order(&client, Some(urls.paid("held-1").unwrap()), false).await;
    let second = direct_order(&client, Some(urls.paid("held-2").unwrap()), false).await;
    sandbox.pay(&first.order_id, Payment::Full).unwrap();
    sandbox.pay(&second.order_id, Payment::Full).unwrap();
    sandbox.release_callbacks(Release::InOrder);
    sandbox
        .wait_for_attempt(Duration::from_secs(5), |d| {
            d.order_id == second.order_id && d.status == Some(200)
        })
        .await
        .expect("the second is delivered");
    let dropped = sandbox
        .deliveries()
        .into_iter()
        .find(|d| d.order_id == first.order_id)
        .expect("the first is recorded");
    assert_eq!(dropped.error.as_deref(), Some("dropped"));
    assert!(!seen.lock().unwrap().iter().any(|u| u.contains("held-1")));
}

/// The sandbox's fiat currencies are the SDK's known ones (the spec's
/// `FiatCurrency` known values, from Aurpay's plugin readme), each accepted
/// for an order, and a code outside them is refused.
#[tokio::test]
async fn the_sandbox_accepts_every_known_fiat_currency() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let listed = client
        .get_support_real_currency_list()
        .call()
        .await
        .unwrap();
    assert_eq!(listed.0, aurpay_api::FiatCurrency::KNOWN);
    for currency in aurpay_api::FiatCurrency::KNOWN {
        let order = client
            .get_payment_url()
            .body(
                types::PaymentUrlRequest::builder()
                    .currency(currency.clone())
                    .price(Amount::from(1000)),
            )
            .call()
            .await;
        assert!(order.is_ok(), "{currency}: {order:?}");
    }
    let refused = client
        .get_payment_url()
        .body(
            types::PaymentUrlRequest::builder()
                .currency("CHF")
                .price(Amount::from(1000)),
        )
        .call()
        .await
        .unwrap_err();
    assert_eq!(refused.outcome(), Outcome::Refused, "{refused}");
}
