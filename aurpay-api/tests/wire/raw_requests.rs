//! Raw requests (paths the spec does not describe) go through the same
//! send path as generated calls: both auth schemes (checked by the test
//! server's own verifier), the envelope check, the outcome model, retries
//! only when declared read-only, and no path that leaves the base URL.

use std::time::Duration;

use aurpay_api::{Client, Credentials, ErrorKind, Outcome, RetryPolicy, SignatureAlgorithm};
use serde::Deserialize;
use serde_json::json;

use crate::support::raw::{self as bytes, RawServer};
use crate::support::{self, Auth, Reply, TestServer, assert_kind};

const API_KEY: &str = "raw-requests-api-key-0000";
const TOKEN: &str = "RAWTOKEN0000";
const SECRET: &str = "raw-requests-secret";

fn api_key() -> Credentials {
    Credentials::api_key(API_KEY).unwrap()
}

/// A client with the API key for `server`, retrying as [`retries`].
fn raw_client(server: &RawServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .credentials(api_key())
        .retry_policy(retries())
        .build()
        .unwrap()
}

fn retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
}

async fn servers() -> Vec<(TestServer, Client)> {
    let mut out = Vec::new();
    for (auth, credentials) in [
        (Auth::ApiKey(API_KEY.into()), api_key()),
        (
            Auth::signature(TOKEN, SECRET),
            Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap(),
        ),
    ] {
        let server = TestServer::start(auth).await;
        let client = server
            .client(credentials)
            .timeout(Duration::from_millis(500))
            .retry_policy(retries())
            .build()
            .unwrap();
        out.push((server, client));
    }
    out
}

#[derive(Debug, Deserialize)]
struct PayToken {
    token: String,
}

#[tokio::test]
async fn raw_get_and_post_are_authenticated_signed_and_decoded() {
    for (server, client) in servers().await {
        server.push(Reply::ok(json!({"valid": true, "merchant": "mct-1"})));
        let verified: serde_json::Value = client
            .raw("GET", "/api/plugin/key/verify")
            .query("key", "a b&c")
            .read_only()
            .call()
            .await
            .unwrap();
        assert_eq!(verified["merchant"], "mct-1");

        server.push(Reply::ok(json!({"token": "tok-123"})));
        let token: PayToken = client
            .raw("POST", "/api/order/pay/token")
            .json(&json!({"platform": "CUSTOM", "origin": {"id": "42", "price": 20.5}}))
            .call()
            .await
            .unwrap();
        assert_eq!(token.token, "tok-123");

        let received = server.received();
        assert_eq!(received.len(), 2);
        for request in &received {
            assert_eq!(
                request.auth_error, None,
                "verified independently: {request:?}"
            );
        }
        assert_eq!(
            received[0].path_and_query,
            "/api/plugin/key/verify?key=a+b%26c"
        );
        assert_eq!(received[1].method, "POST");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&received[1].body).unwrap()["origin"]["price"],
            20.5
        );

        // An Aurpay refusal is an error, never Ok.
        server.push(Reply::json(
            r#"{"code":10001,"message":"unknown platform","result":false}"#,
        ));
        let error = client
            .raw("POST", "/api/order/pay/token")
            .json(&json!({}))
            .call::<serde_json::Value>()
            .await
            .unwrap_err();
        assert_kind!(error, ErrorKind::Api { code: 10001, .. });
        assert_eq!(error.outcome(), Outcome::Refused);
        assert_eq!(error.operation(), Some(aurpay_api::raw::RAW_OPERATION_ID));
    }
}

#[tokio::test]
async fn only_read_only_raw_requests_are_retried() {
    let server = RawServer::start().await;
    let client = raw_client(&server);
    let page = bytes::http(
        502,
        &[("content-type", "text/html")],
        "<html>bad gateway</html>",
    );
    server.set_fallback(page);
    let error = client
        .raw("POST", "/api/order/pay/token")
        .json(&json!({"a": 1}))
        .call::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Http { status: 502, .. }));
    assert_eq!(error.outcome(), Outcome::Unknown);
    assert!(!support::safe_to_retry(&error), "assumed to move money");
    assert_eq!(server.requests().len(), 1, "sent once");

    let error = client
        .raw("POST", "/api/plugin/key/verify")
        .json(&json!({"a": 1}))
        .read_only()
        .call::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(support::safe_to_retry(&error));
    assert_eq!(server.requests().len(), 4, "declared read-only: 3 attempts");

    // A redirect is not followed, a success with unexpected data is applied.
    server.set_fallback(bytes::http(
        307,
        &[("location", "http://127.0.0.1:9/x")],
        "",
    ));
    let error = client
        .raw("POST", "/api/order/pay/token")
        .call::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(
        error.kind(),
        ErrorKind::Redirect { status: 307, .. }
    ));
    server.set_fallback(bytes::json(
        200,
        r#"{"code":0,"result":true,"data":{"token":7}}"#,
    ));
    let error = client
        .raw("POST", "/api/order/pay/token")
        .call::<PayToken>()
        .await
        .unwrap_err();
    assert_eq!(error.outcome(), Outcome::Applied);
    assert_eq!(error.data().unwrap()["token"], 7);
}

#[tokio::test]
async fn raw_paths_cannot_leave_the_base_url() {
    let server = RawServer::start().await;
    let client = raw_client(&server);
    for path in [
        "https://evil.example/api",
        "//evil.example/api",
        "api/no-leading-slash",
        "/api/x?inline=query",
        "/api/x#fragment",
        "/api/\\evil",
        "/api/ x",
        "",
    ] {
        let error = client
            .raw("GET", path)
            .read_only()
            .call::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest { .. }),
            "{path}: {error:?}"
        );
        assert_eq!(error.outcome(), Outcome::NotSent);
    }
    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    let error = anonymous
        .raw("GET", "/api/x")
        .call::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(error.outcome(), Outcome::NotSent);
    assert_eq!(server.connections(), 0);
}

/// Neither a raw request's `Debug` nor its error's `source()` chain shows
/// its query or body, which may carry a credential (`?key=...`).
#[tokio::test]
async fn raw_request_query_and_body_stay_out_of_debug_and_error_sources() {
    const IN_QUERY: &str = "query-secret-5521";
    const IN_BODY: &str = "body-secret-9043";
    let closed = support::closed_port().await;
    let client = Client::builder()
        .base_url(format!("http://{closed}"))
        .credentials(api_key())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let request = client
        .raw("POST", "/api/plugin/key/verify")
        .query("key", IN_QUERY)
        .json(&json!({"password": IN_BODY}));
    let shown = format!("{request:?}");
    assert!(
        !shown.contains(IN_QUERY) && !shown.contains(IN_BODY),
        "{shown}"
    );
    assert!(shown.contains("/api/plugin/key/verify"), "{shown}");
    let error = request.call::<serde_json::Value>().await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::NotSent);
    let mut chain = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(&format!(" | {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!chain.contains(IN_QUERY), "{chain}");
}
