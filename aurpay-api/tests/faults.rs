//! The client against a loopback server that misbehaves at the byte level
//! (`support::raw`): redirects, error pages, bodies cut short, stalled,
//! garbled or oversized, resets. For every fault, a read call and a call
//! that moves money each report the outcome the table on
//! `aurpay_api::Outcome` says, for API-key and signature authentication; no
//! credential reaches another origin, and no money-moving request is ever
//! sent twice.

mod support;

use std::time::Duration;

use aurpay_api::{
    Amount, Client, Credentials, Error, ErrorKind, Outcome, RetryPolicy, SignatureAlgorithm, types,
};
use support::raw::{self, Act, RawServer, TEST_CA_PEM};

const API_KEY: &str = "faults-api-key-5d1c9e-xxxxxxxxxxxxxxxxxxxxxx";
const TOKEN: &str = "FAULTSTOKEN7Q2W";
/// With `/` and `+`, so that its JSON-escaped (`\/`) and percent-encoded
/// echoes differ from it.
const SECRET: &str = "faults/api+secret-8e4b";
const ORDER_ID: &str = "20250207040935220628";
/// Every header that carries a credential or a signature.
const CREDENTIAL_HEADERS: [&str; 4] = ["api-key", "api-token", "signature", "body-md5"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Auth {
    ApiKey,
    Signature,
}

const AUTHS: [Auth; 2] = [Auth::ApiKey, Auth::Signature];

/// The two kinds of call every fault is tried with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Call {
    /// `get_orders_details`: read-only, retried on transient failures.
    Read,
    /// `get_payment_info`: creates an order, sent at most once.
    Money,
}

const CALLS: [Call; 2] = [Call::Read, Call::Money];

fn credentials(auth: Auth) -> Credentials {
    match auth {
        Auth::ApiKey => Credentials::api_key(API_KEY).unwrap(),
        Auth::Signature => {
            Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap()
        }
    }
}

fn secrets(auth: Auth) -> &'static [&'static str] {
    match auth {
        Auth::ApiKey => &[API_KEY],
        Auth::Signature => &[TOKEN, SECRET],
    }
}

fn builder(base_url: &str, auth: Auth) -> aurpay_api::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .credentials(credentials(auth))
        .timeout(Duration::from_millis(400))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_secs(1))
                .deadline(Duration::from_secs(10)),
        )
}

fn client(base_url: &str, auth: Auth) -> Client {
    builder(base_url, auth).build().unwrap()
}

async fn run(client: &Client, call: Call) -> Result<(), Error> {
    match call {
        Call::Read => client
            .get_orders_details()
            .order_id(ORDER_ID)
            .call()
            .await
            .map(drop),
        Call::Money => {
            let body = types::PaymentInfoRequest::builder()
                .chain("ETH")
                .currency("USDT-ERC20")
                .vs_currency("USD")
                .vs_price(Amount::from(10));
            client.get_payment_info().body(body).call().await.map(drop)
        }
    }
}

fn has_credentials(request: &raw::RawRequest) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|name| request.header(name).is_some())
}

const ORDER_JSON: &str = r#"{"code":0,"message":"ok","result":true,"data":{"user_id":"mct-bea5c44da875","order_id":"20250207040935220628","order_type":"ORDER","platform":"AURPAY","status":"PENDING","chain":"BTC","chain_name":"Bitcoin","currency":"BTC","amount":"0.00102549","vs_price":"100.0","vs_currency":"USD","remark":"","refund":false,"bind_id":null,"create_time":"2025-02-06T00:00:00","update_time":"2025-02-06T00:00:00","tx_id":"ca1f0db3","tx_type":"ORDER","obtained":null,"fee":"0.00000820392","from_addr":null,"to_addr":"tb1q","tx_hash":null,"tx_hash_list":[],"contract_id":null,"website":null}}"#;

