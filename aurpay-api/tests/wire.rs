//! Wire tests: the client against a real HTTP server on loopback, for both
//! authentication schemes. Each case ends in the documented result and none
//! panics.

mod support;

use std::time::Duration;

use aurpay_api::{
    Amount, Client, Credentials, ErrorKind, OrderStatus, Outcome, RetryPolicy, SignatureAlgorithm,
    TransactionType, types,
};
use futures_util::TryStreamExt;
use serde_json::json;
use support::{Auth, Reply, TestServer};

const API_KEY: &str = "test-api-key-43-chars-xxxxxxxxxxxxxxxxxxxxxxx";
const TOKEN: &str = "ABCDEFGHIJKLMNOPQRSTU";
const SECRET: &str = "test-api-secret";
const ORDER_ID: &str = "20250207040935220628";

#[derive(Clone, Copy, Debug)]
enum Scheme {
    ApiKey,
    Sha256,
    Sha3,
}

const SCHEMES: [Scheme; 3] = [Scheme::ApiKey, Scheme::Sha256, Scheme::Sha3];

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_secs(2))
        .deadline(Duration::from_secs(10))
}

/// A timeout no healthy loopback exchange comes near, even on a loaded CI
/// machine that stalls for a moment: tests that expect an answer never see
/// a timeout instead.
const STEADY_TIMEOUT: Duration = Duration::from_secs(5);

async fn setup(scheme: Scheme) -> (TestServer, Client) {
    setup_with_timeout(scheme, STEADY_TIMEOUT).await
}

async fn setup_with_timeout(scheme: Scheme, timeout: Duration) -> (TestServer, Client) {
    let (auth, credentials) = match scheme {
        Scheme::ApiKey => (
            Auth::ApiKey(API_KEY.into()),
            Credentials::api_key(API_KEY).unwrap(),
        ),
        Scheme::Sha256 | Scheme::Sha3 => {
            let algorithm = match scheme {
                Scheme::Sha256 => SignatureAlgorithm::HmacSha256,
                _ => SignatureAlgorithm::HmacSha3_256,
            };
            (
                Auth::Signature {
                    token: TOKEN.into(),
                    secret: SECRET.into(),
                },
                Credentials::signature(TOKEN, SECRET, algorithm).unwrap(),
            )
        }
    };
    let server = TestServer::start(auth).await;
    let client = Client::builder()
        .base_url(format!("{}/", server.url()))
        .credentials(credentials)
        .timeout(timeout)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    (server, client)
}

fn order_detail() -> serde_json::Value {
    json!({
        "user_id": "mct-bea5c44da875", "order_id": ORDER_ID, "order_type": "ORDER", "platform": "AURPAY",
        "status": "SUCCESS", "chain": "BTC", "chain_name": "Bitcoin", "currency": "BTC",
        "amount": "0.00102549", "vs_price": "100.0", "vs_currency": "USD", "remark": "", "refund": false,
        "bind_id": null, "create_time": "2025-02-06T00:00:00", "update_time": "2025-02-06T00:00:00",
        "tx_id": "ca1f0db3-0a3d-47c5-94ed-c94193aa1934", "tx_type": "ORDER", "obtained": null,
        "fee": "0.00000820392", "from_addr": null, "to_addr": "tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e",
        "tx_hash": null, "tx_hash_list": [], "contract_id": null, "website": null
    })
}

fn pay_info_body() -> types::PaymentInfoRequest {
    types::PaymentInfoRequest::builder()
        .chain("ETH")
        .currency("USDT-ERC20")
        .vs_currency("USD")
        .vs_price(Amount::from(10))
        .try_into()
        .unwrap()
}

fn pay_info_data() -> serde_json::Value {
    json!({
        "order_id": "20240613093614690315", "status": "PENDING", "amount": 18.0098,
        "create_time": "2024-06-13T09:36:14", "vs_currency": "USD", "vs_price": 18,
        "address": "0x686691e7b70e9239e19eB4cd080DDb8aB6F33cf3",
        "contract_addr": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        "pay_url": "https://dashboard.aurpay.net/#/cashier/20240613093614690315"
    })
}

