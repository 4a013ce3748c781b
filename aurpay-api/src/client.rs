//! Building a [`Client`], and what every request goes through: credentials,
//! signing on every attempt, timeouts, retries that never repeat a payment,
//! and a tracing span per call.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT};
use tracing::Instrument as _;

use crate::call::{CallRecord, Failure, shape};
use crate::clock::Clock;
use crate::credentials::{Credentials, Scheme};
use crate::error::Error;
use crate::generated::Transport;
use crate::operation::Operation;
use crate::retry::{self, RetryPolicy, Retryable, Verdict};
use crate::signing;

/// The base URL every documented Aurpay example uses.
pub const DEFAULT_BASE_URL: &str = "https://dashboard.aurpay.net";

/// The `User-Agent` the SDK sends: `aurpay-api/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("aurpay-api/", env!("CARGO_PKG_VERSION"));

/// The Aurpay API client: one method per operation, each returning a
/// request builder whose `.call()` sends it.
///
/// Cheap to clone (the connection pool and settings are shared); build one
/// with [`Client::builder`] or [`Client::from_env`] and keep it.
///
/// ```
/// let client = aurpay_api::Client::builder()
///     .credentials(aurpay_api::Credentials::api_key("my-api-key")?)
///     .build()?;
/// let orders = client.get_orders().page(1u64).size(50u64); // not sent yet
/// # drop(orders);
/// # Ok::<(), aurpay_api::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.baseurl)
            .field("credentials", &self.transport.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// Per-client settings carried inside progenitor's client (its "inner
/// type"). Built by [`ClientBuilder`]; crate-private.
#[derive(Clone)]
pub(crate) struct ClientContext {
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    user_agent: HeaderValue,
    /// The only origin credentials are ever sent to.
    origin: Origin,
    max_response_bytes: u64,
    /// The credentials' secret values, masked in this client's errors.
    secrets: Arc<Vec<String>>,
}

/// Scheme, host and port of a URL: where credentials may go.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &reqwest::Url) -> Origin {
        Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            port: url.port_or_known_default(),
        }
    }
}

impl ClientContext {
    /// The client's clock.
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
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
/// assert_eq!(client.base_url(), "https://dashboard.aurpay.net");
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
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    allow_insecure_http: bool,
    max_response_bytes: u64,
    root_certificates: Option<Vec<u8>>,
}

/// The default [`ClientBuilder::max_response_bytes`]: 8 MiB, far above
/// Aurpay's largest real answer (a page of 100 orders is about 100 KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            clock: crate::clock::system(),
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            root_certificates: None,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]). A trailing slash
    /// is ignored. It must be `https://`, except for a loopback host
    /// (`127.0.0.1`, `[::1]`, `localhost`: the sandbox and tests) or with
    /// [`ClientBuilder::allow_insecure_http`]. It must not carry a user
    /// name, password, query or fragment. Credentials are only ever sent to
    /// this origin (scheme, host and port).
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
    /// answer's body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `aurpay-api/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Allows a plain `http://` base URL on a host that is not loopback.
    /// Credentials then cross the network in clear text: only for a test
    /// server on a network you trust.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Trusts only the certificate authorities in this PEM bundle instead of
    /// the platform's: to pin Aurpay's chain, or to reach a test server
    /// with a private CA. An unreadable bundle fails [`ClientBuilder::build`].
    pub fn tls_root_certificates_only(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }

    /// The largest answer read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 8 MiB). Enforced while the body
    /// streams: a larger answer stops being read at the limit and the call
    /// fails with [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit.max(1);
        self
    }

    /// When and how read-only calls are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock for everything time-dependent in calls: the signature's
    /// `Date`, retry back-off and the retry deadline, an HTTP-date
    /// `Retry-After` (default [`SystemClock`](crate::clock::SystemClock)).
    /// Tests inject a [`ManualClock`](crate::clock::ManualClock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    ///
    /// Redirects are never followed (a 3xx is
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect)), so no request,
    /// and no credential, ever leaves for another origin.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = check_base_url(&base_url, self.allow_insecure_http)?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config("user agent contains characters not allowed in a header"))?;
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if parsed.scheme() == "http" {
            // A proxy from the environment (HTTP_PROXY) would receive a plain
            // request, credentials and all: another origin. Over https a
            // proxy only relays the TLS tunnel (CONNECT), so it may stay.
            http = http.no_proxy();
        }
        if let Some(pem) = &self.root_certificates {
            http = with_root_certificates(http, pem)?;
        }
        let http = http
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        let secrets = Arc::new(
            self.credentials
                .as_ref()
                .map(Credentials::secret_values)
                .unwrap_or_default(),
        );
        let context = ClientContext {
            secrets,
            credentials: self.credentials,
            retry: self.retry,
            timeout: self.timeout,
            clock: self.clock,
            user_agent,
            origin: Origin::of(&parsed),
            max_response_bytes: self.max_response_bytes,
        };
        Ok(Client {
            transport: Transport::new_with_client(&base_url, http, context),
        })
    }
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn with_root_certificates(
    http: reqwest::ClientBuilder,
    pem: &[u8],
) -> Result<reqwest::ClientBuilder, Error> {
    let certificates = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::config(format!("unreadable root certificates: {e}")))?;
    if certificates.is_empty() {
        return Err(Error::config(
            "no certificate in the root certificate bundle",
        ));
    }
    Ok(http.tls_certs_only(certificates))
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn with_root_certificates(
    _: reqwest::ClientBuilder,
    _: &[u8],
) -> Result<reqwest::ClientBuilder, Error> {
    Err(Error::config(
        "root certificates need a TLS backend: enable the rustls or native-tls feature",
    ))
}

