//! An in-process fake Aurpay server for tests and offline demos (feature
//! `sandbox`).
//!
//! Aurpay has no public test mode. The sandbox is a stateful stand-in on
//! `127.0.0.1` (ephemeral port) that speaks the spec's wire format for all
//! operations, authenticates both schemes with its own verifier, keeps
//! orders, transactions, refunds, wallets and a Lightning balance, and
//! delivers signed callbacks (GET, or POST with `enable_post_callback`),
//! retried with back-off until the receiver answers 200. Faults (latency,
//! HTTP 5xx, error codes, dropped connections) can be injected per
//! operation.
//!
//! ```
//! use std::time::Duration;
//! use aurpay_api::sandbox::{Payment, Sandbox};
//! use aurpay_api::{Amount, OrderStatus, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client()?;
//! let order = client
//!     .create_bln_order()
//!     .body(types::BlnOrderRequest::builder().price(Amount::from(20)).currency("USD"))
//!     .call()
//!     .await?;
//! assert_eq!(sandbox.pay(&order.order_id, Payment::Full)?, OrderStatus::Success);
//! let paid = client.get_orders_details().order_id(order.order_id.as_str()).call().await?;
//! assert!(paid.status.is_paid());
//! # Ok(()) }
//! ```
//!
//! The sandbox models Aurpay as documented; where Aurpay's behaviour is not
//! documented (error codes, the inferred endpoints, callback retry timing)
//! it makes a plausible choice and says so.

mod checkout;
pub mod codes;
mod controls;
mod handlers;
pub(crate) mod route;
mod schema;
mod server;
mod state;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::callback::{CallbackEvent, CallbackSigner, CallbackVerifier};
use crate::{Client, Credentials, Operation, OrderStatus, SignatureAlgorithm};

pub use state::{CallbackFault, Delivery, Fault, Payment, Release, Repeat, SandboxError};

/// What every wallet holds in a sandbox started with
/// [`Sandbox::start_with_examples`], in the wallet's own currency.
pub const EXAMPLE_WALLET_BALANCE: i64 = 1_000;

/// Credentials and behaviour of a sandbox. The defaults are fixed, so tests
/// can use them directly.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The merchant id, `mct-` and 12 hex digits.
    pub merchant_id: String,
    /// The `API-Key` the sandbox accepts (and returns from Get API-Key).
    pub api_key: String,
    /// The API token of signature authentication.
    pub api_token: String,
    /// The API secret of signature authentication.
    pub api_secret: String,
    /// The callback token sent as `Callback-Token`.
    pub callback_token: String,
    /// The secret callbacks are signed with.
    pub callback_secret: String,
    /// The account e-mail Get API-Key accepts (default: the spec's example
    /// account, so the documented example request succeeds).
    pub username: String,
    /// The account password Get API-Key accepts (default: the spec's
    /// example).
    pub password: String,
    /// Delivery attempts per callback (default 5).
    pub callback_attempts: u32,
    /// First back-off between callback attempts; doubles each time (default
    /// 100 ms).
    pub callback_backoff: Duration,
    /// Accepted clock skew of a signed request's `Date` (default 15 min).
    pub max_clock_skew: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            merchant_id: "mct-5a0dbee0c0de".to_owned(),
            api_key: "sandbox-api-key-0000000000000000000000000000".to_owned(),
            api_token: "SANDBOXAPITOKEN000001".to_owned(),
            api_secret: "sandbox-api-secret".to_owned(),
            callback_token: "5A0DBEE0C0DE5A0DBEE0C0DE5A0DBEE0C0DE5A0DBEE0".to_owned(),
            callback_secret: "sandbox-callback-secret".to_owned(),
            username: "merchant@example.com".to_owned(),
            password: "correct-horse-battery-staple".to_owned(),
            callback_attempts: 5,
            callback_backoff: Duration::from_millis(100),
            max_clock_skew: Duration::from_secs(15 * 60),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("merchant_id", &self.merchant_id)
            .field("callback_attempts", &self.callback_attempts)
            .finish_non_exhaustive()
    }
}

