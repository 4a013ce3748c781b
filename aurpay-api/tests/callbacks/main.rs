//! Callback verification: every rejection reason (`rejections`),
//! forward-compatible decoding and the unsigned body (`bodies`), the URLs
//! that carry the merchant's reference (`urls`), arbitrary requests without
//! a panic (`properties`), and the `callback_receiver` example over real
//! HTTP (`receiver`). Signatures here are computed by the tests' own HMAC
//! code (`support::independent_callback_signature`, checked against the
//! reference vector), not by the SDK's signer.

#[path = "../support/mod.rs"]
mod support;

mod bodies;
mod properties;
mod receiver;
mod rejections;
mod urls;

use aurpay_api::callback::{
    CallbackRequest, CallbackUrls, CallbackVerifier, Rejection, VerifiedCallback,
};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use support::independent_callback_signature as independent_signature;

const TOKEN: &str = "0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F";
const SECRET: &str = "callback-secret";
const NOW: &str = "2025-02-07T04:10:00Z";
const ENDPOINT: &str = "https://shop.example/aurpay/callback";
const PAID: &str = "https://shop.example/aurpay/callback?ref=cart-1001&event=paid";
const TIMEOUT: &str = "https://shop.example/aurpay/callback?ref=cart-1001&event=timeout";
const ORDER: &str = "20250207040935220628";

fn headers(token: &str, secret: &str, date: &str, signed_url: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("callback-token", HeaderValue::from_str(token).unwrap());
    h.insert("date", HeaderValue::from_str(date).unwrap());
    h.insert(
        "signature",
        HeaderValue::from_str(&independent_signature(secret, date, signed_url)).unwrap(),
    );
    h.insert("api-key", HeaderValue::from_static("merchant-api-key"));
    h
}

fn urls() -> CallbackUrls {
    CallbackUrls::new(ENDPOINT).unwrap()
}

fn verifier() -> CallbackVerifier {
    CallbackVerifier::new(TOKEN, SECRET)
        .unwrap()
        .callback_urls(&urls())
        .clock(aurpay_api::clock::ManualClock::starting_at(
            NOW.parse().unwrap(),
        ))
}

fn verify(
    method: &str,
    url: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<VerifiedCallback, Rejection> {
    verifier().verify(&CallbackRequest::new(method, url, headers, body))
}

fn order_body(status: &str) -> serde_json::Value {
    json!({
        "user_id": "mct-bea5c44da875", "order_id": ORDER, "order_type": "ORDER", "platform": "AURPAY",
        "status": status, "chain": "BTC", "chain_name": "Bitcoin", "currency": "BTC", "amount": "0.00102549",
        "vs_price": "100.0", "vs_currency": "USD", "remark": "", "refund": false, "bind_id": null,
        "create_time": "2025-02-06T00:00:00", "update_time": "2025-02-06T00:00:00",
        "tx_id": "ca1f0db3-0a3d-47c5-94ed-c94193aa1934", "tx_type": "ORDER", "obtained": null,
        "fee": "0.00000820392", "from_addr": null, "to_addr": "tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e",
        "tx_hash": null, "tx_hash_list": [], "contract_id": null, "website": null
    })
}

/// A GET of `url` signed (by the tests' own code) over `url` with the
/// right token and secret at [`NOW`], as the verifier at [`NOW`] takes it.
fn verify_get(url: &str) -> Result<VerifiedCallback, Rejection> {
    verify("GET", url, &headers(TOKEN, SECRET, NOW, url), b"")
}

/// A GET of [`PAID`] signed with this token and secret at `date`.
fn verify_paid(token: &str, secret: &str, date: &str) -> Result<VerifiedCallback, Rejection> {
    verify("GET", PAID, &headers(token, secret, date, PAID), b"")
}

/// A POST of `body` to `url`, signed over `url` with the right token and
/// secret at [`NOW`].
fn verify_post(url: &str, body: &[u8]) -> Result<VerifiedCallback, Rejection> {
    verify("POST", url, &headers(TOKEN, SECRET, NOW, url), body)
}
