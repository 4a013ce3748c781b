//! A merchant's callback receiver on loopback for the sandbox to deliver
//! to: it hands each request to the test's `answer`, records it (with when
//! it arrived and what it was answered), and announces each one, so a test
//! waits for arrivals instead of sleeping.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aurpay_api::callback::CallbackRequest;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

/// A request as it arrived, for the test's `answer`.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// The full URL, as the sandbox called (and signed) it.
    pub url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Whether no earlier request had this path and query.
    pub first: bool,
}

impl Arrival {
    /// The request, for a `CallbackVerifier`.
    pub fn callback(&self) -> CallbackRequest<'_> {
        CallbackRequest::new(&self.method, &self.url, &self.headers, &self.body)
    }
}

/// A request the receiver got, and what it answered.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
    pub status: u16,
}

pub struct Receiver {
    /// `http://127.0.0.1:port`.
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    changes: watch::Sender<usize>,
}

impl Receiver {
    /// A receiver that answers each request as `answer` says.
    pub async fn start<A, F, R>(answer: A) -> Receiver
    where
        A: Fn(Arrival) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = R> + Send,
        R: IntoResponse,
    {
        Receiver::serve(|_| answer).await
    }

    /// A receiver that answers each request as the `answer` that `make`
    /// returns says; `make` is given the receiver's base URL first (to
    /// build the callback URLs a verifier checks).
    pub async fn serve<M, A, F, R>(make: M) -> Receiver
    where
        M: FnOnce(&str) -> A,
        A: Fn(Arrival) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = R> + Send,
        R: IntoResponse,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let answer = make(&base);
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let changes = watch::Sender::new(0);
        let (record, announce, origin) = (Arc::clone(&seen), changes.clone(), base.clone());
        let handler = move |request: axum::extract::Request| {
            let (answer, record, announce, origin) = (
                answer.clone(),
                Arc::clone(&record),
                announce.clone(),
                origin.clone(),
            );
            async move {
                let at = Instant::now();
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20)
                    .await
                    .unwrap_or_default()
                    .to_vec();
                let uri = parts.uri.to_string();
                let first = !record.lock().unwrap().iter().any(|s| s.uri == uri);
                let arrival = Arrival {
                    method: parts.method.to_string(),
                    url: format!("{origin}{uri}"),
                    uri,
                    headers: parts.headers,
                    body,
                    first,
                };
                let response: Response = answer(arrival.clone()).await.into_response();
                let count = {
                    let mut seen = record.lock().unwrap();
                    seen.push(Seen {
                        method: arrival.method,
                        uri: arrival.uri,
                        headers: arrival.headers,
                        body: arrival.body,
                        at,
                        status: response.status().as_u16(),
                    });
                    seen.len()
                };
                announce.send_replace(count);
                response
            }
        };
        tokio::spawn(async move {
            axum::serve(listener, axum::Router::new().fallback(handler))
                .await
                .ok()
        });
        Receiver {
            base,
            seen,
            changes,
        }
    }

    /// A receiver that answers 200 to everything.
    pub async fn recording() -> Receiver {
        Receiver::start(|_| async { StatusCode::OK }).await
    }

    /// A receiver that answers 500 to the first request of each path and
    /// query, then 200.
    pub async fn flaky() -> Receiver {
        Receiver::start(|arrival: Arrival| async move {
            if arrival.first {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            }
        })
        .await
    }

    /// Callback URLs on this receiver at `path` ("/cb").
    pub fn callback_urls(&self, path: &str) -> aurpay_api::callback::CallbackUrls {
        aurpay_api::callback::CallbackUrls::new(&format!("{}{path}", self.base))
            .expect("callback URLs on the receiver")
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests so far have `needle` in their path and query.
    pub fn count(&self, needle: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.uri.contains(needle))
            .count()
    }

    /// Announces the number of requests, on each one.
    pub fn changes(&self) -> watch::Receiver<usize> {
        self.changes.subscribe()
    }

    /// Waits, woken by each request, until `check` answers `Some` of all
    /// of them so far.
    pub async fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&[Seen]) -> Option<T>) -> T {
        super::until(what, &self.changes(), || check(&self.seen())).await
    }

    /// Waits until `n` requests with `needle` in their path and query
    /// arrived; panics if more did.
    pub async fn wait_for_count(&self, what: &str, needle: &str, n: usize) {
        let got = self
            .wait_for(what, |_| {
                let got = self.count(needle);
                (got >= n).then_some(got)
            })
            .await;
        assert_eq!(got, n, "{what}: {:?}", self.uris());
    }

    /// The path and query of every request so far.
    pub fn uris(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.uri).collect()
    }
}
