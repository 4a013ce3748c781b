//! Verifying, decoding and receiving Aurpay's payment callbacks.
//!
//! Aurpay calls the merchant's `callback_url` (order paid) or
//! `timeout_callback` (order timed out), with GET by default or with POST and
//! the order as a JSON body when the order was created with
//! `enable_post_callback: true`. Every callback carries:
//!
//! * `Callback-Token`: the merchant's callback token;
//! * `Date`: ISO-8601;
//! * `Signature`: `Base64(HMAC-SHA256(callback secret, "{Date} | {full URL}"))`,
//!   where the full URL has scheme, host, path and query, as the merchant
//!   registered it.
//!
//! **The body is not signed.** Anyone who can replay one signed callback can
//! attach any body to it. So [`CallbackVerifier::verify`] checks the token and
//! the signature (in constant time) and the freshness of `Date`, decodes what
//! it can, and a handler should then act on the order as the API reports it
//! ([`VerifiedCallback::fetch_order`]), never on the body alone.
//!
//! ```
//! use aurpay_api::callback::{CallbackRequest, CallbackSigner, CallbackVerifier};
//!
//! let url = "https://shop.example/aurpay/paid?order=42";
//! let verifier = CallbackVerifier::new("CALLBACK-TOKEN", "callback-secret")?
//!     .paid_url("https://shop.example/aurpay/paid");
//!
//! // What Aurpay sends (made here with the test signer).
//! let headers = CallbackSigner::new("CALLBACK-TOKEN", "callback-secret").headers_now(url);
//! let callback = verifier
//!     .verify(&CallbackRequest { method: "GET", url, headers: &headers, body: b"" })
//!     .expect("valid callback");
//! assert!(callback.kind.is_paid());
//! # Ok::<(), aurpay_api::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::call::CallExt;
use crate::error::Error;
use crate::generated::{Client, types};
use crate::operation::{Call, OrderLookup};
use crate::signing::{self, Clock};
use crate::{OrderStatus, Timestamp};

const CALLBACK_TOKEN: HeaderName = HeaderName::from_static("callback-token");
const DATE: HeaderName = HeaderName::from_static("date");
const SIGNATURE: HeaderName = HeaderName::from_static("signature");
const API_KEY: HeaderName = HeaderName::from_static("api-key");

/// The string Aurpay signs for a callback: `"{date} | {url}"`.
///
/// ```
/// assert_eq!(
///     aurpay_api::callback::string_to_sign("2024-06-17T00:00:00Z", "https://api.you.com/callback?id=32"),
///     "2024-06-17T00:00:00Z | https://api.you.com/callback?id=32",
/// );
/// ```
pub fn string_to_sign(date: &str, url: &str) -> String {
    format!("{date} | {url}")
}

fn mac(secret: &SecretString) -> Hmac<sha2::Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

/// Compares without an early exit, so the time taken does not reveal how
/// many leading bytes matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// Why a callback was rejected. Each reason is its own case; none carries a
/// secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// A required header is missing (`Callback-Token`, `Date` or
    /// `Signature`).
    MissingHeader(&'static str),
    /// A header is present but not readable text, or present twice.
    InvalidHeader(&'static str),
    /// `Callback-Token` is not the merchant's token.
    WrongToken,
    /// `Signature` does not match the date and URL under the callback secret.
    BadSignature,
    /// `Date` is not an ISO-8601 date and time.
    UnparsableDate,
    /// `Date` is older than the freshness window (a possible replay).
    StaleDate {
        /// How old it is.
        age: Duration,
    },
    /// `Date` is further in the future than the freshness window allows.
    FutureDate {
        /// How far ahead it is.
        ahead: Duration,
    },
    /// The method is neither GET nor POST.
    MethodNotAllowed(String),
    /// A POST body that is not the order JSON (after the headers verified).
    MalformedBody(String),
}

impl Rejection {
    /// Whether the request is malformed (answer 400) rather than failing
    /// verification (answer 401).
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            Rejection::MalformedBody(_) | Rejection::MethodNotAllowed(_)
        )
    }

    /// The HTTP status to answer with: 400 for a malformed request, 401 when
    /// verification failed.
    pub fn status(&self) -> u16 {
        if self.is_malformed() { 400 } else { 401 }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::MissingHeader(name) => write!(f, "missing header {name}"),
            Rejection::InvalidHeader(name) => write!(f, "unreadable or repeated header {name}"),
            Rejection::WrongToken => f.write_str("wrong Callback-Token"),
            Rejection::BadSignature => f.write_str("bad Signature"),
            Rejection::UnparsableDate => f.write_str("Date is not ISO-8601"),
            Rejection::StaleDate { age } => write!(f, "Date is {} s old (stale)", age.as_secs()),
            Rejection::FutureDate { ahead } => {
                write!(f, "Date is {} s in the future", ahead.as_secs())
            }
            Rejection::MethodNotAllowed(method) => write!(f, "method {method} not allowed"),
            Rejection::MalformedBody(reason) => write!(f, "malformed body: {reason}"),
        }
    }
}

