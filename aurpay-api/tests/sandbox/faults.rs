//! Each injected fault, as the client sees it: latency, error statuses and
//! codes, dropped connections, faults before and after the request was
//! processed, HTML error pages, slow bodies, and how often each repeats.

use std::time::{Duration, Instant};

use aurpay_api::sandbox::{Fault, Repeat, Sandbox};
use aurpay_api::{Client, Credentials, ErrorKind, Operation, Outcome, RetryPolicy, types};

use crate::support::{self, assert_kind};

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

/// A small order in USDT on Ethereum.
fn small_order() -> types::builder::PaymentInfoRequest {
    support::payment_request("ETH", "USDT-ERC20", 5)
}

/// Sends [`small_order`], which the test expects to fail.
async fn failed_order(client: &Client) -> aurpay_api::Error {
    let result = client.get_payment_info().body(small_order()).call().await;
    result.expect_err("the order call fails")
}

/// How many orders the sandbox lists.
async fn orders(client: &Client) -> i64 {
    client.get_orders().call().await.unwrap().total
}

#[tokio::test]
async fn fault_latency() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    let latency = |delay| {
        sandbox.inject(
            Operation::GET_BLN_BALANCE,
            Fault::Latency(delay),
            Repeat::UntilCleared,
        )
    };
    latency(Duration::from_millis(150));
    let started = Instant::now();
    client.get_bln_balance().call().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    latency(Duration::from_secs(3));
    let impatient = quick_client(&sandbox, Duration::from_millis(300));
    let error = impatient.get_bln_balance().call().await.unwrap_err();
    assert_kind!(error, ErrorKind::Timeout { attempts: 2, .. });
    sandbox.clear_faults();
    client.get_bln_balance().call().await.unwrap();
}

#[tokio::test]
async fn fault_http_status_and_error_code() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    let orders_fail = |fault| sandbox.inject(Operation::GET_ORDERS, fault, Repeat::UntilCleared);
    orders_fail(Fault::HttpStatus(503));
    let error = client.get_orders().call().await.unwrap_err();
    assert_kind!(error, ErrorKind::Api { status: 503, .. });
    orders_fail(Fault::Code(1234, "maintenance".into()));
    let error = client.get_orders().call().await.unwrap_err();
    assert_kind!(
        error,
        ErrorKind::Api { status: 200, code: 1234, message, .. } if message == "maintenance"
    );
}

/// A dropped connection on a payment leaves its outcome unknown; the order
/// did get created, and listing orders finds it (the documented
/// reconciliation).
#[tokio::test]
async fn fault_dropped_connection() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    let drop_on =
        |operation| sandbox.inject(operation, Fault::DropConnection, Repeat::UntilCleared);
    drop_on(Operation::GET_PAYMENT_INFO);
    let error = failed_order(&client).await;
    assert_kind!(error, ErrorKind::ConnectionLost { attempts: 1 });
    assert_eq!(error.outcome(), Outcome::Unknown, "{error:?}");
    assert!(!support::safe_to_retry(&error), "{error:?}");
    assert_eq!(
        orders(&client).await,
        1,
        "the request was processed once, and can be found"
    );

    drop_on(Operation::GET_ORDERS);
    let error = client.get_orders().call().await.unwrap_err();
    assert_kind!(error, ErrorKind::ConnectionLost { attempts: 2 });
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
        let error = failed_order(&client).await;
        assert_eq!(error.outcome(), Outcome::Unknown, "{fault:?}: {error:?}");
        assert!(!support::safe_to_retry(&error), "{fault:?}");
        assert_eq!(
            orders(&client).await,
            1,
            "{fault:?}: processed once, findable"
        );
        // Once means once: the next call is answered normally.
        support::create_direct(&client, small_order()).await;
    }
    for fault in [Fault::HtmlError(502), Fault::HttpStatus(503)] {
        let sandbox = Sandbox::builder().start().await.unwrap();
        let client = quick_client(&sandbox, STEADY_TIMEOUT);
        sandbox.inject(Operation::GET_PAYMENT_INFO, fault.clone(), Repeat::Once);
        let error = failed_order(&client).await;
        // The client cannot know the gateway did not forward the request.
        assert_eq!(error.outcome(), Outcome::Unknown, "{fault:?}: {error:?}");
        assert_eq!(orders(&client).await, 0, "{fault:?}: not processed");
    }
}

#[tokio::test]
async fn fault_html_error_page_and_repeat_counts() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = quick_client(&sandbox, STEADY_TIMEOUT);
    let html =
        |operation, status, repeat| sandbox.inject(operation, Fault::HtmlError(status), repeat);
    // Once: the read is retried (quick_client makes 2 attempts) and succeeds.
    html(Operation::GET_ORDERS, 502, Repeat::Once);
    client.get_orders().call().await.unwrap();
    // Twice: both attempts fail, with the page's status; then it is over.
    html(Operation::GET_ORDERS, 503, Repeat::Times(2));
    let error = client.get_orders().call().await.unwrap_err();
    assert_eq!(error.http_status(), Some(503), "{error:?}");
    assert_eq!(error.outcome(), Outcome::Unknown);
    client.get_orders().call().await.unwrap();
    // Until cleared.
    html(Operation::GET_ORDERS, 504, Repeat::UntilCleared);
    for _ in 0..3 {
        assert!(client.get_orders().call().await.is_err());
    }
    sandbox.clear_faults();
    client.get_orders().call().await.unwrap();
    // Times(0) injects nothing; faults are per operation.
    html(Operation::GET_ORDERS, 500, Repeat::Times(0));
    html(Operation::GET_TRANSACTION, 500, Repeat::UntilCleared);
    client.get_orders().call().await.unwrap();

    // What the client got is an HTML page, as from a CDN.
    let page = reqwest::Client::new()
        .get(format!("{}/api/v2/tx", sandbox.base_url()))
        .header("API-Key", sandbox.config().api_key.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 500);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let text = page.text().await.unwrap();
    assert!(
        text.contains("<h1>500 Internal Server Error</h1>"),
        "{text}"
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
    let started = Instant::now();
    client.get_bln_balance().call().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
}
