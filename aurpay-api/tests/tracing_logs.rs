//! Each call gets a tracing span with the operation, method, path, status,
//! attempt and duration; no secret or signature is ever logged, and bodies
//! appear only at trace level with secret-looking values masked.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use aurpay_api::{Credentials, SignatureAlgorithm, types};
use serde_json::json;
use support::{Auth, Reply, TestServer};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn spans_carry_call_facts_and_logs_carry_no_secret() {
    // With `/` and `+`: its JSON-escaped and percent-encoded echoes differ.
    const SECRET: &str = "very/secret+api-secret";
    const TOKEN: &str = "TOKENTOKENTOKEN";
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.secret-payload.sig";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = TestServer::start(Auth::signature(TOKEN, SECRET)).await;
    let credentials = Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256);
    let client = server.client(credentials.unwrap()).build().unwrap();
    server.push(Reply::ok(json!({"balance": "0.5"})));
    client.get_bln_balance().call().await.unwrap();
    server.push(Reply::ok(json!({"access_token": JWT})));
    let body = types::ApiKeyRequest::builder()
        .username("m@example.com")
        .password("hunter2-password");
    client.get_api_key().body(body).call().await.unwrap();

    // A server that echoes the credentials back, in an envelope message,
    // a text error and an HTML page: the trace logs mask them by value.
    server.push(Reply::json(format!(
        r#"{{"code":10002,"message":"bad token {TOKEN} / {SECRET}","result":false}}"#
    )));
    server.push(
        Reply::json(format!("invalid API-Token: {TOKEN}, secret {SECRET}"))
            .status(400)
            .content_type("text/plain"),
    );
    // A GET is retried on 502: three attempts, three echoes.
    for _ in 0..3 {
        server.push(
            Reply::json(format!("<html><pre>{TOKEN}:{SECRET}</pre></html>"))
                .status(502)
                .content_type("text/html"),
        );
    }
    // JSON-escaped, as PHP's json_encode writes a `/`.
    server.push(Reply::json(format!(
        r#"{{"code":10002,"message":"bad","echo":"{}","result":false}}"#,
        SECRET.replace('/', "\\/")
    )));
    for _ in 0..4 {
        let error = client.get_wallets_list().call().await.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN) && !shown.contains(SECRET), "{shown}");
    }

    let logs = captured.text();
    assert!(
        logs.matches("[redacted]").count() >= 3,
        "echoed bodies are logged, masked: {logs}"
    );
    assert!(logs.contains("aurpay.call"), "{logs}");
    assert!(logs.contains("operation=\"get_bln_balance\""), "{logs}");
    assert!(
        logs.contains("method=GET") && logs.contains("path=\"/api/bln/balance\""),
        "{logs}"
    );
    assert!(logs.contains("attempt=1"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("duration_ms="), "{logs}");
    assert!(
        logs.contains("response body"),
        "bodies are logged at trace level: {logs}"
    );
    let signatures: Vec<String> = server
        .received()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("signature")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        signatures.len(),
        8,
        "2 calls, then 1 + 1 + 3 + 1 attempts of the echo calls"
    );
    let escaped = SECRET.replace('/', "\\/");
    for forbidden in [SECRET, escaped.as_str(), TOKEN, JWT, "hunter2-password"]
        .iter()
        .copied()
        .chain(signatures.iter().map(String::as_str))
    {
        assert!(
            !logs.contains(forbidden),
            "{forbidden} leaked into logs:\n{logs}"
        );
    }
}
