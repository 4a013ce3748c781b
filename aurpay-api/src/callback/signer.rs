//! [`CallbackSigner`]: the headers Aurpay sends, for merchants' tests.

use super::{API_KEY, CALLBACK_TOKEN, DATE, SIGNATURE, signature};
use std::fmt;

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Timestamp;
use crate::signing;

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
        signature(&self.secret, date, url)
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
