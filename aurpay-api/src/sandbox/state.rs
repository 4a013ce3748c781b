//! The sandbox's model of a merchant account, and callback delivery.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;

use super::SandboxConfig;
use crate::OrderStatus;

/// How a customer pays an order in [`Sandbox::pay`](super::Sandbox::pay).
/// Amounts are in the order's crypto currency (the SDK's one money type,
/// [`Amount`](crate::Amount)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    /// Exactly the amount due: `SUCCESS`.
    Full,
    /// Less than due, in the order's crypto currency (more than zero,
    /// less than what is still due): `PARTIAL` (no callback).
    Partial(crate::Amount),
    /// More than due, in the order's crypto currency (the whole sum paid,
    /// which must exceed what is still due): `SUCCESS`, with the sum
    /// recorded as obtained.
    Overpaid(crate::Amount),
}

/// A fault injected into an operation's calls (for how many, see
/// [`Repeat`]). Each says whether the request is processed, which is what
/// decides the SDK's [`Outcome`](crate::Outcome): a fault before processing
/// leaves nothing behind; one after it leaves an order or a withdrawal that
/// the client cannot see.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer after this delay (the request is still processed).
    Latency(Duration),
    /// Answer with this HTTP status (400 to 599; anything else is sent as
    /// 500) and a JSON error envelope, without processing the request.
    HttpStatus(u16),
    /// Answer with this HTTP status (400 to 599; anything else is sent as
    /// 500) and an HTML error page, as a CDN or load balancer in front of
    /// Aurpay does, without processing the request.
    HtmlError(u16),
    /// Answer HTTP 200 with this non-zero envelope code and message, without
    /// processing the request.
    Code(i64, String),
    /// Process the request, then drop the connection before the answer's
    /// body is complete (chunked, broken off).
    DropConnection,
    /// Process the request, then close the connection without sending
    /// any answer: a reset after the request was read.
    Reset,
    /// Process the request, then send half of the answer under a
    /// `Content-Length` for all of it, and close.
    Truncated,
    /// Process the request, then answer HTTP 200 `application/json` with
    /// bytes that are not JSON.
    Garbled,
    /// Process the request, send the answer's first half, wait this long,
    /// then send the rest.
    SlowBody(Duration),
}

/// What happens to the next callbacks the sandbox sends (for how many, see
/// [`Repeat`]): what a merchant's receiver must survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackFault {
    /// Never sent. Recorded as a [`Delivery`] with no status and the error
    /// `"dropped"`, so a test can see it happened.
    Drop,
    /// Sent after this delay.
    Delay(Duration),
    /// Sent twice, concurrently, each with its own retries.
    Duplicate,
}

/// The order in which [`Sandbox::release_callbacks`](super::Sandbox::release_callbacks)
/// sends held callbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Release {
    /// As they were produced.
    InOrder,
    /// Newest first: a receiver sees, say, the timeout callback before the
    /// paid one.
    Reversed,
}

/// How many calls an injected [`Fault`] applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repeat {
    /// The next call only.
    Once,
    /// The next this many calls (0 injects nothing).
    Times(u32),
    /// Every call until [`Sandbox::clear_faults`](super::Sandbox::clear_faults).
    UntilCleared,
}

/// Why the sandbox, or one of its controls, failed: the one error type of
/// the sandbox's API.
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// The sandbox could not listen on the address.
    Listen(std::io::Error),
    /// A client for the sandbox could not be built.
    Client(crate::Error),
    /// A payment that does not fit the order: not positive, a partial
    /// payment that covers the amount due, or an overpayment that does not.
    InvalidPayment {
        /// The order.
        order_id: String,
        /// Why.
        reason: String,
    },
    /// No order with this id.
    UnknownOrder(String),
    /// No callback of that kind was produced for this order (nothing to
    /// redeliver).
    NoSuchCallback(String),
    /// The order is not in a state that allows this.
    InvalidState {
        /// The order.
        order_id: String,
        /// Its status.
        status: OrderStatus,
    },
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Listen(e) => write!(f, "sandbox cannot listen: {e}"),
            SandboxError::Client(e) => write!(f, "sandbox client: {e}"),
            SandboxError::InvalidPayment { order_id, reason } => {
                write!(f, "payment for order {order_id} refused: {reason}")
            }
            SandboxError::UnknownOrder(id) => write!(f, "no order {id}"),
            SandboxError::NoSuchCallback(id) => write!(f, "no such callback for order {id}"),
            SandboxError::InvalidState { order_id, status } => {
                write!(f, "order {order_id} is {status}")
            }
        }
    }
}

