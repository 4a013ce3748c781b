//! Verifying, decoding and receiving Aurpay's payment callbacks.
//!
//! Aurpay calls the merchant's `callback_url` (order paid) or
//! `timeout_callback` (order timed out), with GET by default or with POST and
//! the order as a JSON body when the order was created with
//! `enable_post_callback: true`. Every callback carries:
//!
//! * `Callback-Token`: the merchant's callback token;
//! * `Date`: ISO-8601 UTC, with whole seconds (`2024-06-17T00:00:00Z`, the
//!   docs' form) or a fraction (`2024-06-17T00:00:00.123Z`, seen from a
//!   JavaScript signer): both verify, signed as sent;
//! * `Signature`: `Base64(HMAC-SHA256(callback secret, "{Date} | {full URL}"))`,
//!   where the full URL has scheme, host, path and query, as the merchant
//!   registered it.
//!
//! **Only the URL is signed, never the body.** Anyone who can replay one
//! signed callback can attach any body to it. So everything this module
//! decides rests on the signed URL:
//!
//! 1. When you create an order, build its callback URLs with
//!    [`CallbackUrls`]: they carry *your own reference* for the order and
//!    the event (`paid` or `timeout`) in the query, so both are signed.
//!    Store the Aurpay order id the create call returns under your
//!    reference (for hosted checkout, [`types::PaymentUrl::order_id`]).
//! 2. [`CallbackVerifier::verify`] checks the token and the signature (in
//!    constant time) and the freshness of `Date`, and gives a
//!    [`VerifiedCallback`]: the signed URL, its query, your reference and
//!    the event, apart from the unsigned body.
//! 3. [`VerifiedCallback::bind`] takes the Aurpay order id you stored for
//!    that reference and refuses the callback when the unsigned body names
//!    another order.
//! 4. [`BoundCallback::fetch_order`] fetches the order from the API: act on
//!    its status, never on the body.
//!
//! ```
//! use aurpay_api::callback::{CallbackEvent, CallbackRequest, CallbackSigner, CallbackUrls, CallbackVerifier};
//!
//! // At order creation: URLs with your reference, signed by Aurpay later.
//! let urls = CallbackUrls::new("https://shop.example/aurpay/callback")?;
//! let paid_url = urls.paid("cart-1001")?;   // give to Aurpay as callback_url
//! assert_eq!(paid_url, "https://shop.example/aurpay/callback?ref=cart-1001&event=paid");
//! // ... store the Aurpay order id it returns under "cart-1001" ...
//!
//! // When the callback arrives (made here with the test signer):
//! let verifier = CallbackVerifier::new("CALLBACK-TOKEN", "callback-secret")?.callback_urls(&urls);
//! let now = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock);
//! let headers = CallbackSigner::new("CALLBACK-TOKEN", "callback-secret").headers(&paid_url, &now);
//! let callback = verifier
//!     .verify(&CallbackRequest::new("GET", &paid_url, &headers, b""))
//!     .expect("valid callback");
//! assert_eq!(callback.reference(), Some("cart-1001"));
//! assert_eq!(callback.event(), CallbackEvent::Paid);
//! let stored_order_id = "20250207040935220628"; // your lookup of "cart-1001"
//! let bound = callback.bind(Some(stored_order_id)).expect("the body agrees");
//! assert_eq!(bound.order_id(), stored_order_id);
//! // let order = bound.fetch_order(&client).await?;  // then act on order.status
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

use crate::Client;
use crate::clock::Clock;
use crate::error::Error;
use crate::generated::types;
use crate::operation::Call as _;
use crate::operation::OrderLookup;
use crate::signing;
use crate::{OrderStatus, Timestamp};

const CALLBACK_TOKEN: HeaderName = HeaderName::from_static("callback-token");
const DATE: HeaderName = HeaderName::from_static("date");
const SIGNATURE: HeaderName = HeaderName::from_static("signature");
const API_KEY: HeaderName = HeaderName::from_static("api-key");

