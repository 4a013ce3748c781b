//! Fixtures: orders made in the sandbox as a merchant makes them, and
//! waiting for something to happen, woken by what happens (never a fixed
//! sleep standing in for it).

use std::future::Future;
use std::time::Duration;

use aurpay_api::sandbox::Sandbox;
use aurpay_api::{Amount, Client, types};

/// The longest any test waits for something to happen (real time): far
/// above how long anything here takes, so only a bug reaches it.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The request for a direct (deposit address) order of `price` USD in USDT
/// on Tron, without callbacks.
pub fn direct_request(price: i64) -> types::builder::PaymentInfoRequest {
    types::PaymentInfoRequest::builder()
        .chain("TRX")
        .currency("USDT-TRC20")
        .vs_currency("USD")
        .vs_price(Amount::from(price))
}

/// A direct order for `price` USD with these callback URLs (`None`: no
/// callbacks): its Aurpay order id.
pub async fn direct_order_with(
    client: &Client,
    price: i64,
    callbacks: Option<(&str, &str)>,
) -> String {
    let mut request = direct_request(price);
    if let Some((paid, timeout)) = callbacks {
        request = request.callback_url(paid).timeout_callback(timeout);
    }
    client
        .get_payment_info()
        .body(request)
        .call()
        .await
        .expect("a direct order")
        .order_id
}

/// A direct order for `price` USD with these callback URLs: its Aurpay
/// order id.
pub async fn direct_order(client: &Client, price: i64, paid: &str, timeout: &str) -> String {
    direct_order_with(client, price, Some((paid, timeout))).await
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
    sandbox
        .pay(&order_id, aurpay_api::sandbox::Payment::Full)
        .unwrap();
    order_id
}

/// Waits until `check` answers `Some`, looking again whenever `changed`
/// completes (an event: a delivery recorded, a request answered), at most
/// [`PATIENCE`]. `changed` is called anew for each wait.
pub async fn until<T, C, F>(what: &str, mut check: impl FnMut() -> Option<T>, mut changed: C) -> T
where
    C: FnMut() -> F,
    F: Future<Output = ()>,
{
    let wait = async {
        loop {
            if let Some(found) = check() {
                return found;
            }
            changed().await;
        }
    };
    match tokio::time::timeout(PATIENCE, wait).await {
        Ok(found) => found,
        Err(_) => panic!("{what}: not within {PATIENCE:?}"),
    }
}