#[tokio::test]
async fn redirects_are_never_followed_and_carry_no_credentials_elsewhere() {
    let elsewhere = RawServer::start().await;
    for status in [301u16, 302, 303, 307, 308] {
        for auth in AUTHS {
            for call in CALLS {
                let server = RawServer::start().await;
                let location = format!(
                    "http://127.0.0.1:{}/api/v2/order/pay-info",
                    elsewhere.addr.port()
                );
                server.set_fallback(raw::http(status, &[("location", &location)], ""));
                let error = run(&client(&server.url(), auth), call).await.unwrap_err();
                let case = format!("{status} {auth:?} {call:?}: {error:?}");
                assert!(
                    matches!(error.kind(), ErrorKind::Redirect { status: s, location: Some(l) } if *s == status && *l == location),
                    "{case}"
                );
                assert_eq!(error.outcome(), Outcome::Unknown, "{case}");
                assert_eq!(support::safe_to_retry(&error), call == Call::Read, "{case}");
                let received = server.requests();
                assert_eq!(received.len(), 1, "sent exactly once: {case}");
                assert!(has_credentials(&received[0]), "{case}");
            }
        }
    }
    assert_eq!(
        elsewhere.connections(),
        0,
        "nothing, and so no credential, reached the other origin"
    );

    // A 307 back to the very same URL: still sent once.
    let server = RawServer::start().await;
    let same = format!("{}/api/order/pay-info", server.url());
    server.set_fallback(raw::http(307, &[("location", &same)], ""));
    let error = run(&client(&server.url(), Auth::ApiKey), Call::Money)
        .await
        .unwrap_err();
    assert!(matches!(
        error.kind(),
        ErrorKind::Redirect { status: 307, .. }
    ));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_https_to_http_redirect_is_not_followed() {
    let plain = RawServer::start().await;
    let tls = RawServer::start_tls().await;
    let base = format!("https://localhost:{}", tls.addr.port());
    for auth in AUTHS {
        let client = builder(&base, auth)
            .tls_root_certificates_only(TEST_CA_PEM)
            .build()
            .unwrap();
        // The TLS server works: a call succeeds over https.
        tls.push(raw::json(200, ORDER_JSON));
        run(&client, Call::Read).await.unwrap();
        for status in [301u16, 302, 307, 308] {
            for call in CALLS {
                let location = format!("http://127.0.0.1:{}/steal", plain.addr.port());
                tls.push(raw::http(status, &[("location", &location)], ""));
                let before = tls.requests().len();
                let error = run(&client, call).await.unwrap_err();
                assert!(
                    matches!(error.kind(), ErrorKind::Redirect { location: Some(l), .. } if *l == location),
                    "{error:?}"
                );
                assert_eq!(tls.requests().len(), before + 1);
                assert!(has_credentials(&tls.requests()[before]));
            }
        }
    }
    assert_eq!(plain.connections(), 0, "no request went to the http origin");
}

#[tokio::test]
async fn base_urls_that_would_leak_credentials_are_refused() {
    let error = Client::builder()
        .base_url("http://dashboard.aurpay.net")
        .build()
        .unwrap_err();
    let shown = error.to_string();
    assert!(matches!(error.kind(), ErrorKind::Config { .. }));
    assert!(
        shown.contains("plain http") && shown.contains("\"https://dashboard.aurpay.net\""),
        "{shown}"
    );
    assert_eq!(error.outcome(), Outcome::NotSent);

    for loopback in [
        "http://127.0.0.1:9",
        "http://127.8.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
    ] {
        Client::builder().base_url(loopback).build().unwrap();
    }
    assert!(
        Client::builder()
            .base_url("http://10.1.2.3")
            .build()
            .is_err()
    );
    Client::builder()
        .base_url("http://10.1.2.3")
        .allow_insecure_http()
        .build()
        .unwrap();

    let error = Client::builder()
        .base_url("https://merchant:pa55word-in-url@pay.example")
        .build()
        .unwrap_err();
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("pa55word-in-url"), "{shown}");
        assert!(shown.contains("user name or password"), "{shown}");
    }
    assert!(
        Client::builder()
            .base_url("https://pay.example/?x=1")
            .build()
            .is_err()
    );
    assert!(
        Client::builder()
            .tls_root_certificates_only(b"not a pem".to_vec())
            .build()
            .is_err()
    );
}

