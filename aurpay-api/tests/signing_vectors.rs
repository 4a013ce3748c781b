//! The shared, language-independent signing vectors
//! (`spec/vectors/signing.json`): the SDK's request signer and callback
//! verifier reproduce every one. The other-language checks read the same
//! file.

use std::time::Duration;

use aurpay_api::callback::{CallbackRequest, CallbackVerifier, Rejection};
use aurpay_api::signing;
use aurpay_api::{SignatureAlgorithm, Timestamp};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/vectors/signing.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

#[test]
fn request_signing_vectors() {
    let vectors = vectors();
    let cases = vectors["request_signing"].as_array().unwrap();
    assert!(
        cases.len() >= 6,
        "GET with and without query, POST, both algorithms, empty body"
    );
    let mut algorithms = std::collections::BTreeSet::new();
    let mut fractional = 0;
    for case in cases {
        let name = text(case, "name");
        let algorithm = SignatureAlgorithm::from(text(case, "algorithm"));
        assert!(!algorithm.is_unknown(), "{name}");
        algorithms.insert(algorithm.as_str().to_owned());
        let date_text = text(case, "date");
        let date: Timestamp = date_text.parse().unwrap();
        let body = case["body"].as_str().map(str::as_bytes);
        let expected = &case["expected"];
        // The Date text is signed as sent, whole seconds or not.
        let body_md5 = body.filter(|b| !b.is_empty()).map(signing::body_md5);
        assert_eq!(body_md5.as_deref(), expected["body_md5"].as_str(), "{name}");
        let message = signing::string_to_sign(
            &algorithm,
            date_text,
            text(case, "method"),
            text(case, "path_and_query"),
            body_md5.as_deref(),
        );
        assert_eq!(message, text(expected, "string_to_sign"), "{name}");
        assert_eq!(
            signing::sign(&algorithm, text(case, "api_secret").as_bytes(), &message).as_deref(),
            Some(text(expected, "signature")),
            "{name}"
        );
        // The SDK's signer sends whole seconds: for those vectors its
        // headers are the vector's; a millisecond Date it rounds down.
        let headers = signing::signature_headers(
            &algorithm,
            text(case, "api_secret").as_bytes(),
            &date,
            text(case, "method"),
            text(case, "path_and_query"),
            body,
        )
        .unwrap();
        assert_eq!(headers.body_md5, body_md5, "{name}");
        if date_text.contains('.') {
            fractional += 1;
            assert_eq!(headers.date, date_text[..19].to_owned() + "Z", "{name}");
        } else {
            assert_eq!(headers.date, date_text, "{name}");
            assert_eq!(headers.signature, text(expected, "signature"), "{name}");
        }
    }
    assert!(fractional >= 1, "a Date with milliseconds is covered");
    assert_eq!(algorithms.len(), 2, "both algorithms are covered");
}

#[test]
fn callback_verification_vectors() {
    let vectors = vectors();
    let cases = vectors["callback_verification"].as_array().unwrap();
    let mut reasons = std::collections::BTreeSet::new();
    let mut fractional_valid = 0;
    for case in cases {
        let name = text(case, "name");
        let now: Timestamp = text(case, "now").parse().unwrap();
        let verifier =
            CallbackVerifier::new(text(case, "callback_token"), text(case, "callback_secret"))
                .unwrap()
                .freshness(Duration::from_secs(
                    case["freshness_seconds"].as_u64().unwrap(),
                ))
                .clock(aurpay_api::clock::ManualClock::starting_at(now));
        let request = &case["request"];
        let mut headers = axum::http::HeaderMap::new();
        for (header, value) in request["headers"].as_object().unwrap() {
            headers.insert(
                axum::http::HeaderName::from_bytes(header.as_bytes()).unwrap(),
                value.as_str().unwrap().parse().unwrap(),
            );
        }
        let outcome = verifier.verify(&CallbackRequest::new(
            text(request, "method"),
            text(request, "url"),
            &headers,
            request["body"].as_str().unwrap_or("").as_bytes(),
        ));
        let expected = &case["expected"];
        if expected["valid"].as_bool().unwrap() {
            let verified = outcome.unwrap_or_else(|r| panic!("{name}: {r}"));
            if text(&request["headers"], "Date").contains('.') {
                fractional_valid += 1;
            }
            assert_eq!(verified.signed_url(), text(request, "url"), "{name}");
        } else {
            let rejection = outcome.err().unwrap_or_else(|| panic!("{name} verified"));
            let reason = text(expected, "reason");
            reasons.insert(reason.to_owned());
            let matches = match reason {
                "bad_signature" => rejection == Rejection::BadSignature,
                "wrong_token" => rejection == Rejection::WrongToken,
                "stale" => matches!(rejection, Rejection::StaleDate { .. }),
                "future" => matches!(rejection, Rejection::FutureDate { .. }),
                other => panic!("{name}: unknown reason {other}"),
            };
            assert!(matches, "{name}: expected {reason}, got {rejection:?}");
        }
        // The vector's string to sign is "{Date} | {URL}".
        let (date, url) = text(case, "string_to_sign").split_once(" | ").unwrap();
        assert_eq!(date, text(&request["headers"], "Date"), "{name}");
        assert!(url.starts_with("http"), "{name}");
    }
    for reason in ["bad_signature", "stale", "wrong_token"] {
        assert!(reasons.contains(reason), "a {reason} vector");
    }
    assert!(
        fractional_valid >= 2,
        "genuine callbacks with a millisecond Date verify"
    );
}
