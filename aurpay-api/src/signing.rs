//! Aurpay's request signature, exactly as documented:
//!
//! ```text
//! Signature = Base64( HMAC(secret, "{Algorithm} | {Date} | {METHOD} {path?query} | {Body-MD5}") )
//! ```
//!
//! with the raw digest base64-encoded (standard alphabet, padded),
//! `Body-MD5` the lowercase hex MD5 of the exact body bytes sent, and the
//! last segment (and the `Body-MD5` header) left out when there is no body.
//! `Date` is ISO-8601 UTC (`2024-06-17T00:00:00Z`).
//!
//! The client signs each request as it is finally sent, on every attempt.
//! These functions are public so that you can check a signature by hand.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::SecondsFormat;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::ExposeSecret;

use crate::credentials::SignatureKey;
use crate::{SignatureAlgorithm, Timestamp};

/// The `Date` header value: ISO-8601 UTC, whole seconds, `Z` suffix.
///
/// ```
/// let date = "2024-06-17T00:00:00.123Z".parse().unwrap();
/// assert_eq!(aurpay_api::signing::format_date(&date), "2024-06-17T00:00:00Z");
/// ```
pub fn format_date(time: &Timestamp) -> String {
    time.to_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Lowercase hex MD5 of `body`, the `Body-MD5` header value.
///
/// ```
/// assert_eq!(aurpay_api::signing::body_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
/// ```
pub fn body_md5(body: &[u8]) -> String {
    let digest = Md5::digest(body);
    let mut hex = String::with_capacity(32);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

/// The string to sign. `body_md5` is `None` when the request has no body,
/// which leaves out the last ` | ` segment.
///
/// ```
/// use aurpay_api::{SignatureAlgorithm, signing::string_to_sign};
/// assert_eq!(
///     string_to_sign(&SignatureAlgorithm::HmacSha256, "2024-06-17T00:00:00Z", "GET", "/test/logs?size=20&page=2", None),
///     "HMAC-SHA256 | 2024-06-17T00:00:00Z | GET /test/logs?size=20&page=2",
/// );
/// ```
pub fn string_to_sign(
    algorithm: &SignatureAlgorithm,
    date: &str,
    method: &str,
    path_and_query: &str,
    body_md5: Option<&str>,
) -> String {
    let mut text = format!(
        "{} | {date} | {} {path_and_query}",
        algorithm.as_str(),
        method.to_ascii_uppercase()
    );
    if let Some(md5) = body_md5 {
        text.push_str(" | ");
        text.push_str(md5);
    }
    text
}

/// Base64 of the HMAC of `message` under `secret`. `None` for an algorithm
/// Aurpay does not document.
///
/// ```
/// use aurpay_api::{SignatureAlgorithm, signing::sign};
/// let message = "HMAC-SHA256 | 2024-06-17T00:00:00Z | GET /test/logs?size=20&page=2";
/// assert_eq!(
///     sign(&SignatureAlgorithm::HmacSha256, b"test_secret", message).unwrap(),
///     "a1zLvIqPep06xkddvpx3sPuJZK1IfA/Bo2lhL1nrJ+o=",
/// );
/// ```
pub fn sign(algorithm: &SignatureAlgorithm, secret: &[u8], message: &str) -> Option<String> {
    let digest = match algorithm {
        SignatureAlgorithm::HmacSha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureAlgorithm::HmacSha3_256 => {
            let mut mac = Hmac::<sha3::Sha3_256>::new_from_slice(secret).ok()?;
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureAlgorithm::Unknown(_) => return None,
    };
    Some(BASE64.encode(digest))
}

/// The headers signature authentication adds to one request.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignatureHeaders {
    /// `Algorithm`.
    pub algorithm: String,
    /// `Date`.
    pub date: String,
    /// `Body-MD5`, absent when there is no body.
    pub body_md5: Option<String>,
    /// `Signature`.
    pub signature: String,
}

impl fmt::Debug for SignatureHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeaders")
            .field("algorithm", &self.algorithm)
            .field("date", &self.date)
            .field("body_md5", &self.body_md5)
            .field("signature", &format_args!("[redacted]"))
            .finish()
    }
}

