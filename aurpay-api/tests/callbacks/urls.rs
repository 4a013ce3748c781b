//! The URLs that carry the merchant's reference and the event, what a GET
//! callback exposes of them, binding to the stored order, and the signer
//! merchants test with.

use aurpay_api::Timestamp;
use aurpay_api::callback::{CallbackEvent, CallbackSigner, CallbackUrls, Rejection};

use crate::{
    ENDPOINT, NOW, ORDER, PAID, SECRET, TIMEOUT, TOKEN, headers, independent_signature, urls,
    verifier, verify_get, verify_paid,
};

#[test]
fn reference_vector() {
    assert_eq!(
        independent_signature(
            "test_secret",
            "2024-06-17T00:00:00Z",
            "https://api.you.com/callback?id=32"
        ),
        "5L6Z4ahJ+WYKXclbrTg/rMce1HHnD12UCCrfwRDaY1w="
    );
    assert_eq!(
        CallbackSigner::new("t", "test_secret")
            .signature("https://api.you.com/callback?id=32", "2024-06-17T00:00:00Z"),
        "5L6Z4ahJ+WYKXclbrTg/rMce1HHnD12UCCrfwRDaY1w="
    );
}

#[test]
fn callback_urls_carry_the_reference_and_the_event() {
    let urls = urls();
    assert_eq!(urls.paid("cart-1001").unwrap(), PAID);
    assert_eq!(urls.timeout("cart-1001").unwrap(), TIMEOUT);
    // Encoded, and round-tripped by the verifier.
    let odd = "a b&c=d/é";
    let url = urls.paid(odd).unwrap();
    let callback = verify_get(&url).unwrap();
    assert_eq!(callback.reference(), Some(odd));
    for bad in ["", "\n", &"x".repeat(129)] {
        assert!(urls.paid(bad).is_err(), "{bad:?}");
    }
    assert!(
        CallbackUrls::new("http://shop.example/cb").is_err(),
        "http off loopback"
    );
    assert!(CallbackUrls::new("http://127.0.0.1:8080/cb").is_ok());
    assert!(CallbackUrls::new("https://shop.example/cb#x").is_err());
    let userinfo = CallbackUrls::new("https://shop:cb-pass-77@shop.example/cb").unwrap_err();
    assert!(!userinfo.to_string().contains("cb-pass-77"), "{userinfo}");
    // An endpoint that already has the parameters, or one name for both,
    // would make the signed URL ambiguous.
    assert!(
        CallbackUrls::new("https://shop.example/cb?ref=static")
            .unwrap()
            .paid("x")
            .is_err()
    );
    assert!(
        CallbackUrls::new("https://shop.example/cb?event=paid")
            .unwrap()
            .timeout("x")
            .is_err()
    );
    assert!(
        CallbackUrls::new(ENDPOINT)
            .unwrap()
            .event_param("ref")
            .paid("x")
            .is_err()
    );
    // A signed URL that carries them twice is refused, not guessed.
    for twice in [
        "https://shop.example/aurpay/callback?ref=static&ref=cart-42&event=timeout",
        "https://shop.example/aurpay/callback?ref=cart-42&event=timeout&event=paid",
    ] {
        let rejection = verify_get(twice).unwrap_err();
        assert!(
            matches!(rejection, Rejection::AmbiguousQuery(_)),
            "{rejection:?}"
        );
        assert_eq!(rejection.http_status(), 400);
    }
    let custom = CallbackUrls::new(ENDPOINT)
        .unwrap()
        .reference_param("order_id")
        .event_param("type");
    assert_eq!(
        custom.paid("wc-77").unwrap(),
        "https://shop.example/aurpay/callback?order_id=wc-77&type=paid"
    );
}

#[test]
fn get_callbacks_expose_the_signed_url_reference_and_event() {
    let paid = verify_paid(TOKEN, SECRET, "2025-02-07T04:09:35Z").unwrap();
    assert_eq!(paid.event(), CallbackEvent::Paid);
    assert!(!paid.is_post());
    assert_eq!(paid.signed_url(), PAID);
    assert_eq!(paid.reference(), Some("cart-1001"));
    assert_eq!(paid.query_param("event"), Some("paid"));
    assert_eq!(paid.query().len(), 2);
    assert!(paid.unsigned_body().is_none());
    assert_eq!(
        paid.signed_at(),
        "2025-02-07T04:09:35+00:00".parse::<Timestamp>().unwrap()
    );

    let timeout = verify_get(TIMEOUT).unwrap();
    assert_eq!(timeout.event(), CallbackEvent::TimedOut);

    // A URL not built by the configured CallbackUrls: verified, but no
    // reference and no event are read from it.
    let other = "https://shop.example/other?ref=cart-1001&event=paid";
    let unknown = verify_get(other).unwrap();
    assert_eq!(unknown.event(), CallbackEvent::Unknown);
    assert_eq!(unknown.reference(), None);
    assert_eq!(
        unknown.query_param("ref"),
        Some("cart-1001"),
        "the query is still exposed"
    );
}

#[test]
fn binding_a_get_callback_needs_the_stored_order() {
    let callback = verify_get(PAID).unwrap();
    let bound = callback.bind(Some(ORDER)).unwrap();
    assert_eq!(bound.order_id(), ORDER);
    assert_eq!(bound.callback().reference(), Some("cart-1001"));
    assert_eq!(
        callback.bind(None).unwrap_err(),
        Rejection::UnknownReference("cart-1001".into())
    );
    assert_eq!(Rejection::UnknownReference("x".into()).http_status(), 404);

    let bare = "https://shop.example/aurpay/callback";
    let callback = verify_get(bare).unwrap();
    assert_eq!(callback.bind(None).unwrap_err(), Rejection::NoOrder);
    assert_eq!(Rejection::NoOrder.http_status(), 400);
}

#[test]
fn test_signer_matches_what_the_verifier_expects() {
    let signer = CallbackSigner::new(TOKEN, SECRET).with_api_key("merchant-api-key");
    let h = signer.headers(PAID, &NOW.parse().unwrap());
    assert_eq!(h, headers(TOKEN, SECRET, NOW, PAID));
    assert!(!format!("{signer:?}").contains(SECRET));
    assert!(
        !format!("{:?}", verifier()).contains(SECRET)
            && !format!("{:?}", verifier()).contains(TOKEN)
    );
}
