//! An in-process fake Aurpay server for tests and offline demos (feature
//! `sandbox`).
//!
//! Aurpay has no public test mode. The sandbox is a stateful stand-in on
//! `127.0.0.1` (ephemeral port) that speaks the spec's wire format for all
//! operations, authenticates both schemes with its own verifier, keeps
//! orders, transactions, refunds, wallets and a Lightning balance, walks
//! orders through the stages of a crypto payment ([`Sandbox::pay`]: seen,
//! confirmed, partly paid, expired, paid late, resolved, terminated,
//! refunded), and delivers signed callbacks (GET, or POST with
//! `enable_post_callback`), retried with back-off until the receiver
//! answers 200. Faults (latency, stalls, HTTP 5xx, error codes, dropped
//! connections) can be injected per operation, and callbacks dropped,
//! delayed, duplicated or held.
//!
//! Time is the sandbox's [`Clock`]: orders expire 30
//! minutes after creation, callbacks are dated and retried, on it. Start
//! it with a [`ManualClock`](crate::clock::ManualClock) and move time with
//! [`Sandbox::advance`] (or `POST /__sandbox/clock/advance`): no test
//! sleeps for an order to expire.
//!
//! ```
//! use std::time::Duration;
//! use aurpay_api::clock::ManualClock;
//! use aurpay_api::sandbox::{Payment, Sandbox};
//! use aurpay_api::{Amount, OrderStatus, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().manual_clock(ManualClock::starting_now()).start().await?;
//! let client = sandbox.client()?;
//! let create = || client.create_bln_order().body(types::BlnOrderRequest::builder().price(Amount::from(20)).currency("USD"));
//! let paid = create().call().await?;
//! assert_eq!(sandbox.pay(&paid.order_id, Payment::Full)?, OrderStatus::Success);
//! let unpaid = create().call().await?;
//! sandbox.advance(Duration::from_secs(30 * 60));
//! let unpaid = client.get_orders_details().order_id(unpaid.order_id.as_str()).call().await?;
//! assert_eq!(unpaid.status, OrderStatus::Overdue);
//! # Ok(()) }
//! ```
//!
//! The sandbox models Aurpay as documented; where Aurpay's behaviour is not
//! documented (error codes, the inferred endpoints, callback retry timing,
//! the stages marked INFERRED on [`Payment`]) it makes a plausible choice
//! and says so.

mod auth;
mod builder;
mod checkout;
pub mod codes;
mod config;
mod controls;
mod delivery;
mod errors;
mod faults;
mod handlers;
mod model;
mod orders;
mod payments;
pub(crate) mod route;
pub(crate) mod schema;
mod seed;
mod server;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use builder::SandboxBuilder;
pub use config::{EXAMPLE_WALLET_BALANCE, SandboxConfig};
pub use delivery::{CallbackFault, Delivery, Release};
pub use errors::SandboxError;
pub use faults::{Fault, Repeat};
pub use payments::{Confirmations, Payment};

use crate::callback::{CallbackEvent, CallbackSigner, CallbackVerifier};
use crate::clock::Clock;
use crate::{Client, Credentials, Operation, OrderStatus, SignatureAlgorithm};