impl std::error::Error for Rejection {}

/// What kind of event a callback reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackKind {
    /// The order was paid (`callback_url`).
    Paid,
    /// The order timed out (`timeout_callback`).
    TimedOut,
    /// Neither could be told: a GET to a URL not configured with
    /// [`CallbackVerifier::paid_url`] or [`CallbackVerifier::timeout_url`],
    /// or a POST whose status is neither paid nor overdue.
    Unknown,
}

impl CallbackKind {
    /// Whether this reports a payment.
    pub fn is_paid(&self) -> bool {
        matches!(self, CallbackKind::Paid)
    }

    fn label(&self) -> &'static str {
        match self {
            CallbackKind::Paid => "paid",
            CallbackKind::TimedOut => "timed-out",
            CallbackKind::Unknown => "unknown",
        }
    }
}

/// An incoming callback request, framework-agnostic.
#[derive(Clone, Copy, Debug)]
pub struct CallbackRequest<'a> {
    /// HTTP method (`GET` or `POST`).
    pub method: &'a str,
    /// The full URL as the merchant registered it with Aurpay: scheme, host,
    /// path and query. Behind a proxy, rebuild it from your public base URL,
    /// not from the `Host` the service sees.
    pub url: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The raw body bytes (empty for GET).
    pub body: &'a [u8],
}

/// A callback whose token, signature and date checked out.
#[derive(Clone, Debug)]
pub struct VerifiedCallback {
    /// Paid, timed out, or unknown.
    pub kind: CallbackKind,
    /// `true` for a POST callback (with a body).
    pub is_post: bool,
    /// The order id: from the POST body, or from the URL's query parameter
    /// (see [`CallbackVerifier::order_id_param`]).
    pub order_id: Option<String>,
    /// The status in the POST body. **Unsigned**: confirm it with
    /// [`VerifiedCallback::fetch_order`].
    pub status: Option<OrderStatus>,
    /// The POST body decoded as an order, when it has the documented shape.
    /// Unknown fields are ignored and unknown statuses kept. **Unsigned.**
    pub order: Option<types::OrderDetail>,
    /// The POST body as JSON, whatever its shape. **Unsigned.**
    pub body: Option<serde_json::Value>,
    /// When Aurpay signed the callback.
    pub signed_at: DateTime<Utc>,
}

impl VerifiedCallback {
    /// A stable key for de-duplication: Aurpay retries callbacks, so the
    /// same one may arrive twice. `"{order_id}:{status}"` for POST callbacks,
    /// `"{order_id}:{paid|timed-out|unknown}"` for GET; `None` without an
    /// order id.
    ///
    /// ```
    /// # use aurpay_api::callback::*;
    /// # let url = "https://shop.example/aurpay/paid?order_id=20250207040935220628";
    /// # let headers = CallbackSigner::new("T", "S").headers_now(url);
    /// # let verifier = CallbackVerifier::new("T", "S")?.paid_url("https://shop.example/aurpay/paid");
    /// let callback = verifier.verify(&CallbackRequest { method: "GET", url, headers: &headers, body: b"" }).unwrap();
    /// assert_eq!(callback.dedup_key().as_deref(), Some("20250207040935220628:paid"));
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn dedup_key(&self) -> Option<String> {
        let order_id = self.order_id.as_deref()?;
        let state = match &self.status {
            Some(status) => status.as_str(),
            None => self.kind.label(),
        };
        Some(format!("{order_id}:{state}"))
    }