/// The longest merchant reference [`CallbackUrls`] puts in a URL.
pub const MAX_REFERENCE_LEN: usize = 128;

/// The string Aurpay signs for a callback: `"{date} | {url}"`.
fn string_to_sign(date: &str, url: &str) -> String {
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
    /// The unsigned body names another order than the one the signed URL
    /// refers to (a replayed signature with a forged body).
    OrderMismatch {
        /// The order the signed URL refers to.
        signed: String,
        /// The order the unsigned body names.
        body: String,
    },
    /// The signed URL carries a merchant reference, but no Aurpay order id
    /// was given for it to [`VerifiedCallback::bind`].
    UnknownReference(String),
    /// Nothing signed identifies the order: the URL carries no reference
    /// (build callback URLs with [`CallbackUrls`]). A POST body's order id
    /// is unsigned; [`VerifiedCallback::bind_to_unsigned_body`] uses it
    /// only when you ask.
    NoOrder,
    /// The signed URL carries the reference or event parameter more than
    /// once, so which one Aurpay meant cannot be told.
    AmbiguousQuery(String),
}

impl Rejection {
    /// Whether the request is malformed (answer 400) rather than failing
    /// verification (answer 401).
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            Rejection::MalformedBody(_)
                | Rejection::MethodNotAllowed(_)
                | Rejection::NoOrder
                | Rejection::AmbiguousQuery(_)
        )
    }

    /// The HTTP status to answer with: 400 for a malformed request, 404 for
    /// a reference you do not know, 401 when verification failed (a bad
    /// signature, or a body that contradicts the signed URL).
    pub fn http_status(&self) -> u16 {
        match self {
            Rejection::UnknownReference(_) => 404,
            _ if self.is_malformed() => 400,
            _ => 401,
        }
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
            Rejection::OrderMismatch { signed, body } => write!(
                f,
                "the unsigned body names order {body:?}, the signed URL refers to order {signed:?}"
            ),
            Rejection::UnknownReference(reference) => {
                write!(f, "no order known for reference {reference:?}")
            }
            Rejection::NoOrder => {
                f.write_str("the callback identifies no order (no reference in its signed URL)")
            }
            Rejection::AmbiguousQuery(name) => {
                write!(f, "the signed URL carries `{name}` more than once")
            }
        }
    }
}

impl std::error::Error for Rejection {}

/// Which event a callback reports, read from the signed URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackEvent {
    /// The order was paid (the `callback_url` of [`CallbackUrls::paid`]).
    Paid,
    /// The order timed out (the `timeout_callback` of
    /// [`CallbackUrls::timeout`]).
    TimedOut,
    /// The signed URL does not say: not built by [`CallbackUrls`], or not
    /// configured on the verifier. Never guessed from the unsigned body:
    /// fetch the order and read its status.
    Unknown,
}

impl CallbackEvent {
    /// Whether the signed URL says the order was paid.
    pub fn is_paid(self) -> bool {
        self == CallbackEvent::Paid
    }

    fn query_value(self) -> &'static str {
        match self {
            CallbackEvent::Paid => "paid",
            CallbackEvent::TimedOut => "timeout",
            CallbackEvent::Unknown => "unknown",
        }
    }
}

/// Builds the callback URLs you give Aurpay when you create an order, with
/// your own reference for the order and the event in the query, so that
/// Aurpay's signature covers both.
///
/// One endpoint receives both events: `{endpoint}?ref={reference}&event=paid`
/// and `...&event=timeout` (parameter names configurable). Configure the
/// same `CallbackUrls` on the [`CallbackVerifier`].
///
/// ```
/// use aurpay_api::callback::CallbackUrls;
///
/// let urls = CallbackUrls::new("https://shop.example/aurpay/callback?shop=eu")?;
/// assert_eq!(
///     urls.timeout("order 7/b")?,
///     "https://shop.example/aurpay/callback?shop=eu&ref=order+7%2Fb&event=timeout"
/// );
/// assert!(urls.paid("").is_err());
/// # Ok::<(), aurpay_api::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackUrls {
    endpoint: reqwest::Url,
    reference_param: String,
    event_param: String,
}

