//! The sandbox refuses what the spec (or Aurpay's supported lists) forbid,
//! with a documented envelope code, and no input crashes it: the inputs that
//! once dropped the connection or hung are regression tests here.
//!
//! Requests are written by hand (reqwest, or raw bytes over TCP) because the
//! SDK would refuse most of them before they leave.

use std::time::{Duration, Instant};

use aurpay_api::sandbox::{Sandbox, codes};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Raw {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Raw {
    async fn start() -> Raw {
        Raw {
            sandbox: Sandbox::builder().start().await.expect("sandbox"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// Sends a request with the sandbox's API key; returns the HTTP status
    /// and the whole envelope (a dropped connection or a non-JSON answer
    /// fails the test).
    async fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<(&str, String)>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(
                method,
                format!("{}{path_and_query}", self.sandbox.base_url()),
            )
            .header("API-Key", self.sandbox.config().api_key.as_str());
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path_and_query}: no answer: {e}"));
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("{path_and_query}: body broke off: {e}"));
        let envelope = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path_and_query}: not JSON ({e}): {text}"));
        (status, envelope)
    }

    async fn get(&self, path_and_query: &str) -> Value {
        let (status, envelope) = self.send(reqwest::Method::GET, path_and_query, None).await;
        assert_eq!(status, 200, "{path_and_query}: {envelope}");
        envelope
    }

    async fn post_json(&self, path: &str, body: Value) -> Value {
        let (status, envelope) = self
            .send(
                reqwest::Method::POST,
                path,
                Some(("application/json", body.to_string())),
            )
            .await;
        assert_eq!(status, 200, "{path}: {envelope}");
        envelope
    }
}

fn code(envelope: &Value) -> i64 {
    envelope["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no code: {envelope}"))
}

fn assert_refused(envelope: &Value, expected: i64, what: &str) {
    assert_eq!(code(envelope), expected, "{what}: {envelope}");
    assert_eq!(envelope["result"], json!(false), "{what}: {envelope}");
    assert!(envelope.get("data").is_none(), "{what}: {envelope}");
    assert!(
        envelope["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: a message says why: {envelope}"
    );
}

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
            let (status, envelope) = raw
                .send(
                    reqwest::Method::POST,
                    "/api/order/pay-info",
                    Some(("application/json", body)),
                )
                .await;
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
    let address = raw
        .sandbox
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let request = format!(
        "POST /api/bln/order HTTP/1.1\r\nHost: {address}\r\nAPI-Key: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"price\":",
        raw.sandbox.config().api_key
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\"code\"") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Ok(Err(e)) => panic!("read: {e}"),
        }
    }
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

/// Query parameters the spec bounds or types: refused, not replaced by a
/// default.
#[tokio::test]
async fn malformed_pages_are_refused() {
    let raw = Raw::start().await;
    for path in ["/api/v2/order/", "/api/v2/tx"] {
        for query in [
            "page=abc",
            "page=0",
            "page=-1",
            "size=0",
            "size=-5",
            "size=1.5",
            "page=",
            "page=1&page=2",
            "pages=2",
            "page=99999999999999999999",
        ] {
            let envelope = raw.get(&format!("{path}?{query}")).await;
            assert_refused(&envelope, codes::BAD_REQUEST, &format!("{path}?{query}"));
        }
        assert_eq!(code(&raw.get(&format!("{path}?page=1&size=5")).await), 0);
    }
}

/// Bodies that break the spec's request schema: wrong JSON types, missing
/// required fields, prices that are not positive, not JSON at all, or not
/// sent as JSON.
#[tokio::test]
async fn bodies_that_break_the_schema_are_refused() {
    let raw = Raw::start().await;
    let bad_bodies = [
        (
            "/api/order/pay-url",
            json!({"price": "10", "currency": "USD"}),
            "a string price",
        ),
        (
            "/api/order/pay-url",
            json!({"price": 0, "currency": "USD"}),
            "a zero price",
        ),
        (
            "/api/order/pay-url",
            json!({"price": -10, "currency": "USD"}),
            "a negative price",
        ),
        ("/api/order/pay-url", json!({"currency": "USD"}), "no price"),
        (
            "/api/bln/order",
            json!({"price": -10, "currency": "USD"}),
            "a negative BLN price",
        ),
        (
            "/api/order/pay-info",
            json!({"chain": "ETH", "currency": "ETH", "vs_currency": "USD", "vs_price": "10"}),
            "a string vs_price",
        ),
        (
            "/api/order/pay-info",
            json!({"chain": 1, "currency": "ETH", "vs_currency": "USD", "vs_price": 10}),
            "a numeric chain",
        ),
        (
            "/api/wallet/withdraw",
            json!({"chain": "TRX", "currency": "USDT-TRC20", "amount": "1e5", "address": "T"}),
            "an amount in exponent form",
        ),
        ("/api/order/pay-url", json!([20, "USD"]), "an array"),
        ("/api/order/pay-url", json!(null), "null"),
    ];
    for (path, body, what) in bad_bodies {
        let envelope = raw.post_json(path, body).await;
        assert_refused(&envelope, codes::BAD_REQUEST, what);
    }
    let good = json!({"price": 10, "currency": "USD"}).to_string();
    for (content_type, body, what) in [
        ("text/plain", good.clone(), "Content-Type text/plain"),
        (
            "application/x-www-form-urlencoded",
            "price=10&currency=USD".to_owned(),
            "a form",
        ),
        (
            "application/json",
            "{\"price\": 10,".to_owned(),
            "truncated JSON",
        ),
        ("application/json", String::new(), "no body"),
    ] {
        let (status, envelope) = raw
            .send(
                reqwest::Method::POST,
                "/api/order/pay-url",
                Some((content_type, body)),
            )
            .await;
        assert_eq!(status, 200);
        assert_refused(&envelope, codes::BAD_REQUEST, what);
    }
    // A body on an operation that takes none.
    let (_, envelope) = raw
        .send(
            reqwest::Method::GET,
            "/api/bln/balance",
            Some(("application/json", good)),
        )
        .await;
    assert_refused(&envelope, codes::BAD_REQUEST, "a body on a GET");
}

