//! Fixtures: orders made in the sandbox as a merchant makes them, SQLite
//! files, and waiting for something to happen, woken by what happens
//! (never a fixed sleep standing in for it).
//!
//! There are two ways to be woken, both race-free: [`until`] over a
//! channel the thing waited on announces its changes on (the tests' own
//! servers and receivers, a process's output lines), and [`delivered`] over
//! the sandbox's delivery attempts (`Sandbox::wait_for_deliveries`, woken
//! by each attempt).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use aurpay_api::callback::CallbackUrls;
use aurpay_api::sandbox::{Delivery, Payment, Sandbox};
use aurpay_api::{Amount, Client, types};
use tokio::sync::watch;

/// The longest any test waits for something to happen (real time): far
/// above how long anything here takes, so only a bug reaches it.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The request for a direct (deposit address) order of `price` USD in
/// `currency` on `chain`, without callbacks.
pub fn payment_request(
    chain: &str,
    currency: &str,
    price: impl Into<Amount>,
) -> types::builder::PaymentInfoRequest {
    types::PaymentInfoRequest::builder()
        .chain(chain)
        .currency(currency)
        .vs_currency("USD")
        .vs_price(price.into())
}

/// The request for a direct order of `price` USD in USDT on Tron, without
/// callbacks.
pub fn direct_request(price: i64) -> types::builder::PaymentInfoRequest {
    payment_request("TRX", "USDT-TRC20", price)
}

/// The request for a direct order of `price` USD in USDT on Tron whose
/// paid and timeout callbacks carry `reference` (URLs from `urls`).
pub fn direct_request_for(
    price: i64,
    urls: &CallbackUrls,
    reference: &str,
) -> types::builder::PaymentInfoRequest {
    direct_request(price)
        .callback_url(urls.paid(reference).expect("a paid callback URL"))
        .timeout_callback(urls.timeout(reference).expect("a timeout callback URL"))
}

/// A Tron address the sandbox pays refunds and withdrawals to.
pub const TRON_ADDRESS: &str = "TPYmHEhy5n8TCEfYGqW2rPxsghSfzghPDn";

/// The request for a withdrawal of `amount` USDT on Tron to
/// [`TRON_ADDRESS`].
pub fn withdraw_request(amount: impl Into<Amount>) -> types::builder::WithdrawRequest {
    types::WithdrawRequest::builder()
        .chain("TRX")
        .currency("USDT-TRC20")
        .amount(amount.into())
        .address(TRON_ADDRESS)
}

/// Sends `request` (Create Direct Order): the order as Aurpay answered.
pub async fn create_direct(
    client: &Client,
    request: types::builder::PaymentInfoRequest,
) -> types::PaymentInfo {
    client
        .get_payment_info()
        .body(request)
        .call()
        .await
        .expect("a direct order")
}

/// A direct order for `price` USD without callbacks: its Aurpay order id.
pub async fn direct_order(client: &Client, price: i64) -> String {
    create_direct(client, direct_request(price)).await.order_id
}

/// A direct order for `price` USD whose callbacks carry `reference`: its
/// Aurpay order id.
pub async fn direct_order_for(
    client: &Client,
    price: i64,
    urls: &CallbackUrls,
    reference: &str,
) -> String {
    create_direct(client, direct_request_for(price, urls, reference))
        .await
        .order_id
}

/// A Lightning order for `price` USD without callbacks: its order id.
pub async fn lightning_order(client: &Client, price: i64) -> String {
    client
        .create_bln_order()
        .body(
            types::BlnOrderRequest::builder()
                .price(Amount::from(price))
                .currency("USD"),
        )
        .call()
        .await
        .expect("a Lightning order")
        .order_id
}

/// An order in the sandbox, paid in full: its order id.
pub async fn paid_order(sandbox: &Sandbox, price: i64) -> String {
    let order_id = lightning_order(&sandbox.client().unwrap(), price).await;
    sandbox.pay(&order_id, Payment::Full).unwrap();
    order_id
}

/// The order as Get Order Details answers it now.
pub async fn details(client: &Client, order_id: &str) -> types::OrderDetail {
    client
        .get_orders_details()
        .order_id(order_id)
        .call()
        .await
        .unwrap_or_else(|e| panic!("details of {order_id}: {e:?}"))
}

/// A fresh SQLite file for `name` in this process (any earlier one and its
/// journal files removed): its path.
pub fn sqlite_path(name: &str) -> PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// Waits until `check` answers `Some`, looking again whenever `changes`
/// announces a change (a request recorded, a line printed), at most
/// [`PATIENCE`]; panics naming `what` if it never does. No change is
/// missed: each one after a look wakes the next look.
pub async fn until<T, V>(
    what: &str,
    changes: &watch::Receiver<V>,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let mut changes = changes.clone();
    let wait = async {
        loop {
            changes.borrow_and_update();
            if let Some(found) = check() {
                return Some(found);
            }
            if changes.changed().await.is_err() {
                // Nothing more can change: this is the last look.
                return check();
            }
        }
    };
    match tokio::time::timeout(PATIENCE, wait).await {
        Ok(Some(found)) => found,
        Ok(None) => panic!("{what}: never (nothing more can change)"),
        Err(_) => panic!("{what}: not within {PATIENCE:?}"),
    }
}

/// Waits until `check` answers `Some` of the sandbox's delivery attempts so
/// far (oldest first), woken by each attempt, at most [`PATIENCE`]; panics
/// naming `what` (and showing the attempts) if it never does.
pub async fn delivered<T>(
    sandbox: &Sandbox,
    what: &str,
    check: impl Fn(&[Delivery]) -> Option<T>,
) -> T {
    match sandbox.wait_for_deliveries(PATIENCE, check).await {
        Some(found) => found,
        None => panic!(
            "{what}: not within {PATIENCE:?}; attempts: {:?}",
            sandbox.deliveries()
        ),
    }
}

/// The first delivery attempt that matches, waited for as [`delivered`]
/// does.
pub async fn attempt(
    sandbox: &Sandbox,
    what: &str,
    matches: impl Fn(&Delivery) -> bool,
) -> Delivery {
    delivered(sandbox, what, |all| {
        all.iter().find(|d| matches(d)).cloned()
    })
    .await
}

/// Runs `future` at most [`PATIENCE`]; panics naming `what` if it takes
/// longer.
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {PATIENCE:?}"))
}