impl CallbackUrls {
    /// URLs on this endpoint: an absolute `https://` URL (`http://` only
    /// for a loopback host), without a fragment. An existing query is kept.
    pub fn new(endpoint: &str) -> Result<Self, Error> {
        let shown = crate::redact::text(endpoint);
        let parsed = reqwest::Url::parse(endpoint)
            .map_err(|e| Error::config(format!("callback endpoint {shown:?} is not a URL: {e}")))?;
        let secure = parsed.scheme() == "https"
            || (parsed.scheme() == "http" && crate::client::is_loopback(&parsed));
        let userinfo = !parsed.username().is_empty() || parsed.password().is_some();
        if !secure || parsed.host().is_none() || parsed.fragment().is_some() || userinfo {
            return Err(Error::config(format!(
                "callback endpoint {shown:?} must be https://host/path (http only on loopback), without a fragment or user name"
            )));
        }
        Ok(CallbackUrls {
            endpoint: parsed,
            reference_param: "ref".to_owned(),
            event_param: "event".to_owned(),
        })
    }

    /// The query parameter that carries your reference (default `ref`).
    pub fn reference_param(mut self, name: impl Into<String>) -> Self {
        self.reference_param = name.into();
        self
    }

    /// The query parameter that carries the event (default `event`).
    pub fn event_param(mut self, name: impl Into<String>) -> Self {
        self.event_param = name.into();
        self
    }

    /// The `callback_url` for the order you call `reference`.
    pub fn paid(&self, reference: &str) -> Result<String, Error> {
        self.url(reference, CallbackEvent::Paid)
    }

    /// The `timeout_callback` for the order you call `reference`.
    pub fn timeout(&self, reference: &str) -> Result<String, Error> {
        self.url(reference, CallbackEvent::TimedOut)
    }

    fn url(&self, reference: &str, event: CallbackEvent) -> Result<String, Error> {
        let names = [self.reference_param.as_str(), self.event_param.as_str()];
        if names.iter().any(|n| n.is_empty()) || names[0] == names[1] {
            return Err(Error::config(
                "the reference and event parameters need two different, non-empty names",
            ));
        }
        if self
            .endpoint
            .query_pairs()
            .any(|(name, _)| names.contains(&name.as_ref()))
        {
            return Err(Error::config(format!(
                "the callback endpoint's query already has a `{}` or `{}` parameter",
                names[0], names[1]
            )));
        }
        if reference.is_empty()
            || reference.len() > MAX_REFERENCE_LEN
            || reference.chars().any(char::is_control)
        {
            return Err(Error::config(format!(
                "a callback reference must be 1 to {MAX_REFERENCE_LEN} bytes without control characters"
            )));
        }
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair(&self.reference_param, reference)
            .append_pair(&self.event_param, event.query_value());
        Ok(url.into())
    }

    /// The path both events arrive on.
    fn path(&self) -> &str {
        self.endpoint.path()
    }
}

/// An incoming callback request, framework-agnostic.
///
/// ```
/// use aurpay_api::callback::CallbackRequest;
/// let headers = http::HeaderMap::new();
/// let request = CallbackRequest::new("GET", "https://shop.example/cb?ref=1", &headers, b"");
/// assert_eq!(request.method, "GET");
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
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

impl<'a> CallbackRequest<'a> {
    /// A request as it arrived: its method, the full URL as the merchant
    /// registered it (scheme, host, path and query), headers and raw body.
    pub fn new(method: &'a str, url: &'a str, headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        CallbackRequest {
            method,
            url,
            headers,
            body,
        }
    }
}

