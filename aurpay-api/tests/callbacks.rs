//! Callback verification: every rejection reason, forward-compatible
//! decoding, the unsigned body, and 100,000 arbitrary requests without a
//! panic. Signatures here are computed by the tests' own HMAC code
//! (`support::independent_callback_signature`, checked against the reference
//! vector), not by the SDK's signer.

mod support;

use std::time::Duration;

use aurpay_api::callback::{
    CallbackEvent, CallbackRequest, CallbackSigner, CallbackUrls, CallbackVerifier, Rejection,
    VerifiedCallback,
};
use aurpay_api::{OrderStatus, Timestamp, TransactionType};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

const TOKEN: &str = "0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F";
const SECRET: &str = "callback-secret";
const NOW: &str = "2025-02-07T04:10:00Z";
const ENDPOINT: &str = "https://shop.example/aurpay/callback";
const PAID: &str = "https://shop.example/aurpay/callback?ref=cart-1001&event=paid";
const TIMEOUT: &str = "https://shop.example/aurpay/callback?ref=cart-1001&event=timeout";
const ORDER: &str = "20250207040935220628";

use support::independent_callback_signature as independent_signature;

fn headers(token: &str, secret: &str, date: &str, signed_url: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("callback-token", HeaderValue::from_str(token).unwrap());
    h.insert("date", HeaderValue::from_str(date).unwrap());
    h.insert(
        "signature",
        HeaderValue::from_str(&independent_signature(secret, date, signed_url)).unwrap(),
    );
    h.insert("api-key", HeaderValue::from_static("merchant-api-key"));
    h
}

fn urls() -> CallbackUrls {
    CallbackUrls::new(ENDPOINT).unwrap()
}

fn verifier() -> CallbackVerifier {
    CallbackVerifier::new(TOKEN, SECRET)
        .unwrap()
        .callback_urls(&urls())
        .clock(aurpay_api::clock::ManualClock::starting_at(
            NOW.parse().unwrap(),
        ))
}

fn verify(
    method: &str,
    url: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<VerifiedCallback, Rejection> {
    verifier().verify(&CallbackRequest::new(method, url, headers, body))
}

fn order_body(status: &str) -> serde_json::Value {
    json!({
        "user_id": "mct-bea5c44da875", "order_id": ORDER, "order_type": "ORDER", "platform": "AURPAY",
        "status": status, "chain": "BTC", "chain_name": "Bitcoin", "currency": "BTC", "amount": "0.00102549",
        "vs_price": "100.0", "vs_currency": "USD", "remark": "", "refund": false, "bind_id": null,
        "create_time": "2025-02-06T00:00:00", "update_time": "2025-02-06T00:00:00",
        "tx_id": "ca1f0db3-0a3d-47c5-94ed-c94193aa1934", "tx_type": "ORDER", "obtained": null,
        "fee": "0.00000820392", "from_addr": null, "to_addr": "tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e",
        "tx_hash": null, "tx_hash_list": [], "contract_id": null, "website": null
    })
}

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
    let callback = verify("GET", &url, &headers(TOKEN, SECRET, NOW, &url), b"").unwrap();
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
        let rejection = verify("GET", twice, &headers(TOKEN, SECRET, NOW, twice), b"").unwrap_err();
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
    let paid = verify(
        "GET",
        PAID,
        &headers(TOKEN, SECRET, "2025-02-07T04:09:35Z", PAID),
        b"",
    )
    .unwrap();
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

    let timeout = verify("GET", TIMEOUT, &headers(TOKEN, SECRET, NOW, TIMEOUT), b"").unwrap();
    assert_eq!(timeout.event(), CallbackEvent::TimedOut);

    // A URL not built by the configured CallbackUrls: verified, but no
    // reference and no event are read from it.
    let other = "https://shop.example/other?ref=cart-1001&event=paid";
    let unknown = verify("GET", other, &headers(TOKEN, SECRET, NOW, other), b"").unwrap();
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
    let callback = verify("GET", PAID, &headers(TOKEN, SECRET, NOW, PAID), b"").unwrap();
    let bound = callback.bind(Some(ORDER)).unwrap();
    assert_eq!(bound.order_id(), ORDER);
    assert_eq!(bound.callback().reference(), Some("cart-1001"));
    assert_eq!(
        callback.bind(None).unwrap_err(),
        Rejection::UnknownReference("cart-1001".into())
    );
    assert_eq!(Rejection::UnknownReference("x".into()).http_status(), 404);

    let bare = "https://shop.example/aurpay/callback";
    let callback = verify("GET", bare, &headers(TOKEN, SECRET, NOW, bare), b"").unwrap();
    assert_eq!(callback.bind(None).unwrap_err(), Rejection::NoOrder);
    assert_eq!(Rejection::NoOrder.http_status(), 400);
}

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
    let callback = verify(
        "POST",
        TIMEOUT,
        &headers(TOKEN, SECRET, NOW, TIMEOUT),
        &body,
    )
    .unwrap();
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
    let callback = verify("POST", PAID, &headers(TOKEN, SECRET, NOW, PAID), &body).unwrap();
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
    let callback = verify("POST", url, &headers(TOKEN, SECRET, NOW, url), &body).unwrap();
    assert_eq!(callback.bind(None).unwrap_err(), Rejection::NoOrder);
    assert_eq!(callback.bind_to_unsigned_body().unwrap().order_id(), ORDER);
    // With a signed reference, the body never chooses the order.
    let signed = verify("POST", PAID, &headers(TOKEN, SECRET, NOW, PAID), &body).unwrap();
    assert!(signed.bind_to_unsigned_body().is_err());
}