#[tokio::test]
async fn both_schemes_send_verifiable_headers_for_get_and_post() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        server.push(Reply::ok(
            json!({"page": 2, "size": 50, "total": 0, "max_page": 0, "data": []}),
        ));
        server.push(Reply::ok(pay_info_data()));

        let page = client.get_orders().page(2u64).size(50u64).call().await;
        assert!(page.is_ok(), "{scheme:?}: {page:?}");
        let info = client.get_payment_info().body(pay_info_body()).call().await;
        assert!(info.is_ok(), "{scheme:?}: {info:?}");

        let received = server.received();
        assert_eq!(received.len(), 2);
        for request in &received {
            assert_eq!(request.auth_error, None, "{scheme:?}");
            assert!(
                request.headers.get("api-version").is_none(),
                "progenitor's api-version must not be sent"
            );
            assert_eq!(
                request.headers["user-agent"],
                concat!("aurpay-api/", env!("CARGO_PKG_VERSION"))
            );
        }
        // Base URL given with a trailing slash: no `//` on the wire.
        assert_eq!(received[0].path_and_query, "/api/v2/order/?page=2&size=50");
        assert_eq!(received[1].path_and_query, "/api/order/pay-info");
        // The price goes out as a JSON number.
        let sent: serde_json::Value = serde_json::from_slice(&received[1].body).unwrap();
        assert_eq!(sent["vs_price"], json!(10));
        if matches!(scheme, Scheme::ApiKey) {
            assert!(received[0].headers.get("signature").is_none());
        } else {
            assert!(
                received[0].headers.get("body-md5").is_none(),
                "GET has no Body-MD5"
            );
            assert!(received[1].headers.get("body-md5").is_some());
            assert!(received[0].headers.get("api-key").is_none());
        }
    }
}

#[tokio::test]
async fn wrong_credentials_are_an_authentication_error() {
    let server = TestServer::start(Auth::Signature {
        token: TOKEN.into(),
        secret: SECRET.into(),
    })
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .credentials(
            Credentials::signature(TOKEN, "wrong-secret", SignatureAlgorithm::HmacSha256).unwrap(),
        )
        .build()
        .unwrap();
    let error = client.get_bln_balance().call().await.unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Authentication {
                code: Some(401),
                status: 200,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(server.received()[0].auth_error.is_some());
}

#[tokio::test]
async fn signature_uses_the_injected_clock() {
    let server = TestServer::start(Auth::Signature {
        token: TOKEN.into(),
        secret: SECRET.into(),
    })
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap())
        .clock(aurpay_api::clock::ManualClock::starting_at(
            "2024-06-17T00:00:00Z".parse().unwrap(),
        ))
        .build()
        .unwrap();
    server.push(Reply::ok(json!({"balance": "0.1"})));
    client.get_bln_balance().call().await.unwrap();
    let request = &server.received()[0];
    assert_eq!(request.headers["date"], "2024-06-17T00:00:00Z");
    assert_eq!(request.auth_error, None);
}

#[tokio::test]
async fn html_502_is_undecodable_with_status_and_snippet_after_retries() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        server.set_fallback(Reply::json(html).status(502).content_type("text/html"));
        let error = client
            .get_orders_details()
            .order_id(ORDER_ID)
            .call()
            .await
            .unwrap_err();
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
        assert!(
            matches!(empty.kind(), ErrorKind::Undecodable { status: 200, .. }),
            "{empty:?}"
        );
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
        assert!(
            matches!(
            error.kind(),
            ErrorKind::Api { code: 1001, status: 200, message, .. } if message == "order not found"),
            "{error:?}"
        );
        let error = client
            .get_orders_details()
            .order_id("y")
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(
            error.kind(),
            ErrorKind::Api { code: 1002, message, .. } if message == "bad order id"),
            "{error:?}"
        );
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
        assert!(
            matches!(
                error.kind(),
                ErrorKind::Authentication {
                    status: 200,
                    code: Some(401),
                    ..
                }
            ),
            "{error:?}"
        );
        let error = client.get_wallets_list().call().await.unwrap_err();
        assert!(
            matches!(
                error.kind(),
                ErrorKind::Authentication {
                    status: 401,
                    code: Some(401),
                    ..
                }
            ),
            "{error:?}"
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
        let order = client
            .get_orders_details()
            .order_id(ORDER_ID)
            .call()
            .await
            .unwrap();
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
        let info = client
            .get_payment_info()
            .body(pay_info_body())
            .call()
            .await
            .unwrap();
        assert_eq!(info.amount.to_string(), "18.0098");
        assert_eq!(info.vs_price.unwrap().to_string(), "18");
        assert_eq!(serde_json::to_value(info.amount).unwrap(), json!(18.0098));
    }
}