    /// Fetches the order from the API: the authoritative state to act on,
    /// since the callback's body is not signed.
    ///
    /// ```no_run
    /// # async fn handle(callback: aurpay_api::callback::VerifiedCallback, client: aurpay_api::Client) -> Result<(), aurpay_api::Error> {
    /// let order = callback.fetch_order(&client).await?;
    /// if order.status.is_paid() {
    ///     // ship the goods
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_order(
        &self,
        client: &Client,
    ) -> Result<<Client as OrderLookup>::Order, Error> {
        let order_id = self.order_id.as_deref().ok_or_else(|| {
            Error::new(
                crate::ErrorKind::InvalidRequest {
                    message: "the callback carries no order id".to_owned(),
                },
                <<Client as OrderLookup>::Lookup<'_> as Call>::OPERATION.id,
                false,
            )
        })?;
        client.order_lookup(order_id).call().await
    }
}

/// Checks Aurpay's callbacks.
///
/// Configured with the callback token and secret (dashboard > Integration >
/// Callback), a freshness window for `Date` (default 5 minutes, both ways),
/// and optionally the registered URLs, so that GET callbacks can be told
/// apart.
#[derive(Clone)]
pub struct CallbackVerifier {
    token: SecretString,
    secret: SecretString,
    freshness: Option<Duration>,
    clock: Arc<dyn Clock>,
    paid_path: Option<String>,
    timeout_path: Option<String>,
    order_id_param: String,
}

impl fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field("token", &format_args!("[redacted]"))
            .field("secret", &format_args!("[redacted]"))
            .field("freshness", &self.freshness)
            .field("paid_path", &self.paid_path)
            .field("timeout_path", &self.timeout_path)
            .finish()
    }
}

/// The path of a URL, or the text itself when it is already a path.
fn path_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => parsed.path().to_owned(),
        Err(_) => url.split('?').next().unwrap_or_default().to_owned(),
    }
}

/// Lenient view of a POST body: enough to identify the order even when the
/// full shape does not decode.
#[derive(Deserialize)]
struct BodyHead {
    order_id: String,
    #[serde(default)]
    status: Option<OrderStatus>,
}

