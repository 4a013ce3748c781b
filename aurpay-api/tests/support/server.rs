//! A real HTTP server on loopback for wire tests: records every request as
//! received, checks authentication with its own verifier (written from
//! Aurpay's docs, independently of the client's signer), and answers with
//! scripted replies.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use tokio::sync::watch;

/// How the server expects to be authenticated.
#[derive(Clone, Debug)]
pub enum Auth {
    ApiKey(String),
    Signature { token: String, secret: String },
    None,
}

impl Auth {
    /// Signature authentication with this token and secret.
    pub fn signature(token: &str, secret: &str) -> Auth {
        Auth::Signature {
            token: token.into(),
            secret: secret.into(),
        }
    }
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Why authentication failed, if it did.
    pub auth_error: Option<String>,
}

/// What the server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(body: impl Into<String>) -> Self {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn ok(data: serde_json::Value) -> Self {
        Reply::json(
            serde_json::json!({"code": 0, "message": "ok", "data": data, "result": true})
                .to_string(),
        )
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn content_type(mut self, value: &str) -> Self {
        self.headers.retain(|(n, _)| n != "content-type");
        self.headers.push(("content-type".into(), value.into()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

pub struct ServerState {
    pub auth: Auth,
    pub received: Mutex<Vec<Received>>,
    /// Replies in order; when empty, `fallback` answers.
    pub script: Mutex<VecDeque<Reply>>,
    pub fallback: Mutex<Reply>,
    /// How many requests were received, announced on each one.
    pub changes: watch::Sender<usize>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub state: Arc<ServerState>,
}

impl TestServer {
    pub async fn start(auth: Auth) -> TestServer {
        let state = Arc::new(ServerState {
            auth,
            received: Mutex::default(),
            script: Mutex::default(),
            fallback: Mutex::new(Reply::ok(serde_json::json!({}))),
            changes: watch::Sender::new(0),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        TestServer { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn push(&self, reply: Reply) {
        self.state.script.lock().unwrap().push_back(reply);
    }

    pub fn set_fallback(&self, reply: Reply) {
        *self.state.fallback.lock().unwrap() = reply;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits, woken by each request, until at least `n` were received:
    /// all of them.
    pub async fn wait_for_received(&self, n: usize) -> Vec<Received> {
        let changes = self.state.changes.subscribe();
        super::until(&format!("{n} requests received"), &changes, || {
            let received = self.received();
            (received.len() >= n).then_some(received)
        })
        .await
    }

    /// A client builder for this server with these credentials.
    pub fn client(&self, credentials: aurpay_api::Credentials) -> aurpay_api::ClientBuilder {
        aurpay_api::Client::builder()
            .base_url(self.url())
            .credentials(credentials)
    }
}

async fn handle(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let method = parts.method.as_str().to_owned();
    let auth_error = verify(&state.auth, &method, &path_and_query, &parts.headers, &body).err();
    let count = {
        let mut received = state.received.lock().unwrap();
        received.push(Received {
            method,
            path_and_query,
            headers: parts.headers.clone(),
            body,
            auth_error: auth_error.clone(),
        });
        received.len()
    };
    state.changes.send_replace(count);
    if let Some(reason) = auth_error {
        // As Aurpay does: HTTP 200 with envelope code 401.
        let body = serde_json::json!({"code": 401, "message": reason, "result": false}).to_string();
        return Response::builder()
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
    }
    let reply = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| state.fallback.lock().unwrap().clone());
    // A reply's delay is real time: it is what the client's timeout is
    // tested against.
    tokio::time::sleep(reply.delay).await;
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// Aurpay's signature check, written from the docs page:
/// `Base64(HMAC(secret, "{Algorithm} | {Date} | {METHOD} {path?query} | {Body-MD5}"))`,
/// without the last part when there is no body.
pub fn verify(
    auth: &Auth,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match auth {
        Auth::None => Ok(()),
        Auth::ApiKey(key) => match header("API-Key") {
            Some(sent) if &sent == key => Ok(()),
            Some(_) => Err("wrong API-Key".into()),
            None => Err("missing API-Key".into()),
        },
        Auth::Signature { token, secret } => {
            if header("API-Token").as_deref() != Some(token.as_str()) {
                return Err("wrong or missing API-Token".into());
            }
            let algorithm = header("Algorithm").ok_or("missing Algorithm")?;
            let date = header("Date").ok_or("missing Date")?;
            let signature = header("Signature").ok_or("missing Signature")?;
            let mut origin = format!("{algorithm} | {date} | {method} {path_and_query}");
            if body.is_empty() {
                if header("Body-MD5").is_some() {
                    return Err("Body-MD5 sent without a body".into());
                }
            } else {
                let digest = md5::compute_hex(body);
                if header("Body-MD5").as_deref() != Some(digest.as_str()) {
                    return Err(format!("Body-MD5 mismatch: expected {digest}"));
                }
                origin = format!("{origin} | {digest}");
            }
            let expected = match algorithm.as_str() {
                "HMAC-SHA256" => {
                    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
                    mac.update(origin.as_bytes());
                    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
                }
                "HMAC-SHA3_256" => {
                    let mut mac =
                        Hmac::<sha3::Sha3_256>::new_from_slice(secret.as_bytes()).unwrap();
                    mac.update(origin.as_bytes());
                    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
                }
                other => return Err(format!("unsupported Algorithm {other}")),
            };
            if signature == expected {
                Ok(())
            } else {
                Err(format!("bad signature for {origin:?}"))
            }
        }
    }
}

/// An independent callback signer, written from Aurpay's docs:
/// `Base64(HMAC-SHA256(secret, "{date} | {url}"))`.
pub fn independent_callback_signature(secret: &str, date: &str, url: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{date} | {url}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

mod md5 {
    use md5::{Digest, Md5};

    pub fn compute_hex(body: &[u8]) -> String {
        Md5::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A server that accepts connections, reads the request head, and drops
/// the connection without answering (a reset as the client sees it).
pub async fn resetting_server() -> (SocketAddr, Arc<Mutex<u32>>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(Mutex::new(0u32));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            *count.lock().unwrap() += 1;
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            socket.set_zero_linger().ok();
            drop(socket);
        }
    });
    (addr, accepted)
}

/// An address where nothing listens (bound, then closed).
pub async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

/// Whether sending the same request again cannot duplicate an effect: a
/// read call, or a call that moves money that was not sent or was refused
/// (what `Outcome`'s table promises).
pub fn safe_to_retry(error: &aurpay_api::Error) -> bool {
    use aurpay_api::Outcome;
    !error.moves_money() || matches!(error.outcome(), Outcome::NotSent | Outcome::Refused)
}
