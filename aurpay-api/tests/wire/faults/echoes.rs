//! Secrets a server echoes back never reach an error's `Display` or
//! `Debug`, not even in part; the call's own signature and a fresh key in
//! the raw `data` are masked too; amounts keep every digit both ways.

use aurpay_api::{Amount, Credentials, ErrorKind, Outcome, SignatureAlgorithm};

use super::{AUTHS, Auth, CALLS, Call, client, run, secrets};
use crate::support::raw::{self, Act, RawServer};
use crate::support::{self};

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
        let signature = server.last_header("signature");
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
        .body(support::payment_request("ETH", "USDT-ERC20", price))
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