/// Whether `url`'s host is loopback (`127.0.0.0/8`, `::1`, `localhost`):
/// the only hosts plain http is allowed to without an explicit opt-in.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The base URL, parsed, if it is one credentials may be sent to.
fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<reqwest::Url, Error> {
    // The URL is only ever printed masked: it may carry a password.
    let shown = crate::redact::text(base_url);
    let parsed = reqwest::Url::parse(base_url)
        .map_err(|e| Error::config(format!("base URL {shown:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Error::config(format!(
            "base URL {shown:?} must be https://host"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(format!(
            "base URL {shown:?} must not carry a user name or password: credentials go in .credentials(..)"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {shown:?} must not have a query or fragment"
        )));
    }
    if parsed.scheme() == "http" && !is_loopback(&parsed) && !allow_insecure_http {
        let mut https = parsed.clone();
        // Cannot fail: http and https are both special schemes.
        let _ = https.set_scheme("https");
        return Err(Error::config(format!(
            "base URL {shown:?} is plain http: credentials would cross the network in clear text; \
             use https ({:?}), or .allow_insecure_http() for a test server you trust",
            https.as_str().trim_end_matches('/')
        )));
    }
    Ok(parsed)
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
        self.transport
            .inner
            .credentials
            .as_ref()
            .map(Credentials::scheme)
    }

    /// The base URL requests are sent to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.transport.baseurl
    }

    /// The client's clock ([`ClientBuilder::clock`]).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.transport.inner.clock()
    }
}

/// progenitor's `api-version` header is not part of Aurpay's API.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const API_KEY: HeaderName = HeaderName::from_static("api-key");
const SIGNATURE: HeaderName = HeaderName::from_static("signature");

fn method_of<'r>(operation: Option<&Operation>, request: &'r reqwest::Request) -> &'r str {
    operation.map_or_else(|| request.method().as_str(), |op| op.method)
}

impl ClientHooks<ClientContext> for Transport {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if Origin::of(request.url()) != self.inner.origin {
            return Err(progenitor_client::Error::InvalidRequest(
                "refusing to send a request outside the configured base URL".to_owned(),
            ));
        }
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
        let span = call_span(info.operation_id, method_of(operation, &request), &request);
        let idempotent = operation.is_some_and(Operation::is_idempotent);
        let strict = operation.is_none_or(|op| op.moves_money);
        self.execute_with_retries(request, idempotent, strict, info.operation_id)
            .instrument(span)
            .await
    }
}

