//! Callbacks from the sandbox: GET and POST, signed as Aurpay signs them,
//! retried after a 500, and made to misbehave (redelivered, duplicated,
//! dropped, delayed, held and released out of order) as a receiver must
//! survive. Every wait is woken by an arrival or a delivery attempt.

use std::time::{Duration, Instant};

use aurpay_api::callback::{CallbackEvent, CallbackRequest, CallbackUrls};
use aurpay_api::clock::{Clock, SystemClock};
use aurpay_api::sandbox::{
    CallbackFault, Payment, Release, Repeat, Sandbox, SandboxConfig, SandboxError,
};
use aurpay_api::{Client, OrderStatus};

use crate::support::receiver::Receiver;
use crate::support::{self};

/// A direct order of 40 USD whose callbacks carry `reference`, sent as
/// POST when `post`: its order id.
async fn order_to(client: &Client, urls: &CallbackUrls, reference: &str, post: bool) -> String {
    let request = support::direct_request_for(40, urls, reference).enable_post_callback(Some(post));
    support::create_direct(client, request).await.order_id
}

#[tokio::test]
async fn get_and_post_callbacks_are_signed_and_retried_after_a_500() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let receiver = Receiver::flaky().await;
    let urls = receiver.callback_urls("/aurpay/callback");

    let get_order = order_to(&client, &urls, "get-1", false).await;
    let post_order = order_to(&client, &urls, "post-1", true).await;
    let timeout_order = order_to(&client, &urls, "timeout-1", false).await;
    sandbox.pay(&get_order, Payment::Full).unwrap();
    sandbox.pay(&post_order, Payment::Full).unwrap();
    sandbox.expire(&timeout_order).unwrap();
    let orders = [&get_order, &post_order, &timeout_order];
    for order in orders {
        support::attempt(&sandbox, &format!("{order} delivered"), |d| {
            d.order_id == *order && d.status == Some(200)
        })
        .await;
    }
    let deliveries = sandbox.deliveries();
    for order in orders {
        let attempts: Vec<Option<u16>> = deliveries
            .iter()
            .filter(|d| d.order_id == *order)
            .map(|d| d.status)
            .collect();
        assert_eq!(
            attempts,
            [Some(500), Some(200)],
            "retried once after the 500"
        );
    }

    let verifier = sandbox.callback_verifier().callback_urls(&urls);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 6);
    for request in &seen {
        let (method, uri, headers) = (&request.method, &request.uri, &request.headers);
        let url = format!("{}{uri}", receiver.base);
        let callback = verifier
            .verify(&CallbackRequest::new(method, &url, headers, &request.body))
            .unwrap_or_else(|r| panic!("{method} {uri}: {r}"));
        assert_eq!(headers["api-key"], sandbox.config().api_key.as_str());
        if uri.contains("post-1") {
            assert_eq!(method, "POST");
            let unsigned = callback.unsigned_body().unwrap();
            assert_eq!(unsigned.order_id, post_order);
            assert_eq!(
                unsigned.order.as_ref().map(|o| o.status.clone()),
                Some(OrderStatus::Success)
            );
            let bound = callback.bind(Some(&post_order)).unwrap();
            assert_eq!(bound.order_id(), post_order);
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

/// Callbacks can be redelivered, duplicated, dropped, delayed and
/// reordered, which is what a receiver must survive.
#[tokio::test]
async fn callbacks_can_be_made_to_misbehave() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let receiver = Receiver::recording().await;
    let urls = receiver.callback_urls("/cb");
    let order_for = |reference: &'static str| order_to(&client, &urls, reference, false);

    // Redeliver: the same callback again.
    let first = order_for("redeliver").await;
    sandbox.pay(&first, Payment::Full).unwrap();
    receiver
        .wait_for_count("the first delivery", "ref=redeliver", 1)
        .await;
    sandbox.redeliver(&first, CallbackEvent::Paid).unwrap();
    receiver
        .wait_for_count("the redelivery", "ref=redeliver", 2)
        .await;
    assert!(matches!(
        sandbox.redeliver(&first, CallbackEvent::TimedOut),
        Err(SandboxError::NoSuchCallback(_))
    ));

    // Duplicate: two deliveries of one callback.
    sandbox.inject_callback_fault(CallbackFault::Duplicate, Repeat::Once);
    let twice = order_for("twice").await;
    sandbox.pay(&twice, Payment::Full).unwrap();
    receiver.wait_for_count("both copies", "ref=twice", 2).await;

    // Drop: never sent, but recorded (and never arrives: checked at the
    // end, once every attempt is accounted for).
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::Once);
    let lost = order_for("lost").await;
    sandbox.pay(&lost, Payment::Full).unwrap();
    let dropped = support::attempt(&sandbox, "the dropped attempt", |d| d.order_id == lost).await;
    assert_eq!(
        (dropped.status, dropped.error.as_deref()),
        (None, Some("dropped"))
    );
    assert_eq!(receiver.count("ref=lost"), 0);

    // Delay: sent late, as the arrival time shows.
    let delay = Duration::from_millis(300);
    sandbox.inject_callback_fault(CallbackFault::Delay(delay), Repeat::Once);
    let late = order_for("late").await;
    let paid_at = Instant::now();
    sandbox.pay(&late, Payment::Full).unwrap();
    assert_eq!(receiver.count("ref=late"), 0, "not yet");
    receiver
        .wait_for_count("the late callback", "ref=late", 1)
        .await;
    let arrived = arrivals(&receiver, "ref=late")[0];
    assert!(arrived - paid_at >= delay, "{:?}", arrived - paid_at);

    // Reorder: held (nothing sent until the release), then released newest
    // first.
    sandbox.hold_callbacks();
    let a = order_for("order-a").await;
    let b = order_for("order-b").await;
    sandbox.pay(&a, Payment::Full).unwrap();
    sandbox.pay(&b, Payment::Full).unwrap();
    assert_eq!(receiver.count("ref=order-"), 0, "held");
    let attempted = sandbox.deliveries();
    assert!(
        !attempted.iter().any(|d| d.order_id == a || d.order_id == b),
        "held, not attempted: {attempted:?}"
    );
    let released_at = Instant::now();
    sandbox.release_callbacks(Release::Reversed);
    receiver
        .wait_for_count("the released callbacks", "ref=order-", 2)
        .await;
    let arrivals_in_order: Vec<String> = receiver
        .uris()
        .into_iter()
        .filter(|u| u.contains("ref=order-"))
        .collect();
    assert!(
        arrivals_in_order[0].contains("order-b") && arrivals_in_order[1].contains("order-a"),
        "{arrivals_in_order:?}"
    );
    assert!(
        arrivals(&receiver, "ref=order-")
            .iter()
            .all(|at| *at >= released_at),
        "sent only when released"
    );

    // Every request that arrived is an attempt the sandbox recorded as
    // answered; the dropped callback is not among them.
    support::delivered(&sandbox, "every arrival recorded as an attempt", |all| {
        let answered = all.iter().filter(|d| d.status.is_some()).count();
        (answered == receiver.seen().len()).then_some(())
    })
    .await;
    assert_eq!(
        receiver.count("ref=lost"),
        0,
        "the dropped callback arrived"
    );
}