#[test]
fn unknown_status_and_extra_fields_do_not_fail() {
    let mut body = order_body("CONFIRMING");
    body["tx_type"] = json!("AIRDROP");
    body["new_field"] = json!({"a": [1, 2]});
    let bytes = serde_json::to_vec(&body).unwrap();
    let callback = verify("POST", PAID, &headers(TOKEN, SECRET, NOW, PAID), &bytes).unwrap();
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
    let callback = verify("POST", url, &headers(TOKEN, SECRET, NOW, url), minimal).unwrap();
    let unsigned = callback.unsigned_body().unwrap();
    assert_eq!(unsigned.order_id, "42");
    assert!(unsigned.order.is_none());
    assert_eq!(callback.event(), CallbackEvent::Unknown);
}

#[test]
fn wrong_token_and_wrong_secret() {
    let wrong_token = verify(
        "GET",
        PAID,
        &headers("NOT-THE-TOKEN", SECRET, NOW, PAID),
        b"",
    );
    assert_eq!(wrong_token.unwrap_err(), Rejection::WrongToken);
    let wrong_secret = verify("GET", PAID, &headers(TOKEN, "other-secret", NOW, PAID), b"");
    assert_eq!(wrong_secret.unwrap_err(), Rejection::BadSignature);
}

#[test]
fn signature_over_another_url_is_rejected() {
    for signed in [
        "https://shop.example/aurpay/timeout?order_id=20250207040935220628", // other path
        "https://shop.example/aurpay/paid?order_id=99999999999999999999",    // other query
        "https://evil.example/aurpay/paid?order_id=20250207040935220628",    // other host
        "http://shop.example/aurpay/paid?order_id=20250207040935220628",     // other scheme
        "https://shop.example/aurpay/paid",                                  // query dropped
    ] {
        let result = verify("GET", PAID, &headers(TOKEN, SECRET, NOW, signed), b"");
        assert_eq!(result.unwrap_err(), Rejection::BadSignature, "{signed}");
    }
}

#[test]
fn each_missing_header_is_named() {
    for (name, label) in [
        ("callback-token", "Callback-Token"),
        ("date", "Date"),
        ("signature", "Signature"),
    ] {
        let mut h = headers(TOKEN, SECRET, NOW, PAID);
        h.remove(name);
        assert_eq!(
            verify("GET", PAID, &h, b"").unwrap_err(),
            Rejection::MissingHeader(label)
        );
    }
    // API-Key is documented as attached but not needed for verification.
    let mut h = headers(TOKEN, SECRET, NOW, PAID);
    h.remove("api-key");
    assert!(verify("GET", PAID, &h, b"").is_ok());
}

#[test]
fn repeated_or_binary_headers_are_invalid() {
    let mut h = headers(TOKEN, SECRET, NOW, PAID);
    h.append("signature", HeaderValue::from_static("AAAA"));
    assert_eq!(
        verify("GET", PAID, &h, b"").unwrap_err(),
        Rejection::InvalidHeader("Signature")
    );
    let mut h = headers(TOKEN, SECRET, NOW, PAID);
    h.insert(
        "callback-token",
        HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
    );
    assert_eq!(
        verify("GET", PAID, &h, b"").unwrap_err(),
        Rejection::InvalidHeader("Callback-Token")
    );
    let mut h = headers(TOKEN, SECRET, NOW, PAID);
    h.insert("signature", HeaderValue::from_static("not base64!"));
    assert_eq!(
        verify("GET", PAID, &h, b"").unwrap_err(),
        Rejection::BadSignature
    );
}