/// Currencies and chains outside the sandbox's supported lists (the ones
/// Get Support Real / Crypto Currency List answer), typos included.
#[tokio::test]
async fn unsupported_currencies_are_refused() {
    let raw = Raw::start().await;
    let refusals = [
        (
            "/api/order/pay-url",
            json!({"price": 10, "currency": "XXX"}),
        ),
        ("/api/bln/order", json!({"price": 10, "currency": "usd"})),
        (
            "/api/order/pay-info",
            json!({"chain": "NOPE", "currency": "NOPE", "vs_currency": "USD", "vs_price": 10}),
        ),
        (
            "/api/order/pay-info",
            json!({"chain": "ETH", "currency": "USDT_ERC20", "vs_currency": "USD", "vs_price": 10}),
        ),
        (
            "/api/order/pay-info",
            json!({"chain": "TRX", "currency": "USDT-ERC20", "vs_currency": "USD", "vs_price": 10}),
        ),
        (
            "/api/order/pay-info",
            json!({"chain": "ETH", "currency": "ETH", "vs_currency": "XXX", "vs_price": 10}),
        ),
    ];
    for (path, body) in refusals {
        let envelope = raw.post_json(path, body.clone()).await;
        assert_refused(&envelope, codes::UNSUPPORTED_CURRENCY, &body.to_string());
    }
    // What the lists offer is accepted.
    let crypto = raw.get("/api/order/pay/crypto-currency").await;
    for pair in crypto["data"].as_array().expect("a list") {
        let body = json!({"chain": pair["chain"], "currency": pair["currency"], "vs_currency": "EUR", "vs_price": 10});
        assert_eq!(
            code(&raw.post_json("/api/order/pay-info", body.clone()).await),
            0,
            "{body}"
        );
    }
}

/// `Fault::Reset`: the request is processed, then the connection closes
/// with not one byte of answer.
#[tokio::test]
async fn a_reset_sends_nothing_back() {
    use aurpay_api::Operation;
    use aurpay_api::sandbox::{Fault, Repeat};
    let raw = Raw::start().await;
    raw.sandbox
        .inject(Operation::GET_BLN_BALANCE, Fault::Reset, Repeat::Once);
    let address = raw
        .sandbox
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let request = format!(
        "GET /api/bln/balance HTTP/1.1\r\nHost: {address}\r\nAPI-Key: {}\r\n\r\n",
        raw.sandbox.config().api_key
    );
    stream.write_all(request.as_bytes()).await.expect("write");
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
    let (_, envelope) = raw
        .send(
            reqwest::Method::POST,
            "/api/order/pay-info",
            Some(("application/json", body.to_owned())),
        )
        .await;
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
    let detail = raw
        .http
        .get(format!(
            "{}/api/v2/order/detail/{order_id}",
            raw.sandbox.base_url()
        ))
        .header("API-Key", raw.sandbox.config().api_key.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("\"vs_price\":\"1234567890.123456789012345678\""),
        "{detail}"
    );
}

/// A path parameter is percent-decoded as a path: `+` is a plus sign.
#[tokio::test]
async fn path_parameters_are_decoded_as_paths() {
    let raw = Raw::start().await;
    let envelope = raw.get("/api/v2/order/detail/2024+0806").await;
    assert_eq!(code(&envelope), codes::ORDER_NOT_FOUND);
    assert!(
        envelope["message"].as_str().unwrap().contains("2024+0806"),
        "{envelope}"
    );
}

/// Withdrawals name the wallet's own chain.
#[tokio::test]
async fn a_withdrawal_on_another_chain_is_refused() {
    let raw = Raw::start().await;
    for chain in ["ETH", "<b>"] {
        let envelope = raw
            .post_json(
                "/api/wallet/withdraw",
                json!({"chain": chain, "currency": "USDT-TRC20", "amount": 1, "address": "T"}),
            )
            .await;
        assert_refused(&envelope, codes::UNSUPPORTED_CURRENCY, chain);
    }
    let envelope = raw
        .post_json(
            "/api/bln/withdraw",
            json!({"ln_invoices": "lntb1", "amount": "-5"}),
        )
        .await;
    // The spec's `Amount` pattern admits no sign.
    assert_refused(
        &envelope,
        codes::BAD_REQUEST,
        "a negative Lightning withdrawal",
    );
}

/// Reads a raw HTTP answer to a GET until the connection ends (bounded).
async fn raw_answer(raw: &Raw, path: &str) -> Vec<u8> {
    let address = raw
        .sandbox
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAPI-Key: {}\r\nConnection: close\r\n\r\n",
        raw.sandbox.config().api_key
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    answer
}

/// Truncated and dropped answers really send their first half (regression:
/// they sent nothing, like a reset).
#[tokio::test]
async fn broken_answers_send_their_first_half() {
    use aurpay_api::Operation;
    use aurpay_api::sandbox::{Fault, Repeat};
    let raw = Raw::start().await;
    raw.sandbox
        .inject(Operation::GET_WALLETS_LIST, Fault::Truncated, Repeat::Once);
    let answer = String::from_utf8_lossy(&raw_answer(&raw, "/api/wallet/list").await).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("headers were sent");
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
    let answer = String::from_utf8_lossy(&raw_answer(&raw, "/api/wallet/list").await).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("headers were sent");
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
