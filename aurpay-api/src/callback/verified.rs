//! A request as received, and what verifying it gives: the verified
//! callback and, bound to the merchant's order, the bound callback.

use super::{CallbackEvent, Rejection};
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use crate::Client;
use crate::error::Error;
use crate::generated::types;
use crate::operation::Call as _;
use crate::operation::OrderLookup;
use crate::{OrderStatus, Timestamp};

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
    pub(super) event: CallbackEvent,
    pub(super) is_post: bool,
    pub(super) signed_url: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) reference: Option<String>,
    pub(super) body: Option<UnsignedBody>,
    pub(super) signed_at: DateTime<Utc>,
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
    /// [`CallbackUrls`](crate::callback::CallbackUrls)).
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
    /// [`CallbackUrls`](crate::callback::CallbackUrls)): binds a POST callback to the order its
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