#[test]
fn stale_and_future_dates_are_rejected_and_the_window_is_configurable() {
    let stale = verify(
        "GET",
        PAID,
        &headers(TOKEN, SECRET, "2025-02-07T04:04:59Z", PAID),
        b"",
    );
    assert_eq!(
        stale.unwrap_err(),
        Rejection::StaleDate {
            age: Duration::from_secs(301)
        }
    );
    let edge = verify(
        "GET",
        PAID,
        &headers(TOKEN, SECRET, "2025-02-07T04:05:00Z", PAID),
        b"",
    );
    assert!(edge.is_ok(), "exactly 5 minutes old is inside the window");
    let future = verify(
        "GET",
        PAID,
        &headers(TOKEN, SECRET, "2025-02-07T04:15:01Z", PAID),
        b"",
    );
    assert_eq!(
        future.unwrap_err(),
        Rejection::FutureDate {
            ahead: Duration::from_secs(301)
        }
    );

    let old = headers(TOKEN, SECRET, "2024-06-17T00:00:00Z", PAID);
    let request = CallbackRequest::new("GET", PAID, &old, b"");
    assert!(matches!(
        verifier().verify(&request),
        Err(Rejection::StaleDate { .. })
    ));
    assert!(
        verifier().without_freshness().verify(&request).is_ok(),
        "replays allowed when turned off"
    );
    assert!(
        verifier()
            .freshness(Duration::from_secs(400 * 86_400))
            .verify(&request)
            .is_ok()
    );
}

#[test]
fn unparsable_dates_are_rejected() {
    for date in ["yesterday", "", "2025-13-45T99:99:99Z", "1738901375"] {
        let result = verify("GET", PAID, &headers(TOKEN, SECRET, date, PAID), b"");
        assert_eq!(result.unwrap_err(), Rejection::UnparsableDate, "{date:?}");
    }
    // Other ISO-8601 spellings are accepted.
    for date in [
        "2025-02-07T04:09:35.123Z",
        "2025-02-07T12:09:35+08:00",
        "2025-02-07T04:09:35",
    ] {
        assert!(
            verify("GET", PAID, &headers(TOKEN, SECRET, date, PAID), b"").is_ok(),
            "{date}"
        );
    }
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

fn header_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let names = prop_oneof![
        Just("callback-token".to_owned()),
        Just("date".to_owned()),
        Just("signature".to_owned()),
        Just("api-key".to_owned()),
        "[a-z-]{1,12}",
    ];
    prop::collection::vec((names, prop::collection::vec(any::<u8>(), 0..64)), 0..6)
}

proptest! {
    // Cases: `PROPTEST_CASES` (proptest's default, 256, here; `.ci/run`
    // sets many more).
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary headers, URLs, methods and bodies never panic the verifier;
    /// whatever it accepts really carries the right token.
    #[test]
    fn arbitrary_requests_never_panic(
        header_pairs in header_strategy(),
        url in ".{0,80}",
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), "[A-Za-z]{0,8}"],
        body in prop::collection::vec(any::<u8>(), 0..256),
        valid_signature in any::<bool>(),
    ) {
        let mut map = HeaderMap::new();
        for (name, value) in &header_pairs {
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
                map.append(name, value);
            }
        }
        if valid_signature {
            // Half the cases get a correct token and signature, so the
            // date, method and body paths are exercised too.
            let date = map.get("date").and_then(|d| d.to_str().ok()).unwrap_or(NOW).to_owned();
            map.insert("callback-token", HeaderValue::from_static(TOKEN));
            if let Ok(value) = HeaderValue::from_str(&independent_signature(SECRET, &date, &url)) {
                map.insert("signature", value);
            }
            if let Ok(value) = HeaderValue::from_str(&date) {
                map.insert("date", value);
            }
        }
        let result = verifier().without_freshness().verify(&CallbackRequest::new(&method, &url, &map, &body));
        if result.is_ok() {
            prop_assert_eq!(map.get("callback-token").map(|v| v.as_bytes()), Some(TOKEN.as_bytes()));
        }
    }
}
