//! Requests the spec does not describe: an escape hatch with everything a
//! generated call has.
//!
//! Six operations are inferred, and Aurpay's own plugins use endpoints the
//! docs do not list (`/api/order/pay/token`, `/api/plugin/key/verify`). A
//! [`RawRequest`] sends any method and path under the client's base URL with
//! the same authentication and signing, response limits, retry policy (only
//! when you declare the request read-only) and [`Error`] with its
//! [`Outcome`](crate::Outcome). A raw request is assumed to move money
//! unless you call [`RawRequest::read_only`]: it is then sent at most once.
//!
//! ```
//! # async fn run() -> Result<(), aurpay_api::Error> {
//! # let sandbox = aurpay_api::sandbox::Sandbox::builder().start().await.expect("sandbox");
//! # let client = sandbox.client().expect("client");
//! // Aurpay's envelope is checked; `data` comes back as your type or JSON.
//! let balance: serde_json::Value = client
//!     .raw("GET", "/api/bln/balance")
//!     .read_only()
//!     .call()
//!     .await?;
//! assert!(balance.get("balance").is_some());
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```

use std::sync::Arc;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{self, CallRecord, Target};
use crate::client::Client;
use crate::error::{Error, ErrorKind};

/// The operation name raw requests carry in errors and traces.
pub const RAW_OPERATION_ID: &str = "raw_request";

/// A request to any path under the base URL. Made by [`Client::raw`].
#[must_use = "a raw request does nothing until `.call()` is awaited"]
pub struct RawRequest<'a> {
    client: &'a Client,
    method: Result<Method, String>,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Result<Vec<u8>, String>>,
    read_only: bool,
}

/// Method, path and sizes only: the query and body may carry credentials.
impl std::fmt::Debug for RawRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method.as_ref().map(Method::as_str))
            .field("path", &self.path)
            .field("query_params", &self.query.len())
            .field(
                "body_bytes",
                &self.body.as_ref().map(|b| b.as_ref().map_or(0, Vec::len)),
            )
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A request with `method` (`"GET"`, `"POST"`, ...; checked when it is
    /// sent) to `path` (absolute, under the base URL, for example
    /// `/api/order/pay/token`) that the spec does not describe. See
    /// [`crate::raw`].
    pub fn raw(&self, method: &str, path: &str) -> RawRequest<'_> {
        RawRequest {
            client: self,
            method: Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("{method:?} is not an HTTP method")),
            path: path.to_owned(),
            query: Vec::new(),
            body: None,
            read_only: false,
        }
    }
}

impl RawRequest<'_> {
    /// Adds a query parameter (encoded for you).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends `body` as JSON (and signs it, with signature authentication).
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| format!("body: {e}")));
        self
    }

    /// Declares that sending this request twice has the same effect as
    /// once: it is then retried on transient failures like a generated read
    /// call, and its errors may be [`Error::is_retryable`]. Without it the
    /// request is treated as moving money: sent at most once.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    fn build(&self) -> Result<reqwest::Request, String> {
        let path = self.path.as_str();
        let plain = path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains(['?', '#', '\\'])
            && !path.chars().any(|c| c.is_control() || c.is_whitespace());
        if !plain {
            return Err(format!(
                "path {path:?} must be an absolute path under the base URL, without query or fragment (use .query())"
            ));
        }
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.client.base_url()))
            .map_err(|e| format!("path {path:?}: {e}"))?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let mut request = reqwest::Request::new(self.method.clone()?, url);
        if let Some(body) = &self.body {
            let body = body.clone()?;
            request.headers_mut().insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
            *request.body_mut() = Some(body.into());
        }
        Ok(request)
    }

    /// Sends the request and returns the envelope's `data` as `T` (use
    /// `serde_json::Value` for any JSON), or the typed [`Error`].
    pub async fn call<T: DeserializeOwned>(self) -> Result<T, Error> {
        let target = Target {
            id: RAW_OPERATION_ID,
            moves_money: !self.read_only,
        };
        let record = Arc::new(CallRecord::default());
        let invalid = |message: String| {
            Error::new(
                ErrorKind::InvalidRequest { message },
                target.id,
                target.moves_money,
            )
        };
        let request = self.build().map_err(invalid)?;
        let sent = call::with_record(
            Arc::clone(&record),
            self.client
                .transport
                .send_raw(request, self.read_only, RAW_OPERATION_ID),
        )
        .await
        .map_err(invalid)?;
        call::decode_raw(target, sent, &record).await
    }
}
