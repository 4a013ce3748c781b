//! What the spec or the supported lists forbid is refused with a documented
//! code: malformed pages, bodies that break the request schema, unsupported
//! currencies and chains.

use aurpay_api::sandbox::codes;
use serde_json::json;

use super::{Raw, assert_refused, code};

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
