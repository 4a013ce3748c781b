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
//!    reference (for hosted checkout, [`crate::types::PaymentUrl::order_id`]).
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

#[cfg(feature = "axum")]
mod axum;
mod rejection;
mod signer;
mod urls;
mod verified;
mod verifier;

use reqwest::header::HeaderName;
use secrecy::{ExposeSecret, SecretString};

#[cfg(feature = "axum")]
pub use self::axum::{CallbackConfig, CallbackRejection};
pub use rejection::Rejection;
pub use signer::CallbackSigner;
pub use urls::{CallbackEvent, CallbackUrls};
pub use verified::{BoundCallback, CallbackRequest, UnsignedBody, VerifiedCallback};
pub use verifier::CallbackVerifier;

pub(crate) const CALLBACK_TOKEN: HeaderName = HeaderName::from_static("callback-token");
pub(crate) const DATE: HeaderName = HeaderName::from_static("date");
pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("signature");
pub(crate) const API_KEY: HeaderName = HeaderName::from_static("api-key");

/// The longest merchant reference [`CallbackUrls`] puts in a URL.
pub const MAX_REFERENCE_LEN: usize = 128;

/// The string Aurpay signs for a callback: `"{date} | {url}"`.
pub(crate) fn string_to_sign(date: &str, url: &str) -> String {
    format!("{date} | {url}")
}

/// The callback `Signature` for `date` and `url`:
/// `Base64(HMAC-SHA256(secret, "{date} | {url}"))`, by the one HMAC
/// implementation the request signer uses too.
pub(crate) fn signature(secret: &SecretString, date: &str, url: &str) -> String {
    crate::signing::sign(
        &crate::SignatureAlgorithm::HmacSha256,
        secret.expose_secret().as_bytes(),
        &string_to_sign(date, url),
    )
    .unwrap_or_default()
}

/// Compares without an early exit, so the time taken does not reveal how
/// many leading bytes matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}