/// Computes the signature headers for one request. `path_and_query` is the
/// path plus `?query` exactly as sent; `body` is `None` or empty when the
/// request has no body.
///
/// ```
/// use aurpay_api::{SignatureAlgorithm, signing::signature_headers};
/// let date = "2024-06-17T00:00:00Z".parse().unwrap();
/// let headers = signature_headers(&SignatureAlgorithm::HmacSha256, b"test_secret", &date, "GET", "/test/logs?size=20&page=2", None).unwrap();
/// assert_eq!(headers.signature, "a1zLvIqPep06xkddvpx3sPuJZK1IfA/Bo2lhL1nrJ+o=");
/// assert_eq!(headers.body_md5, None);
/// ```
pub fn signature_headers(
    algorithm: &SignatureAlgorithm,
    secret: &[u8],
    date: &Timestamp,
    method: &str,
    path_and_query: &str,
    body: Option<&[u8]>,
) -> Option<SignatureHeaders> {
    let date = format_date(date);
    let body_md5 = body.filter(|b| !b.is_empty()).map(body_md5);
    let message = string_to_sign(
        algorithm,
        &date,
        method,
        path_and_query,
        body_md5.as_deref(),
    );
    Some(SignatureHeaders {
        algorithm: algorithm.as_str().to_owned(),
        signature: sign(algorithm, secret, &message)?,
        date,
        body_md5,
    })
}

const API_TOKEN: HeaderName = HeaderName::from_static("api-token");
const ALGORITHM: HeaderName = HeaderName::from_static("algorithm");
const DATE: HeaderName = HeaderName::from_static("date");
const BODY_MD5: HeaderName = HeaderName::from_static("body-md5");
const SIGNATURE: HeaderName = HeaderName::from_static("signature");

