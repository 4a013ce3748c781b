//! The sandbox's model of a merchant account: orders, transactions,
//! refunds, wallets and the Lightning balance, and the state they share
//! with the server (faults, callbacks, the clock).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;

use super::SandboxConfig;
use super::delivery::{CallbackFault, Delivery, PendingCallback};
use super::faults::Fault;
use crate::clock::Clock;
use crate::{OrderStatus, Timestamp};

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
    pub create_time: Timestamp,
    pub update_time: Timestamp,
    /// When an unpaid order times out (`OVERDUE`), on the sandbox's clock.
    pub expires_at: Timestamp,
    pub callback_url: Option<String>,
    pub timeout_callback: Option<String>,
    /// Where the checkout page sends the buyer after paying.
    pub succeed_url: Option<String>,
    /// Where the checkout page sends the buyer when the order times out.
    pub timeout_url: Option<String>,
    pub post_callback: bool,
    pub tx_id: String,
    /// What has arrived and is confirmed, in the order's crypto currency.
    pub obtained: Option<Decimal>,
    /// What has been seen on chain but is still waiting for confirmations.
    pub unconfirmed: Decimal,
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

    /// Whether a buyer can still pay it in time (`PENDING` or `PARTIAL`).
    pub fn is_open(&self) -> bool {
        matches!(self.status, OrderStatus::Pending | OrderStatus::Partial)
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
    pub time: Timestamp,
    /// As [`Order::amount_form`].
    pub amount_form: Option<crate::JsonForm>,
}

#[derive(Clone, Debug)]
pub(crate) struct Refund {
    pub status: &'static str,
    pub amount: Decimal,
    pub date: Timestamp,
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
    /// Operation id -> how many requests for it arrived (authenticated or
    /// not, processed or not).
    pub calls: HashMap<&'static str, u32>,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub base_url: String,
    pub state: Mutex<State>,
    pub clock: Arc<dyn Clock>,
    /// The same clock, when it is a manual one that controls may move.
    pub manual_clock: Option<Arc<crate::clock::ManualClock>>,
    counter: AtomicU64,
    pub http: reqwest::Client,
    /// Ticks once per callback delivery attempt recorded: what waiting for
    /// a delivery waits on.
    pub delivered: tokio::sync::watch::Sender<usize>,
}

/// USD value of one unit, for converting prices (sandbox rates, not live;
/// every fiat currency is taken at par with the dollar).
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

impl Shared {
    pub fn new(
        config: SandboxConfig,
        base_url: String,
        clock: Arc<dyn Clock>,
        manual_clock: Option<Arc<crate::clock::ManualClock>>,
    ) -> Self {
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
            clock,
            manual_clock,
            counter: AtomicU64::new(0),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            delivered: tokio::sync::watch::Sender::new(0),
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The sandbox's time as Aurpay writes it: whole seconds.
    pub fn now(&self) -> Timestamp {
        self.clock.now().whole_seconds()
    }

    /// A 20-digit order id in Aurpay's shape: the creation time plus 6
    /// digits.
    pub fn order_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let time: String = self
            .now()
            .as_str()
            .chars()
            .filter(char::is_ascii_digit)
            .take(14)
            .collect();
        format!("{time:0<14}{n:06}")
    }

    pub fn uuid(&self) -> String {
        let a = crate::random::next_u64();
        let b = crate::random::next_u64();
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
            out.push_str(&format!("{:016x}", crate::random::next_u64()));
        }
        out.truncate(digits);
        out
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
}
