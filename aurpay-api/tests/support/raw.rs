//! A loopback HTTP/1.1 server that misbehaves at the byte level: it reads
//! each request whole, records it, and then does exactly what the test
//! scripted, down to the bytes on the socket (a redirect, an HTML page, a
//! body cut short, an endless body, a stall, a reset). Optionally over TLS
//! with the test CA in `tests/fixtures`. One request per connection.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// No connection task lives longer than this, whatever it was told.
const TASK_LIMIT: Duration = Duration::from_secs(30);

/// A request as received.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does after reading a request.
#[derive(Clone, Debug)]
pub enum Act {
    /// Writes these bytes, then closes.
    Bytes(Vec<u8>),
    /// Never answers (the connection stays open until the client leaves).
    Hang,
    /// Sends headers with `Transfer-Encoding: chunked`, then 64 KiB chunks
    /// for as long as the client reads (bounded by `TASK_LIMIT`).
    EndlessChunked,
    /// Declares `Content-Length: n` and streams up to n bytes.
    Huge(u64),
    /// Streams `n` bytes chunked without declaring a length.
    HugeChunked(u64),
    /// Closes with a TCP reset right after reading the request.
    Reset,
    /// Answers a refusal envelope whose message echoes the value of this
    /// request header (as a careless server does with a bad signature).
    EchoHeader(&'static str),
    /// Answers HTTP 401 with a refusal envelope whose message echoes part
    /// of this request header's value: (header, first byte, bytes kept,
    /// counted from the end when `from_end`).
    EchoHeaderPart {
        header: &'static str,
        skip: usize,
        keep: usize,
        from_end: bool,
    },
    /// Sends the headers and `sent` bytes of a body declared as `declared`
    /// bytes, then stalls.
    StallBody { head: String, sent: Vec<u8> },
}

/// An HTTP/1.1 answer with `Connection: close` and a `Content-Length`.
pub fn http(status: u16, headers: &[(&str, &str)], body: &str) -> Act {
    let mut out = format!("HTTP/1.1 {status} Status\r\nconnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    Act::Bytes(out.into_bytes())
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> Act {
    http(status, &[("content-type", "application/json")], body)
}

/// An answer whose body is cut short: `Content-Length` says more than is
/// sent before the connection closes.
pub fn truncated(body: &str) -> Act {
    let cut = &body[..body.len() / 2];
    Act::Bytes(
        format!(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{cut}",
            body.len()
        )
        .into_bytes(),
    )
}

pub struct RawServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    script: Arc<Mutex<VecDeque<Act>>>,
    fallback: Arc<Mutex<Act>>,
    connections: Arc<Mutex<u32>>,
    /// Announces each connection accepted and each request read.
    changes: Arc<watch::Sender<()>>,
}

impl RawServer {
    /// A plain-text server on 127.0.0.1.
    pub async fn start() -> RawServer {
        Self::start_with(None).await
    }

    /// A TLS server on 127.0.0.1 with the `localhost` certificate of the
    /// test CA.
    pub async fn start_tls() -> RawServer {
        Self::start_with(Some(tls_acceptor())).await
    }

    async fn start_with(tls: Option<tokio_rustls::TlsAcceptor>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = RawServer {
            addr: listener.local_addr().expect("addr"),
            requests: Arc::default(),
            script: Arc::default(),
            fallback: Arc::new(Mutex::new(json(
                200,
                r#"{"code":0,"message":"ok","data":{},"result":true}"#,
            ))),
            connections: Arc::default(),
            changes: Arc::new(watch::Sender::new(())),
        };
        let (requests, script, fallback, connections, changes) = (
            Arc::clone(&server.requests),
            Arc::clone(&server.script),
            Arc::clone(&server.fallback),
            Arc::clone(&server.connections),
            Arc::clone(&server.changes),
        );
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                *connections.lock().unwrap() += 1;
                changes.send_replace(());
                let (requests, script, fallback, changes) = (
                    Arc::clone(&requests),
                    Arc::clone(&script),
                    Arc::clone(&fallback),
                    Arc::clone(&changes),
                );
                let tls = tls.clone();
                tokio::spawn(async move {
                    let task = async {
                        match tls {
                            None => serve(stream, &requests, &script, &fallback, &changes).await,
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    serve(stream, &requests, &script, &fallback, &changes).await;
                                }
                            }
                        }
                    };
                    let _ = tokio::time::timeout(TASK_LIMIT, task).await;
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn push(&self, act: Act) {
        self.script.lock().unwrap().push_back(act);
    }

    pub fn set_fallback(&self, act: Act) {
        *self.fallback.lock().unwrap() = act;
    }

    /// Requests read in full so far.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Header `name` of the last request read (it must have one).
    pub fn last_header(&self, name: &str) -> String {
        let requests = self.requests();
        let last = requests.last().expect("a request was read");
        last.header(name)
            .unwrap_or_else(|| panic!("the last request has no {name}"))
            .to_owned()
    }

    /// TCP connections accepted so far (whether or not a request followed).
    pub fn connections(&self) -> u32 {
        *self.connections.lock().unwrap()
    }

    /// Waits, woken by each request read, until at least `n` were read in
    /// full: all of them. A request the client sent just before it gave up
    /// may land after the client's answer; this is where a test counting
    /// requests lets it.
    pub async fn wait_for_requests(&self, n: usize) -> Vec<RawRequest> {
        let changes = self.changes.subscribe();
        super::until(&format!("{n} requests read"), &changes, || {
            let requests = self.requests();
            (requests.len() >= n).then_some(requests)
        })
        .await
    }
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(include_bytes!("../fixtures/localhost.pem"))
        .collect::<Result<Vec<_>, _>>()
        .expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../fixtures/localhost.key"))
        .expect("test key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// The test CA's certificate, for `ClientBuilder::tls_root_certificates_only`.
pub const TEST_CA_PEM: &[u8] = include_bytes!("../fixtures/test-ca.pem");

/// Reads what arrives next (waiting at most 10 s) onto `buf`; `None` when
/// the peer closed or went quiet.
async fn read_more<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
        .await
        .ok()?
        .ok()?;
    if n == 0 {
        return None;
    }
    buf.extend_from_slice(&chunk[..n]);
    Some(())
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<RawRequest> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > 64 * 1024 || Instant::now() > deadline {
            return None;
        }
        read_more(stream, &mut buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(1024 * 1024);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        read_more(stream, &mut body).await?;
    }
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + ResetOnDrop>(
    mut stream: S,
    requests: &Mutex<Vec<RawRequest>>,
    script: &Mutex<VecDeque<Act>>,
    fallback: &Mutex<Act>,
    changes: &watch::Sender<()>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let echoed = |name: &str| request.header(name).unwrap_or_default().to_owned();
    let echo = |name: &str| {
        let body = format!(
            r#"{{"code":10007,"message":"bad {name}: expected {}","result":false}}"#,
            echoed(name)
        );
        format!(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let script_act = script.lock().unwrap().pop_front();
    let act = script_act.unwrap_or_else(|| fallback.lock().unwrap().clone());
    let act = match act {
        Act::EchoHeader(name) => Act::Bytes(echo(name).into_bytes()),
        Act::EchoHeaderPart {
            header,
            skip,
            keep,
            from_end,
        } => {
            let value = echoed(header);
            let part: String = if from_end {
                let chars: Vec<char> = value.chars().collect();
                let end = chars.len().saturating_sub(skip);
                chars[end.saturating_sub(keep)..end].iter().collect()
            } else {
                value.chars().skip(skip).take(keep).collect()
            };
            let body = format!(
                r#"{{"code":401,"message":"invalid credential {part}... (check {header})","result":false}}"#
            );
            Act::Bytes(
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes(),
            )
        }
        other => other,
    };
    requests.lock().unwrap().push(request);
    changes.send_replace(());
    match act {
        Act::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            let _ = stream.shutdown().await;
        }
        // real time: no answer, for the client's timeout to strike; then
        // the task ends.
        Act::Hang => tokio::time::sleep(TASK_LIMIT).await,
        Act::EchoHeader(_) | Act::EchoHeaderPart { .. } => {
            unreachable!("turned into bytes above")
        }
        Act::Reset => stream.reset(),
        Act::StallBody { head, sent } => {
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&sent).await;
            let _ = stream.flush().await;
            // real time: the rest never comes, for the client's timeout.
            tokio::time::sleep(TASK_LIMIT).await;
        }
        Act::EndlessChunked => stream_chunked(&mut stream, u64::MAX).await,
        Act::HugeChunked(total) => stream_chunked(&mut stream, total).await,
        Act::Huge(total) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b' '; 64 * 1024];
            let mut left = total;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                if stream.write_all(&block[..n]).await.is_err() {
                    return;
                }
                left -= n as u64;
            }
        }
    }
}

async fn stream_chunked<S: AsyncWrite + Unpin>(stream: &mut S, total: u64) {
    let head = "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let block = vec![b' '; 64 * 1024];
    let mut frame = format!("{:x}\r\n", block.len()).into_bytes();
    frame.extend_from_slice(&block);
    frame.extend_from_slice(b"\r\n");
    let mut sent = 0u64;
    while sent < total {
        if stream.write_all(&frame).await.is_err() {
            return;
        }
        sent += block.len() as u64;
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
}

/// Closing with a TCP reset (RST) instead of an orderly FIN.
pub trait ResetOnDrop {
    fn reset(self);
}

impl ResetOnDrop for TcpStream {
    fn reset(self) {
        let _ = self.set_zero_linger();
        drop(self);
    }
}

impl ResetOnDrop for tokio_rustls::server::TlsStream<TcpStream> {
    fn reset(self) {
        let (tcp, _) = self.into_inner();
        tcp.reset();
    }
}
