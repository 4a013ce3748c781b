//! Credentials for Aurpay's two authentication schemes. Secrets live in
//! [`secrecy`] types and are redacted from every `Debug` output.

use std::fmt;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::SignatureAlgorithm;
use crate::error::Error;

/// How the client authenticates, chosen when it is built.
///
/// * [`Credentials::api_key`]: the `API-Key` header. Aurpay recommends it for
///   testing environments.
/// * [`Credentials::signature`]: API token + API secret; every request is
///   signed with HMAC (recommended by Aurpay for production).
///
/// `Debug` never shows a secret:
///
/// ```
/// use aurpay_api::{Credentials, SignatureAlgorithm};
///
/// let creds = Credentials::signature("TOKEN123", "s3cr3t", SignatureAlgorithm::HmacSha256)?;
/// assert!(!format!("{creds:?}").contains("s3cr3t"));
/// assert!(!format!("{creds:?}").contains("TOKEN123"));
/// # Ok::<(), aurpay_api::Error>(())
/// ```
#[derive(Clone)]
pub struct Credentials(pub(crate) Scheme);

#[derive(Clone)]
pub(crate) enum Scheme {
    ApiKey(HeaderValue),
    Signature(SignatureKey),
}

#[derive(Clone)]
pub(crate) struct SignatureKey {
    pub(crate) token: HeaderValue,
    pub(crate) secret: SecretString,
    pub(crate) algorithm: SignatureAlgorithm,
}

/// A header value marked sensitive (so hyper never logs or indexes it),
/// rejecting characters that cannot go in a header.
fn sensitive_header(name: &str, value: &str) -> Result<HeaderValue, Error> {
    if value.is_empty() {
        return Err(Error::config(format!("{name} is empty")));
    }
    crate::redact::check_secret_len(name, value)?;
    crate::redact::register(value);
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "{name} contains characters not allowed in an HTTP header"
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

impl Credentials {
    /// API-key authentication: the `API-Key` header (from Dashboard >
    /// Integration, or the `access_token` of `Client::get_api_key`).
    ///
    /// ```
    /// let creds = aurpay_api::Credentials::api_key("my-api-key")?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn api_key(key: impl Into<SecretString>) -> Result<Self, Error> {
        let key = key.into();
        Ok(Credentials(Scheme::ApiKey(sensitive_header(
            "API key",
            key.expose_secret(),
        )?)))
    }

    /// Signature authentication with the API token and API secret from the
    /// dashboard's API Management page.
    ///
    /// ```
    /// use aurpay_api::{Credentials, SignatureAlgorithm};
    /// let creds = Credentials::signature("TOKEN", "secret", SignatureAlgorithm::HmacSha3_256)?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn signature(
        api_token: impl Into<SecretString>,
        api_secret: impl Into<SecretString>,
        algorithm: SignatureAlgorithm,
    ) -> Result<Self, Error> {
        if algorithm.is_unknown() {
            return Err(Error::config(format!(
                "unsupported signature algorithm {algorithm}; Aurpay documents HMAC-SHA256 and HMAC-SHA3_256"
            )));
        }
        let token = sensitive_header("API token", api_token.into().expose_secret())?;
        let secret = api_secret.into();
        if secret.expose_secret().is_empty() {
            return Err(Error::config("API secret is empty"));
        }
        crate::redact::check_secret_len("API secret", secret.expose_secret())?;
        crate::redact::register(secret.expose_secret());
        Ok(Credentials(Scheme::Signature(SignatureKey {
            token,
            secret,
            algorithm,
        })))
    }

    /// Reads credentials from the environment:
    ///
    /// * `AURPAY_API_KEY` selects API-key authentication;
    /// * otherwise `AURPAY_API_TOKEN` and `AURPAY_API_SECRET` select signature
    ///   authentication, with `AURPAY_SIGNATURE_ALGORITHM` (`HMAC-SHA256`,
    ///   the default, or `HMAC-SHA3_256`).
    ///
    /// Setting both schemes is an error, and so is a missing variable; the
    /// error names it.
    ///
    /// ```no_run
    /// let creds = aurpay_api::Credentials::from_env()?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// [`Credentials::from_env`] over any variable source (for tests and
    /// configuration systems).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let key = lookup("AURPAY_API_KEY");
        let token = lookup("AURPAY_API_TOKEN");
        let secret = lookup("AURPAY_API_SECRET");
        match (key, token, secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Error::config(
                "both AURPAY_API_KEY and AURPAY_API_TOKEN/AURPAY_API_SECRET are set; set one scheme",
            )),
            (Some(key), None, None) => Credentials::api_key(key),
            (None, Some(token), Some(secret)) => {
                let algorithm = match lookup("AURPAY_SIGNATURE_ALGORITHM") {
                    None => SignatureAlgorithm::HmacSha256,
                    Some(name) => SignatureAlgorithm::from(name.as_str()),
                };
                Credentials::signature(token, secret, algorithm)
            }
            (None, Some(_), None) => Err(Error::config(
                "AURPAY_API_SECRET is not set (AURPAY_API_TOKEN is)",
            )),
            (None, None, Some(_)) => Err(Error::config(
                "AURPAY_API_TOKEN is not set (AURPAY_API_SECRET is)",
            )),
            (None, None, None) => Err(Error::config(
                "no credentials: set AURPAY_API_KEY, or AURPAY_API_TOKEN and AURPAY_API_SECRET",
            )),
        }
    }

    /// The secret values, for masking in this client's errors.
    pub(crate) fn secret_values(&self) -> Vec<String> {
        match &self.0 {
            Scheme::ApiKey(key) => vec![String::from_utf8_lossy(key.as_bytes()).into_owned()],
            Scheme::Signature(key) => vec![
                String::from_utf8_lossy(key.token.as_bytes()).into_owned(),
                key.secret.expose_secret().to_owned(),
            ],
        }
    }

    /// The scheme's name, for logs: `"api-key"` or `"signature"`.
    pub fn scheme(&self) -> &'static str {
        match self.0 {
            Scheme::ApiKey(_) => "api-key",
            Scheme::Signature(_) => "signature",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Scheme::ApiKey(_) => f.write_str("Credentials::ApiKey([redacted])"),
            Scheme::Signature(key) => f
                .debug_struct("Credentials::Signature")
                .field("api_token", &format_args!("[redacted]"))
                .field("api_secret", &format_args!("[redacted]"))
                .field("algorithm", &key.algorithm.as_str())
                .finish(),
        }
    }
}