/// A running sandbox. Stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<state::Shared>,
    shutdown: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with the default configuration on an ephemeral
    /// loopback port.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Starts a sandbox in which every request example of the spec
    /// succeeds, with the default configuration: the orders the examples
    /// name exist and are paid in full, and every wallet holds
    /// [`EXAMPLE_WALLET_BALANCE`] to withdraw from. Each operation's rustdoc
    /// example runs against it, and `sandbox_server --examples` serves it to
    /// clients in other languages.
    ///
    /// ```
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = aurpay_api::sandbox::Sandbox::start_with_examples().await?;
    /// let order = sandbox
    ///     .client()?
    ///     .get_orders_details()
    ///     .order_id("20240806071926377966")
    ///     .call()
    ///     .await?;
    /// assert_eq!(order.status, aurpay_api::OrderStatus::Success);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_with_examples() -> Result<Sandbox, SandboxError> {
        Self::start_on_with_examples("127.0.0.1:0").await
    }

    /// [`Sandbox::start_with_examples`], listening on `addr`.
    pub async fn start_on_with_examples(addr: &str) -> Result<Sandbox, SandboxError> {
        let sandbox = Self::start_on(addr, SandboxConfig::default()).await?;
        handlers::seed_examples(&sandbox.shared);
        Ok(sandbox)
    }

    /// Starts a sandbox with this configuration.
    pub async fn start_with(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Self::start_on("127.0.0.1:0", config).await
    }

    /// Starts a sandbox listening on `addr` (for example `127.0.0.1:8080`).
    pub async fn start_on(addr: &str, config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(SandboxError::Listen)?;
        let addr = listener.local_addr().map_err(SandboxError::Listen)?;
        let shared = Arc::new(state::Shared::new(config, format!("http://{addr}")));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(Arc::clone(&shared));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sandbox {
            addr,
            shared,
            shutdown: Mutex::new(Some(shutdown)),
        })
    }

    /// The base URL to give a client (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The sandbox's configuration (credentials included).
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// A client for this sandbox with API-key authentication.
    pub fn client(&self) -> Result<Client, SandboxError> {
        self.client_with(Credentials::api_key(self.config().api_key.as_str())?)
    }

    /// A client for this sandbox with signature authentication.
    pub fn signature_client(&self, algorithm: SignatureAlgorithm) -> Result<Client, SandboxError> {
        let config = self.config();
        self.client_with(Credentials::signature(
            config.api_token.as_str(),
            config.api_secret.as_str(),
            algorithm,
        )?)
    }

    /// A client for this sandbox with these credentials (for example wrong
    /// ones, to test failures).
    pub fn client_with(&self, credentials: Credentials) -> Result<Client, SandboxError> {
        Ok(Client::builder()
            .base_url(self.base_url())
            .credentials(credentials)
            .build()?)
    }

    /// A callback verifier with the sandbox's callback token and secret.
    pub fn callback_verifier(&self) -> CallbackVerifier {
        let config = self.config();
        CallbackVerifier::new(
            config.callback_token.as_str(),
            config.callback_secret.as_str(),
        )
        .unwrap_or_else(|_| unreachable!("sandbox callback credentials are non-empty"))
    }

    /// Pays an order as the customer would: in full, partly or overpaid.
    /// Returns the new status; a full or over-payment triggers the paid
    /// callback.
    pub fn pay(&self, order_id: &str, payment: Payment) -> Result<OrderStatus, SandboxError> {
        self.shared.pay(order_id, payment)
    }

    /// Lets an unpaid order time out (`OVERDUE`) and triggers the timeout
    /// callback.
    pub fn expire(&self, order_id: &str) -> Result<(), SandboxError> {
        self.shared.expire(order_id)
    }

    /// Makes the API report this status for the order from now on, known
    /// to the SDK or not (`OrderStatus::Unknown("CONFIRMING".into())`), with
    /// no callback and no other change: to test that your code (or a client
    /// in another language) accepts a status Aurpay adds tomorrow.
    ///
    /// ```
    /// use aurpay_api::{OrderStatus, sandbox::Sandbox};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = Sandbox::start_with_examples().await?;
    /// let order_id = "20240806071926377966"; // one of the spec's examples
    /// sandbox.report_status(order_id, OrderStatus::from("CONFIRMING"))?;
    /// let order = sandbox.client()?.get_orders_details().order_id(order_id).call().await?;
    /// assert_eq!(order.status, OrderStatus::Unknown("CONFIRMING".into()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn report_status(&self, order_id: &str, status: OrderStatus) -> Result<(), SandboxError> {
        self.shared.report(order_id, Some(status), None)
    }

    /// Makes the API report this crypto amount for the order (and its
    /// transaction) from now on, with every digit, in the amount's JSON
    /// form (a parsed `Amount` is a number; `with_json_form` chooses): to
    /// test that a client reads long amounts exactly (a JSON parser that
    /// reads numbers as doubles rounds `0.1234567890123456789` before any
    /// code sees it).
    pub fn report_amount(&self, order_id: &str, amount: crate::Amount) -> Result<(), SandboxError> {
        self.shared.report(order_id, None, Some(amount))
    }

    /// Every callback delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.deliveries()
    }

    /// Waits until a callback for `order_id` was answered with 200, or the
    /// timeout passes.
    pub async fn wait_for_delivery(&self, order_id: &str, timeout: Duration) -> Option<Delivery> {
        self.wait_for_attempt(timeout, |d| d.order_id == order_id && d.status == Some(200))
            .await
    }

    /// Waits until some delivery attempt, failed ones included (a 500 from
    /// the receiver, a refused connection, a dropped callback), matches, or
    /// the timeout passes. Checks every 10 ms.
    pub async fn wait_for_attempt(
        &self,
        timeout: Duration,
        matches: impl Fn(&Delivery) -> bool,
    ) -> Option<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.deliveries().into_iter().find(|d| matches(d)) {
                return Some(found);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends the order's last paid (or timeout) callback again, with a
    /// fresh `Date` and signature, as Aurpay does when it retries: a
    /// receiver must apply it once.
    pub fn redeliver(&self, order_id: &str, event: CallbackEvent) -> Result<(), SandboxError> {
        let paid = match event {
            CallbackEvent::Paid => true,
            CallbackEvent::TimedOut => false,
            _ => return Err(SandboxError::NoSuchCallback(order_id.to_owned())),
        };
        self.shared.redeliver(order_id, paid)
    }

    /// Holds callbacks back from now on, until
    /// [`release_callbacks`](Sandbox::release_callbacks): to deliver them
    /// late, or out of order.
    pub fn hold_callbacks(&self) {
        self.shared.hold_callbacks();
    }

    /// Sends the held callbacks one after another, in `order`, and stops
    /// holding.
    pub fn release_callbacks(&self, order: Release) {
        self.shared.release_callbacks(order);
    }

    /// Makes the next callbacks misbehave (dropped, delayed, duplicated),
    /// for as many callbacks as `repeat` says.
    pub fn inject_callback_fault(&self, fault: CallbackFault, repeat: Repeat) {
        self.shared.inject_callback_fault(fault, repeat);
    }

    /// Removes an injected callback fault.
    pub fn clear_callback_faults(&self) {
        self.shared.clear_callback_faults();
    }

    /// A signer with the sandbox's callback token and secret (and API key):
    /// to forge a callback exactly as the sandbox would sign it, for a
    /// receiver test that needs one the sandbox would not send.
    pub fn callback_signer(&self) -> CallbackSigner {
        let config = self.config();
        CallbackSigner::new(
            config.callback_token.as_str(),
            config.callback_secret.as_str(),
        )
        .with_api_key(config.api_key.as_str())
    }

    /// Injects a fault into an operation's calls, for as many calls as
    /// `repeat` says; a later injection for the same operation replaces it.
    /// The operation is named by its generated constant, so a typo does not
    /// compile.
    ///
    /// ```
    /// use aurpay_api::sandbox::{Fault, Repeat, Sandbox};
    /// use aurpay_api::{Operation, Outcome};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = Sandbox::start().await?;
    /// let client = sandbox.client()?;
    /// // A CDN's HTML 502 on the first try: a read is retried and succeeds.
    /// sandbox.inject(Operation::GET_ORDERS, Fault::HtmlError(502), Repeat::Once);
    /// client.get_orders().call().await?;
    /// // Until cleared, every try fails; the error says Aurpay did not act.
    /// sandbox.inject(Operation::GET_BLN_BALANCE, Fault::HtmlError(503), Repeat::UntilCleared);
    /// let error = client.get_bln_balance().call().await.unwrap_err();
    /// assert_eq!(error.http_status(), Some(503));
    /// sandbox.clear_faults();
    /// # Ok(())
    /// # }
    /// ```
    pub fn inject(&self, operation: &'static Operation, fault: Fault, repeat: Repeat) {
        self.shared.inject(operation.id, fault, repeat);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// The merchant's custodial balance for a currency (what Get Wallets
    /// List reports).
    pub fn wallet_balance(&self, currency: &str) -> crate::Amount {
        crate::Amount::from(self.shared.wallet_balance(currency))
    }

    /// Stops the server (also done on drop).
    pub fn stop(&self) {
        if let Some(shutdown) = self
            .shutdown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