/// The one tracing span of a call.
fn call_span(operation_id: &str, method: &str, request: &reqwest::Request) -> tracing::Span {
    tracing::info_span!(
        "aurpay.call",
        operation = operation_id,
        method = %method,
        path = request.url().path(),
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

impl Transport {
    /// The send path of a raw request ([`crate::raw`]): the same checks as
    /// the generated calls' `pre` hook, then the same retries, limits and
    /// span. `Err` is a request that was refused before sending.
    pub(crate) async fn send_raw(
        &self,
        mut request: reqwest::Request,
        idempotent: bool,
        operation_id: &'static str,
    ) -> Result<reqwest::Result<reqwest::Response>, String> {
        request
            .headers_mut()
            .insert(USER_AGENT, self.inner.user_agent.clone());
        if Origin::of(request.url()) != self.inner.origin {
            return Err("refusing to send a request outside the configured base URL".to_owned());
        }
        if self.inner.credentials.is_none() {
            return Err("no credentials: build the client with .credentials(..)".to_owned());
        }
        let span = call_span(operation_id, request.method().as_str(), &request);
        Ok(self
            .execute_with_retries(request, idempotent, !idempotent, operation_id)
            .instrument(span)
            .await)
    }
}

/// What one attempt came to. The body is always read here, inside the
/// retry loop and under the limits, never later by the generated code.
enum Attempt {
    /// A whole answer, its body buffered (at most the size limit).
    Answered {
        response: reqwest::Response,
        retry_after: Option<Duration>,
    },
    /// An answer the transport does not hand on (a redirect, a body over
    /// the size limit, an ambiguous or overly complex one): recorded for
    /// [`crate::call`], which reports it.
    Refused { status: u16, failure: Failure },
    /// No whole answer: connect failure, timeout (headers or body), a
    /// connection lost mid-answer.
    Failed(reqwest::Error),
}

impl Attempt {
    fn retryable(&self) -> Retryable {
        match self {
            Attempt::Failed(e) if e.is_connect() => Retryable::NothingSent,
            Attempt::Failed(_) => Retryable::Transient,
            Attempt::Answered { response, .. } if retry::is_transient_status(response.status()) => {
                Retryable::Transient
            }
            Attempt::Answered { .. } | Attempt::Refused { .. } => Retryable::Final,
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            Attempt::Answered { response, .. } => Some(response.status().as_u16()),
            Attempt::Refused { status, .. } => Some(*status),
            Attempt::Failed(_) => None,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Attempt::Answered { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What the generated code gets back. A refused answer is recorded for
    /// [`crate::call`] (the hook can only return a reqwest result) and
    /// handed on as an empty answer, which never decodes as a success.
    fn into_hook_result(self, record: Option<&CallRecord>) -> reqwest::Result<reqwest::Response> {
        let (status, failure) = match self {
            Attempt::Answered { response, .. } => return Ok(response),
            Attempt::Failed(error) => return Err(error),
            Attempt::Refused { status, failure } => (status, failure),
        };
        if let Some(record) = record {
            record.fail(failure);
        }
        let mut empty = http::Response::new(Vec::<u8>::new());
        *empty.status_mut() =
            reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::BAD_GATEWAY);
        Ok(reqwest::Response::from(empty))
    }
}

/// Reads the whole body, stopping as soon as it passes the size limit (a
/// declared `Content-Length` above it is refused before reading anything),
/// checks its shape ([`crate::call::shape`]: always for a call that moves
/// money, for any call when the body is large), and hands back a response
/// that owns it. The attempt's timeout, set on the request, covers the body
/// too.
async fn read_body(
    mut response: reqwest::Response,
    context: &ClientContext,
    strict: bool,
    operation_id: &'static str,
) -> Attempt {
    let limit = context.max_response_bytes;
    let status = response.status();
    let too_large = || Attempt::Refused {
        status: status.as_u16(),
        failure: Failure::TooLarge {
            status: status.as_u16(),
            limit,
        },
    };
    if response
        .content_length()
        .is_some_and(|declared| declared > limit)
    {
        return too_large();
    }
    let retry_after = retry_after(&response, &*context.clock, context.retry.deadline_value());
    // The chunks as they come, joined once at the end into a buffer of the
    // exact size: memory is the body twice at most, never a doubling
    // buffer's spare room.
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut total: u64 = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                total = total.saturating_add(chunk.len() as u64);
                if total > limit {
                    return too_large();
                }
                chunks.push(chunk);
            }
            Ok(None) => break,
            Err(error) => return Attempt::Failed(error),
        }
    }
    let body = match chunks.len() {
        0 => bytes::Bytes::new(),
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let mut joined = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
            for chunk in &chunks {
                joined.extend_from_slice(chunk);
            }
            drop(chunks);
            bytes::Bytes::from(joined)
        }
    };
    if strict || body.len() > shape::SCAN_ABOVE_BYTES {
        let refused = |failure| Attempt::Refused {
            status: status.as_u16(),
            failure,
        };
        match shape::scan(&body) {
            shape::Shape::Fine => {}
            shape::Shape::RepeatedKey(key) => {
                return refused(Failure::RepeatedKey {
                    status: status.as_u16(),
                    key,
                });
            }
            shape::Shape::TooComplex(reason) => {
                let applied = matches!(crate::call::head(&body), crate::call::HeadSays::Success(_));
                return refused(Failure::TooComplex {
                    status: status.as_u16(),
                    reason,
                    applied,
                });
            }
        }
    }
    tracing::trace!(operation = operation_id, body = %crate::redact::snippet(&body), "response body");
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
    Attempt::Answered {
        response: reqwest::Response::from(rebuilt),
        retry_after,
    }
}

