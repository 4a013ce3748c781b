//! `aurpay callback verify`, the built binary: a genuine callback verifies;
//! each way one fails is named: a wrong token, a stale or a future `Date`
//! with how far off it is, and a signature made for the same URL with
//! another host, scheme, port or query order (named with the URL it
//! matches); a captured request is read from a file. `callback send`
//! delivers one that a verifier accepts.

use std::time::Duration;

use aurpay_api::callback::CallbackSigner;
use aurpay_api::clock::{Clock, SystemClock};

use crate::process::{Env, Run, scratch};

const TOKEN: &str = "CALLBACK-TOKEN-0001";
const SECRET: &str = "callback-secret-0001";

fn env() -> Env {
    Env::default()
        .with("AURPAY_CALLBACK_TOKEN", TOKEN)
        .with("AURPAY_CALLBACK_SECRET", SECRET)
        .with(
            "AURPAY_JOURNAL",
            scratch("verify").join("journal.jsonl").to_str().unwrap(),
        )
}

/// Verifies a callback signed (with `token`, dated `date`) for `signed`
/// and received at `received`, with extra arguments.
async fn verify(token: &str, date: &str, signed: &str, received: &str, extra: &[&str]) -> Run {
    let signature = CallbackSigner::new(token, SECRET).signature(signed, date);
    let (token, date, signature) = (
        format!("Callback-Token: {token}"),
        format!("Date: {date}"),
        format!("Signature: {signature}"),
    );
    let mut args = vec![
        "callback", "verify", "--url", received, "--header", &token, "--header", &date, "--header",
        &signature,
    ];
    args.extend_from_slice(extra);
    env().run(&args).await
}

fn date(offset_seconds: i64) -> String {
    let now = SystemClock.now();
    let moved = if offset_seconds >= 0 {
        now.later_by(Duration::from_secs(offset_seconds.unsigned_abs()))
    } else {
        now.earlier_by(Duration::from_secs(offset_seconds.unsigned_abs()))
    };
    aurpay_api::signing::format_date(&moved)
}

#[tokio::test]
async fn names_every_cause() {
    let url = "http://127.0.0.1:8080/aurpay/callback?ref=cart-1&event=paid";
    let now = date(0);

    let genuine = verify(TOKEN, &now, url, url, &[]).await;
    assert_eq!(genuine.code, 0, "{}{}", genuine.stdout, genuine.stderr);
    assert!(
        genuine.stdout.starts_with("verified: GET "),
        "{}",
        genuine.stdout
    );

    let cases: [(&str, Run); 7] = [
        (
            "wrong token",
            verify("ANOTHER-TOKEN", &now, url, url, &[]).await,
        ),
        (
            "stale date",
            verify(TOKEN, &date(-3600), url, url, &[]).await,
        ),
        (
            "future date",
            verify(TOKEN, &date(3600), url, url, &[]).await,
        ),
        (
            "another host",
            verify(
                TOKEN,
                &now,
                "http://shop.example:8080/aurpay/callback?ref=cart-1&event=paid",
                url,
                &["--try-host", "shop.example"],
            )
            .await,
        ),
        (
            "another scheme",
            verify(
                TOKEN,
                &now,
                "https://127.0.0.1:8080/aurpay/callback?ref=cart-1&event=paid",
                url,
                &[],
            )
            .await,
        ),
        (
            "another port",
            verify(
                TOKEN,
                &now,
                "http://127.0.0.1:8443/aurpay/callback?ref=cart-1&event=paid",
                url,
                &["--try-port", "8443"],
            )
            .await,
        ),
        (
            "another query order",
            verify(
                TOKEN,
                &now,
                "http://127.0.0.1:8080/aurpay/callback?event=paid&ref=cart-1",
                url,
                &[],
            )
            .await,
        ),
    ];
    for (cause, run) in &cases {
        assert_eq!(run.code, 1, "{cause}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.starts_with("not verified: ") || run.stdout.contains(cause),
            "{cause}: {}",
            run.stdout
        );
        assert!(run.stdout.contains(cause), "names {cause}: {}", run.stdout);
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "no secret printed"
        );
    }
    // An hour off, give or take the second the command took.
    let off_by_an_hour = |text: &str, how: &str| {
        ["3599", "3600", "3601"]
            .iter()
            .any(|s| text.contains(&format!(" is {s} s {how}; the freshness window is 300 s")))
    };
    assert!(
        off_by_an_hour(&cases[1].1.stdout, "old"),
        "{}",
        cases[1].1.stdout
    );
    assert!(
        off_by_an_hour(&cases[2].1.stdout, "in the future"),
        "{}",
        cases[2].1.stdout
    );
    assert!(
        cases[3]
            .1
            .stdout
            .contains("(shop.example instead of 127.0.0.1)"),
        "{}",
        cases[3].1.stdout
    );
    assert!(
        cases[4]
            .1
            .stdout
            .contains("it matches https://127.0.0.1:8080/aurpay/callback?ref=cart-1&event=paid"),
        "{}",
        cases[4].1.stdout
    );
    assert!(
        cases[5].1.stdout.contains("(8443 instead of 8080)"),
        "{}",
        cases[5].1.stdout
    );
    assert!(
        cases[6].1.stdout.contains("(event=paid&ref=cart-1)"),
        "{}",
        cases[6].1.stdout
    );
    // The signature right, the token wrong: said so.
    assert!(
        cases[0]
            .1
            .stdout
            .contains("the Signature does match this URL"),
        "{}",
        cases[0].1.stdout
    );

    let forged = verify(
        TOKEN,
        &now,
        "http://127.0.0.1:8080/elsewhere?ref=cart-2",
        url,
        &[],
    )
    .await;
    assert_eq!(forged.code, 1);
    assert!(
        forged.stdout.contains("no variant matches"),
        "{}",
        forged.stdout
    );
}