impl CallbackVerifier {
    /// A verifier for this callback token and secret, with a 5-minute
    /// freshness window.
    ///
    /// ```
    /// let verifier = aurpay_api::callback::CallbackVerifier::new("TOKEN", "secret")?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn new(
        callback_token: impl Into<SecretString>,
        callback_secret: impl Into<SecretString>,
    ) -> Result<Self, Error> {
        let token = callback_token.into();
        let secret = callback_secret.into();
        crate::redact::register(token.expose_secret());
        crate::redact::register(secret.expose_secret());
        if token.expose_secret().is_empty() || secret.expose_secret().is_empty() {
            return Err(Error::config("callback token and secret must not be empty"));
        }
        Ok(CallbackVerifier {
            token,
            secret,
            freshness: Some(Duration::from_secs(300)),
            clock: signing::system_clock(),
            paid_path: None,
            timeout_path: None,
            order_id_param: "order_id".to_owned(),
        })
    }

    /// Accept a `Date` at most this far from now, in either direction.
    pub fn freshness(mut self, window: Duration) -> Self {
        self.freshness = Some(window);
        self
    }

    /// Accept any `Date` (for replaying recorded callbacks in tests). Do not
    /// use in production: it allows replays.
    pub fn without_freshness(mut self) -> Self {
        self.freshness = None;
        self
    }

    /// The clock `Date` is compared with (for tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The `callback_url` you give Aurpay: callbacks to this path are
    /// [`CallbackKind::Paid`].
    pub fn paid_url(mut self, url: &str) -> Self {
        self.paid_path = Some(path_of(url));
        self
    }

    /// The `timeout_callback` you give Aurpay: callbacks to this path are
    /// [`CallbackKind::TimedOut`].
    pub fn timeout_url(mut self, url: &str) -> Self {
        self.timeout_path = Some(path_of(url));
        self
    }

    /// The query parameter of your callback URLs that carries the order id,
    /// for GET callbacks (default `order_id`). Aurpay calls the URL as you
    /// gave it, so put the id there when you create the order.
    pub fn order_id_param(mut self, name: impl Into<String>) -> Self {
        self.order_id_param = name.into();
        self
    }

    fn header<'h>(
        headers: &'h HeaderMap,
        name: &HeaderName,
        label: &'static str,
    ) -> Result<&'h str, Rejection> {
        let mut values = headers.get_all(name).iter();
        let value = values.next().ok_or(Rejection::MissingHeader(label))?;
        if values.next().is_some() {
            return Err(Rejection::InvalidHeader(label));
        }
        value.to_str().map_err(|_| Rejection::InvalidHeader(label))
    }

    /// Verifies a callback and decodes it.
    ///
    /// Checks, in order: the three headers are present; `Callback-Token`
    /// (constant time); `Signature` over `Date` and `url` (constant time);
    /// `Date` parses and lies within the freshness window; the method is GET
    /// or POST; a POST body is a JSON object with an `order_id`.
    pub fn verify(&self, request: &CallbackRequest<'_>) -> Result<VerifiedCallback, Rejection> {
        let token = Self::header(request.headers, &CALLBACK_TOKEN, "Callback-Token")?;
        let date = Self::header(request.headers, &DATE, "Date")?;
        let signature = Self::header(request.headers, &SIGNATURE, "Signature")?;

        if !constant_time_eq(token.as_bytes(), self.token.expose_secret().as_bytes()) {
            return Err(Rejection::WrongToken);
        }
        let claimed = BASE64
            .decode(signature.trim())
            .map_err(|_| Rejection::BadSignature)?;
        let mut mac = mac(&self.secret);
        mac.update(string_to_sign(date, request.url).as_bytes());
        // `verify_slice` compares in constant time.
        mac.verify_slice(&claimed)
            .map_err(|_| Rejection::BadSignature)?;

        let signed_at = date
            .parse::<Timestamp>()
            .map_err(|_| Rejection::UnparsableDate)?
            .to_utc();
        if let Some(window) = self.freshness {
            let now = self.clock.now();
            let offset = now.signed_duration_since(signed_at);
            let magnitude = offset.abs().to_std().unwrap_or(Duration::MAX);
            if magnitude > window {
                return Err(if offset.num_milliseconds() >= 0 {
                    Rejection::StaleDate { age: magnitude }
                } else {
                    Rejection::FutureDate { ahead: magnitude }
                });
            }
        }

        let is_post = match request.method.to_ascii_uppercase().as_str() {
            "GET" => false,
            "POST" => true,
            other => {
                return Err(Rejection::MethodNotAllowed(
                    other.chars().take(16).collect(),
                ));
            }
        };
        let path = path_of(request.url);
        let url_kind = if self.paid_path.as_deref() == Some(path.as_str()) {
            Some(CallbackKind::Paid)
        } else if self.timeout_path.as_deref() == Some(path.as_str()) {
            Some(CallbackKind::TimedOut)
        } else {
            None
        };

        if !is_post {
            let order_id = reqwest::Url::parse(request.url).ok().and_then(|url| {
                url.query_pairs()
                    .find(|(name, _)| name == self.order_id_param.as_str())
                    .map(|(_, value)| value.into_owned())
            });
            return Ok(VerifiedCallback {
                kind: url_kind.unwrap_or(CallbackKind::Unknown),
                is_post,
                order_id,
                status: None,
                order: None,
                body: None,
                signed_at,
            });
        }

        let body: serde_json::Value = serde_json::from_slice(request.body)
            .map_err(|e| Rejection::MalformedBody(format!("not JSON ({})", e.classify_name())))?;
        let head = BodyHead::deserialize(&body).map_err(|_| {
            Rejection::MalformedBody("not an order object with a string `order_id`".to_owned())
        })?;
        let order = types::OrderDetail::deserialize(&body).ok();
        let status_kind = match &head.status {
            Some(status) if status.is_paid() => CallbackKind::Paid,
            Some(OrderStatus::Overdue) => CallbackKind::TimedOut,
            _ => CallbackKind::Unknown,
        };
        Ok(VerifiedCallback {
            kind: url_kind.unwrap_or(status_kind),
            is_post,
            order_id: Some(head.order_id),
            status: head.status,
            order,
            body: Some(body),
            signed_at,
        })
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// Produces the headers Aurpay would send with a callback, for merchants'
/// own tests.
///
/// ```
/// use aurpay_api::callback::CallbackSigner;
///
/// let signer = CallbackSigner::new("TOKEN", "test_secret");
/// let date = "2024-06-17T00:00:00Z".parse().unwrap();
/// let headers = signer.headers("https://api.you.com/callback?id=32", date);
/// assert_eq!(headers["signature"], "5L6Z4ahJ+WYKXclbrTg/rMce1HHnD12UCCrfwRDaY1w=");
/// assert_eq!(headers["date"], "2024-06-17T00:00:00Z");
/// ```
#[derive(Clone)]
pub struct CallbackSigner {
    token: SecretString,
    secret: SecretString,
    api_key: Option<SecretString>,
}

impl fmt::Debug for CallbackSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSigner([redacted])")
    }
}