/// One row of the outcome table: a fault, what it must be reported as, and
/// how many times a read call is sent (a money call: exactly once).
struct Row {
    name: &'static str,
    act: fn() -> Act,
    kind: fn(&ErrorKind) -> bool,
    outcome: Outcome,
    read_attempts: usize,
}

const ENVELOPE_500: &str = r#"{"code":500,"message":"internal error","data":null,"result":false}"#;

fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "refusal envelope under HTTP 200",
            act: || {
                raw::json(
                    200,
                    r#"{"code":10001,"message":"currency not supported","data":null,"result":false}"#,
                )
            },
            kind: |k| {
                matches!(
                    k,
                    ErrorKind::Api {
                        status: 200,
                        code: 10001,
                        ..
                    }
                )
            },
            outcome: Outcome::Refused,
            read_attempts: 1,
        },
        Row {
            name: "refusal envelope under HTTP 400",
            act: || {
                raw::json(
                    400,
                    r#"{"code":1002,"message":"bad request","result":false}"#,
                )
            },
            kind: |k| {
                matches!(
                    k,
                    ErrorKind::Api {
                        status: 400,
                        code: 1002,
                        ..
                    }
                )
            },
            outcome: Outcome::Refused,
            read_attempts: 1,
        },
        Row {
            name: "authentication refused (401)",
            act: || raw::http(401, &[("content-type", "text/plain")], "unauthorized"),
            kind: |k| matches!(k, ErrorKind::Authentication { status: 401, .. }),
            outcome: Outcome::Refused,
            read_attempts: 1,
        },
        Row {
            name: "rate limited (429)",
            act: || raw::http(429, &[("retry-after", "0")], ""),
            kind: |k| matches!(k, ErrorKind::RateLimited { .. }),
            outcome: Outcome::Refused,
            read_attempts: 3,
        },
        Row {
            name: "5xx with an envelope",
            act: || raw::json(500, ENVELOPE_500),
            kind: |k| matches!(k, ErrorKind::Api { status: 500, .. }),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "HTML 502 from a proxy",
            act: || {
                raw::http(
                    502,
                    &[("content-type", "text/html")],
                    "<html><body><h1>502 Bad Gateway</h1></body></html>",
                )
            },
            kind: |k| matches!(k, ErrorKind::Http { status: 502, snippet } if snippet.contains("Bad Gateway")),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "empty 504",
            act: || raw::http(504, &[], ""),
            kind: |k| matches!(k, ErrorKind::Http { status: 504, .. }),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "empty 200",
            act: || raw::json(200, ""),
            kind: |k| matches!(k, ErrorKind::Undecodable { status: 200, .. }),
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "200 that is not JSON",
            act: || {
                raw::http(
                    200,
                    &[("content-type", "text/html")],
                    "<html>maintenance</html>",
                )
            },
            kind: |k| matches!(k, ErrorKind::Undecodable { status: 200, .. }),
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "200 cut short (Content-Length not reached)",
            act: || raw::truncated(ORDER_JSON),
            kind: |k| matches!(k, ErrorKind::ConnectionLost { .. }),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "answer over the size limit",
            act: || Act::Huge(64 * 1024),
            kind: |k| {
                matches!(
                    k,
                    ErrorKind::ResponseTooLarge {
                        status: 200,
                        limit: 4096
                    }
                )
            },
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "chunked answer over the size limit",
            act: || Act::HugeChunked(1024 * 1024),
            kind: |k| {
                matches!(
                    k,
                    ErrorKind::ResponseTooLarge {
                        status: 200,
                        limit: 4096
                    }
                )
            },
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "no answer (timeout)",
            act: || Act::Hang,
            kind: |k| matches!(k, ErrorKind::Timeout { .. }),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "body stalls after the headers (timeout)",
            act: || {
                Act::StallBody {
                head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n".into(),
                sent: br#"{"code":0,"#.to_vec(),
            }
            },
            kind: |k| matches!(k, ErrorKind::Timeout { .. }),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "connection reset after the request",
            act: || Act::Reset,
            kind: |k| matches!(k, ErrorKind::ConnectionLost { .. }),
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "redirect",
            act: || raw::http(302, &[("location", "https://elsewhere.example/")], ""),
            kind: |k| matches!(k, ErrorKind::Redirect { status: 302, .. }),
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "code 0 with result \"false\" (a string)",
            act: || {
                raw::json(
                    200,
                    r#"{"code":0,"message":"ok","result":"false","data":{"order_id":"1"}}"#,
                )
            },
            kind: |k| matches!(k, ErrorKind::Undecodable { status: 200, .. }),
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "success envelope under HTTP 429",
            act: || {
                raw::json(
                    429,
                    r#"{"code":0,"message":"ok","result":true,"data":{"order_id":"1"}}"#,
                )
            },
            kind: |k| {
                matches!(
                    k,
                    ErrorKind::Api {
                        status: 429,
                        code: 0,
                        ..
                    }
                )
            },
            outcome: Outcome::Unknown,
            read_attempts: 3,
        },
        Row {
            name: "success envelope under HTTP 403",
            act: || {
                raw::json(
                    403,
                    r#"{"code":0,"message":"ok","result":true,"data":{"order_id":"1"}}"#,
                )
            },
            kind: |k| {
                matches!(
                    k,
                    ErrorKind::Api {
                        status: 403,
                        code: 0,
                        ..
                    }
                )
            },
            outcome: Outcome::Unknown,
            read_attempts: 1,
        },
        Row {
            name: "success whose data has an unexpected shape",
            act: || {
                raw::json(
                    200,
                    r#"{"code":0,"message":"ok","result":true,"data":{"order_id":["20240613093614690315"],"status":7}}"#,
                )
            },
            kind: |k| matches!(k, ErrorKind::UnexpectedData { status: 200, .. }),
            outcome: Outcome::Applied,
            read_attempts: 1,
        },
    ]
}

