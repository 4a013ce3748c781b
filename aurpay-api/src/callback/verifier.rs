//! [`CallbackVerifier`]: token, signature and freshness, then what the
//! signed URL says.

use super::{
    CALLBACK_TOKEN, CallbackEvent, CallbackRequest, CallbackUrls, DATE, Rejection, SIGNATURE,
    UnsignedBody, VerifiedCallback, constant_time_eq,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::clock::Clock;
use crate::error::Error;
use crate::generated::types;
use crate::{OrderStatus, Timestamp};

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
        // Both are Base64 of 32 bytes; compared in constant time.
        let expected = super::signature(&self.secret, date, request.url);
        if !constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
            return Err(Rejection::BadSignature);
        }

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