impl CallbackSigner {
    /// A signer for this callback token and secret.
    pub fn new(
        callback_token: impl Into<SecretString>,
        callback_secret: impl Into<SecretString>,
    ) -> Self {
        let token = callback_token.into();
        let secret = callback_secret.into();
        crate::redact::register(token.expose_secret());
        crate::redact::register(secret.expose_secret());
        CallbackSigner {
            token,
            secret,
            api_key: None,
        }
    }

    /// Also send the merchant's `API-Key` header, as Aurpay's docs say
    /// callbacks carry.
    pub fn with_api_key(mut self, api_key: impl Into<SecretString>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The `Signature` value for this URL and `Date` text.
    pub fn signature(&self, url: &str, date: &str) -> String {
        let mut mac = mac(&self.secret);
        mac.update(string_to_sign(date, url).as_bytes());
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// `Callback-Token`, `Date`, `Signature` (and `API-Key` when set) for a
    /// callback to `url` signed at `date`.
    pub fn headers(&self, url: &str, date: DateTime<Utc>) -> HeaderMap {
        let date = signing::format_date(date);
        let mut headers = HeaderMap::new();
        let pairs = [
            (CALLBACK_TOKEN, Some(self.token.expose_secret().to_owned())),
            (SIGNATURE, Some(self.signature(url, &date))),
            (DATE, Some(date)),
            (
                API_KEY,
                self.api_key.as_ref().map(|k| k.expose_secret().to_owned()),
            ),
        ];
        for (name, value) in pairs {
            if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                headers.insert(name, value);
            }
        }
        headers
    }

    /// [`CallbackSigner::headers`] signed now.
    pub fn headers_now(&self, url: &str) -> HeaderMap {
        self.headers(url, signing::SystemClock.now())
    }
}

#[cfg(feature = "axum")]
pub use self::axum_integration::{CallbackConfig, CallbackRejection};

#[cfg(feature = "axum")]
mod axum_integration {
    //! axum extractor: `VerifiedCallback` as a handler argument.

    use std::sync::Arc;

    use axum::body::Bytes;
    use axum::extract::{FromRef, FromRequest, Request};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    use super::{CallbackRequest, CallbackVerifier, Rejection, VerifiedCallback};

    /// Largest callback body read (Aurpay's order JSON is about 1 KiB).
    const MAX_BODY: usize = 256 * 1024;

    /// What the extractor needs: the verifier and the public base URL your
    /// service is reached at (`https://shop.example`), from which the full
    /// callback URL is rebuilt, since behind a proxy the request's own
    /// `Host` and scheme are not what Aurpay signed.
    #[derive(Clone, Debug)]
    pub struct CallbackConfig {
        verifier: CallbackVerifier,
        public_base_url: String,
    }

    impl CallbackConfig {
        /// The verifier and the public base URL (scheme, host, optional
        /// port and path prefix; a trailing slash is ignored).
        pub fn new(verifier: CallbackVerifier, public_base_url: impl Into<String>) -> Arc<Self> {
            let base: String = public_base_url.into();
            Arc::new(CallbackConfig {
                verifier,
                public_base_url: base.trim_end_matches('/').to_owned(),
            })
        }
    }

    /// Why the extractor refused a callback: answers 401 (verification
    /// failed) or 400 (malformed), with the reason and no secret.
    #[derive(Debug)]
    pub struct CallbackRejection(pub Rejection);

    impl IntoResponse for CallbackRejection {
        fn into_response(self) -> Response {
            let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            (status, format!("callback rejected: {}\n", self.0)).into_response()
        }
    }

    impl<S> FromRequest<S> for VerifiedCallback
    where
        S: Send + Sync,
        Arc<CallbackConfig>: FromRef<S>,
    {
        type Rejection = CallbackRejection;

        async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
            let config = Arc::<CallbackConfig>::from_ref(state);
            let (parts, body) = request.into_parts();
            let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let url = format!("{}{path_and_query}", config.public_base_url);
            let body: Bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
                CallbackRejection(Rejection::MalformedBody(
                    "body too large or unreadable".to_owned(),
                ))
            })?;
            config
                .verifier
                .verify(&CallbackRequest {
                    method: parts.method.as_str(),
                    url: &url,
                    headers: &parts.headers,
                    body: &body,
                })
                .map_err(CallbackRejection)
        }
    }
}
