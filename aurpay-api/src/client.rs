//! Building a [`Client`], and what every request goes through: credentials,
//! signing on every attempt, timeouts, retries that never repeat a payment,
//! and a tracing span per call.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};
use tracing::Instrument as _;

use crate::credentials::{Credentials, Scheme};
use crate::error::Error;
use crate::generated::Client;
use crate::operation::Operation;
use crate::retry::{RetryPolicy, Verdict};
use crate::signing::{self, Clock};

/// The base URL every documented Aurpay example uses.
pub const DEFAULT_BASE_URL: &str = "https://dashboard.aurpay.net";

/// The `User-Agent` the SDK sends: `aurpay-api/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("aurpay-api/", env!("CARGO_PKG_VERSION"));

/// Per-client settings carried inside the generated [`Client`]. Built by
/// [`ClientBuilder`]; opaque otherwise.
#[derive(Clone)]
pub struct ClientContext {
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    user_agent: HeaderValue,
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use aurpay_api::{Client, Credentials, RetryPolicy};
///
/// let client = Client::builder()
///     .credentials(Credentials::api_key("my-api-key")?)
///     .timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::default().max_attempts(4))
///     .build()?;
/// assert_eq!(aurpay_api::ClientInfo::baseurl(&client), "https://dashboard.aurpay.net");
/// # Ok::<(), aurpay_api::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            http: None,
            retry: RetryPolicy::default(),
            clock: signing::system_clock(),
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]). A trailing slash
    /// is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How to authenticate. Without credentials only unauthenticated calls
    /// (Get API-Key) can be made.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The time limit of one attempt, from sending to the last byte of the
    /// answer (default 30 s). Applies to a caller-supplied client too.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit to open a connection (default 10 s). Ignored with
    /// [`ClientBuilder::http_client`], whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `aurpay-api/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses your own `reqwest::Client` (connection pool, proxy, TLS
    /// settings). Authentication, signing, timeouts and retries still apply.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// When and how read-only calls are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock used for the signature's `Date` (for tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| Error::config(format!("base URL {base_url:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::config(format!(
                "base URL {base_url:?} must be http(s)://host"
            )));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config("user agent contains characters not allowed in a header"))?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?,
        };
        let context = ClientContext {
            credentials: self.credentials,
            retry: self.retry,
            timeout: self.timeout,
            clock: self.clock,
            user_agent,
        };
        Ok(Client::new_with_client(&base_url, http, context))
    }
}

impl Client {
    /// A builder with Aurpay's defaults.
    ///
    /// ```
    /// let client = aurpay_api::Client::builder()
    ///     .base_url("https://dashboard.aurpay.net/")
    ///     .build()?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: credentials as in
    /// [`Credentials::from_env`], and `AURPAY_BASE_URL` (default
    /// [`DEFAULT_BASE_URL`]).
    ///
    /// ```no_run
    /// let client = aurpay_api::Client::from_env()?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        let mut builder = Client::builder().credentials(Credentials::from_env()?);
        if let Some(url) = std::env::var("AURPAY_BASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The credentials' scheme (`"api-key"` or `"signature"`), `None`
    /// without credentials.
    pub fn auth_scheme(&self) -> Option<&'static str> {
        self.inner.credentials.as_ref().map(Credentials::scheme)
    }
}

/// progenitor's `api-version` header is not part of Aurpay's API.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const API_KEY: HeaderName = HeaderName::from_static("api-key");

fn method_of(operation: Option<&Operation>, request: &reqwest::Request) -> String {
    operation.map_or_else(|| request.method().to_string(), |op| op.method.to_string())
}

impl ClientHooks<ClientContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        let needs_auth = Operation::find(info.operation_id).is_none_or(|op| op.authenticated);
        if needs_auth && self.inner.credentials.is_none() {
            return Err(progenitor_client::Error::InvalidRequest(
                "no credentials: build the client with .credentials(..)".to_owned(),
            ));
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = Operation::find(info.operation_id);
        let span = tracing::info_span!(
            "aurpay.call",
            operation = info.operation_id,
            method = %method_of(operation, &request),
            path = request.url().path(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        self.execute_with_retries(request, operation, info.operation_id)
            .instrument(span)
            .await
    }
}

impl Client {
    async fn execute_with_retries(
        &self,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let context = &self.inner;
        let idempotent = operation.is_some_and(Operation::is_idempotent);
        let started = Instant::now();
        let record = crate::call::current_record();
        let mut attempt: u32 = 0;
        let mut pending = request;
        loop {
            attempt += 1;
            if let Some(record) = &record {
                record.attempt(attempt);
            }
            // A copy is kept for another attempt; JSON bodies always clone.
            let spare = pending.try_clone();
            let mut this_try = pending;
            *this_try.timeout_mut() = Some(context.timeout);
            self.authenticate(&mut this_try);
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            tracing::debug!(attempt, "sending");
            let sent_at = Instant::now();
            let outcome = self.client.execute(this_try).await;
            span.record("duration_ms", sent_at.elapsed().as_millis() as u64);
            let wait_hint = outcome.as_ref().ok().and_then(retry_after);
            if let Ok(response) = &outcome {
                span.record("status", response.status().as_u16());
                if let Some(record) = &record {
                    record.response(response.status().as_u16(), wait_hint);
                }
            }
            let verdict =
                context
                    .retry
                    .verdict(&outcome, idempotent, attempt, started.elapsed(), wait_hint);
            match (verdict, spare) {
                (Verdict::RetryAfter(delay), Some(spare)) => {
                    tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
                    tokio::time::sleep(delay).await;
                    pending = spare;
                }
                _ => {
                    if let Err(e) = &outcome {
                        tracing::debug!(attempt, error = %crate::retry::describe(e), "failed");
                    }
                    return crate::call::trace_body(outcome, operation_id).await;
                }
            }
        }
    }

    /// Adds the credentials: the `API-Key` header, or a fresh signature
    /// over the request exactly as it will be sent.
    fn authenticate(&self, request: &mut reqwest::Request) {
        match self.inner.credentials.as_ref().map(|c| &c.0) {
            None => {}
            Some(Scheme::ApiKey(key)) => {
                request.headers_mut().insert(API_KEY, key.clone());
            }
            Some(Scheme::Signature(key)) => {
                let now = self.inner.clock.now();
                if !signing::sign_request(request, key, now) {
                    tracing::warn!("request body cannot be signed (streaming body)");
                }
            }
        }
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let now = signing::SystemClock.now();
    let wait = date.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}
