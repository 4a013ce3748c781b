//! A proxy named in the environment (`HTTP_PROXY`) never receives a plain
//! http request, and so never the credentials in it: with a plain-http base
//! URL (loopback here) the SDK ignores environment proxies. Its own test
//! binary, because it sets process environment variables.

mod support;

use aurpay_api::{Client, Credentials};
use support::raw::{self, RawServer};

#[tokio::test]
async fn an_environment_proxy_never_sees_a_plain_http_request() {
    let proxy = RawServer::start().await;
    let server = RawServer::start().await;
    server.set_fallback(raw::json(
        200,
        r#"{"code":0,"result":true,"data":{"balance":"1"}}"#,
    ));
    // SAFETY: this binary runs this one test; nothing else reads the
    // environment concurrently.
    unsafe {
        for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(name, proxy.url());
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::api_key("proxy-test-api-key").unwrap())
        .build()
        .unwrap();
    client.get_bln_balance().call().await.unwrap();
    assert_eq!(proxy.connections(), 0, "nothing went to the proxy");
    assert_eq!(server.requests().len(), 1);
    assert!(server.requests()[0].header("api-key").is_some());
}