/// When each request with `needle` in its path and query arrived.
fn arrivals(receiver: &Receiver, needle: &str) -> Vec<Instant> {
    receiver
        .seen()
        .iter()
        .filter(|s| s.uri.contains(needle))
        .map(|s| s.at)
        .collect()
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
    // Nothing listens there.
    let closed = format!("http://{}/cb", support::closed_port().await);
    let urls = CallbackUrls::new(&closed).unwrap();
    let order = order_to(&client, &urls, "down", false).await;
    sandbox.pay(&order, Payment::Full).unwrap();
    let second = support::attempt(&sandbox, "both attempts are recorded", |d| {
        d.order_id == order && d.attempt == 2
    })
    .await;
    assert!(
        second.status.is_none() && second.error.is_some(),
        "{second:?}"
    );

    let url = urls.paid("forged").unwrap();
    let headers = sandbox.callback_signer().headers(&url, &SystemClock.now());
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
    let receiver = Receiver::recording().await;
    let urls = receiver.callback_urls("/cb");
    sandbox.hold_callbacks();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::Once);
    let first = order_to(&client, &urls, "held-1", false).await;
    let second = order_to(&client, &urls, "held-2", false).await;
    sandbox.pay(&first, Payment::Full).unwrap();
    sandbox.pay(&second, Payment::Full).unwrap();
    sandbox.release_callbacks(Release::InOrder);
    support::attempt(&sandbox, "the second is delivered", |d| {
        d.order_id == second && d.status == Some(200)
    })
    .await;
    let dropped = sandbox
        .deliveries()
        .into_iter()
        .find(|d| d.order_id == first)
        .expect("the first is recorded");
    assert_eq!(dropped.error.as_deref(), Some("dropped"));
    assert_eq!(receiver.count("held-1"), 0);
}