#[tokio::test]
async fn every_row_of_the_outcome_table_for_both_schemes_and_both_kinds_of_call() {
    for row in rows() {
        for auth in AUTHS {
            for call in CALLS {
                let server = RawServer::start().await;
                server.set_fallback((row.act)());
                let client = builder(&server.url(), auth)
                    .max_response_bytes(4096)
                    .build()
                    .unwrap();
                let error = run(&client, call).await.unwrap_err();
                let case = format!("{} / {auth:?} / {call:?}: {error:?}", row.name);
                assert!((row.kind)(error.kind()), "kind: {case}");
                assert_eq!(error.outcome(), row.outcome, "outcome: {case}");
                let safe = call == Call::Read
                    || matches!(row.outcome, Outcome::NotSent | Outcome::Refused);
                assert_eq!(support::safe_to_retry(&error), safe, "retry safety: {case}");
                assert_eq!(error.moves_money(), call == Call::Money, "{case}");
                if row.outcome == Outcome::Applied {
                    let data = error.data().expect("raw data kept");
                    assert_eq!(data["order_id"][0], "20240613093614690315", "{case}");
                }
                let expected = match call {
                    Call::Read => row.read_attempts,
                    Call::Money => 1,
                };
                // Let a request still in flight land before counting.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let received = server.requests();
                assert_eq!(received.len(), expected, "requests sent: {case}");
                assert!(received.iter().all(has_credentials), "{case}");
                if call == Call::Money {
                    assert!(
                        error.to_string().contains("do not send it again")
                            || error.to_string().contains("look the order up")
                            || error.outcome() == Outcome::Refused,
                        "the message says what to do: {case}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn nothing_sent_rows_for_both_schemes_and_both_kinds_of_call() {
    let closed = support::closed_port().await;
    for auth in AUTHS {
        for call in CALLS {
            let client = client(&format!("http://{closed}"), auth);
            let error = run(&client, call).await.unwrap_err();
            assert!(
                matches!(error.kind(), ErrorKind::NotConnected { attempts: 3 }),
                "a refused connection is retried even for money: {error:?}"
            );
            assert_eq!(error.outcome(), Outcome::NotSent);
            assert!(support::safe_to_retry(&error));
        }
        let server = RawServer::start().await;
        let client = client(&server.url(), auth);
        let read = client.get_orders_details().call().await.unwrap_err();
        let money = client
            .get_payment_info()
            .body(types::PaymentInfoRequest::builder().chain("ETH"))
            .call()
            .await
            .unwrap_err();
        for error in [read, money] {
            assert!(
                matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
                "{error:?}"
            );
            assert_eq!(error.outcome(), Outcome::NotSent);
            assert!(support::safe_to_retry(&error));
        }
        assert_eq!(server.connections(), 0);
    }
}

#[tokio::test]
async fn read_calls_are_retried_when_the_body_fails_and_money_calls_are_not() {
    for auth in AUTHS {
        let server = RawServer::start().await;
        let client = client(&server.url(), auth);
        // Cut short, then whole.
        server.push(raw::truncated(ORDER_JSON));
        server.push(raw::json(200, ORDER_JSON));
        run(&client, Call::Read).await.unwrap();
        assert_eq!(server.requests().len(), 2);
        // Stalled mid-body past the timeout, then whole.
        server.push(Act::StallBody {
            head: "HTTP/1.1 200 OK\r\ncontent-length: 900\r\n\r\n".into(),
            sent: ORDER_JSON.as_bytes()[..40].to_vec(),
        });
        server.push(raw::json(200, ORDER_JSON));
        run(&client, Call::Read).await.unwrap();
        assert_eq!(server.requests().len(), 4);
        // The same faults on a money call: reported, never re-sent.
        server.push(raw::truncated(ORDER_JSON));
        let error = run(&client, Call::Money).await.unwrap_err();
        assert_eq!(error.outcome(), Outcome::Unknown);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(server.requests().len(), 5);
    }
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The request signature of the call is masked too when echoed, and so is
/// a fresh credential in the raw `data` of an applied call.
#[tokio::test]
async fn echoed_signatures_and_fresh_keys_in_data_are_masked() {
    let server = RawServer::start().await;
    let client = client(&server.url(), Auth::Signature);
    for call in CALLS {
        server.push(Act::EchoHeader("signature"));
        let error = run(&client, call).await.unwrap_err();
        let signature = server
            .requests()
            .last()
            .unwrap()
            .header("signature")
            .unwrap()
            .to_owned();
        assert!(signature.len() > 20);
        let shown = format!("{error} {error:?} {:?}", error.kind());
        assert!(!shown.contains(&signature), "{call:?}: {shown}");
        assert!(shown.contains("expected [redacted]"), "{shown}");
    }

    server.set_fallback(raw::json(
        200,
        r#"{"code":0,"result":true,"data":{"token":"fresh-issued-key-7781","order_id":5}}"#,
    ));
    let error = run(&client, Call::Read).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Applied);
    assert_eq!(
        error.data().unwrap()["token"],
        "fresh-issued-key-7781",
        "raw for the caller"
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("fresh-issued-key-7781"), "{shown}");
}

#[test]
fn credentials_too_short_to_mask_are_refused() {
    assert!(Credentials::api_key("abc").is_err());
    assert!(Credentials::signature("TOKEN", "x", SignatureAlgorithm::HmacSha256).is_err());
    assert!(aurpay_api::callback::CallbackVerifier::new("t", "secret-1").is_err());
}

#[tokio::test]
async fn echoed_secrets_never_appear_in_display_or_debug() {
    // (Trace logs of echoed secrets: tests/tracing_logs.rs, which owns the
    // process's subscriber.)
    for auth in AUTHS {
        let echoes: Vec<Act> = secrets(auth)
            .iter()
            .flat_map(|secret| {
                [
                    raw::json(
                        200,
                        &format!(r#"{{"code":10002,"message":"bad credential {secret}","result":false}}"#),
                    ),
                    raw::http(400, &[("content-type", "text/plain")], &format!("invalid API-Key: {secret}")),
                    raw::http(
                        502,
                        &[("content-type", "text/html")],
                        &format!("<html><pre>upstream said: api-key={secret}</pre></html>"),
                    ),
                    raw::http(302, &[("location", &format!("https://elsewhere.example/?k={secret}"))], ""),
                    raw::json(
                        200,
                        &format!(r#"{{"code":0,"result":true,"data":{{"order_id":7,"echo":"{secret}"}}}}"#),
                    ),
                    raw::http(401, &[], &format!("token {secret} rejected")),
                    // JSON-escaped (`\/`, as PHP's json_encode writes it).
                    raw::http(
                        400,
                        &[("content-type", "application/json")],
                        &format!(r#"{{"error":"bad {}"}}"#, secret.replace('/', "\\/")),
                    ),
                    // Percent-encoded in a Location, straddling the point
                    // where the kept Location is cut.
                    raw::http(
                        302,
                        &[(
                            "location",
                            &format!(
                                "https://elsewhere.example/{}?k={}",
                                "p".repeat(475),
                                percent(secret)
                            ),
                        )],
                        "",
                    ),
                ]
            })
            .collect();
        for act in echoes {
            for call in CALLS {
                let server = RawServer::start().await;
                server.set_fallback(act.clone());
                let error = run(&client(&server.url(), auth), call).await.unwrap_err();
                // Display, Debug, and the public fields on their own.
                let shown = format!("{error}\n{error:?}\n{:?}", error.kind());
                for secret in secrets(auth) {
                    // Not even in part: no 8 characters of it in a row.
                    let chars: Vec<char> = secret.chars().collect();
                    for window in chars.windows(8) {
                        let part: String = window.iter().collect();
                        assert!(!shown.contains(&part), "{part} of {secret} shown:\n{shown}");
                    }
                }
                // Masked where it stood (a Location cut at the limit may
                // cut the mask itself), unless not shown at all (the raw
                // `data` of an applied call is shown by shape only).
                let data_only = matches!(error.kind(), ErrorKind::UnexpectedData { .. });
                assert!(shown.contains("[redact") || data_only, "{shown}");
            }
        }
    }
}

/// Amounts keep every digit through the client, both ways: a request amount
/// with 28 significant digits reaches the server as that JSON number, and
/// number-form amounts in the answer come back exact (never via f64).
#[tokio::test]
async fn long_amounts_cross_the_wire_exactly_both_ways() {
    let server = RawServer::start().await;
    server.set_fallback(raw::json(
        200,
        r#"{"code":0,"result":true,"data":{"order_id":"1","status":"PENDING","amount":18.009800000000000001,"vs_price":20.123456789012345678}}"#,
    ));
    let client = client(&server.url(), Auth::Signature);
    let price: Amount = "1.234567890123456789012345678".parse().unwrap();
    let info = client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("ETH")
                .currency("USDT-ERC20")
                .vs_currency("USD")
                .vs_price(price),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(info.amount.to_string(), "18.009800000000000001");
    assert_eq!(info.vs_price.unwrap().to_string(), "20.123456789012345678");
    let sent = String::from_utf8(server.requests()[0].body.clone()).unwrap();
    assert!(
        sent.contains(r#""vs_price":1.234567890123456789012345678"#),
        "{sent}"
    );
}