/// The body of a POST callback: the order as Aurpay describes it.
/// **Unsigned**: anyone who replays a signed callback can change it. Use it
/// for display and diagnosis; act on [`BoundCallback::fetch_order`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UnsignedBody {
    /// The `order_id` it names.
    pub order_id: String,
    /// The `status` it claims.
    pub status: Option<OrderStatus>,
    /// The whole body decoded as an order, when it has the documented
    /// shape (unknown fields ignored, unknown statuses kept).
    pub order: Option<types::OrderDetail>,
    /// The body as JSON, whatever its shape.
    pub json: serde_json::Value,
}

/// A callback whose token, signature and date checked out. What is signed
/// (the URL, its query, your reference, the event) is kept apart from the
/// unsigned POST body.
#[derive(Clone, Debug)]
pub struct VerifiedCallback {
    event: CallbackEvent,
    is_post: bool,
    signed_url: String,
    query: Vec<(String, String)>,
    reference: Option<String>,
    body: Option<UnsignedBody>,
    signed_at: DateTime<Utc>,
}

impl VerifiedCallback {
    /// The event the signed URL names ([`CallbackEvent::Unknown`] when it
    /// names none: never taken from the body).
    pub fn event(&self) -> CallbackEvent {
        self.event
    }

    /// `true` for a POST callback (with a body).
    pub fn is_post(&self) -> bool {
        self.is_post
    }

    /// The full URL Aurpay signed.
    pub fn signed_url(&self) -> &str {
        &self.signed_url
    }

    /// The signed URL's query parameters, decoded, in order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The first signed query parameter with this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Your reference for the order, from the signed URL (see
    /// [`CallbackUrls`]).
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The POST body. **Unsigned.**
    pub fn unsigned_body(&self) -> Option<&UnsignedBody> {
        self.body.as_ref()
    }

    /// When Aurpay signed the callback (its `Date`, in UTC).
    pub fn signed_at(&self) -> Timestamp {
        Timestamp::from_utc(self.signed_at)
    }

    /// Binds the callback to an Aurpay order: the one you stored, at
    /// creation, under [`VerifiedCallback::reference`].
    ///
    /// * With `stored_order_id`: the callback is about that order; a POST
    ///   body that names another is refused ([`Rejection::OrderMismatch`]).
    /// * Without it, when the signed URL carries a reference: refused
    ///   ([`Rejection::UnknownReference`]): you do not know the order.
    /// * Without either: refused ([`Rejection::NoOrder`]); nothing signed
    ///   names the order.
    pub fn bind(&self, stored_order_id: Option<&str>) -> Result<BoundCallback, Rejection> {
        let body_order = self.body.as_ref().map(|b| b.order_id.as_str());
        let order_id = match (stored_order_id, &self.reference, body_order) {
            (Some(stored), _, Some(body)) if stored != body => {
                return Err(Rejection::OrderMismatch {
                    signed: stored.to_owned(),
                    body: body.to_owned(),
                });
            }
            (Some(stored), _, _) => stored.to_owned(),
            (None, Some(reference), _) => {
                return Err(Rejection::UnknownReference(reference.clone()));
            }
            (None, None, _) => return Err(Rejection::NoOrder),
        };
        Ok(BoundCallback {
            order_id,
            callback: self.clone(),
        })
    }

    /// For callback URLs registered without a reference (not built by
    /// [`CallbackUrls`]): binds a POST callback to the order its
    /// **unsigned** body names. Whoever replays a signed callback within
    /// the freshness window chooses that order; [`BoundCallback::fetch_order`]
    /// still reads its real status from the API, but do not map it to
    /// your own order through anything else than your stored Aurpay order
    /// id. Refused when the signed URL carries a reference (use
    /// [`VerifiedCallback::bind`]) or there is no body.
    pub fn bind_to_unsigned_body(&self) -> Result<BoundCallback, Rejection> {
        if let Some(reference) = &self.reference {
            return Err(Rejection::UnknownReference(reference.clone()));
        }
        let body = self.body.as_ref().ok_or(Rejection::NoOrder)?;
        Ok(BoundCallback {
            order_id: body.order_id.clone(),
            callback: self.clone(),
        })
    }
}

