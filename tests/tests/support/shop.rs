//! The example shop (`aurpay-api/examples/shop/`) as a black box, for the
//! tests that drive it (`shop.rs`, `shop_stages.rs`): the `shop` binary
//! started against a sandbox, its HTTP API, and waits woken by events (a
//! delivery recorded, a reconciliation pass done), never by a fixed sleep.
//!
//! Each test binary uses part of it.
#![allow(dead_code)]

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aurpay_api::Amount;
use aurpay_api::sandbox::{Delivery, Sandbox};
use serde_json::{Value, json};

/// The longest any wait here takes (real time): only a bug reaches it.
pub(crate) const PATIENCE: Duration = Duration::from_secs(30);

/// A running shop process; killed when dropped.
pub(crate) struct ShopProcess {
    child: Child,
    /// Where it listens, `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    /// How many reconciliation passes it finished.
    pub(crate) passes: tokio::sync::watch::Receiver<u64>,
}

impl Drop for ShopProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a shop against the sandbox on `database`, listening on `addr`;
/// `public` is the base of its callback URLs (its own address when `None`).
pub(crate) async fn start_on(
    sandbox: &Sandbox,
    database: &str,
    addr: &str,
    public: Option<&str>,
) -> ShopProcess {
    let config = sandbox.config();
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    command
        .env("AURPAY_API_KEY", config.api_key.as_str())
        .env("AURPAY_BASE_URL", sandbox.base_url())
        .env("AURPAY_CALLBACK_TOKEN", config.callback_token.as_str())
        .env("AURPAY_CALLBACK_SECRET", config.callback_secret.as_str())
        .env("SHOP_ADDR", addr)
        .env("SHOP_DATABASE_URL", database)
        .env("SHOP_RECONCILE_SECS", "0.2")
        .env_remove("AURPAY_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(public) = public {
        command.env("SHOP_PUBLIC_URL", public);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (listening, url) = tokio::sync::oneshot::channel();
    let (passed, passes) = tokio::sync::watch::channel(0u64);
    std::thread::spawn(move || {
        let mut listening = Some(listening);
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.strip_prefix("shop listening on ") {
                if let Some(listening) = listening.take() {
                    let _ = listening.send(url.to_owned());
                }
            } else if let Some(pass) = line
                .strip_prefix("shop: pass ")
                .and_then(|rest| rest.strip_suffix(" done"))
                .and_then(|n| n.parse().ok())
            {
                passed.send_replace(pass);
            }
        }
    });
    let url = tokio::time::timeout(PATIENCE, url)
        .await
        .expect("the shop started")
        .expect("the shop said where it listens");
    ShopProcess { child, url, passes }
}

pub(crate) async fn start_shop(
    sandbox: &Sandbox,
    database: &str,
    public: Option<&str>,
) -> ShopProcess {
    start_on(sandbox, database, "127.0.0.1:0", public).await
}

pub(crate) fn sqlite_url(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("shop-{name}-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    format!("sqlite:{}", path.display())
}

pub(crate) async fn create(shop: &ShopProcess, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/orders", shop.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{body}");
    response.json().await.unwrap()
}

pub(crate) async fn order(shop: &ShopProcess, id: &str) -> Value {
    reqwest::get(format!("{}/orders/{id}", shop.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Completes at the next event: a delivery attempt recorded, or a pass of
/// the shop done.
pub(crate) async fn next_event(sandbox: &Sandbox, shop: &ShopProcess) {
    let attempts = sandbox.deliveries().len();
    let mut passes = shop.passes.clone();
    passes.mark_unchanged();
    tokio::select! {
        _ = sandbox.wait_for_deliveries(PATIENCE, |all| (all.len() > attempts).then_some(())) => {}
        _ = passes.changed() => {}
    }
}

/// Looks at the order at every event until `done` holds (at most
/// [`PATIENCE`]), checking on every look that `fulfilled` never exceeds 1.
pub(crate) async fn wait_for(
    sandbox: &Sandbox,
    shop: &ShopProcess,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let wait = async {
        loop {
            let seen = order(shop, id).await;
            assert!(
                seen["fulfilled"].as_i64().unwrap_or(0) <= 1,
                "fulfilled twice: {seen}"
            );
            if done(&seen) {
                return seen;
            }
            next_event(sandbox, shop).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .expect("the order got there")
}

/// Waits until the deliveries are over (each callback last answered 200,
/// or dropped; those in `least` attempted at least that often) and the
/// shop finished two more passes.
pub(crate) async fn quiet(sandbox: &Sandbox, shop: &ShopProcess, least: &[(&str, usize)]) {
    let over = |all: &[Delivery]| {
        let last_of = |d: &Delivery| {
            all.iter()
                .rev()
                .find(|e| e.order_id == d.order_id && e.paid == d.paid)
                .is_some_and(|e| e.status == Some(200) || e.error.as_deref() == Some("dropped"))
        };
        let enough = least
            .iter()
            .all(|(order, n)| all.iter().filter(|d| d.order_id == *order).count() >= *n);
        (enough && all.iter().all(last_of)).then_some(())
    };
    sandbox
        .wait_for_deliveries(PATIENCE, over)
        .await
        .expect("the deliveries are over");
    let mut passes = shop.passes.clone();
    let now = *passes.borrow_and_update();
    tokio::time::timeout(PATIENCE, passes.wait_for(|n| *n >= now + 2))
        .await
        .expect("two more passes")
        .unwrap();
}

pub(crate) async fn settled(
    sandbox: &Sandbox,
    shop: &ShopProcess,
    id: &str,
    status: &str,
    fulfilled: i64,
) {
    let seen = wait_for(sandbox, shop, id, |o| o["status"] == status).await;
    quiet(sandbox, shop, &[]).await;
    let after = order(shop, id).await;
    assert_eq!(
        (after["status"].as_str(), after["fulfilled"].as_i64()),
        (Some(status), Some(fulfilled)),
        "{seen} then {after}"
    );
}

pub(crate) fn direct(price: &str) -> Value {
    json!({"price": price, "currency": "USD", "method": "direct", "chain": "TRX", "crypto": "USDT-TRC20"})
}

pub(crate) async fn due(sandbox: &Sandbox, aurpay_order_id: &str) -> Amount {
    sandbox
        .client()
        .unwrap()
        .get_orders_details()
        .order_id(aurpay_order_id)
        .call()
        .await
        .unwrap()
        .amount
}

pub(crate) fn aurpay_id(created: &Value) -> String {
    created["aurpay_order_id"].as_str().unwrap().to_owned()
}
