//! The sandbox refuses what the spec (or Aurpay's supported lists) forbid,
//! with a documented envelope code (`refusals`), and no input crashes it:
//! the inputs that once dropped the connection or hung are regression tests
//! (`regressions`).
//!
//! Requests are written by hand (reqwest, or raw bytes over TCP) because the
//! SDK would refuse most of them before they leave.

mod refusals;
mod regressions;

use std::time::Duration;

use aurpay_api::sandbox::Sandbox;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Raw {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Raw {
    async fn start() -> Raw {
        Raw {
            sandbox: Sandbox::builder().start().await.expect("sandbox"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// Sends a request with the sandbox's API key; returns the HTTP status
    /// and the whole envelope (a dropped connection or a non-JSON answer
    /// fails the test).
    async fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<(&str, String)>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(
                method,
                format!("{}{path_and_query}", self.sandbox.base_url()),
            )
            .header("API-Key", self.sandbox.config().api_key.as_str());
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path_and_query}: no answer: {e}"));
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("{path_and_query}: body broke off: {e}"));
        let envelope = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path_and_query}: not JSON ({e}): {text}"));
        (status, envelope)
    }

    async fn get(&self, path_and_query: &str) -> Value {
        let (status, envelope) = self.send(reqwest::Method::GET, path_and_query, None).await;
        assert_eq!(status, 200, "{path_and_query}: {envelope}");
        envelope
    }

    /// POSTs `body` as JSON text: the HTTP status and the envelope.
    async fn post_text(&self, path: &str, body: impl Into<String>) -> (u16, Value) {
        self.send(
            reqwest::Method::POST,
            path,
            Some(("application/json", body.into())),
        )
        .await
    }

    async fn post_json(&self, path: &str, body: Value) -> Value {
        let (status, envelope) = self.post_text(path, body.to_string()).await;
        assert_eq!(status, 200, "{path}: {envelope}");
        envelope
    }

    /// Opens a connection to the sandbox and writes `request_line`, `Host`
    /// and `API-Key`, the `headers` (each ending in CRLF), a blank line and
    /// `body`: bytes no HTTP client would send.
    async fn write(&self, request_line: &str, headers: &str, body: &str) -> TcpStream {
        let address = self
            .sandbox
            .base_url()
            .trim_start_matches("http://")
            .to_owned();
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        let key = &self.sandbox.config().api_key;
        let request =
            format!("{request_line}\r\nHost: {address}\r\nAPI-Key: {key}\r\n{headers}\r\n{body}");
        stream.write_all(request.as_bytes()).await.expect("write");
        stream
    }
}

/// Reads until `done` holds of what arrived, the connection ends or fails,
/// or nothing arrives for `quiet`: what arrived, and the read error if one
/// ended it.
async fn read_until(
    stream: &mut TcpStream,
    quiet: Duration,
    done: impl Fn(&[u8]) -> bool,
) -> (Vec<u8>, Option<std::io::Error>) {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !done(&answer) {
        match tokio::time::timeout(quiet, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Ok(Err(e)) => return (answer, Some(e)),
        }
    }
    (answer, None)
}

fn code(envelope: &Value) -> i64 {
    envelope["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no code: {envelope}"))
}

fn assert_refused(envelope: &Value, expected: i64, what: &str) {
    assert_eq!(code(envelope), expected, "{what}: {envelope}");
    assert_eq!(envelope["result"], json!(false), "{what}: {envelope}");
    assert!(envelope.get("data").is_none(), "{what}: {envelope}");
    assert!(
        envelope["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: a message says why: {envelope}"
    );
}
