//! The quickstart's read-only tour against a local server, with each
//! authentication scheme: every call succeeds and prints one line.

mod support;
#[path = "../examples/tour/mod.rs"]
mod tour;

use aurpay_api::{Client, Credentials, SignatureAlgorithm};
use serde_json::json;
use support::{Auth, Reply, TestServer};

fn replies(server: &TestServer) {
    server.push(Reply::ok(json!(["USD", "CNY"])));
    server.push(Reply::ok(
        json!([{"chain": "ETH", "currency": "USDT-ERC20"}, {"chain": "BTC", "currency": "BTC"}]),
    ));
    server.push(Reply::ok(json!({"page": 1, "size": 10, "total": 1, "max_page": 1, "data": [{
        "user_id": "mct-07d283468bf8", "order_id": "20240806071926377966", "order_type": "INVOICE",
        "platform": "AURPAY", "status": "SUCCESS", "chain": "TRX", "chain_name": "Tron", "currency": "USDC-TRC20",
        "amount": "19.0012", "vs_price": "19.0", "vs_currency": "USD", "remark": "", "refund": true,
        "create_time": "2024-08-06T07:19:26", "update_time": "2024-08-06T07:49:26"}]})));
    server.push(Reply::ok(json!({
        "user_id": "mct-07d283468bf8", "order_id": "20240806071926377966", "order_type": "INVOICE", "platform": "AURPAY",
        "status": "SUCCESS", "chain": "TRX", "chain_name": "Tron", "currency": "USDC-TRC20", "amount": "19.0012",
        "vs_price": "19.0", "vs_currency": "USD", "remark": "", "refund": true, "bind_id": null,
        "create_time": "2024-08-06T07:19:26", "update_time": "2024-08-06T07:49:26", "tx_id": "t1", "tx_type": "ORDER",
        "obtained": "19.0012", "fee": "0.19", "from_addr": null, "to_addr": "TPYm", "tx_hash": "abc",
        "tx_hash_list": ["abc"], "contract_id": null, "website": null})));
    server.push(Reply::ok(json!({"order_id": "20240806071926377966", "chain": "TRX", "currency": "USDC-TRC20", "amount": "19.0012"})));
    server.push(Reply::ok(
        json!({"page": 1, "size": 10, "total": 0, "max_page": 0, "data": []}),
    ));
    server.push(Reply::ok(
        json!([{"chain": "TRX", "currency": "USDT-TRC20", "balance": "120.5"}]),
    ));
    server.push(Reply::ok(
        json!([{"chain": "ETH", "currency": "USDT-ERC20", "address": "0x6866"}]),
    ));
    server.push(Reply::ok(json!({"balance": 0.00155419, "currency": "BTC"})));
}

#[tokio::test]
async fn read_only_tour_passes_with_each_scheme() {
    let schemes = [
        (
            Auth::ApiKey("tour-key".into()),
            Credentials::api_key("tour-key").unwrap(),
        ),
        (
            Auth::Signature {
                token: "TOKEN".into(),
                secret: "secret".into(),
            },
            Credentials::signature("TOKEN", "secret", SignatureAlgorithm::HmacSha256).unwrap(),
        ),
        (
            Auth::Signature {
                token: "TOKEN".into(),
                secret: "secret".into(),
            },
            Credentials::signature("TOKEN", "secret", SignatureAlgorithm::HmacSha3_256).unwrap(),
        ),
    ];
    for (auth, credentials) in schemes {
        let server = TestServer::start(auth).await;
        replies(&server);
        let client = Client::builder()
            .base_url(server.url())
            .credentials(credentials)
            .build()
            .unwrap();
        let mut out = Vec::new();
        let ok = tour::read_only_tour(&client, &mut out).await;
        let text = String::from_utf8(out).unwrap();
        assert!(ok, "{text}");
        assert_eq!(text.lines().count(), 9, "{text}");
        assert!(text.lines().all(|l| l.starts_with("ok ")), "{text}");
        assert!(
            text.contains("20240806071926377966 SUCCESS 19.0012 USDC-TRC20 (paid: true)"),
            "{text}"
        );
        assert!(text.contains("0.00155419 BTC"), "{text}");
        assert!(
            server
                .received()
                .iter()
                .all(|r| r.auth_error.is_none() && r.method == "GET")
        );
    }
}

#[tokio::test]
async fn tour_reports_failures_and_returns_false() {
    let server = TestServer::start(Auth::ApiKey("right".into())).await;
    let client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::api_key("wrong").unwrap())
        .build()
        .unwrap();
    let mut out = Vec::new();
    assert!(!tour::read_only_tour(&client, &mut out).await);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.lines()
            .all(|l| l.starts_with("FAIL ") && l.contains("authentication failed")),
        "{text}"
    );
}