/// Signs `request` in place as it will be sent. Returns `false` when it
/// cannot be signed (a streaming body; the generated client never sends
/// one).
pub(crate) fn sign_request(
    request: &mut reqwest::Request,
    key: &SignatureKey,
    now: &Timestamp,
) -> bool {
    let url = request.url();
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let body = match request.body() {
        None => None,
        Some(body) => match body.as_bytes() {
            Some(bytes) => Some(bytes),
            None => return false,
        },
    };
    let Some(headers) = signature_headers(
        &key.algorithm,
        key.secret.expose_secret().as_bytes(),
        now,
        request.method().as_str(),
        &path_and_query,
        body,
    ) else {
        return false;
    };
    let map = request.headers_mut();
    map.insert(API_TOKEN, key.token.clone());
    for (name, value) in [
        (ALGORITHM, Some(headers.algorithm)),
        (DATE, Some(headers.date)),
        (BODY_MD5, headers.body_md5),
    ] {
        match value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            Some(value) => map.insert(name, value),
            None => map.remove(name),
        };
    }
    match HeaderValue::from_str(&headers.signature) {
        Ok(mut value) => {
            value.set_sensitive(true);
            map.insert(SIGNATURE, value);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    //! Known answers: the two examples in Aurpay's signature docs, and
    //! vectors computed independently with Python's `hmac`, `hashlib` and
    //! `base64` (script in the commit message), covering query strings,
    //! bodies and both algorithms.
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::Credentials;
    use crate::credentials::Scheme;

    const DOCS_DATE: &str = "2024-06-17T00:00:00Z";

    #[test]
    fn docs_example_without_body() {
        let text = string_to_sign(
            &SignatureAlgorithm::HmacSha256,
            DOCS_DATE,
            "GET",
            "/test/logs?size=20&page=2",
            None,
        );
        assert_eq!(
            text,
            "HMAC-SHA256 | 2024-06-17T00:00:00Z | GET /test/logs?size=20&page=2"
        );
        assert_eq!(
            sign(&SignatureAlgorithm::HmacSha256, b"test_secret", &text).unwrap(),
            "a1zLvIqPep06xkddvpx3sPuJZK1IfA/Bo2lhL1nrJ+o="
        );
    }

    #[test]
    fn docs_example_with_body_md5() {
        let text = string_to_sign(
            &SignatureAlgorithm::HmacSha256,
            DOCS_DATE,
            "post",
            "/test/logs",
            Some("a4e00bea676896c4524f112fd0e2f6b6"),
        );
        assert_eq!(
            text,
            "HMAC-SHA256 | 2024-06-17T00:00:00Z | POST /test/logs | a4e00bea676896c4524f112fd0e2f6b6"
        );
        assert_eq!(
            sign(&SignatureAlgorithm::HmacSha256, b"test_secret", &text).unwrap(),
            "dLA6WDc3qrmgjAFoYcNRDI0187Kei+Jmcm3tbk2SBSU="
        );
    }

    /// (algorithm, secret, date, method, path?query, body, Body-MD5, Signature)
    type Vector = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
    );

    const VECTORS: &[Vector] = &[
        (
            "HMAC-SHA256",
            "test_secret",
            DOCS_DATE,
            "POST",
            "/test/logs",
            "",
            None,
            "7/wkOggCLKUT5aLEY7aCNIzZC2gp0e+LlbmBythKotk=",
        ),
        (
            "HMAC-SHA3_256",
            "test_secret",
            DOCS_DATE,
            "GET",
            "/test/logs?size=20&page=2",
            "",
            None,
            "FghIhR9JRyK+rLq0NYxPqbad9kq9pW68Jz/MHHvS52c=",
        ),
        (
            "HMAC-SHA256",
            "s3cr3t-Key",
            "2025-02-07T04:09:35Z",
            "GET",
            "/api/v2/order/?page=2&size=50",
            "",
            None,
            "hlDCsFPZDr6V3RwHjpGcnGWfhNobYtmPNEDftaZNKXA=",
        ),
        (
            "HMAC-SHA3_256",
            "s3cr3t-Key",
            "2025-02-07T04:09:35Z",
            "GET",
            "/api/v2/order/detail/20250207040935220628",
            "",
            None,
            "csMiQrAKXT9UlGREXOSBNO3aSibO6XAsZBe1VgZyFN8=",
        ),
        (
            "HMAC-SHA256",
            "s3cr3t-Key",
            "2025-02-07T04:09:35Z",
            "POST",
            "/api/order/pay-info",
            r#"{"chain":"ETH","currency":"USDT-ERC20","vs_currency":"USD","vs_price":10}"#,
            Some("617e043ffd6a8c48414a1bdefa105b00"),
            "xey2TEQ1z69JBgeehDWCcRgCc4xqnaZ0kSi8YtvwCAE=",
        ),
        (
            "HMAC-SHA3_256",
            "s3cr3t-Key",
            "2025-02-07T04:09:35Z",
            "POST",
            "/api/v2/order/refund/20250207040935220628",
            r#"{"address":"tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e"}"#,
            Some("ac5c88b4268e8398e852b63a61a3ab73"),
            "aH4KGieDJtoZPIfLKogAm7KxejOxvYhQELMGhrj/+bk=",
        ),
    ];

    #[test]
    fn independent_vectors() {
        for (algorithm, secret, date, method, path, body, md5, expected) in VECTORS {
            let headers = signature_headers(
                &SignatureAlgorithm::from(*algorithm),
                secret.as_bytes(),
                &date.parse().unwrap(),
                method,
                path,
                Some(body.as_bytes()),
            )
            .unwrap();
            assert_eq!(headers.body_md5.as_deref(), *md5, "{method} {path}");
            assert_eq!(headers.signature, *expected, "{algorithm} {method} {path}");
            assert_eq!(headers.date, *date);
        }
    }

    #[test]
    fn signs_the_request_as_sent() {
        let creds = Credentials::signature(
            "TOKEN21CHARSXXXXXXXXX",
            "s3cr3t-Key",
            SignatureAlgorithm::HmacSha256,
        )
        .unwrap();
        let Scheme::Signature(key) = &creds.0 else {
            unreachable!()
        };
        let now: Timestamp = "2025-02-07T04:09:35Z".parse().unwrap();

        let url = "http://127.0.0.1:1/api/v2/order/?page=2&size=50"
            .parse()
            .unwrap();
        let mut get = reqwest::Request::new(reqwest::Method::GET, url);
        assert!(sign_request(&mut get, key, &now));
        let h = get.headers();
        assert_eq!(h["api-token"], "TOKEN21CHARSXXXXXXXXX");
        assert_eq!(h["algorithm"], "HMAC-SHA256");
        assert_eq!(h["date"], "2025-02-07T04:09:35Z");
        assert!(h.get("body-md5").is_none(), "no Body-MD5 without a body");
        assert_eq!(
            h["signature"],
            "hlDCsFPZDr6V3RwHjpGcnGWfhNobYtmPNEDftaZNKXA="
        );
        assert!(h["signature"].is_sensitive());

        let url = "http://127.0.0.1:1/api/order/pay-info".parse().unwrap();
        let mut post = reqwest::Request::new(reqwest::Method::POST, url);
        *post.body_mut() = Some(
            r#"{"chain":"ETH","currency":"USDT-ERC20","vs_currency":"USD","vs_price":10}"#.into(),
        );
        assert!(sign_request(&mut post, key, &now));
        assert_eq!(
            post.headers()["body-md5"],
            "617e043ffd6a8c48414a1bdefa105b00"
        );
        assert_eq!(
            post.headers()["signature"],
            "xey2TEQ1z69JBgeehDWCcRgCc4xqnaZ0kSi8YtvwCAE="
        );
    }

    #[test]
    fn unknown_algorithm_does_not_sign() {
        assert_eq!(sign(&SignatureAlgorithm::from("HMAC-MD5"), b"k", "m"), None);
    }

    #[test]
    fn date_is_utc_whole_seconds() {
        let t: DateTime<Utc> = "2024-06-17T08:00:00.999+08:00".parse().unwrap();
        assert_eq!(format_date(&Timestamp::from_utc(t)), "2024-06-17T00:00:00Z");
        let zoned: Timestamp = "2024-06-17T08:00:00.999+08:00".parse().unwrap();
        assert_eq!(format_date(&zoned), "2024-06-17T00:00:00Z");
    }
}
