//! How each answer is read: HTML and empty or cut bodies are undecodable,
//! a non-zero code is an API error, code 401 an authentication error,
//! unknown values and extra fields decode, and pages stream each item once.

use aurpay_api::{ErrorKind, OrderStatus, Outcome, TransactionType, types};
use futures_util::TryStreamExt;
use serde_json::json;

use super::{SCHEMES, Scheme, details, order_detail, pay_info, pay_info_data, setup};
use crate::support::{self, Reply, assert_kind};

#[tokio::test]
async fn html_502_is_undecodable_with_status_and_snippet_after_retries() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        server.set_fallback(Reply::json(html).status(502).content_type("text/html"));
        let error = details(&client).await.unwrap_err();
        match error.kind() {
            ErrorKind::Http { status, snippet } => {
                assert_eq!(*status, 502);
                assert!(snippet.starts_with("<html>"), "{snippet}");
                assert_eq!(error.operation(), Some("get_orders_details"));
                assert_eq!(error.outcome(), Outcome::Unknown);
                assert!(support::safe_to_retry(&error), "a read call");
            }
            other => panic!("{scheme:?}: expected Http, got {other:?}"),
        }
        assert_eq!(server.received().len(), 3, "a GET is retried on 502");
    }
}

#[tokio::test]
async fn empty_and_truncated_bodies_are_undecodable() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        server.push(Reply::json(""));
        server.push(Reply::json(
            r#"{"code":0,"message":"ok","data":{"page":1,"si"#,
        ));
        let empty = client.get_orders().call().await.unwrap_err();
        assert_kind!(empty, ErrorKind::Undecodable { status: 200, .. });
        let truncated = client.get_orders().call().await.unwrap_err();
        match truncated.kind() {
            ErrorKind::Undecodable {
                status: 200,
                snippet,
                ..
            } => assert!(snippet.contains("\"page\":1")),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn nonzero_code_with_http_200_is_an_api_error() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        server.push(Reply::json(
            r#"{"code":1001,"message":"order not found","data":null,"result":false}"#,
        ));
        // `data` of the wrong type, as some error bodies carry.
        server.push(Reply::json(
            r#"{"code":1002,"msg":"bad order id","data":""}"#,
        ));
        let error = client
            .get_orders_details()
            .order_id("x")
            .call()
            .await
            .unwrap_err();
        assert_kind!(error, ErrorKind::Api { code: 1001, status: 200, message, .. } if message == "order not found");
        let error = client
            .get_orders_details()
            .order_id("y")
            .call()
            .await
            .unwrap_err();
        assert_kind!(error, ErrorKind::Api { code: 1002, message, .. } if message == "bad order id");
        assert_eq!(server.received().len(), 2, "API errors are not retried");
    }
}

#[tokio::test]
async fn code_401_is_an_authentication_error() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        server.push(Reply::json(r#"{"code":401,"message":"Please check whether the public key is correct","result":false}"#));
        server.push(Reply::json(r#"{"code":401,"message":"unauthorized"}"#).status(401));
        let error = client.get_wallets_list().call().await.unwrap_err();
        assert_kind!(
            error,
            ErrorKind::Authentication {
                status: 200,
                code: Some(401),
                ..
            }
        );
        let error = client.get_wallets_list().call().await.unwrap_err();
        assert_kind!(
            error,
            ErrorKind::Authentication {
                status: 401,
                code: Some(401),
                ..
            }
        );
    }
}

#[tokio::test]
async fn unknown_values_extra_fields_mixed_amounts_and_nulls_decode() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        let mut order = order_detail();
        order["status"] = json!("CONFIRMING");
        order["tx_type"] = json!("AIRDROP");
        order["brand_new_field"] = json!({"nested": [1, 2, 3]});
        order["obtained"] = json!(0.00102549);
        server.push(Reply::json(
            json!({"code": 0, "message": "ok", "data": order, "result": true, "trace_id": "abc"})
                .to_string(),
        ));
        let order = details(&client).await.unwrap();
        assert_eq!(order.status, OrderStatus::Unknown("CONFIRMING".into()));
        assert!(!order.status.is_paid());
        assert_eq!(
            order.tx_type,
            Some(TransactionType::Unknown("AIRDROP".into()))
        );
        assert_eq!(order.amount.to_string(), "0.00102549");
        assert_eq!(order.vs_price.unwrap().to_string(), "100.0");
        assert_eq!(order.fee.unwrap().to_string(), "0.00000820392");
        assert_eq!(
            order.obtained.map(|a| a.to_string()).as_deref(),
            Some("0.00102549")
        );
        assert_eq!(order.bind_id, None);
        assert_eq!(order.create_time.unwrap().as_str(), "2025-02-06T00:00:00");

        server.push(Reply::ok(pay_info_data()));
        let info = pay_info(&client).await.unwrap();
        assert_eq!(info.amount.to_string(), "18.0098");
        assert_eq!(info.vs_price.unwrap().to_string(), "18");
        assert_eq!(serde_json::to_value(info.amount).unwrap(), json!(18.0098));
    }
}

#[tokio::test]
async fn pagination_streams_every_item_exactly_once() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        let item = |n: usize| {
            json!({
                "user_id": "mct-bea5c44da875", "tx_id": format!("tx-{n}"), "tx_type": "ORDER", "status": "SUCCESS",
                "chain": "BTC", "currency": "BTC", "amount": "0.1", "obtained": "0.1", "fee": null
            })
        };
        for page in 1..=3usize {
            let items: Vec<_> = (0..10)
                .map(|i| (page - 1) * 10 + i)
                .filter(|n| *n < 25)
                .map(item)
                .collect();
            server.push(Reply::ok(
                json!({"page": page, "size": 10, "total": 25, "max_page": 3, "data": items}),
            ));
        }
        // Never requested: the stream stops at max_page.
        server.push(Reply::ok(
            json!({"page": 4, "size": 10, "total": 25, "max_page": 3, "data": [item(99)]}),
        ));

        let all: Vec<types::Transaction> = client
            .get_transaction()
            .items(10)
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<&str> = all.iter().map(|t| t.tx_id.as_str()).collect();
        let expected: Vec<String> = (0..25).map(|n| format!("tx-{n}")).collect();
        assert_eq!(ids, expected);
        let paths: Vec<String> = server
            .received()
            .into_iter()
            .map(|r| r.path_and_query)
            .collect();
        assert_eq!(
            paths,
            [
                "/api/v2/tx?page=1&size=10",
                "/api/v2/tx?page=2&size=10",
                "/api/v2/tx?page=3&size=10"
            ]
        );
    }
}

#[tokio::test]
async fn pagination_stops_at_the_first_error() {
    let (server, client) = setup(Scheme::ApiKey).await;
    server.push(Reply::ok(json!({"page": 1, "size": 1, "total": 3, "max_page": 3, "data": [
        {"user_id": "m", "order_id": "1", "order_type": "ORDER", "platform": "AURPAY", "status": "PENDING",
         "chain": "TRX", "chain_name": "Tron", "currency": "USDT-TRC20", "amount": "1", "vs_price": "1.0",
         "vs_currency": "USD", "remark": "", "refund": false, "create_time": "2024-08-06T07:19:26",
         "update_time": "2024-08-06T07:19:26"}]})));
    server.push(Reply::json(r#"{"code":500,"message":"boom"}"#));
    let results: Vec<Result<types::OrderSummary, aurpay_api::Error>> =
        futures_util::StreamExt::collect(client.get_orders().items(1)).await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(matches!(
        results[1].as_ref().map_err(|e| e.kind()),
        Err(ErrorKind::Api { code: 500, .. })
    ));
}
