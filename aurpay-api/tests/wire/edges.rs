//! Answers at the edges, from a byte-level server: whatever Aurpay (or
//! something in between) sends, a call that moves money is never reported
//! as applied, or as refused, unless the answer says so unambiguously; an
//! echoed part of a credential never reaches an error text; an absurd
//! `Retry-After` is neither waited for nor passed on.

use std::time::{Duration, Instant};

use aurpay_api::{Client, Credentials, ErrorKind, Outcome, RetryPolicy, SignatureAlgorithm, types};

use crate::support::raw::{Act, RawServer, http, json};
use crate::support::{self};

const API_KEY: &str = "edge-api-key-4c1d9a7e3b2f8d6c5a4e";
const TOKEN: &str = "EDGETOKEN7Q2W9E4R1T6Y";
const SECRET: &str = "edge-api-secret-8b7a6f5e4d3c2b1a";

fn client(server: &RawServer, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(server.url())
        .credentials(credentials)
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap()
}

fn api_key() -> Credentials {
    Credentials::api_key(API_KEY).unwrap()
}

fn signature() -> Credentials {
    Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap()
}

/// One call of each kind that moves money, each answered by what the
/// server was told next.
async fn money_calls(client: &Client) -> Vec<(&'static str, aurpay_api::Error)> {
    let create = client
        .get_payment_info()
        .body(support::payment_request("ETH", "USDT-ERC20", 10))
        .call()
        .await
        .map(drop);
    let refund = client
        .orders_refund()
        .order_id("20250207040935220628")
        .body(types::RefundRequest::builder().address("tb1qedge"))
        .call()
        .await
        .map(drop);
    let withdraw = client
        .withdraw_balance()
        .body(support::withdraw_request(5))
        .call()
        .await
        .map(drop);
    let lightning = client
        .create_bln_withdraw()
        .body(types::BlnWithdrawRequest::builder().ln_invoices("lntb1edge"))
        .call()
        .await
        .map(drop);
    [
        ("create", create),
        ("refund", refund),
        ("withdraw", withdraw),
        ("lightning withdraw", lightning),
    ]
    .into_iter()
    .map(|(name, result)| (name, result.expect_err(name)))
    .collect()
}

const ORDER: &str = r#"{"order_id":"20250207040935220628","status":"PENDING","amount":"1","tx_id":"t","refund_status":"PENDING"}"#;

