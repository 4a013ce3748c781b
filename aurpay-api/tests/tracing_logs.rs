//! Each call gets a tracing span with the operation, method, path, status,
//! attempt and duration; no secret or signature is ever logged, and bodies
//! appear only at trace level with secret-looking values masked.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use aurpay_api::{CallExt, Client, Credentials, SignatureAlgorithm, types};
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
    const SECRET: &str = "very-secret-api-secret";
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

    let server = TestServer::start(Auth::Signature {
        token: TOKEN.into(),
        secret: SECRET.into(),
    })
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap())
        .build()
        .unwrap();
    server.push(Reply::ok(json!({"balance": "0.5"})));
    client.get_bln_balance().call().await.unwrap();
    server.push(Reply::ok(json!({"access_token": JWT})));
    let body = types::ApiKeyRequest {
        username: "m@example.com".into(),
        password: "hunter2-password".into(),
    };
    client.get_api_key().body(body).call().await.unwrap();

    let logs = captured.text();
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
    assert_eq!(signatures.len(), 2);
    for forbidden in [SECRET, TOKEN, JWT, "hunter2-password"]
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
