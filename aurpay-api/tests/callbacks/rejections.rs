//! Every rejection reason of the verifier: the token, the signature, the
//! signed URL, missing, repeated or binary headers, and dates outside the
//! window or unparsable.

use std::time::Duration;

use aurpay_api::callback::{CallbackRequest, Rejection};
use reqwest::header::HeaderValue;

use crate::{NOW, PAID, SECRET, TOKEN, headers, verifier, verify, verify_paid};

#[test]
fn wrong_token_and_wrong_secret() {
    let wrong_token = verify_paid("NOT-THE-TOKEN", SECRET, NOW);
    assert_eq!(wrong_token.unwrap_err(), Rejection::WrongToken);
    let wrong_secret = verify_paid(TOKEN, "other-secret", NOW);
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
    let stale = verify_paid(TOKEN, SECRET, "2025-02-07T04:04:59Z");
    assert_eq!(
        stale.unwrap_err(),
        Rejection::StaleDate {
            age: Duration::from_secs(301)
        }
    );
    let edge = verify_paid(TOKEN, SECRET, "2025-02-07T04:05:00Z");
    assert!(edge.is_ok(), "exactly 5 minutes old is inside the window");
    let future = verify_paid(TOKEN, SECRET, "2025-02-07T04:15:01Z");
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
        let result = verify_paid(TOKEN, SECRET, date);
        assert_eq!(result.unwrap_err(), Rejection::UnparsableDate, "{date:?}");
    }
    // Other ISO-8601 spellings are accepted.
    for date in [
        "2025-02-07T04:09:35.123Z",
        "2025-02-07T12:09:35+08:00",
        "2025-02-07T04:09:35",
    ] {
        assert!(verify_paid(TOKEN, SECRET, date).is_ok(), "{date}");
    }
}
