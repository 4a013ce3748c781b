//! POST bodies: unsigned, decoded leniently and kept apart from what is
//! signed; a body never chooses the order or the event, and one that is
//! not an order is refused.

use aurpay_api::callback::{CallbackEvent, CallbackRequest, CallbackVerifier, Rejection};
use aurpay_api::{OrderStatus, TransactionType};
use serde_json::json;

use crate::{NOW, ORDER, PAID, SECRET, TIMEOUT, TOKEN, headers, order_body, verify, verify_post};

#[test]
fn a_post_body_that_names_another_order_than_the_signed_url_is_refused() {
    let h = headers(TOKEN, SECRET, NOW, PAID);
    let mut forged = order_body("SUCCESS");
    forged["order_id"] = json!("20250101000000000001");
    let forged = serde_json::to_vec(&forged).unwrap();
    let callback = verify("POST", PAID, &h, &forged).unwrap();
    let rejection = callback.bind(Some(ORDER)).unwrap_err();
    assert_eq!(
        rejection,
        Rejection::OrderMismatch {
            signed: ORDER.into(),
            body: "20250101000000000001".into()
        }
    );
    assert_eq!(rejection.http_status(), 401);

    let honest = serde_json::to_vec(&order_body("SUCCESS")).unwrap();
    let callback = verify("POST", PAID, &h, &honest).unwrap();
    assert_eq!(callback.bind(Some(ORDER)).unwrap().order_id(), ORDER);
}

#[test]
fn the_event_never_comes_from_the_unsigned_body() {
    // A timeout callback carrying a body that claims SUCCESS is a timeout.
    let body = serde_json::to_vec(&order_body("SUCCESS")).unwrap();
    let callback = verify_post(TIMEOUT, &body).unwrap();
    assert_eq!(callback.event(), CallbackEvent::TimedOut);

    // With no callback URLs configured, nothing is classified: not paid,
    // whatever the body says.
    let bare = CallbackVerifier::new(TOKEN, SECRET).unwrap().clock(
        aurpay_api::clock::ManualClock::starting_at(NOW.parse().unwrap()),
    );
    for url in [PAID, TIMEOUT, "https://shop.example/hook"] {
        let callback = bare
            .verify(&CallbackRequest::new(
                "POST",
                url,
                &headers(TOKEN, SECRET, NOW, url),
                &body,
            ))
            .unwrap();
        assert_eq!(callback.event(), CallbackEvent::Unknown, "{url}");
        assert!(!callback.event().is_paid());
    }
}

#[test]
fn valid_post_callback_keeps_the_unsigned_order_apart() {
    let body = serde_json::to_vec(&order_body("SUCCESS")).unwrap();
    let callback = verify_post(PAID, &body).unwrap();
    assert!(callback.is_post());
    assert_eq!(callback.event(), CallbackEvent::Paid);
    let unsigned = callback.unsigned_body().unwrap();
    assert_eq!(unsigned.status, Some(OrderStatus::Success));
    assert_eq!(unsigned.order_id, ORDER);
    let order = unsigned.order.as_ref().expect("documented shape decodes");
    assert_eq!(order.amount.to_string(), "0.00102549");

    // No reference in the URL: nothing signed names the order. bind()
    // refuses; trusting the unsigned body takes an explicit call.
    let url = "https://shop.example/hook";
    let callback = verify_post(url, &body).unwrap();
    assert_eq!(callback.bind(None).unwrap_err(), Rejection::NoOrder);
    assert_eq!(callback.bind_to_unsigned_body().unwrap().order_id(), ORDER);
    // With a signed reference, the body never chooses the order.
    let signed = verify_post(PAID, &body).unwrap();
    assert!(signed.bind_to_unsigned_body().is_err());
}

#[test]
fn unknown_status_and_extra_fields_do_not_fail() {
    let mut body = order_body("CONFIRMING");
    body["tx_type"] = json!("AIRDROP");
    body["new_field"] = json!({"a": [1, 2]});
    let bytes = serde_json::to_vec(&body).unwrap();
    let callback = verify_post(PAID, &bytes).unwrap();
    let unsigned = callback.unsigned_body().unwrap();
    assert_eq!(
        unsigned.status,
        Some(OrderStatus::Unknown("CONFIRMING".into()))
    );
    let order = unsigned.order.clone().unwrap();
    assert_eq!(
        order.tx_type,
        Some(TransactionType::Unknown("AIRDROP".into()))
    );

    // Fields missing from the documented shape: still verified, still
    // identified; only the full decode is absent.
    let minimal = br#"{"order_id":"42","status":"SUCCESS"}"#;
    let url = "https://shop.example/hook";
    let callback = verify_post(url, minimal).unwrap();
    let unsigned = callback.unsigned_body().unwrap();
    assert_eq!(unsigned.order_id, "42");
    assert!(unsigned.order.is_none());
    assert_eq!(callback.event(), CallbackEvent::Unknown);
}

#[test]
fn malformed_bodies_and_methods_are_400() {
    let h = headers(TOKEN, SECRET, NOW, PAID);
    let garbage: Vec<u8> = (0..(1 << 20))
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for body in [
        &garbage[..],
        b"",
        b"[]",
        b"{\"status\":\"SUCCESS\"}",
        b"{\"order_id\":42}",
        b"{\"order_id\":",
    ] {
        let rejection = verify("POST", PAID, &h, body).unwrap_err();
        assert!(
            matches!(rejection, Rejection::MalformedBody(_)),
            "{rejection:?}"
        );
        assert_eq!(rejection.http_status(), 400);
        assert!(rejection.to_string().len() < 200, "short reason");
    }
    let rejection = verify("PUT", PAID, &h, b"").unwrap_err();
    assert_eq!(rejection, Rejection::MethodNotAllowed("PUT".into()));
    assert_eq!(Rejection::BadSignature.http_status(), 401);
}
