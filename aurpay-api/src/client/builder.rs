//! [`ClientBuilder`]: the transport policy a client is built with, and the
//! checks on its base URL.

use super::{Client, ClientContext, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, Origin};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::clock::Clock;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::generated::Transport;
use crate::retry::RetryPolicy;

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use aurpay_api::{Client, Credentials, RetryPolicy};
///
/// let client = Client::builder()
///     .credentials(Credentials::api_key("my-api-key")?)
///     .timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::default().max_attempts(4))
///     .build()?;
/// assert_eq!(client.base_url(), "https://dashboard.aurpay.net");
/// # Ok::<(), aurpay_api::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    allow_insecure_http: bool,
    max_response_bytes: u64,
    root_certificates: Option<Vec<u8>>,
}

/// The default [`ClientBuilder::max_response_bytes`]: 8 MiB, far above
/// Aurpay's largest real answer (a page of 100 orders is about 100 KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            clock: crate::clock::system(),
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            root_certificates: None,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]). A trailing slash
    /// is ignored. It must be `https://`, except for a loopback host
    /// (`127.0.0.1`, `[::1]`, `localhost`: the sandbox and tests) or with
    /// [`ClientBuilder::allow_insecure_http`]. It must not carry a user
    /// name, password, query or fragment. Credentials are only ever sent to
    /// this origin (scheme, host and port).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How to authenticate. Without credentials only unauthenticated calls
    /// (Get API-Key) can be made.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The time limit of one attempt, from sending to the last byte of the
    /// answer's body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `aurpay-api/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Allows a plain `http://` base URL on a host that is not loopback.
    /// Credentials then cross the network in clear text: only for a test
    /// server on a network you trust.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Trusts only the certificate authorities in this PEM bundle instead of
    /// the platform's: to pin Aurpay's chain, or to reach a test server
    /// with a private CA. An unreadable bundle fails [`ClientBuilder::build`].
    pub fn tls_root_certificates_only(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates = Some(pem.into());
        self
    }

    /// The largest answer read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 8 MiB). Enforced while the body
    /// streams: a larger answer stops being read at the limit and the call
    /// fails with [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit.max(1);
        self
    }

    /// When and how read-only calls are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock for everything time-dependent in calls: the signature's
    /// `Date`, retry back-off and the retry deadline, an HTTP-date
    /// `Retry-After` (default [`SystemClock`](crate::clock::SystemClock)).
    /// Tests inject a [`ManualClock`](crate::clock::ManualClock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    ///
    /// Redirects are never followed (a 3xx is
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect)), so no request,
    /// and no credential, ever leaves for another origin.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = check_base_url(&base_url, self.allow_insecure_http)?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config("user agent contains characters not allowed in a header"))?;
        // The attempt's time limit is the client's, not set per request: a
        // request's own timeout lives in its extensions map, which reqwest
        // would allocate for every attempt (and every copy kept for one).
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if parsed.scheme() == "http" {
            // A proxy from the environment (HTTP_PROXY) would receive a plain
            // request, credentials and all: another origin. Over https a
            // proxy only relays the TLS tunnel (CONNECT), so it may stay.
            http = http.no_proxy();
        }
        if let Some(pem) = &self.root_certificates {
            http = with_root_certificates(http, pem)?;
        }
        let http = http
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        let secrets = Arc::new(
            self.credentials
                .as_ref()
                .map(Credentials::secret_values)
                .unwrap_or_default(),
        );
        let context = ClientContext {
            secrets,
            credentials: self.credentials,
            retry: self.retry,
            timeout: self.timeout,
            clock: self.clock,
            user_agent,
            origin: Origin::of(&parsed),
            max_response_bytes: self.max_response_bytes,
        };
        Ok(Client {
            transport: Transport::new_with_client(&base_url, http, context),
        })
    }
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn with_root_certificates(
    http: reqwest::ClientBuilder,
    pem: &[u8],
) -> Result<reqwest::ClientBuilder, Error> {
    let certificates = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::config(format!("unreadable root certificates: {e}")))?;
    if certificates.is_empty() {
        return Err(Error::config(
            "no certificate in the root certificate bundle",
        ));
    }
    Ok(http.tls_certs_only(certificates))
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn with_root_certificates(
    _: reqwest::ClientBuilder,
    _: &[u8],
) -> Result<reqwest::ClientBuilder, Error> {
    Err(Error::config(
        "root certificates need a TLS backend: enable the rustls or native-tls feature",
    ))
}

/// Whether `url`'s host is loopback (`127.0.0.0/8`, `::1`, `localhost`):
/// the only hosts plain http is allowed to without an explicit opt-in.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The base URL, parsed, if it is one credentials may be sent to.
fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<reqwest::Url, Error> {
    // The URL is only ever printed masked: it may carry a password.
    let shown = crate::redact::text(base_url);
    let parsed = reqwest::Url::parse(base_url)
        .map_err(|e| Error::config(format!("base URL {shown:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Error::config(format!(
            "base URL {shown:?} must be https://host"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(format!(
            "base URL {shown:?} must not carry a user name or password: credentials go in .credentials(..)"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {shown:?} must not have a query or fragment"
        )));
    }
    if parsed.scheme() == "http" && !is_loopback(&parsed) && !allow_insecure_http {
        let mut https = parsed.clone();
        // Cannot fail: http and https are both special schemes.
        let _ = https.set_scheme("https");
        return Err(Error::config(format!(
            "base URL {shown:?} is plain http: credentials would cross the network in clear text; \
             use https ({:?}), or .allow_insecure_http() for a test server you trust",
            https.as_str().trim_end_matches('/')
        )));
    }
    Ok(parsed)
}