impl std::error::Error for SandboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SandboxError::Listen(e) => Some(e),
            SandboxError::Client(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::Error> for SandboxError {
    fn from(error: crate::Error) -> Self {
        SandboxError::Client(error)
    }
}

/// One callback delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The order it reports.
    pub order_id: String,
    /// `true` for the paid callback, `false` for the timeout callback.
    pub paid: bool,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The URL called.
    pub url: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OrderKind {
    Hosted,
    Direct,
    Lightning,
}

#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub order_id: String,
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub chain: String,
    pub currency: String,
    pub amount: Decimal,
    pub vs_price: Decimal,
    pub vs_currency: String,
    pub create_time: NaiveDateTime,
    pub update_time: NaiveDateTime,
    pub callback_url: Option<String>,
    pub timeout_callback: Option<String>,
    /// Where the checkout page sends the buyer after paying.
    pub succeed_url: Option<String>,
    /// Where the checkout page sends the buyer when the order times out.
    pub timeout_url: Option<String>,
    pub post_callback: bool,
    pub tx_id: String,
    pub obtained: Option<Decimal>,
    pub fee: Decimal,
    pub address: String,
    pub tx_hash: Option<String>,
    pub payment_request: Option<String>,
    /// The sum refunded so far, in the order's crypto currency.
    pub refunded: Decimal,
    /// The JSON form `amount` is reported in, when a test chose one
    /// ([`Sandbox::report_amount`](super::Sandbox::report_amount)).
    pub amount_form: Option<crate::JsonForm>,
}

impl Order {
    /// What is left to refund: what was paid, less earlier refunds.
    pub fn refundable_amount(&self) -> Decimal {
        if !self.status.is_paid() && self.status != OrderStatus::Refunded {
            return Decimal::ZERO;
        }
        let paid = self.obtained.unwrap_or(self.amount);
        paid.checked_sub(self.refunded)
            .unwrap_or_default()
            .max(Decimal::ZERO)
    }

