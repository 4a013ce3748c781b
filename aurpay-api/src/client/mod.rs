//! Building a [`Client`], and what every request goes through: credentials,
//! signing on every attempt, timeouts, retries that never repeat a payment,
//! and a tracing span per call.

mod buffered;
mod builder;
mod hooks;
mod send;

pub(crate) use buffered::BufferedAnswer;

pub(crate) use builder::is_loopback;
pub use builder::{ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES};

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::clock::Clock;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::generated::Transport;
use crate::retry::RetryPolicy;

/// The base URL every documented Aurpay example uses.
pub const DEFAULT_BASE_URL: &str = "https://dashboard.aurpay.net";

/// The `User-Agent` the SDK sends: `aurpay-api/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("aurpay-api/", env!("CARGO_PKG_VERSION"));

/// The Aurpay API client: one method per operation, each returning a
/// request builder whose `.call()` sends it.
///
/// Cheap to clone (the connection pool and settings are shared); build one
/// with [`Client::builder`] or [`Client::from_env`] and keep it.
///
/// ```
/// let client = aurpay_api::Client::builder()
///     .credentials(aurpay_api::Credentials::api_key("my-api-key")?)
///     .build()?;
/// let orders = client.get_orders().page(1u64).size(50u64); // not sent yet
/// # drop(orders);
/// # Ok::<(), aurpay_api::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.baseurl)
            .field("credentials", &self.transport.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// Per-client settings carried inside progenitor's client (its "inner
/// type"). Built by [`ClientBuilder`]; crate-private.
#[derive(Clone)]
pub(crate) struct ClientContext {
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    user_agent: HeaderValue,
    /// The only origin credentials are ever sent to.
    origin: Origin,
    max_response_bytes: u64,
    /// The credentials' secret values, masked in this client's errors.
    secrets: Arc<Vec<String>>,
}

/// Scheme, host and port of a URL: where credentials may go.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &reqwest::Url) -> Origin {
        Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            port: url.port_or_known_default(),
        }
    }

    /// Whether `url` is on this origin: `Origin::of(url) == *self`, without
    /// building the other origin (this runs on every attempt).
    fn contains(&self, url: &reqwest::Url) -> bool {
        url.scheme() == self.scheme
            && url.port_or_known_default() == self.port
            && url.host_str().is_some_and(|host| {
                // http(s) hosts come lowercased from the URL parser.
                host == self.host || host.eq_ignore_ascii_case(&self.host)
            })
    }
}

impl ClientContext {
    /// The client's clock.
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with Aurpay's defaults.
    ///
    /// ```
    /// let client = aurpay_api::Client::builder()
    ///     .base_url("https://dashboard.aurpay.net/")
    ///     .build()?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: credentials as in
    /// [`Credentials::from_env`], and `AURPAY_BASE_URL` (default
    /// [`DEFAULT_BASE_URL`]).
    ///
    /// ```no_run
    /// let client = aurpay_api::Client::from_env()?;
    /// # Ok::<(), aurpay_api::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        let mut builder = Client::builder().credentials(Credentials::from_env()?);
        if let Some(url) = std::env::var("AURPAY_BASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The credentials' scheme (`"api-key"` or `"signature"`), `None`
    /// without credentials.
    pub fn auth_scheme(&self) -> Option<&'static str> {
        self.transport
            .inner
            .credentials
            .as_ref()
            .map(Credentials::scheme)
    }

    /// The base URL requests are sent to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.transport.baseurl
    }

    /// The client's clock ([`ClientBuilder::clock`]).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.transport.inner.clock()
    }
}
