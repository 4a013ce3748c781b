//! What is retried: a rate-limited or timed-out read, never a call that
//! moves money once it may have been sent; a refused connection (nothing
//! sent) for both.

use std::time::{Duration, Instant};

use aurpay_api::{ErrorKind, Outcome};
use serde_json::json;

use super::{
    SCHEMES, api_key_client, details, order_detail, pay_info, pay_info_data, setup,
    setup_with_timeout,
};
use crate::support::{self, Reply, assert_kind};

#[tokio::test]
async fn rate_limit_is_retried_for_get_but_not_for_post() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        let limited = Reply::json(r#"{"code":429,"message":"slow down"}"#)
            .status(429)
            .header("retry-after", "1");
        server.push(limited.clone());
        server.push(Reply::ok(json!({"balance": "1.5"})));
        let started = Instant::now();
        let balance = client.get_bln_balance().call().await.unwrap();
        assert_eq!(balance.balance.to_string(), "1.5");
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "Retry-After honoured"
        );
        assert_eq!(server.received().len(), 2);

        server.push(limited);
        let error = pay_info(&client).await.unwrap_err();
        assert!(
            matches!(
            error.kind(),
            ErrorKind::RateLimited { retry_after: Some(d) } if *d == Duration::from_secs(1))
                && error.operation() == Some("get_payment_info")
                && error.outcome() == Outcome::Refused,
            "{error:?}"
        );
        assert_eq!(server.received().len(), 3, "the POST was sent once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_get_is_retried_and_slow_payment_is_outcome_unknown_sent_once() {
    // A short timeout, and slow replies three times as long, so that which
    // attempts time out does not depend on the machine's speed. Both
    // schemes at once: each has its own server.
    futures_util::future::join_all(SCHEMES.into_iter().map(|scheme| async move {
        let (server, client) = setup_with_timeout(scheme, Duration::from_secs(1)).await;
        server.push(Reply::ok(order_detail()).delay(Duration::from_secs(3)));
        server.push(Reply::ok(order_detail()));
        let order = details(&client).await;
        assert!(order.is_ok(), "{order:?}");
        assert_eq!(
            server.received().len(),
            2,
            "the GET was retried after its timeout"
        );

        server.set_fallback(Reply::ok(pay_info_data()).delay(Duration::from_secs(3)));
        let error = pay_info(&client).await.unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Timeout { attempts: 1 })
                && error.operation() == Some("get_payment_info")
                && error.outcome() == Outcome::Unknown
                && !support::safe_to_retry(&error),
            "{error:?}"
        );
        // The server records a request as it arrives, before its slow
        // answer: wait for it (under load it may land after the timeout).
        assert_eq!(
            server.wait_for_received(3).await.len(),
            3,
            "the payment request reached the server exactly once"
        );

        let error = details(&client).await.unwrap_err();
        assert_kind!(error, ErrorKind::Timeout { attempts: 3, .. });
    }))
    .await;
}

#[tokio::test]
async fn connection_reset_is_transport_for_get_and_outcome_unknown_for_payment() {
    let (addr, accepted) = support::resetting_server().await;
    let client = api_key_client(&format!("http://{addr}"));
    let error = client.get_orders().call().await.unwrap_err();
    assert_kind!(error, ErrorKind::ConnectionLost { attempts: 3 });
    assert_eq!(*accepted.lock().unwrap(), 3);

    let error = pay_info(&client).await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost { attempts: 1 })
            && error.outcome() == Outcome::Unknown
            && !support::safe_to_retry(&error),
        "{error:?}"
    );
    assert_eq!(
        *accepted.lock().unwrap(),
        4,
        "the payment request was sent once"
    );
}

#[tokio::test]
async fn refused_connection_sent_nothing_and_is_retried() {
    let addr = support::closed_port().await;
    let client = api_key_client(&format!("http://{addr}"));
    let error = pay_info(&client).await.unwrap_err();
    assert_kind!(error, ErrorKind::NotConnected { attempts: 3 });
}