    pub fn refundable(&self) -> bool {
        self.refundable_amount() > Decimal::ZERO
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Transaction {
    pub tx_id: String,
    pub tx_type: &'static str,
    pub status: OrderStatus,
    pub chain: String,
    pub currency: String,
    pub amount: Decimal,
    pub obtained: Option<Decimal>,
    pub fee: Option<Decimal>,
    pub to_addr: Option<String>,
    pub tx_hash: Option<String>,
    pub time: NaiveDateTime,
    /// As [`Order::amount_form`].
    pub amount_form: Option<crate::JsonForm>,
}

#[derive(Clone, Debug)]
pub(crate) struct Refund {
    pub status: &'static str,
    pub amount: Decimal,
    pub date: NaiveDateTime,
}

#[derive(Default)]
pub(crate) struct State {
    pub orders: BTreeMap<String, Order>,
    pub transactions: Vec<Transaction>,
    /// Order id -> its refunds, oldest first.
    pub refunds: HashMap<String, Vec<Refund>>,
    pub wallets: BTreeMap<String, (String, Decimal)>,
    pub bln_balance: Decimal,
    pub deliveries: Vec<Delivery>,
    /// Every callback produced, oldest first (what `redeliver` resends).
    pub callbacks: Vec<PendingCallback>,
    /// Callbacks held back by `hold_callbacks`, in production order.
    pub held: Option<Vec<PendingCallback>>,
    /// The callback fault and how many callbacks it still applies to.
    pub callback_fault: Option<(CallbackFault, Option<u32>)>,
    /// Operation id -> the fault and how many calls it still applies to
    /// (`None`: until cleared).
    pub faults: HashMap<&'static str, (Fault, Option<u32>)>,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub base_url: String,
    pub state: Mutex<State>,
    counter: AtomicU64,
    http: reqwest::Client,
}

/// USD value of one unit, for converting prices (sandbox rates, not live).
pub(crate) fn usd_rate(currency: &str) -> Decimal {
    match currency {
        "BTC" | "BTC-LN" => Decimal::from(100_000),
        "ETH" => Decimal::from(2_500),
        "TRX" => Decimal::new(25, 2),
        "BNB" => Decimal::from(600),
        _ => Decimal::ONE, // stablecoins
    }
}

pub(crate) fn chain_name(chain: &str) -> &'static str {
    match chain {
        "BTC" => "Bitcoin",
        "ETH" => "Ethereum",
        "TRX" => "Tron",
        "BNB" => "BNB Chain",
        "BLN" => "Bitcoin Lightning Network",
        _ => "Unknown",
    }
}

pub(crate) fn utc_now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

pub(crate) fn now() -> NaiveDateTime {
    utc_now().naive_utc()
}

impl Shared {
    pub fn new(config: SandboxConfig, base_url: String) -> Self {
        let mut state = State {
            bln_balance: Decimal::new(50_000, 8),
            ..State::default()
        };
        for (chain, currency) in [("ETH", "USDT-ERC20"), ("TRX", "USDT-TRC20"), ("BTC", "BTC")] {
            state
                .wallets
                .insert(currency.to_owned(), (chain.to_owned(), Decimal::ZERO));
        }
        Shared {
            config,
            base_url,
            state: Mutex::new(state),
            counter: AtomicU64::new(0),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh pseudo-random 64-bit value (ids, hashes; not security).
    pub fn next_random(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let seed = utc_now().timestamp_nanos_opt().unwrap_or_default() as u64;
        let mut z = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(seed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A 20-digit order id in Aurpay's shape: timestamp plus 6 digits.
    pub fn order_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        format!("{}{n:06}", utc_now().format("%Y%m%d%H%M%S"))
    }

    pub fn uuid(&self) -> String {
        let a = self.next_random();
        let b = self.next_random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    pub fn hex(&self, digits: usize) -> String {
        let mut out = String::new();
        while out.len() < digits {
            out.push_str(&format!("{:016x}", self.next_random()));
        }
        out.truncate(digits);
        out
    }

    pub fn inject(&self, operation_id: &'static str, fault: Fault, repeat: Repeat) {
        let remaining = match repeat {
            Repeat::Once => Some(1),
            Repeat::Times(0) => {
                self.lock().faults.remove(operation_id);
                return;
            }
            Repeat::Times(n) => Some(n),
            Repeat::UntilCleared => None,
        };
        self.lock().faults.insert(operation_id, (fault, remaining));
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The fault for this call of the operation, counting it against the
    /// fault's repeat.
    pub fn take_fault(&self, operation_id: &str) -> Option<Fault> {
        let mut state = self.lock();
        let (fault, remaining) = state.faults.get_mut(operation_id)?;
        let fault = fault.clone();
        if let Some(left) = remaining {
            *left = left.saturating_sub(1);
            if *left == 0 {
                state.faults.remove(operation_id);
            }
        }
        Some(fault)
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.lock().deliveries.clone()
    }

    pub fn wallet_balance(&self, currency: &str) -> Decimal {
        self.lock()
            .wallets
            .get(currency)
            .map(|(_, b)| *b)
            .unwrap_or_default()
    }

    pub fn pay(
        self: &std::sync::Arc<Self>,
        order_id: &str,
        payment: Payment,
    ) -> Result<OrderStatus, SandboxError> {
        let (order, status) = {
            let mut state = self.lock();
            let hash = self.hex(64);
            let order = open_order(&mut state, order_id)?;
            let already = order.obtained.unwrap_or_default();
            let due = order.amount.checked_sub(already).unwrap_or_default();
            let invalid = |reason: String| SandboxError::InvalidPayment {
                order_id: order_id.to_owned(),
                reason,
            };
            let received = match payment {
                Payment::Full => due,
                Payment::Partial(amount) => {
                    let amount = amount.decimal();
                    if amount <= Decimal::ZERO || amount >= due {
                        return Err(invalid(format!(
                            "a partial payment must be positive and less than the {due} due"
                        )));
                    }
                    amount
                }
                Payment::Overpaid(amount) => {
                    let amount = amount.decimal();
                    if amount <= due {
                        return Err(invalid(format!("an overpayment must exceed the {due} due")));
                    }
                    amount
                }
            };
            let total = already
                .checked_add(received)
                .ok_or_else(|| invalid("amount out of range".to_owned()))?;
            order.obtained = Some(total);
            order.status = if total >= order.amount {
                OrderStatus::Success
            } else {
                OrderStatus::Partial
            };
            order.update_time = now();
            order.tx_hash = Some(hash.clone());
            let order = order.clone();
            let status = order.status.clone();
            if status == OrderStatus::Success {
                match order.kind {
                    OrderKind::Lightning => {
                        state.bln_balance = state.bln_balance.saturating_add(total)
                    }
                    _ => {
                        let chain = order.chain.clone();
                        let entry = state
                            .wallets
                            .entry(order.currency.clone())
                            .or_insert_with(|| (chain, Decimal::ZERO));
                        entry.1 = entry.1.saturating_add(total - order.fee);
                    }
                }
            }
            if let Some(tx) = state
                .transactions
                .iter_mut()
                .find(|t| t.tx_id == order.tx_id)
            {
                tx.status = status.clone();
                tx.obtained = Some(total);
                tx.tx_hash = Some(hash);
            }
            (order, status)
        };
        if status == OrderStatus::Success {
            self.deliver(&order, true);
        }
        Ok(status)
    }

    pub fn expire(self: &std::sync::Arc<Self>, order_id: &str) -> Result<(), SandboxError> {
        let order = {
            let mut state = self.lock();
            let order = open_order(&mut state, order_id)?;
            order.status = OrderStatus::Overdue;
            order.update_time = now();
            let order = order.clone();
            if let Some(tx) = state
                .transactions
                .iter_mut()
                .find(|t| t.tx_id == order.tx_id)
            {
                tx.status = OrderStatus::Overdue;
            }
            order
        };
        self.deliver(&order, false);
        Ok(())
    }

    /// Makes the API report `status` and/or `amount` for the order from now
    /// on (its transaction too), with no callback: what Aurpay might send
    /// tomorrow, for forward-compatibility and exactness tests.
    pub fn report(
        &self,
        order_id: &str,
        status: Option<OrderStatus>,
        amount: Option<crate::Amount>,
    ) -> Result<(), SandboxError> {
        let mut state = self.lock();
        let order = state
            .orders
            .get_mut(order_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))?;
        if let Some(status) = &status {
            order.status = status.clone();
        }
        if let Some(amount) = &amount {
            order.amount = amount.decimal();
            order.amount_form = Some(amount.json_form());
        }
        order.update_time = now();
        let tx_id = order.tx_id.clone();
        if let Some(tx) = state.transactions.iter_mut().find(|t| t.tx_id == tx_id) {
            if let Some(status) = status {
                tx.status = status;
            }
            if let Some(amount) = amount {
                tx.amount = amount.decimal();
                tx.amount_form = Some(amount.json_form());
            }
        }
        Ok(())
    }

    /// Produces the order's callback: held, or sent in the background
    /// (subject to an injected callback fault).
    fn deliver(self: &std::sync::Arc<Self>, order: &Order, paid: bool) {
        let url = if paid {
            &order.callback_url
        } else {
            &order.timeout_callback
        };
        let Some(url) = url.clone() else { return };
        let callback = PendingCallback {
            order_id: order.order_id.clone(),
            paid,
            url,
            body: order
                .post_callback
                .then(|| super::handlers::order_detail_json(order, &self.config.merchant_id)),
        };
        let mut state = self.lock();
        state.callbacks.push(callback.clone());
        if let Some(held) = &mut state.held {
            held.push(callback);
            return;
        }
        drop(state);
        self.send_callback(callback);
    }

    /// Sends a callback again, as produced (a fresh `Date` and signature).
    pub fn redeliver(
        self: &std::sync::Arc<Self>,
        order_id: &str,
        paid: bool,
    ) -> Result<(), SandboxError> {
        let callback = self
            .lock()
            .callbacks
            .iter()
            .rev()
            .find(|c| c.order_id == order_id && c.paid == paid)
            .cloned()
            .ok_or_else(|| SandboxError::NoSuchCallback(order_id.to_owned()))?;
        self.send_callback(callback);
        Ok(())
    }

    pub fn hold_callbacks(&self) {
        self.lock().held.get_or_insert_with(Vec::new);
    }

    /// Sends the held callbacks one after another (each finishes its
    /// retries before the next starts), and stops holding.
    pub fn release_callbacks(self: &std::sync::Arc<Self>, order: Release) {
        let Some(mut held) = self.lock().held.take() else {
            return;
        };
        if order == Release::Reversed {
            held.reverse();
        }
        let shared = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            // One after another; an injected callback fault applies to
            // released callbacks as to any other.
            for callback in held {
                std::sync::Arc::clone(&shared).deliver_now(callback).await;
            }
        });
    }

    pub fn inject_callback_fault(&self, fault: CallbackFault, repeat: Repeat) {
        self.lock().callback_fault = match repeat {
            Repeat::Once => Some((fault, Some(1))),
            Repeat::Times(0) => None,
            Repeat::Times(n) => Some((fault, Some(n))),
            Repeat::UntilCleared => Some((fault, None)),
        };
    }

    pub fn clear_callback_faults(&self) {
        self.lock().callback_fault = None;
    }

    fn take_callback_fault(&self) -> Option<CallbackFault> {
        let mut state = self.lock();
        let (fault, remaining) = state.callback_fault.as_mut()?;
        let fault = *fault;
        if let Some(left) = remaining {
            *left = left.saturating_sub(1);
            if *left == 0 {
                state.callback_fault = None;
            }
        }
        Some(fault)
    }

    fn send_callback(self: &std::sync::Arc<Self>, callback: PendingCallback) {
        let shared = std::sync::Arc::clone(self);
        tokio::spawn(async move { shared.deliver_now(callback).await });
    }

    /// Delivers one callback as an injected callback fault says: dropped,
    /// delayed, duplicated, or as is.
    async fn deliver_now(self: std::sync::Arc<Self>, callback: PendingCallback) {
        let shared = std::sync::Arc::clone(&self);
        match self.take_callback_fault() {
            Some(CallbackFault::Drop) => {
                let method = callback.method();
                self.lock().deliveries.push(Delivery {
                    order_id: callback.order_id,
                    paid: callback.paid,
                    method,
                    url: callback.url,
                    attempt: 1,
                    status: None,
                    error: Some("dropped".to_owned()),
                });
            }
            Some(CallbackFault::Delay(delay)) => {
                tokio::time::sleep(delay).await;
                shared.attempts(callback).await;
            }
            Some(CallbackFault::Duplicate) => {
                let twin = std::sync::Arc::clone(&self);
                let copy = callback.clone();
                tokio::spawn(async move { twin.attempts(copy).await });
                shared.attempts(callback).await;
            }
            None => shared.attempts(callback).await,
        }
    }

    /// Delivers one callback, retrying with back-off on anything but 200,
    /// recording every attempt.
    async fn attempts(self: std::sync::Arc<Self>, callback: PendingCallback) {
        let mut backoff = self.config.callback_backoff;
        for attempt in 1..=self.config.callback_attempts.max(1) {
            let date = crate::signing::format_date(&crate::Timestamp::from_utc(utc_now()));
            let signature = callback_signature(&self.config.callback_secret, &date, &callback.url);
            let request = match &callback.body {
                Some(body) => self
                    .http
                    .post(&callback.url)
                    .header("Content-Type", "application/json")
                    .body(body.clone()),
                None => self.http.get(&callback.url),
            }
            .header("Callback-Token", &self.config.callback_token)
            .header("Date", &date)
            .header("Signature", signature)
            .header("API-Key", &self.config.api_key);
            let outcome = request.send().await;
            let (status, error) = match &outcome {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(crate::retry::describe(e))),
            };
            self.lock().deliveries.push(Delivery {
                order_id: callback.order_id.clone(),
                paid: callback.paid,
                method: callback.method(),
                url: callback.url.clone(),
                attempt,
                status,
                error,
            });
            if status == Some(200) {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

/// A callback as produced for an order: where it goes and what it carries.
#[derive(Clone, Debug)]
pub(crate) struct PendingCallback {
    pub order_id: String,
    pub paid: bool,
    pub url: String,
    /// The POST body, JSON text (exact digits).
    pub body: Option<String>,
}

impl PendingCallback {
    fn method(&self) -> &'static str {
        if self.body.is_some() { "POST" } else { "GET" }
    }
}

/// An order that can still be paid or expire (`PENDING` or `PARTIAL`).
fn open_order<'s>(state: &'s mut State, order_id: &str) -> Result<&'s mut Order, SandboxError> {
    let order = state
        .orders
        .get_mut(order_id)
        .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))?;
    if !matches!(order.status, OrderStatus::Pending | OrderStatus::Partial) {
        return Err(SandboxError::InvalidState {
            order_id: order_id.to_owned(),
            status: order.status.clone(),
        });
    }
    Ok(order)
}

/// The sandbox's own callback signer (deliberately not the SDK's
/// `CallbackSigner`, so that the SDK's verifier is checked against a second
/// implementation): `Base64(HMAC-SHA256(secret, "{date} | {url}"))`.
fn callback_signature(secret: &str, date: &str, url: &str) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(date.as_bytes());
    mac.update(b" | ");
    mac.update(url.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