/// Bodies whose meaning depends on which duplicate a parser keeps, or that
/// contradict themselves: never applied, never refused, for any call that
/// moves money.
fn ambiguous_bodies() -> Vec<(&'static str, String)> {
    vec![
        (
            "code twice, success last",
            format!(r#"{{"code":1,"code":0,"message":"ok","data":{ORDER},"result":true}}"#),
        ),
        (
            "code twice, success first",
            format!(r#"{{"code":0,"code":1,"message":"ok","data":{ORDER},"result":true}}"#),
        ),
        (
            "code twice, one escaped",
            format!(r#"{{"\u0063ode":1,"code":0,"data":{ORDER},"result":true}}"#),
        ),
        (
            "result twice",
            format!(r#"{{"code":0,"result":false,"data":{ORDER},"result":true}}"#),
        ),
        (
            "data twice",
            format!(r#"{{"code":0,"data":{{"order_id":"other"}},"data":{ORDER},"result":true}}"#),
        ),
        (
            "a field twice inside data",
            r#"{"code":0,"data":{"order_id":"A","status":"PENDING","amount":"1","order_id":"B","tx_id":"t","refund_status":"PENDING"},"result":true}"#.to_owned(),
        ),
        (
            "a key twice deep in an unknown field",
            format!(
                r#"{{"code":0,"data":{},"result":true}}"#,
                ORDER.replace(
                    r#""status""#,
                    r#""extra":{"fee":[{"a":1,"a":2}]},"status""#
                )
            ),
        ),
        (
            "a refusal code with result true",
            r#"{"code":1003,"message":"insufficient balance","result":true}"#.to_owned(),
        ),
        (
            "success code with result false",
            format!(r#"{{"code":0,"message":"ok","data":{ORDER},"result":false}}"#),
        ),
        (
            "success code as text with result false",
            r#"{"code":"0","message":"ok","result":false}"#.to_owned(),
        ),
    ]
}

#[tokio::test]
async fn ambiguous_and_contradictory_answers_are_unknown_for_money() {
    let server = RawServer::start().await;
    let client = client(&server, api_key());
    for (shape, body) in ambiguous_bodies() {
        for _ in 0..4 {
            server.push(json(200, &body));
        }
        let before = server.requests().len();
        for (call, error) in money_calls(&client).await {
            assert_eq!(
                error.outcome(),
                Outcome::Unknown,
                "{call}, {shape}: {error:?}"
            );
            assert!(!error.is_retryable(), "{call}, {shape}");
            assert!(
                error
                    .to_string()
                    .contains("look the order up before trying again"),
                "{call}, {shape}: {error}"
            );
        }
        assert_eq!(
            server.requests().len() - before,
            4,
            "{shape}: each sent once"
        );
    }
    // The same under an error status: still unknown.
    server.push(json(
        400,
        &format!(r#"{{"code":0,"message":"ok","data":{ORDER},"result":true}}"#),
    ));
    server.push(json(502, r#"{"code":1,"code":0,"result":true}"#));
    server.push(json(400, r#"{"code":7,"message":"no","result":true}"#));
    server.push(json(200, r#"{"code":7,"message":"no","result":false}"#));
    let errors = money_calls(&client).await;
    for (call, error) in &errors[..3] {
        assert_eq!(error.outcome(), Outcome::Unknown, "{call}: {error:?}");
    }
    // A plain refusal stays a refusal.
    assert_eq!(errors[3].1.outcome(), Outcome::Refused, "{:?}", errors[3].1);
    assert_eq!(errors[3].1.code(), Some(7));
}

#[tokio::test]
async fn ambiguous_answers_to_reads_are_unknown_and_retried_never_wrong() {
    let server = RawServer::start().await;
    let client = client(&server, api_key());
    // A repeated top-level key is never read as one value or the other.
    for body in [
        format!(r#"{{"code":1,"code":0,"message":"ok","data":{ORDER},"result":true}}"#),
        format!(r#"{{"code":0,"message":"ok","data":{ORDER},"data":{ORDER},"result":true}}"#),
    ] {
        server.push(json(200, &body));
        let error = client
            .get_orders_details()
            .order_id("20250207040935220628")
            .call()
            .await
            .unwrap_err();
        assert_eq!(error.outcome(), Outcome::Unknown, "{error:?}");
        assert!(error.is_retryable(), "a read may be tried again");
    }
}

#[tokio::test]
async fn parts_of_credentials_echoed_back_are_masked() {
    let server = RawServer::start().await;
    let cases: [(Credentials, &'static str, &str); 2] = [
        (api_key(), "api-key", API_KEY),
        (signature(), "api-token", TOKEN),
    ];
    for (credentials, header, value) in cases {
        let client = client(&server, credentials);
        // The first 18 characters, the last 9, a stretch in the middle.
        let parts = [(0, 18, false), (0, 9, true), (3, 12, false)];
        for (skip, keep, from_end) in parts {
            server.push(Act::EchoHeaderPart {
                header,
                skip,
                keep,
                from_end,
            });
            let error = client.get_orders().call().await.unwrap_err();
            assert!(error.is_authentication(), "{error:?}");
            let echoed: String = if from_end {
                value[value.len() - skip - keep..value.len() - skip].to_owned()
            } else {
                value.chars().skip(skip).take(keep).collect()
            };
            for shown in [
                error.to_string(),
                format!("{error:?}"),
                format!("{:?}", error.kind()),
            ] {
                assert!(
                    !shown.contains(&echoed),
                    "{header} part {echoed:?} leaked: {shown}"
                );
                assert!(shown.contains("[redacted]"), "{shown}");
            }
        }
    }
    // And the signature of the call, cut short.
    let client = client(&server, signature());
    server.push(Act::EchoHeaderPart {
        header: "signature",
        skip: 2,
        keep: 20,
        from_end: false,
    });
    let error = client.get_orders().call().await.unwrap_err();
    let sent = server.last_header("signature");
    let echoed: String = sent.chars().skip(2).take(20).collect();
    assert!(!error.to_string().contains(&echoed), "{error}");
}

#[tokio::test]
async fn absurd_retry_after_values_are_neither_waited_for_nor_passed_on() {
    let server = RawServer::start().await;
    let deadline = Duration::from_secs(60);
    let client = client(&server, api_key());
    for value in [
        "18446744073709551",
        "99999999999999999999999999",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        server.push(http(
            429,
            &[("retry-after", value), ("content-type", "application/json")],
            r#"{"code":429,"message":"slow down","result":false}"#,
        ));
        let started = Instant::now();
        let error = client.get_orders().call().await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{value}: waited {:?}",
            started.elapsed()
        );
        match error.kind() {
            ErrorKind::RateLimited {
                retry_after: Some(wait),
            } => assert!(*wait <= deadline, "{value}: reported {wait:?}"),
            other => panic!("{value}: {other:?}"),
        }
        assert!(!error.to_string().contains("18446744073709551"), "{error}");
    }
    // A sane value is honoured and reported as is.
    server.push(http(429, &[("retry-after", "0")], ""));
    server.push(json(
        200,
        r#"{"code":0,"data":{"page":1,"total":0,"max_page":0,"data":[]}}"#,
    ));
    client.get_orders().call().await.unwrap();
}

/// A money call's answer is checked for repeated keys by whatever reads it:
/// its typed decoding (a repeated known field), the checked decoding (a
/// repeated key where the typed decoding does not look: an unknown field,
/// nested), the transport (an error status), and the reading of a status
/// the spec does not list. Each is Unknown, each sent once; the documented
/// shape is applied.
#[tokio::test]
async fn repeated_keys_are_unknown_whichever_path_reads_the_answer() {
    const INFO: &str = r#""order_id":"20240613093614690315","status":"PENDING","amount":18.0098,"create_time":"2024-06-13T09:36:14","vs_currency":"USD","vs_price":18,"address":"0x6866","contract_addr":"0xdAC1","pay_url":"https://dashboard.aurpay.net/#/cashier/1""#;
    let server = RawServer::start().await;
    let client = client(&server, api_key());
    let create = || {
        client
            .get_payment_info()
            .body(support::payment_request("ETH", "USDT-ERC20", 10))
            .call()
    };
    server.push(json(
        200,
        &format!(r#"{{"code":0,"message":"ok","data":{{{INFO}}},"result":true}}"#),
    ));
    let info = create().await.expect("the documented shape is applied");
    assert_eq!(info.amount.to_string(), "18.0098");
    let cases = [
        (
            200,
            "a known field twice",
            format!(r#"{{"code":0,"data":{{{INFO},"status":"SUCCESS"}},"result":true}}"#),
        ),
        (
            200,
            "a key twice in an unknown field",
            format!(
                r#"{{"code":0,"data":{{{INFO},"fees":{{"a":[{{"x":1,"x":2}}]}}}},"result":true}}"#
            ),
        ),
        (
            200,
            "a key twice in an unknown top-level field",
            format!(r#"{{"code":0,"data":{{{INFO}}},"trace":{{"id":1,"id":2}},"result":true}}"#),
        ),
        (
            201,
            "a key twice under a status the spec does not list",
            format!(r#"{{"code":0,"data":{{{INFO}}},"result":true,"result":false}}"#),
        ),
        (
            502,
            "a key twice under an error status",
            r#"{"code":0,"code":1,"message":"bad gateway","result":false}"#.to_owned(),
        ),
    ];
    for (status, shape, body) in cases {
        let before = server.requests().len();
        server.push(json(status, &body));
        let error = create().await.expect_err(shape);
        assert_eq!(error.outcome(), Outcome::Unknown, "{shape}: {error:?}");
        assert!(
            matches!(error.kind(), ErrorKind::Ambiguous { .. }),
            "{shape}: {error:?}"
        );
        assert_eq!(server.requests().len() - before, 1, "{shape}: sent once");
    }
    // Nested past the depth bound inside an unknown field of a small
    // answer: applied (code 0), data not decoded, as for a large one.
    let deep = format!(
        r#"{{"code":0,"data":{{{INFO},"x":{}1{}}},"result":true}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    server.push(json(200, &deep));
    let error = create().await.expect_err("too deep");
    assert!(
        matches!(error.kind(), ErrorKind::UnexpectedData { reason, .. } if reason.contains("deeper")),
        "{error:?}"
    );
    assert_eq!(error.outcome(), Outcome::Applied, "{error:?}");
}