/// A running sandbox. Stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<model::Shared>,
    shutdown: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// How to start one: with the defaults, `Sandbox::builder().start()`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = aurpay_api::sandbox::Sandbox::builder().examples().start().await?;
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
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            address: "127.0.0.1:0".to_owned(),
            config: SandboxConfig::default(),
            examples: false,
            clock: crate::clock::system(),
            manual: None,
        }
    }

    /// The base URL to give a client (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The sandbox's configuration (credentials included).
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// A client for this sandbox with API-key authentication, on the
    /// sandbox's clock.
    pub fn client(&self) -> Result<Client, SandboxError> {
        self.client_with(Credentials::api_key(self.config().api_key.as_str())?)
    }

    /// A client for this sandbox with signature authentication, on the
    /// sandbox's clock.
    pub fn signature_client(&self, algorithm: SignatureAlgorithm) -> Result<Client, SandboxError> {
        let config = self.config();
        self.client_with(Credentials::signature(
            config.api_token.as_str(),
            config.api_secret.as_str(),
            algorithm,
        )?)
    }

    /// A client for this sandbox with these credentials (for example wrong
    /// ones, to test failures), on the sandbox's clock.
    pub fn client_with(&self, credentials: Credentials) -> Result<Client, SandboxError> {
        Ok(Client::builder()
            .base_url(self.base_url())
            .credentials(credentials)
            .clock(Arc::clone(&self.shared.clock))
            .build()?)
    }

    /// A callback verifier with the sandbox's callback token and secret, on
    /// the sandbox's clock.
    pub fn callback_verifier(&self) -> CallbackVerifier {
        let config = self.config();
        CallbackVerifier::new(
            config.callback_token.as_str(),
            config.callback_secret.as_str(),
        )
        .unwrap_or_else(|_| unreachable!("sandbox callback credentials are non-empty"))
        .clock(Arc::clone(&self.shared.clock))
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

    /// The sandbox's clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.shared.clock)
    }

    /// Moves a sandbox started with a [manual clock](SandboxBuilder::manual_clock)
    /// forward, and times out the orders whose time has come (as `POST
    /// /__sandbox/clock/advance` does). Does nothing to a sandbox on the
    /// system clock.
    pub fn advance(&self, duration: Duration) {
        if let Some(clock) = &self.shared.manual_clock {
            clock.advance(duration);
            self.shared.expire_due();
        }
    }

    /// Pays an order as the customer would: in full, partly or overpaid,
    /// confirmed at once. Returns the new status: `SUCCESS` (paid callback)
    /// or `PARTIAL`; an order that already expired stays `OVERDUE`, the
    /// payment recorded (paid late: [`resolve`](Self::resolve) it).
    pub fn pay(&self, order_id: &str, payment: Payment) -> Result<OrderStatus, SandboxError> {
        self.shared.pay(order_id, payment, Confirmations::Confirmed)
    }

    /// [`pay`](Self::pay), the payment seen on chain but waiting for
    /// confirmations: the order stays `PENDING` until
    /// [`confirm`](Self::confirm).
    pub fn pay_unconfirmed(
        &self,
        order_id: &str,
        payment: Payment,
    ) -> Result<OrderStatus, SandboxError> {
        self.shared.pay(order_id, payment, Confirmations::Waiting)
    }

    /// Confirms the payments an order has seen.
    pub fn confirm(&self, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.shared.confirm(order_id)
    }

    /// Lets an open order time out now (`OVERDUE`, timeout callback).
    pub fn expire(&self, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.shared.expire(order_id)
    }

    /// The merchant accepts an expired order's underpayment or late
    /// payment (`RESOLVED`, paid callback; INFERRED).
    pub fn resolve(&self, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.shared.resolve(order_id)
    }

    /// Ends an unpaid order (`TERMINATED`, timeout callback; INFERRED).
    pub fn terminate(&self, order_id: &str) -> Result<OrderStatus, SandboxError> {
        self.shared.terminate(order_id)
    }

    /// Makes the API report this status for the order from now on, known
    /// to the SDK or not (`OrderStatus::from("CONFIRMING")`), with no
    /// callback and no other change: to test that your code (or a client in
    /// another language) accepts a status Aurpay adds tomorrow.
    ///
    /// ```
    /// use aurpay_api::{OrderStatus, sandbox::Sandbox};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = Sandbox::builder().examples().start().await?;
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
    /// test that a client reads long amounts exactly.
    pub fn report_amount(&self, order_id: &str, amount: crate::Amount) -> Result<(), SandboxError> {
        self.shared.report(order_id, None, Some(amount))
    }

    /// How many requests for `operation` arrived so far (processed or not):
    /// to prove a call that moves money was sent once.
    pub fn calls(&self, operation: &'static Operation) -> u32 {
        self.shared
            .lock()
            .calls
            .get(operation.id)
            .copied()
            .unwrap_or(0)
    }

    /// Every callback delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.deliveries()
    }

    /// Waits until some delivery attempt, failed ones included (a 500 from
    /// the receiver, a refused connection, a dropped callback), matches,
    /// at most `timeout` (real time). Woken by each attempt, not polling.
    pub async fn wait_for_attempt(
        &self,
        timeout: Duration,
        matches: impl Fn(&Delivery) -> bool,
    ) -> Option<Delivery> {
        self.shared
            .wait_for_deliveries(timeout, |all| all.iter().find(|d| matches(d)).cloned())
            .await
    }

    /// Waits until `done` says something of all the delivery attempts so
    /// far (oldest first), at most `timeout` (real time): to wait for the
    /// end of a burst of deliveries ("every callback answered 200, none
    /// left to retry"), woken by each attempt, not polling.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aurpay_api::sandbox::Sandbox;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = Sandbox::builder().start().await?;
    /// // No callback URL: nothing is delivered, so nothing to wait for.
    /// let all = sandbox
    ///     .wait_for_deliveries(Duration::from_secs(1), |all| Some(all.len()))
    ///     .await;
    /// assert_eq!(all, Some(0));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_deliveries<T>(
        &self,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> Option<T>,
    ) -> Option<T> {
        self.shared.wait_for_deliveries(timeout, done).await
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
    /// let sandbox = Sandbox::builder().start().await?;
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
            let _ = shutdown.send(true);
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
