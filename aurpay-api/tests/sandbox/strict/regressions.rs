//! Inputs that once crashed the sandbox, dropped the connection or hung,
//! and faults that once sent the wrong bytes: each answered as it should.

use std::time::{Duration, Instant};

use aurpay_api::Operation;
use aurpay_api::sandbox::{Fault, Repeat, codes};
use serde_json::json;
use tokio::io::AsyncReadExt;

use super::{Raw, assert_refused, code, read_until};

/// Regression: the largest schema-valid page overflowed `(page - 1) * size`
/// and the connection dropped.
#[tokio::test]
async fn the_largest_page_is_an_empty_page() {
    let raw = Raw::start().await;
    for path in ["/api/v2/order/", "/api/v2/tx"] {
        // The spec's maxima (INFERRED): page 2^31 - 1, size 100.
        for query in ["?page=2147483647", "?page=2147483647&size=100"] {
            let envelope = raw.get(&format!("{path}{query}")).await;
            assert_eq!(code(&envelope), 0, "{path}{query}: {envelope}");
            assert_eq!(envelope["data"]["data"], json!([]), "{path}{query}");
        }
        for query in [
            "?page=2147483648",
            "?size=101",
            "?page=9223372036854775807&size=9223372036854775807",
        ] {
            let envelope = raw.get(&format!("{path}{query}")).await;
            assert_refused(&envelope, codes::BAD_REQUEST, &format!("{path}{query}"));
        }
    }
}

/// Regression: `price: 1e25` overflowed in the Lightning amount, and
/// `vs_price: 2e28` in the crypto conversion; huge prices are refused with
/// a code or served, never a crash.
#[tokio::test]
async fn huge_prices_do_not_crash() {
    let raw = Raw::start().await;
    let lightning = raw
        .post_json("/api/bln/order", json!({"price": 1e25, "currency": "USD"}))
        .await;
    assert_refused(
        &lightning,
        codes::AMOUNT_OUT_OF_RANGE,
        "BLN order for 1e25 USD",
    );
    for (chain, currency) in [("TRX", "USDT-TRC20"), ("BTC", "BTC"), ("ETH", "ETH")] {
        for price in ["2e28", "79228162514264337593543950335", "1e300"] {
            let body = format!(
                r#"{{"chain":"{chain}","currency":"{currency}","vs_currency":"USD","vs_price":{price}}}"#
            );
            let (status, envelope) = raw.post_text("/api/order/pay-info", body).await;
            assert_eq!(status, 200, "{envelope}");
            let code = code(&envelope);
            assert!(
                code == 0 || code == codes::AMOUNT_OUT_OF_RANGE || code == codes::BAD_REQUEST,
                "{currency} for {price}: {envelope}"
            );
        }
    }
    // Still serving.
    assert_eq!(code(&raw.get("/api/bln/balance").await), 0);
}

/// Regression: a body shorter than its Content-Length got no answer for
/// 15 s or more. It is now answered within the sandbox's read timeout.
#[tokio::test]
async fn a_short_body_is_answered_promptly() {
    let raw = Raw::start().await;
    let mut stream = raw
        .write(
            "POST /api/bln/order HTTP/1.1",
            "Content-Type: application/json\r\nContent-Length: 100\r\n",
            "{\"price\":",
        )
        .await;
    let started = Instant::now();
    let (answer, error) = read_until(&mut stream, Duration::from_secs(10), |answer| {
        String::from_utf8_lossy(answer).contains("\"code\"")
    })
    .await;
    assert!(error.is_none(), "read: {error:?}");
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.contains(&format!("\"code\":{}", codes::BODY_TIMEOUT)),
        "after {elapsed:?}: {text}"
    );
    assert!(
        elapsed < Duration::from_secs(6),
        "answered after {elapsed:?}"
    );
}

/// `Fault::Reset`: the request is processed, then the connection closes
/// with not one byte of answer.
#[tokio::test]
async fn a_reset_sends_nothing_back() {
    let raw = Raw::start().await;
    raw.sandbox
        .inject(Operation::GET_BLN_BALANCE, Fault::Reset, Repeat::Once);
    let mut stream = raw.write("GET /api/bln/balance HTTP/1.1", "", "").await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was closed");
    assert!(
        answer.is_empty(),
        "nothing was sent: {}",
        String::from_utf8_lossy(&answer)
    );
    // Once: the next call is answered.
    assert_eq!(code(&raw.get("/api/bln/balance").await), 0);
}

/// Amounts in JSON number form keep every digit through the sandbox, in
/// and out (regression: they went through f64).
#[tokio::test]
async fn number_form_amounts_keep_their_digits() {
    let raw = Raw::start().await;
    let body = r#"{"chain":"ETH","currency":"USDT-ERC20","vs_currency":"USD","vs_price":1234567890.123456789012345678}"#;
    let (_, envelope) = raw.post_text("/api/order/pay-info", body).await;
    assert_eq!(code(&envelope), 0, "{envelope}");
    // Read the answer's text, not a Value (which would hold an f64).
    let text = raw
        .http
        .post(format!("{}/api/order/pay-info", raw.sandbox.base_url()))
        .header("API-Key", raw.sandbox.config().api_key.as_str())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("\"vs_price\":1234567890.123456789012345678"),
        "{text}"
    );
    let order_id = envelope["data"]["order_id"].as_str().unwrap().to_owned();
    let detail = crate::wire_text(&raw.sandbox, &format!("/api/v2/order/detail/{order_id}")).await;
    assert!(
        detail.contains("\"vs_price\":\"1234567890.123456789012345678\""),
        "{detail}"
    );
}

/// A raw HTTP answer to a GET, read until the connection ends (bounded):
/// its head and body.
async fn raw_answer(raw: &Raw, path: &str) -> (String, String) {
    let mut stream = raw
        .write(&format!("GET {path} HTTP/1.1"), "Connection: close\r\n", "")
        .await;
    // A read error ends the answer too: the faults here break it off.
    let (answer, _) = read_until(&mut stream, Duration::from_secs(5), |_| false).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("headers were sent");
    (head.to_owned(), body.to_owned())
}

/// Truncated and dropped answers really send their first half (regression:
/// they sent nothing, like a reset).
#[tokio::test]
async fn broken_answers_send_their_first_half() {
    let raw = Raw::start().await;
    raw.sandbox
        .inject(Operation::GET_WALLETS_LIST, Fault::Truncated, Repeat::Once);
    let (head, body) = raw_answer(&raw, "/api/wallet/list").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .expect("a Content-Length")
        .trim()
        .parse()
        .unwrap();
    assert!(
        !body.is_empty() && body.len() < declared,
        "{} of {declared}: {body}",
        body.len()
    );
    assert!(body.starts_with("{\"code\":0"), "{body}");

    raw.sandbox.inject(
        Operation::GET_WALLETS_LIST,
        Fault::DropConnection,
        Repeat::Once,
    );
    let (head, body) = raw_answer(&raw, "/api/wallet/list").await;
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert!(
        body.contains("{\"code\":0"),
        "part of the body arrived: {body}"
    );
    assert!(
        !body.ends_with("0\r\n\r\n"),
        "the chunked body never ends: {body}"
    );
}