#[tokio::test]
async fn rate_limit_is_retried_for_get_but_not_for_post() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        let limited = Reply::json(r#"{"code":429,"message":"slow down"}"#)
            .status(429)
            .header("retry-after", "1");
        server.push(limited.clone());
        server.push(Reply::ok(json!({"balance": "1.5"})));
        let started = std::time::Instant::now();
        let balance = client.get_bln_balance().call().await.unwrap();
        assert_eq!(balance.balance.to_string(), "1.5");
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "Retry-After honoured"
        );
        assert_eq!(server.received().len(), 2);

        server.push(limited);
        let error = client
            .get_payment_info()
            .body(pay_info_body())
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(
            error.kind(),
            ErrorKind::RateLimited { retry_after: Some(d) } if *d == Duration::from_secs(1))
                && error.operation() == Some("get_payment_info")
                && error.outcome() == Outcome::Refused,
            "{error:?}"
        );
        assert_eq!(server.received().len(), 3, "the POST was sent once");
    }
}

#[tokio::test]
async fn slow_get_is_retried_and_slow_payment_is_outcome_unknown_sent_once() {
    // A short timeout, and slow replies three times as long, so that which
    // attempts time out does not depend on the machine's speed.
    for scheme in SCHEMES {
        let (server, client) = setup_with_timeout(scheme, Duration::from_secs(1)).await;
        server.push(Reply::ok(order_detail()).delay(Duration::from_secs(3)));
        server.push(Reply::ok(order_detail()));
        let order = client.get_orders_details().order_id(ORDER_ID).call().await;
        assert!(order.is_ok(), "{order:?}");
        assert_eq!(
            server.received().len(),
            2,
            "the GET was retried after its timeout"
        );

        server.set_fallback(Reply::ok(pay_info_data()).delay(Duration::from_secs(3)));
        let error = client
            .get_payment_info()
            .body(pay_info_body())
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Timeout { attempts: 1 })
                && error.operation() == Some("get_payment_info")
                && error.outcome() == Outcome::Unknown
                && !support::safe_to_retry(&error),
            "{error:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            server.received().len(),
            3,
            "the payment request reached the server exactly once"
        );

        let error = client
            .get_orders_details()
            .order_id(ORDER_ID)
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Timeout { attempts: 3, .. }),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn connection_reset_is_transport_for_get_and_outcome_unknown_for_payment() {
    let (addr, accepted) = support::resetting_server().await;
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .credentials(Credentials::api_key(API_KEY).unwrap())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let error = client.get_orders().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost { attempts: 3 }),
        "{error:?}"
    );
    assert_eq!(*accepted.lock().unwrap(), 3);

    let error = client
        .get_payment_info()
        .body(pay_info_body())
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::ConnectionLost { attempts: 1 })
            && error.outcome() == Outcome::Unknown
            && !support::safe_to_retry(&error),
        "{error:?}"
    );
    assert_eq!(
        *accepted.lock().unwrap(),
        4,
        "the payment request was sent once"
    );
}