impl Transport {
    /// Sends `request` under the retry policy: `idempotent` requests are
    /// retried on transient failures; `strict` ones (that move money) have
    /// every answer's shape checked.
    async fn execute_with_retries(
        &self,
        request: reqwest::Request,
        idempotent: bool,
        strict: bool,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let context = &self.inner;
        let clock = &*context.clock;
        let started = clock.now();
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
            if let Some(record) = &record {
                for secret in context.secrets.iter() {
                    record.add_secret(secret);
                }
                if let Some(signature) = this_try.headers().get(SIGNATURE) {
                    record.add_secret(&String::from_utf8_lossy(signature.as_bytes()));
                }
            }
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            tracing::debug!(attempt, "sending");
            let sent_at = Instant::now();
            let outcome = match self.client.execute(this_try).await {
                Err(error) => Attempt::Failed(error),
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if status.is_redirection() {
                        Attempt::Refused {
                            status: status.as_u16(),
                            failure: Failure::Redirect {
                                status: status.as_u16(),
                                // Kept whole (hyper bounds header sizes);
                                // masked, then cut, when the error is built.
                                location: response
                                    .headers()
                                    .get(LOCATION)
                                    .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned()),
                            },
                        }
                    } else {
                        read_body(response, context, strict, operation_id).await
                    }
                }
            };
            span.record("duration_ms", sent_at.elapsed().as_millis() as u64);
            tracing::debug!(attempt, "attempt finished");
            if let (Some(status), Some(record)) = (outcome.status(), &record) {
                record.response(status, outcome.retry_after());
            }
            let verdict = context.retry.verdict(
                outcome.retryable(),
                idempotent,
                attempt,
                crate::clock::elapsed_since(clock, &started),
                outcome.retry_after(),
            );
            match (verdict, spare) {
                (Verdict::RetryAfter(delay), Some(spare)) => {
                    tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
                    clock.sleep(delay).await;
                    pending = spare;
                }
                _ => {
                    if let Attempt::Failed(e) = &outcome {
                        tracing::debug!(attempt, error = %retry::describe(e), "failed");
                    }
                    return outcome.into_hook_result(record.as_deref());
                }
            }
        }
    }

    /// Adds the credentials: the `API-Key` header, or a fresh signature
    /// over the request exactly as it will be sent. Only ever for the
    /// configured origin.
    fn authenticate(&self, request: &mut reqwest::Request) {
        if Origin::of(request.url()) != self.inner.origin {
            return;
        }
        match self.inner.credentials.as_ref().map(|c| &c.0) {
            None => {}
            Some(Scheme::ApiKey(key)) => {
                request.headers_mut().insert(API_KEY, key.clone());
            }
            Some(Scheme::Signature(key)) => {
                let now = self.inner.clock.now();
                if !signing::sign_request(request, key, &now) {
                    tracing::warn!("request body cannot be signed (streaming body)");
                }
            }
        }
    }
}

/// `Retry-After` as seconds or an HTTP date (against `clock`), at most
/// `cap` (the retry policy's deadline): a server asking for days, or for
/// `u64::MAX` seconds, is not a wait anyone should honour or pass on. A
/// value that is neither a number nor a date is ignored.
fn retry_after(response: &reqwest::Response, clock: &dyn Clock, cap: Duration) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // Digits only: seconds. Too many digits for a u64 is "very long".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let now = clock.now().to_utc();
        (date.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(cap))
}
