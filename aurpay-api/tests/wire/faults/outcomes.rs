//! The outcome table, row by row, for both schemes and both kinds of call:
//! what each fault is reported as, whether it is safe to retry, and how
//! many requests were sent; what is never sent; bodies that fail mid-way.

use aurpay_api::{ErrorKind, Outcome, types};

use super::{AUTHS, CALLS, Call, ORDER_JSON, builder, client, has_credentials, run};
use crate::support::raw::{self, Act, RawServer};
use crate::support::{self, assert_kind};

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
const HTML: [(&str, &str); 1] = [("content-type", "text/html")];
/// The head of a 500-byte answer whose body never comes in full.
const STALLED_HEAD: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n";
/// A success envelope, whatever the HTTP status says.
const SUCCESS: &str = r#"{"code":0,"message":"ok","result":true,"data":{"order_id":"1"}}"#;

/// One [`Row`] a line: `row!(name, act, the kind's pattern, outcome, read
/// attempts)`.
macro_rules! row {
    ($name:expr, $act:expr, $kind:pat $(if $guard:expr)?, $outcome:ident, $reads:expr) => {
        Row {
            name: $name,
            act: || $act,
            kind: |k| matches!(k, $kind $(if $guard)?),
            outcome: Outcome::$outcome,
            read_attempts: $reads,
        }
    };
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        row!("refusal envelope under HTTP 200",
            raw::json(200, r#"{"code":10001,"message":"currency not supported","data":null,"result":false}"#),
            ErrorKind::Api { status: 200, code: 10001, .. }, Refused, 1),
        row!("refusal envelope under HTTP 400",
            raw::json(400, r#"{"code":1002,"message":"bad request","result":false}"#),
            ErrorKind::Api { status: 400, code: 1002, .. }, Refused, 1),
        row!("authentication refused (401)",
            raw::http(401, &[("content-type", "text/plain")], "unauthorized"),
            ErrorKind::Authentication { status: 401, .. }, Refused, 1),
        row!("rate limited (429)", raw::http(429, &[("retry-after", "0")], ""),
            ErrorKind::RateLimited { .. }, Refused, 3),
        row!("5xx with an envelope", raw::json(500, ENVELOPE_500),
            ErrorKind::Api { status: 500, .. }, Unknown, 3),
        row!("HTML 502 from a proxy",
            raw::http(502, &HTML, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            ErrorKind::Http { status: 502, snippet } if snippet.contains("Bad Gateway"), Unknown, 3),
        row!("empty 504", raw::http(504, &[], ""), ErrorKind::Http { status: 504, .. }, Unknown, 3),
        row!("empty 200", raw::json(200, ""), ErrorKind::Undecodable { status: 200, .. }, Unknown, 1),
        row!("200 that is not JSON", raw::http(200, &HTML, "<html>maintenance</html>"),
            ErrorKind::Undecodable { status: 200, .. }, Unknown, 1),
        row!("200 cut short (Content-Length not reached)", raw::truncated(ORDER_JSON),
            ErrorKind::ConnectionLost { .. }, Unknown, 3),
        // The table's client sets a 4 KiB limit.
        row!("answer over the size limit", Act::Huge(64 * 1024),
            ErrorKind::ResponseTooLarge { status: 200, limit: 4096 }, Unknown, 1),
        row!("chunked answer over the size limit", Act::HugeChunked(1024 * 1024),
            ErrorKind::ResponseTooLarge { status: 200, limit: 4096 }, Unknown, 1),
        row!("no answer (timeout)", Act::Hang, ErrorKind::Timeout { .. }, Unknown, 3),
        row!("body stalls after the headers (timeout)",
            Act::StallBody { head: STALLED_HEAD.into(), sent: br#"{"code":0,"#.to_vec() },
            ErrorKind::Timeout { .. }, Unknown, 3),
        row!("connection reset after the request", Act::Reset,
            ErrorKind::ConnectionLost { .. }, Unknown, 3),
        row!("redirect", raw::http(302, &[("location", "https://elsewhere.example/")], ""),
            ErrorKind::Redirect { status: 302, .. }, Unknown, 1),
        row!("code 0 with result \"false\" (a string)",
            raw::json(200, r#"{"code":0,"message":"ok","result":"false","data":{"order_id":"1"}}"#),
            ErrorKind::Undecodable { status: 200, .. }, Unknown, 1),
        row!("success envelope under HTTP 429", raw::json(429, SUCCESS),
            ErrorKind::Api { status: 429, code: 0, .. }, Unknown, 3),
        row!("success envelope under HTTP 403", raw::json(403, SUCCESS),
            ErrorKind::Api { status: 403, code: 0, .. }, Unknown, 1),
        row!("success whose data has an unexpected shape",
            raw::json(200, r#"{"code":0,"message":"ok","result":true,"data":{"order_id":["20240613093614690315"],"status":7}}"#),
            ErrorKind::UnexpectedData { status: 200, .. }, Applied, 1),
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
                // A request the client sent just before it gave up may
                // land after its answer: wait for it, then count.
                let received = server.wait_for_requests(expected).await;
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
            assert_kind!(error, ErrorKind::InvalidRequest { .. });
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
        assert_eq!(server.wait_for_requests(5).await.len(), 5);
    }
}