#[tokio::test]
async fn refused_connection_sent_nothing_and_is_retried() {
    let addr = support::closed_port().await;
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .credentials(Credentials::api_key(API_KEY).unwrap())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let error = client
        .get_payment_info()
        .body(pay_info_body())
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::NotConnected { attempts: 3 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn missing_parameter_and_missing_credentials_are_invalid_requests() {
    let (server, client) = setup(Scheme::ApiKey).await;
    let error = client.get_orders_details().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::InvalidRequest { .. })
            && error.operation() == Some("get_orders_details")
            && error.outcome() == Outcome::NotSent,
        "{error:?}"
    );

    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    let error = anonymous.get_orders().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
        "{error:?}"
    );
    assert!(server.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn get_api_key_needs_no_credentials_and_builds_an_api_key_client() {
    let server = TestServer::start(Auth::None).await;
    server.push(Reply::ok(json!({"access_token": API_KEY})));
    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    let body = types::ApiKeyRequest::builder()
        .username("merchant@example.com")
        .password("hunter2");
    let key = anonymous.get_api_key().body(body).call().await.unwrap();
    let request = &server.received()[0];
    assert!(request.headers.get("api-key").is_none());

    let client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::api_key(key.access_token).unwrap())
        .build()
        .unwrap();
    server.push(Reply::ok(json!(["USD", "CNY"])));
    let currencies = client
        .get_support_real_currency_list()
        .call()
        .await
        .unwrap();
    assert_eq!(currencies.0, ["USD", "CNY"]);
    assert_eq!(server.received()[1].headers["api-key"], API_KEY);
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

#[tokio::test]
async fn no_secret_in_debug_or_display() {
    let secrets = [API_KEY, TOKEN, SECRET];
    let (server, client) = setup(Scheme::Sha256).await;
    let api_key_client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::api_key(API_KEY).unwrap())
        .build()
        .unwrap();
    server.push(Reply::json(r#"{"code":401,"message":"denied"}"#).status(401));
    server.push(
        Reply::json("<html>bad gateway</html>")
            .status(502)
            .content_type("text/html"),
    );
    let errors = vec![
        client.get_orders().call().await.unwrap_err(),
        api_key_client.get_orders().call().await.unwrap_err(),
        Client::builder()
            .base_url(format!("http://{}", support::closed_port().await))
            .credentials(Credentials::api_key(API_KEY).unwrap())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .get_orders()
            .call()
            .await
            .unwrap_err(),
        Credentials::from_lookup(|name| (name == "AURPAY_API_TOKEN").then(|| TOKEN.to_owned()))
            .unwrap_err(),
    ];
    let credentials = [
        Credentials::api_key(API_KEY).unwrap(),
        Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha3_256).unwrap(),
    ];
    let mut texts = vec![format!("{client:?}"), format!("{api_key_client:?}")];
    texts.extend(credentials.iter().map(|c| format!("{c:?}")));
    for error in &errors {
        texts.push(format!("{error}"));
        texts.push(format!("{error:?}"));
    }
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "secret leaked: {text}");
        }
    }
    // The texts are about something: the client shows its scheme, errors
    // name their operation.
    assert!(texts[0].contains("Signature") && texts[1].contains("ApiKey"));
    assert!(format!("{}", errors[0]).contains("get_orders"));
}

#[tokio::test]
async fn from_lookup_names_the_missing_variable() {
    let error =
        Credentials::from_lookup(|name| (name == "AURPAY_API_TOKEN").then(|| "t".to_owned()))
            .unwrap_err();
    assert!(error.to_string().contains("AURPAY_API_SECRET"), "{error}");
    let error = Credentials::from_lookup(|_| None).unwrap_err();
    assert!(error.to_string().contains("AURPAY_API_KEY"), "{error}");
    let sha3 = Credentials::from_lookup(|name| match name {
        "AURPAY_API_TOKEN" => Some("token-1".into()),
        "AURPAY_API_SECRET" => Some("secret-1".into()),
        "AURPAY_SIGNATURE_ALGORITHM" => Some("HMAC-SHA3_256".into()),
        _ => None,
    })
    .unwrap();
    assert!(format!("{sha3:?}").contains("HMAC-SHA3_256"));
    let bad = Credentials::from_lookup(|name| match name {
        "AURPAY_API_TOKEN" => Some("token-1".into()),
        "AURPAY_API_SECRET" => Some("secret-1".into()),
        "AURPAY_SIGNATURE_ALGORITHM" => Some("HMAC-MD5".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(bad.to_string().contains("HMAC-MD5"), "{bad}");
}
