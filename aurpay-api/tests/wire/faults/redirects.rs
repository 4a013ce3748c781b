//! Redirects are never followed, over http or from https to http, and
//! carry no credential elsewhere; base URLs that would leak credentials are
//! refused.

use aurpay_api::{Client, ErrorKind, Outcome};

use super::{AUTHS, Auth, CALLS, Call, ORDER_JSON, builder, client, has_credentials, run};
use crate::support::raw::{self, RawServer, TEST_CA_PEM};
use crate::support::{self, assert_kind};

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
                assert_kind!(error, ErrorKind::Redirect { location: Some(l), .. } if *l == location);
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
