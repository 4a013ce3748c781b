//! Callback URLs that carry the merchant's reference and the event, signed
//! with them.

use super::MAX_REFERENCE_LEN;
use crate::error::Error;

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
/// same `CallbackUrls` on the [`CallbackVerifier`](crate::callback::CallbackVerifier).
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
    pub(super) reference_param: String,
    pub(super) event_param: String,
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
    pub(super) fn path(&self) -> &str {
        self.endpoint.path()
    }
}