/// A request as a proxy passed it on: the service's own host in the URL,
/// the public one in `X-Forwarded-Host` and `X-Forwarded-Proto`.
#[tokio::test]
async fn reads_a_captured_request_behind_a_proxy() {
    let signed = "https://shop.example/aurpay/callback?ref=cart-1&event=paid";
    let now = date(0);
    let signature = CallbackSigner::new(TOKEN, SECRET).signature(signed, &now);
    let captured = format!(
        "POST /aurpay/callback?ref=cart-1&event=paid HTTP/1.1\r\nHost: 127.0.0.1:8787\r\n\
         X-Forwarded-Host: shop.example\r\nX-Forwarded-Proto: https\r\nCallback-Token: {TOKEN}\r\n\
         Date: {now}\r\nSignature: {signature}\r\nContent-Type: application/json\r\n\r\n\
         {{\"order_id\":\"20250207040935220628\",\"status\":\"SUCCESS\"}}"
    );
    let dir = scratch("captured");
    let file = dir.join("callback.http");
    std::fs::write(&file, captured).unwrap();
    let run = env()
        .run(&["callback", "verify", "--request", file.to_str().unwrap()])
        .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("it matches {signed}: another scheme (https instead of http), another host (shop.example instead of 127.0.0.1), another port (none instead of 8787)")), "{}", run.stdout);
    let public = env()
        .run(&[
            "callback",
            "verify",
            "--request",
            file.to_str().unwrap(),
            "--url",
            signed,
        ])
        .await;
    assert_eq!(
        public.code, 0,
        "with the public URL it verifies: {}",
        public.stdout
    );
}

/// `callback send`: one callback, signed as Aurpay signs, that the SDK's
/// verifier accepts on the receiving side.
#[tokio::test]
async fn send_delivers_a_callback_that_verifies() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let verifier = aurpay_api::callback::CallbackVerifier::new(TOKEN, SECRET).unwrap();
    let verified = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (v, o) = (std::sync::Arc::clone(&verified), origin.clone());
    let handler = move |request: axum::extract::Request| {
        let (verifier, verified, origin) = (verifier.clone(), std::sync::Arc::clone(&v), o.clone());
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let url = format!("{origin}{}", parts.uri);
            let result = verifier.verify(&aurpay_api::callback::CallbackRequest::new(
                parts.method.as_str(),
                &url,
                &parts.headers,
                &body,
            ));
            let ok = result.is_ok();
            verified
                .lock()
                .unwrap()
                .push((parts.method.to_string(), ok));
            if ok {
                axum::http::StatusCode::OK
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            }
        }
    };
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(handler))
            .await
            .ok()
    });
    let url = format!("{origin}/cb?ref=cart-1&event=paid");
    let get = env()
        .run(&[
            "callback",
            "send",
            "20250207040935220628",
            "--event",
            "paid",
            "--url",
            &url,
        ])
        .await;
    assert_eq!(get.code, 0, "{}{}", get.stdout, get.stderr);
    assert!(get.stdout.contains(" -> 200 "), "{}", get.stdout);
    let post = env()
        .run(&[
            "callback",
            "send",
            "20250207040935220628",
            "--event",
            "paid",
            "--url",
            &url,
            "--post",
            "--body",
            r#"{"order_id":"20250207040935220628"}"#,
        ])
        .await;
    assert_eq!(post.code, 0, "{}{}", post.stdout, post.stderr);
    assert_eq!(
        *verified.lock().unwrap(),
        [("GET".to_owned(), true), ("POST".to_owned(), true)]
    );
}