/// A verified callback bound to one Aurpay order ([`VerifiedCallback::bind`]).
#[derive(Clone, Debug)]
pub struct BoundCallback {
    order_id: String,
    callback: VerifiedCallback,
}

impl BoundCallback {
    /// The Aurpay order id this callback is about.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    /// The verified callback.
    pub fn callback(&self) -> &VerifiedCallback {
        &self.callback
    }

    /// Fetches the order from the API: the authoritative state to act on.
    ///
    /// ```no_run
    /// # async fn handle(bound: aurpay_api::callback::BoundCallback, client: aurpay_api::Client) -> Result<(), aurpay_api::Error> {
    /// let order = bound.fetch_order(&client).await?;
    /// if order.status.is_paid() {
    ///     // ship the goods (once: Aurpay retries callbacks)
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_order(&self, client: &Client) -> Result<types::OrderDetail, Error> {
        client
            .order_lookup(&self.order_id)
            .send_call(crate::operation::sealed::Token(()))
            .await
    }
}

/// Checks Aurpay's callbacks.
///
/// Configured with the callback token and secret (dashboard > Integration >
/// Callback), a freshness window for `Date` (default 5 minutes, both ways:
/// this SDK's policy, since Aurpay documents none),
/// and the [`CallbackUrls`] your orders were created with, so that the
/// signed URL's reference and event are read.
#[derive(Clone)]
pub struct CallbackVerifier {
    token: SecretString,
    secret: SecretString,
    freshness: Option<Duration>,
    clock: Arc<dyn Clock>,
    urls: Option<CallbackUrls>,
}

impl fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field("token", &format_args!("[redacted]"))
            .field("secret", &format_args!("[redacted]"))
            .field("freshness", &self.freshness)
            .field("urls", &self.urls)
            .finish()
    }
}

/// The path of a URL, or the text itself when it is already a path.
fn path_of(url: &reqwest::Url) -> &str {
    url.path()
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
        if token.expose_secret().is_empty() || secret.expose_secret().is_empty() {
            return Err(Error::config("callback token and secret must not be empty"));
        }
        crate::redact::check_secret_len("callback token", token.expose_secret())?;
        crate::redact::check_secret_len("callback secret", secret.expose_secret())?;
        crate::redact::register(token.expose_secret());
        crate::redact::register(secret.expose_secret());
        Ok(CallbackVerifier {
            token,
            secret,
            freshness: Some(Duration::from_secs(300)),
            clock: crate::clock::system(),
            urls: None,
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

    /// The URLs your orders' callbacks were built with: the reference and
    /// the event are read from the signed URL's query when it arrives on
    /// their endpoint's path.
    pub fn callback_urls(mut self, urls: &CallbackUrls) -> Self {
        self.urls = Some(urls.clone());
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
    /// or POST; a POST body is a JSON object with an `order_id`. Then reads
    /// the reference and the event from the signed URL (with
    /// [`CallbackVerifier::callback_urls`]).
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
            let now = self.clock.now().to_utc();
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

        // Everything below the signature check rests on the signed URL.
        let parsed = reqwest::Url::parse(request.url).ok();
        let query: Vec<(String, String)> = parsed
            .as_ref()
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let on_endpoint = match (&self.urls, &parsed) {
            (Some(urls), Some(url)) => path_of(url) == urls.path(),
            _ => false,
        };
        let param = |name: &str| {
            query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let (reference, event) = match &self.urls {
            Some(urls) if on_endpoint => {
                for name in [&urls.reference_param, &urls.event_param] {
                    if query.iter().filter(|(n, _)| n == name).count() > 1 {
                        return Err(Rejection::AmbiguousQuery(name.clone()));
                    }
                }
                let event = match param(&urls.event_param).as_deref() {
                    Some("paid") => CallbackEvent::Paid,
                    Some("timeout") => CallbackEvent::TimedOut,
                    _ => CallbackEvent::Unknown,
                };
                (param(&urls.reference_param), event)
            }
            _ => (None, CallbackEvent::Unknown),
        };

        let body = if is_post {
            let json: serde_json::Value = serde_json::from_slice(request.body).map_err(|e| {
                Rejection::MalformedBody(format!("not JSON ({})", e.classify_name()))
            })?;
            let head = BodyHead::deserialize(&json).map_err(|_| {
                Rejection::MalformedBody("not an order object with a string `order_id`".to_owned())
            })?;
            Some(UnsignedBody {
                order_id: head.order_id,
                status: head.status,
                // From the bytes, not the `Value`: amounts keep every digit.
                order: serde_json::from_slice::<types::OrderDetail>(request.body).ok(),
                json,
            })
        } else {
            None
        };
        Ok(VerifiedCallback {
            event,
            is_post,
            signed_url: request.url.to_owned(),
            query,
            reference,
            body,
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
/// let headers = signer.headers("https://api.you.com/callback?id=32", &date);
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
    pub fn headers(&self, url: &str, date: &Timestamp) -> HeaderMap {
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
    ///
    /// The extractor finds it in your application state through axum's
    /// `FromRef`: keep an `Arc<CallbackConfig>` in the state and say how to
    /// get it out. With the [`Processor`](crate::processor::Processor), the
    /// whole callback endpoint is then a few lines (its `Processed` and
    /// `ProcessError` are responses: 200, or 503 so Aurpay retries):
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aurpay_api::callback::{CallbackConfig, CallbackRejection, CallbackUrls, VerifiedCallback};
    /// use aurpay_api::processor::{OrderState, Processor, SqliteStore};
    /// use axum::extract::{FromRef, State};
    /// use axum::response::{IntoResponse, Response};
    ///
    /// #[derive(Clone)]
    /// struct AppState {
    ///     callbacks: Arc<CallbackConfig>,
    ///     processor: Arc<Processor<SqliteStore>>,
    /// }
    ///
    /// // How the extractor finds its configuration in the state.
    /// impl FromRef<AppState> for Arc<CallbackConfig> {
    ///     fn from_ref(state: &AppState) -> Self {
    ///         Arc::clone(&state.callbacks)
    ///     }
    /// }
    ///
    /// async fn callback(
    ///     State(state): State<AppState>,
    ///     callback: Result<VerifiedCallback, CallbackRejection>,
    /// ) -> Response {
    ///     let callback = match callback {
    ///         Ok(callback) => callback,
    ///         Err(rejection) => return rejection.into_response(),
    ///     };
    ///     state
    ///         .processor
    ///         .process_callback(&callback, |change| async move {
    ///             if change.to == OrderState::Paid {
    ///                 // fulfil change.reference, idempotently by change.key()
    ///             }
    ///             Ok::<(), std::io::Error>(())
    ///         })
    ///         .await
    ///         .into_response()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = aurpay_api::sandbox::Sandbox::builder().start().await?;
    /// let urls = CallbackUrls::new("https://shop.example/aurpay/callback")?;
    /// let state = AppState {
    ///     callbacks: CallbackConfig::new(
    ///         sandbox.callback_verifier().callback_urls(&urls),
    ///         "https://shop.example",
    ///     ),
    ///     processor: Arc::new(Processor::new(sandbox.client()?, SqliteStore::open_in_memory().await?)),
    /// };
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/aurpay/callback", axum::routing::any(callback))
    ///     .with_state(state);
    /// # drop(app);
    /// # Ok(())
    /// # }
    /// ```
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
            let status =
                StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
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
